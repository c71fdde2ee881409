"""The provider boundary: what Ledgerline asks of a payment provider, in domain values.

A real adapter (GoCardless, Stripe, ...) is one module implementing ``Provider``; the built-in
``manual`` and ``sandbox`` adapters are the two there are today. Adapters never touch Ledgerline's
books: they answer what the provider said, and events they send come back through
``verify_and_parse`` into the one code path that applies them (service.receive_events).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from ledgerline.errors import Conflict
from ledgerline.providers.secrets import Cipher


@dataclass(frozen=True)
class ProviderRuntime:
    """What adapters need from the server: the cipher of stored secrets, the public base URL of the
    hosted pages, and the sandbox's settle delay."""

    cipher: Cipher
    base_url: str
    settle_seconds: float = 1.0
    signature_tolerance_seconds: int = 300


@dataclass(frozen=True)
class ProviderContext:
    """One call to one configured provider: the request's session (the sandbox keeps its books in it),
    the provider's row and the runtime. Secrets are decrypted only when an adapter reads them."""

    session: Session
    provider: Any  # models.PaymentProvider
    runtime: ProviderRuntime

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.provider.tenant_id

    @property
    def provider_id(self) -> int:
        return self.provider.id

    @property
    def webhook_secret(self) -> str:
        return self.runtime.cipher.decrypt(self.provider.webhook_secret_encrypted)

    @property
    def credentials(self) -> str | None:
        token = self.provider.credentials_encrypted
        return None if token is None else self.runtime.cipher.decrypt(token)


@dataclass(frozen=True)
class CollectionRequest:
    amount_minor: int
    currency: str
    mandate_reference: str
    description: str | None = None


@dataclass(frozen=True)
class Submitted:
    """The provider took the request: its reference and the third-party status it reports now."""

    reference: str
    status: str


@dataclass(frozen=True)
class MandateSetup:
    mandate_reference: str
    customer_reference: str
    flow_token: str
    redirect_url: str
    status: str


@dataclass(frozen=True)
class MandateDetails:
    mandate_reference: str
    customer_reference: str
    status: str
    created_at: dt.datetime | None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentLinkRequest:
    amount_minor: int
    currency: str
    description: str | None
    email_address: str | None


@dataclass(frozen=True)
class InstantBankPayment:
    mandate_reference: str
    amount_minor: int
    currency: str
    description: str | None
    reference: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ProviderEventData:
    """One event as a provider reports it: ``resource_type`` payment | refund | mandate | payment_link."""

    event_id: str
    resource_type: str
    reference: str
    status: str
    occurred_at: dt.datetime
    payload: dict[str, Any] = field(default_factory=dict)


class Unsupported(Conflict):
    """The adapter cannot do what was asked (409 naming the adapter)."""


class Provider(Protocol):
    name: str
    # Whether the provider collects money itself (a mandate-backed direct debit): posting an invoice for a
    # customer with a usable mandate then starts a collection.
    collects: bool

    def collect(self, ctx: ProviderContext, request: CollectionRequest) -> Submitted: ...

    def cancel_collection(self, ctx: ProviderContext, reference: str) -> str: ...

    def collection_status(self, ctx: ProviderContext, reference: str) -> str: ...

    def refund(self, ctx: ProviderContext, *, payment_reference: str | None, amount_minor: int,
               currency: str) -> Submitted: ...

    def refund_status(self, ctx: ProviderContext, reference: str) -> str: ...

    def create_mandate(self, ctx: ProviderContext, *, return_url: str, exit_url: str) -> MandateSetup: ...

    def fetch_mandate(self, ctx: ProviderContext, mandate_reference: str) -> MandateDetails: ...

    def payment_link(self, ctx: ProviderContext, request: PaymentLinkRequest) -> Submitted: ...

    def instant_bank_payments(self, ctx: ProviderContext, mandate_reference: str) -> list[InstantBankPayment]: ...

    def verify_and_parse(self, ctx: ProviderContext, raw_body: bytes, headers: dict[str, str],
                         now: dt.datetime) -> list[ProviderEventData]: ...
