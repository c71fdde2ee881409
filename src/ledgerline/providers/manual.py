"""The manual provider: money collected outside Ledgerline (cash, cheque, a terminal). It starts no
collections, takes no mandates and sends no events; its refunds are MANUALLY_REFUNDED at once."""

from __future__ import annotations

import datetime as dt

from ledgerline.errors import Unauthorized
from ledgerline.kit.ids import new_locator
from ledgerline.providers.base import (
    CollectionRequest, InstantBankPayment, MandateDetails, MandateSetup, PaymentLinkRequest, ProviderContext,
    ProviderEventData, Submitted, Unsupported,
)


class ManualProvider:
    name = "manual"
    collects = False

    def _unsupported(self, what: str) -> Unsupported:
        return Unsupported(f"the manual payment provider does not {what}; money is collected outside Ledgerline")

    def collect(self, ctx: ProviderContext, request: CollectionRequest) -> Submitted:
        raise self._unsupported("collect payments")

    def cancel_collection(self, ctx: ProviderContext, reference: str) -> str:
        raise self._unsupported("cancel collections")

    def collection_status(self, ctx: ProviderContext, reference: str) -> str:
        raise self._unsupported("track collections")

    def refund(self, ctx: ProviderContext, *, payment_reference: str | None, amount_minor: int,
               currency: str) -> Submitted:
        return Submitted(f"MAN-RF-{new_locator()}", "MANUALLY_REFUNDED")

    def refund_status(self, ctx: ProviderContext, reference: str) -> str:
        return "MANUALLY_REFUNDED"

    def create_mandate(self, ctx: ProviderContext, *, return_url: str, exit_url: str) -> MandateSetup:
        raise self._unsupported("take mandates")

    def fetch_mandate(self, ctx: ProviderContext, mandate_reference: str) -> MandateDetails:
        raise self._unsupported("take mandates")

    def payment_link(self, ctx: ProviderContext, request: PaymentLinkRequest) -> Submitted:
        raise self._unsupported("make payment links")

    def instant_bank_payments(self, ctx: ProviderContext, mandate_reference: str) -> list[InstantBankPayment]:
        raise self._unsupported("take instant bank payments")

    def verify_and_parse(self, ctx: ProviderContext, raw_body: bytes, headers: dict[str, str],
                         now: dt.datetime) -> list[ProviderEventData]:
        raise Unauthorized("the manual payment provider sends no webhooks", error="invalid_signature")
