"""Payment provider use cases: configuring providers, setting up mandates through a provider's hosted
page, reading mandates and instant bank payments, and payment links."""

from __future__ import annotations

import secrets as random_secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ledgerline.errors import InvalidRequest, NotFound, not_found
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.money import Money, MoneyError
from ledgerline.kit.repository import get_scoped
from ledgerline.models import ContractOwner, Customer, Invoice, PaymentProvider, SitePaymentMandate
from ledgerline.models.base import utcnow
from ledgerline.models.enums import BillRunType, PaymentMethod, ProviderStatus
from ledgerline.providers import repository
from ledgerline.providers.adapters import ADAPTERS, adapter
from ledgerline.providers.base import (
    InstantBankPayment, MandateDetails, PaymentLinkRequest, ProviderRuntime,
)
from ledgerline.providers.collections import context_of, load_tenant
from ledgerline.providers.secrets import Cipher


# --- providers ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProviderView:
    provider: PaymentProvider
    contract_owner_ids: tuple[int, ...]

    @property
    def id(self) -> int:
        return self.provider.id

    @property
    def version(self) -> int:
        return self.provider.version


# Attributes a client sets; credentials and webhook_secret are write-only and kept encrypted.
PROVIDER_ATTRIBUTES = ("type", "name", "adapter", "direct_debit_with_name", "status", "creditor_identifier",
                       "instant_bank_payments", "retry_if_possible", "accept_external_payments",
                       "sync_instant_bank_payments_with_mandate_creation")


def _views(session: Session, tenant_id: uuid.UUID, providers: Sequence[PaymentProvider]) -> list[ProviderView]:
    owners = repository.contract_owner_ids(session, tenant_id, [p.id for p in providers])
    return [ProviderView(p, tuple(owners[p.id])) for p in providers]


def get_provider(session: Session, *, tenant_id: uuid.UUID, provider_id: int, for_update: bool = False
                 ) -> ProviderView:
    found = repository.provider(session, tenant_id, provider_id, for_update=for_update)
    if found is None:
        raise not_found("Payment provider", provider_id)
    return _views(session, tenant_id, [found])[0]


def list_providers(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    page = repository.PROVIDERS.page(session, tenant_id, criteria)
    page.items = _views(session, tenant_id, page.items)
    return page


def count_providers(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.PROVIDERS.count(session, tenant_id, criteria)


def _check_owners(session: Session, tenant_id: uuid.UUID, owner_ids: Sequence[int]) -> None:
    if not owner_ids:
        raise InvalidRequest.for_field("contract_owner_ids", "must name at least one contract owner")
    if len(set(owner_ids)) != len(owner_ids):
        raise InvalidRequest.for_field("contract_owner_ids", "names a contract owner twice")
    for position, owner_id in enumerate(owner_ids):
        if get_scoped(session, ContractOwner, tenant_id, owner_id) is None:
            raise InvalidRequest.for_field(f"contract_owner_ids[{position}]",
                                           f"contract owner {owner_id} does not exist")


def _check_adapter(name: str) -> None:
    if name not in ADAPTERS:
        raise InvalidRequest.for_field("adapter", f"must be one of {', '.join(sorted(ADAPTERS))}")


def create_provider(session: Session, *, tenant_id: uuid.UUID, values: Mapping[str, Any],
                    contract_owner_ids: Sequence[int], credentials: str | None, webhook_secret: str | None,
                    cipher: Cipher) -> ProviderView:
    """A provider; without a webhook secret one is generated (the sandbox signs with it)."""
    _check_adapter(values.get("adapter", "sandbox"))
    _check_owners(session, tenant_id, contract_owner_ids)
    provider = PaymentProvider(
        tenant_id=tenant_id, **{name: values[name] for name in PROVIDER_ATTRIBUTES if name in values},
        credentials_encrypted=None if credentials is None else cipher.encrypt(credentials),
        webhook_secret_encrypted=cipher.encrypt(webhook_secret or random_secrets.token_urlsafe(32)))
    session.add(provider)
    session.flush()
    repository.set_contract_owners(session, tenant_id, provider.id, contract_owner_ids)
    return ProviderView(provider, tuple(contract_owner_ids))


def update_provider(session: Session, *, view: ProviderView, changes: Mapping[str, Any], cipher: Cipher) -> ProviderView:
    """Changes by attribute; ``credentials`` and ``webhook_secret`` replace the stored secrets."""
    provider = view.provider
    owners = view.contract_owner_ids
    if "adapter" in changes:
        _check_adapter(changes["adapter"])
    if "contract_owner_ids" in changes:
        owners = tuple(changes["contract_owner_ids"])
        _check_owners(session, provider.tenant_id, owners)
    for name in PROVIDER_ATTRIBUTES:
        if name in changes:
            setattr(provider, name, changes[name])
    if changes.get("credentials") is not None:
        provider.credentials_encrypted = cipher.encrypt(changes["credentials"])
    if changes.get("webhook_secret") is not None:
        provider.webhook_secret_encrypted = cipher.encrypt(changes["webhook_secret"])
    if "contract_owner_ids" in changes:
        repository.set_contract_owners(session, provider.tenant_id, provider.id, owners)
        provider.updated_at = utcnow()  # the row itself changes, so the version moves with the owners
    session.flush()
    return ProviderView(provider, owners)


# --- mandates -------------------------------------------------------------------------------------

def _provider_for(session: Session, tenant_id: uuid.UUID, customer: Customer, provider_id: int | None
                  ) -> PaymentProvider:
    if provider_id is not None:
        found = repository.provider(session, tenant_id, provider_id)
        if found is None:
            raise InvalidRequest.for_field("payment_provider", f"payment provider {provider_id} does not exist")
        if found.status is not ProviderStatus.ACTIVE:
            raise InvalidRequest.for_field("payment_provider", f"payment provider {provider_id} is INACTIVE")
        return found
    for candidate in repository.active_providers_for_owner(session, tenant_id, customer.contract_owner_id):
        if adapter(candidate.adapter).collects:
            return candidate
    raise InvalidRequest.for_field("site", "no ACTIVE payment provider that takes mandates is configured")


def create_site_mandate(session: Session, *, tenant_id: uuid.UUID, site_id: int, return_url: str, exit_url: str,
                        provider_id: int | None, runtime: ProviderRuntime) -> SitePaymentMandate:
    """A mandate set-up at the provider: the customer approves it on the provider's hosted page
    (``redirect_url``), which then sends them to ``return_url``. Until then it is PENDING_CUSTOMER_APPROVAL,
    which is not usable. The provider is the one named, else the first ACTIVE one serving the site's
    customer's contract owner, else the first ACTIVE one."""
    found = repository.site_with_customer(session, tenant_id, site_id)
    if found is None:
        raise InvalidRequest.for_field("site", f"site {site_id} does not exist")
    site, customer = found
    provider = _provider_for(session, tenant_id, customer, provider_id)
    setup = adapter(provider.adapter).create_mandate(context_of(session, provider, runtime), return_url=return_url,
                                                     exit_url=exit_url)
    mandate = SitePaymentMandate(
        tenant_id=tenant_id, site_id=site.id, customer_id=customer.id, provider_id=provider.id,
        mandate_reference=setup.mandate_reference, third_party_customer_reference=setup.customer_reference,
        flow_token=setup.flow_token, redirect_url=setup.redirect_url, return_url=return_url, exit_url=exit_url,
        status=setup.status, details={})
    session.add(mandate)
    session.flush()
    return mandate


def list_mandates(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.MANDATES.page(session, tenant_id, criteria)


def count_mandates(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.MANDATES.count(session, tenant_id, criteria)


@dataclass(frozen=True)
class HostedMandatePage:
    mandate: SitePaymentMandate
    provider: PaymentProvider
    customer_name: str


def hosted_mandate_page(session: Session, *, tenant_id: uuid.UUID, flow_token: str) -> HostedMandatePage:
    mandate = repository.mandate_by_flow_token(session, tenant_id, flow_token)
    if mandate is None:
        raise NotFound("no such mandate set-up")
    provider = repository.provider(session, tenant_id, mandate.provider_id)
    customer = get_scoped(session, Customer, tenant_id, mandate.customer_id)
    assert provider is not None and customer is not None
    return HostedMandatePage(mandate, provider, customer.name)


def approve_mandate(session: Session, *, tenant_id: uuid.UUID, flow_token: str, entered: dict[str, Any],
                    runtime: ProviderRuntime) -> str:
    """The sandbox's hosted page was submitted: the provider approves the mandate and its event (delivered
    at once through the event path) makes it ACTIVE. Answers the return URL."""
    from ledgerline.providers.sandbox import SandboxProvider

    page = hosted_mandate_page(session, tenant_id=tenant_id, flow_token=flow_token)
    sandbox = adapter(page.provider.adapter)
    if not isinstance(sandbox, SandboxProvider):
        raise NotFound("this provider hosts its own pages")
    ctx = context_of(session, page.provider, runtime)
    sandbox.approve_mandate(ctx, page.mandate.mandate_reference, entered)
    _deliver_now(session, tenant_id, page.provider, runtime)
    return page.mandate.return_url


def _deliver_now(session: Session, tenant_id: uuid.UUID, provider: PaymentProvider, runtime: ProviderRuntime) -> None:
    """The sandbox's events due now, delivered through the webhook code path (signed and verified)."""
    from ledgerline.providers.collections import receive_webhook

    sandbox = adapter(provider.adapter)
    tenant = load_tenant(session, tenant_id)
    for delivery in sandbox.due_deliveries(context_of(session, provider, runtime), utcnow()):  # type: ignore[attr-defined]
        receive_webhook(session, tenant_loader=lambda _session, _tenant_id: tenant, provider_id=provider.id,
                        raw_body=delivery.body, headers=delivery.headers, runtime=runtime)


@dataclass(frozen=True)
class ProviderMandate:
    details: MandateDetails
    mandate: SitePaymentMandate


def provider_mandate(session: Session, *, tenant_id: uuid.UUID, payment_method: PaymentMethod, reference: str,
                     customer_reference: str | None, contract_owner_id: int | None,
                     runtime: ProviderRuntime) -> ProviderMandate:
    """The mandate as its provider (of type ``payment_method``) reports it; 404 when none matches."""
    mandate = repository.mandate_by_reference(session, tenant_id, reference)
    provider = mandate and repository.provider(session, tenant_id, mandate.provider_id)
    if mandate is None or provider is None or provider.type is not payment_method:
        raise not_found("Mandate", reference)
    if customer_reference is not None and mandate.third_party_customer_reference != customer_reference:
        raise not_found("Mandate", reference)
    if contract_owner_id is not None and contract_owner_id not in repository.contract_owner_ids(
            session, tenant_id, [provider.id])[provider.id]:
        raise not_found("Mandate", reference)
    details = adapter(provider.adapter).fetch_mandate(context_of(session, provider, runtime), reference)
    return ProviderMandate(details, mandate)


def instant_bank_payments(session: Session, *, tenant_id: uuid.UUID, mandate_reference: str,
                          payment_method: PaymentMethod | None, runtime: ProviderRuntime) -> list[InstantBankPayment]:
    mandate = repository.mandate_by_reference(session, tenant_id, mandate_reference)
    provider = mandate and repository.provider(session, tenant_id, mandate.provider_id)
    if mandate is None or provider is None or (payment_method is not None and provider.type is not payment_method):
        return []  # a list: nothing matches
    return adapter(provider.adapter).instant_bank_payments(context_of(session, provider, runtime), mandate_reference)


# --- payment links --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PaymentLink:
    url: str
    reference: str
    provider_id: int
    customer_id: int
    invoice_id: int | None
    amount: Money
    description: str | None
    email_address: str | None


def create_payment_link(session: Session, *, tenant_id: uuid.UUID, provider_id: int, amount: Any,
                        description: str | None, email_address: str | None, invoice_id: int | None,
                        adhoc_invoice_id: int | None, customer_id: int | None,
                        runtime: ProviderRuntime) -> PaymentLink:
    """A link where the customer pays ``amount`` towards an invoice, an adhoc invoice or their balance
    (exactly one is named). Paying it posts a payment through the provider's event."""
    named = [name for name, value in (("invoice", invoice_id), ("adhoc_invoice", adhoc_invoice_id),
                                      ("customer", customer_id)) if value is not None]
    if len(named) != 1:
        raise InvalidRequest.for_field("invoice", "name exactly one of an invoice, an adhoc invoice and a customer")
    provider = repository.provider(session, tenant_id, provider_id)
    if provider is None:
        raise InvalidRequest.for_field("payment_provider", f"payment provider {provider_id} does not exist")
    if provider.status is not ProviderStatus.ACTIVE:
        raise InvalidRequest.for_field("payment_provider", f"payment provider {provider_id} is INACTIVE")
    target_invoice = invoice_id if invoice_id is not None else adhoc_invoice_id
    if target_invoice is not None:
        field = named[0]
        invoice = get_scoped(session, Invoice, tenant_id, target_invoice)
        wanted = BillRunType.NORMAL if field == "invoice" else BillRunType.ADHOC
        if invoice is None or invoice.bill_run_type is not wanted:
            raise InvalidRequest.for_field(field, f"{wanted.value} invoice {target_invoice} does not exist")
        customer_id = invoice.customer_id
    customer = get_scoped(session, Customer, tenant_id, customer_id)  # type: ignore[arg-type]
    if customer is None:
        raise InvalidRequest.for_field("customer", f"customer {customer_id} does not exist")
    try:
        money = Money.of(amount, customer.currency)
    except MoneyError as exc:
        raise InvalidRequest.for_field("amount", str(exc)) from None
    submitted = adapter(provider.adapter).payment_link(context_of(session, provider, runtime), PaymentLinkRequest(
        amount_minor=money.minor, currency=money.currency, description=description, email_address=email_address))
    reference = submitted.reference.rsplit("/", 1)[-1]
    now = utcnow()
    repository.insert_collection(
        session, tenant_id=tenant_id, provider_id=provider.id, payment_id=None, invoice_id=target_invoice,
        customer_id=customer.id, mandate_id=None, kind="payment_link", reference=reference, attempt=1,
        amount_minor=money.minor, currency=money.currency, status="CREATED", submitted_at=now, updated_at=now,
        details={"url": submitted.reference, "description": description, "emailAddress": email_address})
    return PaymentLink(submitted.reference, reference, provider.id, customer.id, target_invoice, money, description,
                       email_address)


@dataclass(frozen=True)
class PayPage:
    reference: str
    amount: Money
    description: str | None
    status: str
    provider_name: str


def pay_page(session: Session, *, tenant_id: uuid.UUID, reference: str) -> PayPage:
    operation = repository.sandbox_link(session, tenant_id, reference)
    if operation is None:
        raise NotFound("no such payment link")
    provider = repository.provider(session, tenant_id, operation.provider_id)
    assert provider is not None
    return PayPage(reference, Money(operation.amount_minor, operation.currency or "XXX"),
                   operation.details.get("description"), operation.status, provider.name)


def pay_link(session: Session, *, tenant_id: uuid.UUID, reference: str, runtime: ProviderRuntime) -> None:
    """The sandbox's pay page was submitted: the provider takes the money and its PAID_OUT event posts and
    allocates the payment (delivered at once through the event path)."""
    from ledgerline.providers.sandbox import SandboxProvider

    operation = repository.sandbox_link(session, tenant_id, reference)
    if operation is None:
        raise NotFound("no such payment link")
    provider = repository.provider(session, tenant_id, operation.provider_id)
    sandbox = provider and adapter(provider.adapter)
    if provider is None or not isinstance(sandbox, SandboxProvider):
        raise NotFound("no such payment link")
    sandbox.pay_link(context_of(session, provider, runtime), reference)
    _deliver_now(session, tenant_id, provider, runtime)

