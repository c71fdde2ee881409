"""/v1 payment providers, mandates, collections and provider webhooks (seed 000, issue 14).

- ``/payment-providers``: list (filters type, contractOwnerId, instantBankPayments, retryIfPossible), HEAD,
  create, get, JSON Patch. ``credentials`` and ``webhookSecret`` are write-only: stored encrypted, never
  answered (``hasCredentials`` says whether there are some). Set or rotate them with a PATCH ``add``.
- ``/site-payment-mandates``: list ``?siteId=``, create (the provider's hosted page is ``redirectURL``).
- ``/payment-provider-mandates/{paymentMethod}/{mandateReference}``, ``/instant-bank-payment-for-mandate``.
- ``/invoice-payment-reprocess`` (200), ``/invoice-payment-cancel`` (202), ``/payment-provider-reprocess``.
- ``/payment-provider-webhooks/{providerId}``: signed provider events (no bearer token: the signature is
  the credential).
- ``/payment-provider-sandbox-settlements``: the sandbox's clock, driven by hand.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import Field
from sqlalchemy.orm import Session

from ledgerline.api.v1.contract_owners import Email
from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource, changed_attributes
from ledgerline.api.v1.responses import render, render_recorded, render_resource, to_wire
from ledgerline.api.v1.schemas import Amount, Timestamp, WireInput, WireModel, error_responses, major
from ledgerline.api.surface import wire_fields
from ledgerline.api.tenancy import TenantDep
from ledgerline.api.wire import WireJSONResponse, WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.models import ProviderCollection, SitePaymentMandate as MandateEntity
from ledgerline.models.enums import BillRunType, InvoicePaymentStatus, PaymentMethod, ProviderStatus
from ledgerline.providers import collections, invoice_events, repository, runtime, service
from ledgerline.providers.service import ProviderView

router = APIRouter(tags=["payment providers"], route_class=WireRoute)
mandate_router = APIRouter(tags=["site payment mandates"], route_class=WireRoute)
collection_router = APIRouter(tags=["payment collections"], route_class=WireRoute)

Adapter = Literal["sandbox", "manual"]


# --- payment providers ----------------------------------------------------------------------------

class PaymentProvider(WireModel):
    id: int = Field(examples=[1])
    type: PaymentMethod = Field(examples=["GO_CARDLESS"])
    name: str = Field(examples=["GoCardless UK"])
    adapter: Adapter = Field(description="The implementation behind the provider: `sandbox` (the default for "
                                         "every type) or `manual` (money collected outside)", examples=["sandbox"])
    direct_debit_with_name: str | None = Field(examples=["Acme Telecom Ltd"])
    status: ProviderStatus = Field(examples=["ACTIVE"])
    creditor_identifier: str | None = Field(examples=["GB12ZZZ123456"])
    instant_bank_payments: bool
    retry_if_possible: bool
    accept_external_payments: bool
    contract_owner_ids: list[int] = Field(examples=[[1]])
    sync_instant_bank_payments_with_mandate_creation: bool
    has_credentials: bool = Field(description="Whether credentials are stored (they are write-only)")
    version: int
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, view: ProviderView) -> "PaymentProvider":
        provider = view.provider
        return cls(
            id=provider.id, type=provider.type, name=provider.name, adapter=provider.adapter,  # type: ignore[arg-type]
            direct_debit_with_name=provider.direct_debit_with_name, status=provider.status,
            creditor_identifier=provider.creditor_identifier, instant_bank_payments=provider.instant_bank_payments,
            retry_if_possible=provider.retry_if_possible, accept_external_payments=provider.accept_external_payments,
            contract_owner_ids=list(view.contract_owner_ids),
            sync_instant_bank_payments_with_mandate_creation=provider.sync_instant_bank_payments_with_mandate_creation,
            has_credentials=provider.credentials_encrypted is not None, version=provider.version,
            created_at=provider.created_at, updated_at=provider.updated_at)


class PaymentProviderCreate(WireInput):
    type: PaymentMethod = Field(examples=["GO_CARDLESS"])
    name: str = Field(max_length=255, examples=["GoCardless UK"])
    adapter: Adapter = Field(default="sandbox", examples=["sandbox"])
    direct_debit_with_name: str | None = Field(default=None, max_length=255, examples=["Acme Telecom Ltd"])
    status: ProviderStatus = Field(default=ProviderStatus.ACTIVE)
    creditor_identifier: str | None = Field(default=None, max_length=255, examples=["GB12ZZZ123456"])
    instant_bank_payments: bool = False
    retry_if_possible: bool = False
    accept_external_payments: bool = False
    contract_owner_ids: list[int] = Field(min_length=1, max_length=100, examples=[[1]],
                                          description="Non-empty: the contract owners the provider serves")
    sync_instant_bank_payments_with_mandate_creation: bool = False
    credentials: str | None = Field(default=None, max_length=4096, description="Write-only; stored encrypted",
                                    examples=["sk_test_..."])
    webhook_secret: str | None = Field(default=None, min_length=16, max_length=255,
                                       description="Write-only; stored encrypted. Signs the provider's webhooks "
                                                   "(generated when absent)", examples=["whsec_0123456789abcdef"])


_PROVIDER_LISTING = Listing(
    repository.PROVIDER_COLUMNS,
    sortable=("id", "name", "type", "createdAt"),
    filters=[
        Filter("id", "Filter by payment provider identifier"),
        Filter("type", "Filter by type (PaymentMethod)"),
        Filter("contractOwnerId", "Providers serving this contract owner"),
        Filter("instantBankPayments", "Filter by instantBankPayments"),
        Filter("retryIfPossible", "Filter by retryIfPossible"),
        Filter("status", "Filter by status"),
    ],
    fields=("id", "type", "name", "adapter", "directDebitWithName", "status", "creditorIdentifier",
            "instantBankPayments", "retryIfPossible", "acceptExternalPayments", "contractOwnerIds",
            "syncInstantBankPaymentsWithMandateCreation", "hasCredentials", "version", "createdAt", "updatedAt"),
)


def _cipher():  # noqa: ANN202
    current = runtime.current()
    assert current is not None, "every /v1 request has a provider runtime (api/v1/__init__.py)"
    return current.cipher


def _create_provider(session: Session, tenant_id: uuid.UUID, body: PaymentProviderCreate) -> ProviderView:
    values = body.model_dump(exclude={"contract_owner_ids", "credentials", "webhook_secret"})
    return service.create_provider(session, tenant_id=tenant_id, values=values,
                                   contract_owner_ids=body.contract_owner_ids, credentials=body.credentials,
                                   webhook_secret=body.webhook_secret, cipher=_cipher())


def _get_provider(session: Session, tenant_id: uuid.UUID, provider_id: int, for_update: bool) -> ProviderView:
    return service.get_provider(session, tenant_id=tenant_id, provider_id=provider_id, for_update=for_update)


def _update_provider(session: Session, tenant_id: uuid.UUID, view: ProviderView, patched: PaymentProviderCreate,
                     changed: set[str]) -> ProviderView:
    return service.update_provider(session, view=view, changes=changed_attributes(patched, changed), cipher=_cipher())


PROVIDERS = Resource(
    "/payment-providers", "payment_provider", "payment_providers", PaymentProvider, _PROVIDER_LISTING,
    service.list_providers, service.count_providers, scope_group="providers", get_item=_get_provider,
    create_schema=PaymentProviderCreate, create_item=_create_provider, update_item=_update_provider,
    read_only=("/hasCredentials",),
    descriptions={"create": "Every provider type runs on the built-in sandbox unless `adapter` is `manual`. "
                            "`credentials` and `webhookSecret` are write-only (stored encrypted).",
                  "patch": "JSON Patch over the provider; `add` `/credentials` or `/webhookSecret` replaces the "
                           "stored secret (they are never answered)."},
)
PROVIDERS.add_routes(router)


# --- site payment mandates ------------------------------------------------------------------------

class SitePaymentMandate(WireModel):
    id: int = Field(examples=[1])
    redirect_url: str = Field(alias="redirectURL", description="The provider's hosted page: send the customer here",
                              examples=["https://ledgerline.example/sandbox/.../mandates/..."])
    flow_token: str = Field(examples=["q0bH3n..."])
    site_id: int = Field(examples=[1])
    return_url: str = Field(alias="returnURL", examples=["https://example.com/mandate/done"])
    mandate_reference: str = Field(examples=["SBX-MD-01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])
    third_party_customer_reference: str = Field(examples=["SBX-CU-01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])
    exit_url: str = Field(alias="exitURL", examples=["https://example.com/mandate/cancelled"])
    status: str = Field(description="The provider's mandate state; only Created, Pending Submission, Submitted, "
                                    "Active, Reinstated and Customer approval granted/skipped are usable",
                        examples=["ACTIVE"])
    payment_provider_id: int = Field(examples=[1])
    created_at: Timestamp

    @classmethod
    def of(cls, mandate: MandateEntity) -> "SitePaymentMandate":
        return cls(id=mandate.id, redirect_url=mandate.redirect_url, flow_token=mandate.flow_token,
                   site_id=mandate.site_id, return_url=mandate.return_url, mandate_reference=mandate.mandate_reference,
                   third_party_customer_reference=mandate.third_party_customer_reference,
                   exit_url=mandate.exit_url, status=mandate.status, payment_provider_id=mandate.provider_id,
                   created_at=mandate.created_at)


_URL = Field(min_length=1, max_length=1000, pattern=r"^https?://\S+$")


class SitePaymentMandateCreate(WireInput):
    site_id: int = Field(examples=[1])
    return_url: str = Field(alias="returnURL", examples=["https://example.com/mandate/done"], min_length=1,
                            max_length=1000, pattern=r"^https?://\S+$")
    exit_url: str = Field(alias="exitURL", examples=["https://example.com/mandate/cancelled"], min_length=1,
                          max_length=1000, pattern=r"^https?://\S+$")
    redirect_url: str | None = Field(default=None, alias="redirectURL", max_length=1000,
                                     description="Ignored: the provider's hosted page is answered as redirectURL")
    payment_provider_id: int | None = Field(default=None, description="Default: the first ACTIVE provider serving "
                                                                      "the site's customer's contract owner")


_MANDATE_LISTING = Listing(
    repository.MANDATE_COLUMNS, sortable=("id", "createdAt"),
    filters=[Filter("siteId", "Filter by site"), Filter("id", "Filter by mandate identifier")],
    fields=("id", "redirectURL", "flowToken", "siteId", "returnURL", "mandateReference",
            "thirdPartyCustomerReference", "exitURL", "status", "paymentProviderId", "createdAt"),
    attributes={"redirectURL": "redirect_url", "returnURL": "return_url", "exitURL": "exit_url",
                "paymentProviderId": "provider_id"},
)

Resource("/site-payment-mandates", "site_payment_mandate", "site_payment_mandates", SitePaymentMandate,
         _MANDATE_LISTING, service.list_mandates, service.count_mandates, scope_group="providers").add_routes(
    mandate_router)


@mandate_router.post("/site-payment-mandates", status_code=201, response_model=SitePaymentMandate,
                     responses=error_responses(400, 409), summary="Set up a mandate for a site",
                     description="Answers the provider's hosted page as `redirectURL`: submitting its form approves "
                                 "the mandate and sends the customer to `returnURL`; its exit link goes to `exitURL`. "
                                 "Until approved the mandate is PENDING_CUSTOMER_APPROVAL (not usable).")
@wire_fields(site="siteId", payment_provider="paymentProviderId")
def create_site_payment_mandate(request: Request, body: SitePaymentMandateCreate, session: SessionDep,
                                guard: IdempotencyDep,
                                principal: Annotated[Principal, Depends(require("providers.write"))]) -> Response:
    mandate = service.create_site_mandate(session, tenant_id=principal.tenant_id, site_id=body.site_id,
                                          return_url=body.return_url, exit_url=body.exit_url,
                                          provider_id=body.payment_provider_id, runtime=runtime.from_request(request))
    return render_recorded(session, guard, SitePaymentMandate.of(mandate), status_code=201,
                           location=f"/v1/site-payment-mandates/{mandate.id}")


class ProviderMandate(WireModel):
    mandate_reference: str
    third_party_customer_reference: str
    created_at: Timestamp | None
    email_address: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    address_line3: str | None = None
    city: str | None = None
    region: str | None = None
    postcode: str | None = None
    country_code: str | None = None
    telephone_number: str | None = None
    status: str = Field(examples=["ACTIVE"])


_ENTERED = ("email_address", "first_name", "last_name", "company_name", "address_line1", "address_line2",
            "address_line3", "city", "region", "postcode", "country_code", "telephone_number")


@mandate_router.get("/payment-provider-mandates/{payment_method}/{mandate_reference}", response_model=ProviderMandate,
                    responses=error_responses(400, 404), summary="Get a mandate's details from its provider")
def get_provider_mandate(request: Request, session: SessionDep,
                         principal: Annotated[Principal, Depends(require("providers.read"))],
                         payment_method: Annotated[PaymentMethod, Path(description="The provider's type",
                                                                       examples=["GO_CARDLESS"])],
                         mandate_reference: Annotated[str, Path(max_length=64, description="The mandate reference",
                                                                examples=["SBX-MD-01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])],
                         third_party_customer_reference: Annotated[str | None, Query(
                             alias="thirdPartyCustomerReference", max_length=64,
                             description="Only if the mandate is of this provider customer",
                             examples=["SBX-CU-01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])] = None,
                         contract_owner_id: Annotated[int | None, Query(
                             alias="contractOwnerId", ge=1, lt=2**63, examples=[1],
                             description="Only if the mandate's provider serves this contract owner")] = None
                         ) -> Response:
    found = service.provider_mandate(session, tenant_id=principal.tenant_id, payment_method=payment_method,
                                     reference=mandate_reference, customer_reference=third_party_customer_reference,
                                     contract_owner_id=contract_owner_id, runtime=runtime.from_request(request))
    entered = found.details.details
    return render_resource(ProviderMandate(
        mandate_reference=found.details.mandate_reference,
        third_party_customer_reference=found.details.customer_reference, created_at=found.details.created_at,
        status=found.details.status, **{name: entered.get(name) for name in _ENTERED}))


class InstantBankPayment(WireModel):
    mandate_reference: str
    amount_in_major_currency: Amount
    description: str | None
    payment_method: PaymentMethod
    reference: str
    creation_date: Timestamp


@mandate_router.get("/instant-bank-payment-for-mandate", response_model=list[InstantBankPayment],
                    responses=error_responses(400, 404), summary="Instant first payments taken with a mandate",
                    description="An empty list when the mandate takes none (the sandbox takes none) or there is "
                                "no such mandate of the payment method.")
def instant_bank_payment_for_mandate(request: Request, session: SessionDep,
                                     principal: Annotated[Principal, Depends(require("providers.read"))],
                                     mandate_reference: Annotated[str, Query(
                                         alias="mandateReference", min_length=1, max_length=64,
                                         description="The mandate the payments were taken with",
                                         examples=["SBX-MD-01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])],
                                     payment_method: Annotated[PaymentMethod | None, Query(
                                         alias="paymentMethod", description="The mandate provider's type",
                                         examples=["GO_CARDLESS"])] = None) -> Response:
    payments = service.instant_bank_payments(session, tenant_id=principal.tenant_id,
                                             mandate_reference=mandate_reference, payment_method=payment_method,
                                             runtime=runtime.from_request(request))
    return WireJSONResponse([to_wire(InstantBankPayment(
        mandate_reference=p.mandate_reference, amount_in_major_currency=major(p.amount_minor, p.currency),
        description=p.description, payment_method=payment_method or PaymentMethod.GO_CARDLESS, reference=p.reference,
        creation_date=p.created_at)) for p in payments])


# --- collections ----------------------------------------------------------------------------------

class InvoicePaymentAction(WireInput):
    invoice_id: int = Field(examples=[10])
    bill_run_type: BillRunType = Field(examples=["NORMAL"])
    notes: str | None = Field(default=None, max_length=255, examples=["Customer topped up their account"])


class Collection(WireModel):
    invoice_id: int | None
    bill_run_type: BillRunType
    payment_id: int | None = Field(description="The payment the collection fills in (PENDING_VERIFICATION "
                                               "until the provider settles it)")
    payment_provider_id: int
    reference: str = Field(description="The provider's reference of the collection")
    attempt: int
    third_party_payment_status: str = Field(examples=["SUBMITTED"])
    amount_in_major_currency: Amount
    notes: str | None

    @classmethod
    def of(cls, collection: ProviderCollection, bill_run_type: BillRunType) -> "Collection":
        return cls(invoice_id=collection.invoice_id, bill_run_type=bill_run_type, payment_id=collection.payment_id,
                   payment_provider_id=collection.provider_id, reference=collection.reference,
                   attempt=collection.attempt, third_party_payment_status=collection.status,
                   amount_in_major_currency=major(collection.amount_minor, collection.currency),
                   notes=collection.details.get("notes"))


Writes = Annotated[Principal, Depends(require("payments.write"))]


@collection_router.post("/invoice-payment-reprocess", response_model=Collection,
                        responses=error_responses(400, 409), summary="Submit a failed collection again",
                        description="The invoice's latest collection must have FAILED (or been CANCELLED): a new "
                                    "collection of what the invoice still owes is submitted to the same provider "
                                    "with the same mandate (409 otherwise).")
@wire_fields(invoice="invoiceId", bill_run_type="billRunType")
def reprocess_invoice_payment(request: Request, body: InvoicePaymentAction, session: SessionDep,
                              guard: IdempotencyDep, tenant: TenantDep, principal: Writes) -> Response:
    collection = collections.reprocess_invoice_payment(session, tenant=tenant, invoice_id=body.invoice_id,
                                                       bill_run_type=body.bill_run_type, notes=body.notes,
                                                       runtime=runtime.from_request(request))
    return render_recorded(session, guard, Collection.of(collection, body.bill_run_type))


@collection_router.post("/invoice-payment-cancel", status_code=202, response_model=Collection,
                        responses=error_responses(400, 409), summary="Cancel a pending collection",
                        description="202 Accepted: the provider is asked to cancel the invoice's pending collection; "
                                    "its CANCELLED event then cancels the payment and the invoice is UNPAID again. "
                                    "409 when nothing is pending or the provider has settled it already.")
@wire_fields(invoice="invoiceId", bill_run_type="billRunType")
def cancel_invoice_payment(request: Request, body: InvoicePaymentAction, session: SessionDep,
                           guard: IdempotencyDep, tenant: TenantDep, principal: Writes) -> Response:
    collection = collections.cancel_invoice_payment(session, tenant=tenant, invoice_id=body.invoice_id,
                                                    bill_run_type=body.bill_run_type, notes=body.notes,
                                                    runtime=runtime.from_request(request))
    return render_recorded(session, guard, Collection.of(collection, body.bill_run_type), status_code=202)


class ProviderReprocess(WireInput):
    payment_provider_id: int = Field(examples=[1])
    from_date: dt.date | None = Field(default=None, description="Events that occurred on or after this day (UTC)")
    to_date: dt.date | None = Field(default=None, description="Events that occurred on or before this day (UTC)")


class ProviderReprocessed(WireModel):
    events: int = Field(description="Stored events of the period replayed")
    changed: int = Field(description="Of them, those that changed something (0 when all were applied already)")


def _day_start(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else dt.datetime.combine(day, dt.time(), dt.timezone.utc)


@collection_router.post("/payment-provider-reprocess", response_model=ProviderReprocessed,
                        responses=error_responses(400), summary="Replay a provider's stored events",
                        description="Applies the provider's stored events of the period again, oldest first. An "
                                    "event applied already changes nothing, so reprocessing is idempotent.")
@wire_fields(payment_provider="paymentProviderId")
def reprocess_provider_events(request: Request, body: ProviderReprocess, session: SessionDep, guard: IdempotencyDep,
                              tenant: TenantDep, principal: Writes) -> Response:
    end = _day_start(body.to_date + dt.timedelta(days=1)) if body.to_date is not None else None
    replayed = collections.replay_events(session, tenant=tenant, provider_id=body.payment_provider_id,
                                         start=_day_start(body.from_date), end=end,
                                         runtime=runtime.from_request(request))
    return render_recorded(session, guard, ProviderReprocessed(events=replayed.events, changed=replayed.changed))


# --- webhooks in, and the sandbox's clock --------------------------------------------------------

class WebhookReceived(WireModel):
    stored: int = Field(description="Events stored and applied now")
    duplicates: int = Field(description="Events received before (stored once, applied once)")
    outcomes: list[str]


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@collection_router.post("/payment-provider-webhooks/{provider_id}", response_model=WebhookReceived,
                        responses={400: error_responses(400)[400], 401: error_responses()[401]},
                        summary="Receive a payment provider's signed events",
                        description="No bearer token: the `Webhook-Signature` header (`t=<unix seconds>,v1=<hex "
                                    "HMAC-SHA256 of '<t>.<raw body>' with the provider's webhook secret>`) is the "
                                    "credential; a bad or stale (over 5 minutes) signature is 401 and changes "
                                    "nothing. Body: `{\"events\": [{\"id\", \"resourceType\" (payment | refund | "
                                    "mandate | payment_link), \"reference\", \"status\", \"occurredAt\"}]}`. Each "
                                    "event is stored once (by id) and applied once.")
def receive_provider_webhook(request: Request, session: SessionDep,
                             provider_id: Annotated[int, Path(description="The payment provider's id", examples=[1])],
                             raw_body: Annotated[bytes, Depends(_raw_body)]) -> Response:
    contexts = request.app.state.tenant_contexts

    def tenant_of(session_: Session, tenant_id: uuid.UUID) -> Any:
        return contexts.get(session_, tenant_id) or collections.load_tenant(session_, tenant_id)

    received = collections.receive_webhook(session, tenant_loader=tenant_of, provider_id=provider_id,
                                           raw_body=raw_body, headers={k.lower(): v for k, v in request.headers.items()},
                                           runtime=runtime.from_request(request))
    return render(WebhookReceived(stored=received.stored, duplicates=received.duplicates,
                                  outcomes=list(received.outcomes)))


class SandboxSettlement(WireInput):
    as_of: dt.datetime | None = Field(default=None, examples=["2026-12-01T12:00:05Z"], description="Settle as if it were this moment (default now); "
                                                                "a later moment settles what is due by then")


@collection_router.post("/payment-provider-sandbox-settlements", response_model=WebhookReceived,
                        responses=error_responses(400), summary="Deliver the sandbox's due events now",
                        description="The sandbox settles collections LEDGERLINE_SANDBOX_SETTLE_SECONDS after they are "
                                    "submitted; the janitor (or the server's background task) delivers its due events. "
                                    "This delivers them at once, through the signed webhook path.")
def settle_sandbox(request: Request, session: SessionDep, tenant: TenantDep,
                   principal: Annotated[Principal, Depends(require("providers.write"))],
                   body: SandboxSettlement | None = None) -> Response:
    as_of = body.as_of if body is not None else None
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=dt.timezone.utc)
    received = collections.settle_sandbox(session, tenant=tenant, runtime=runtime.from_request(request), now=as_of)
    return render(WebhookReceived(stored=received.stored, duplicates=received.duplicates,
                                  outcomes=list(received.outcomes)))


class PaymentLinkCreate(WireInput):
    payment_provider_id: int = Field(examples=[1])
    amount_in_major_currency: Decimal = Field(ge=Decimal("0.01"), le=Decimal("100000"), examples=[25.00])
    description: str | None = Field(default=None, max_length=255, examples=["Invoice INV-0000001"])
    email_address: Email | None = None
    invoice_id: int | None = Field(default=None, examples=[10])
    adhoc_invoice_id: int | None = Field(default=None)
    customer_id: int | None = Field(default=None)


class PaymentLink(WireModel):
    payment_link_url: str = Field(alias="paymentLinkURL", description="Where the customer pays (Ledgerline's name: "
                                                                        "the vendor's field name was not found)")
    reference: str
    payment_provider_id: int
    customer_id: int
    invoice_id: int | None
    amount_in_major_currency: Amount
    description: str | None
    email_address: str | None


@collection_router.post("/payment-provider-payment-link", status_code=201, response_model=PaymentLink,
                        responses=error_responses(400, 409), summary="Make a payment link",
                        description="Exactly one of invoiceId, adhocInvoiceId and customerId. The customer pays at "
                                    "`paymentLinkURL`; the provider's PAID_OUT event then posts a payment of the "
                                    "amount, meant for the invoice (else the customer's open invoices oldest first, "
                                    "then credit).")
@wire_fields(payment_provider="paymentProviderId", invoice="invoiceId", adhoc_invoice="adhocInvoiceId",
             customer="customerId", amount="amountInMajorCurrency")
def create_payment_link(request: Request, body: PaymentLinkCreate, session: SessionDep, guard: IdempotencyDep,
                        principal: Annotated[Principal, Depends(require("payments.write"))]) -> Response:
    link = service.create_payment_link(
        session, tenant_id=principal.tenant_id, provider_id=body.payment_provider_id,
        amount=body.amount_in_major_currency, description=body.description, email_address=body.email_address,
        invoice_id=body.invoice_id, adhoc_invoice_id=body.adhoc_invoice_id, customer_id=body.customer_id,
        runtime=runtime.from_request(request))
    return render_recorded(session, guard, PaymentLink(
        payment_link_url=link.url, reference=link.reference, payment_provider_id=link.provider_id,
        customer_id=link.customer_id, invoice_id=link.invoice_id,
        amount_in_major_currency=major(link.amount.minor, link.amount.currency), description=link.description,
        email_address=link.email_address), status_code=201)


# --- invoice payment events -----------------------------------------------------------------------

class InvoicePaymentEventCreate(WireInput):
    invoice_id: int = Field(examples=[10])
    customer_id: int = Field(examples=[1])
    bill_run_type: BillRunType = Field(examples=["NORMAL"])
    payment_status: InvoicePaymentStatus = Field(
        examples=["DISPUTED"], description="DISPUTED (dispute), WRITTEN_OFF (write off) or UNPAID (undo either)")
    notes: str | None = Field(default=None, max_length=255)
    amount_in_major_currency: Decimal | None = Field(
        default=None, gt=0, le=Decimal("100000"), description="WRITTEN_OFF: how much (default all outstanding)")


class InvoicePaymentEventResult(WireModel):
    invoice_id: int
    customer_id: int
    bill_run_type: BillRunType
    payment_status: InvoicePaymentStatus
    outstanding_in_major_currency: Amount


@collection_router.post("/invoice-payment-events", response_model=InvoicePaymentEventResult,
                        responses=error_responses(400, 409), summary="Dispute, write off or undo an invoice payment",
                        description="`paymentStatus` DISPUTED marks the invoice disputed (no money moves); "
                                    "WRITTEN_OFF settles `amountInMajorCurrency` (default: all outstanding) with a "
                                    "writeOff credit; UNPAID undoes a dispute, else reverses the invoice's latest "
                                    "write-off. Answers the invoice's payment status after it.")
@wire_fields(invoice="invoiceId", customer="customerId", bill_run_type="billRunType", payment_status="paymentStatus",
             amount="amountInMajorCurrency")
def record_invoice_payment_event(body: InvoicePaymentEventCreate, session: SessionDep, guard: IdempotencyDep,
                                 tenant: TenantDep, principal: Writes) -> Response:
    invoice = invoice_events.record_invoice_payment_event(session, tenant=tenant, actor=principal.subject,
                                                          event=invoice_events.InvoicePaymentEvent(
        invoice_id=body.invoice_id, customer_id=body.customer_id, bill_run_type=body.bill_run_type,
        payment_status=body.payment_status, notes=body.notes, amount=body.amount_in_major_currency))
    return render_recorded(session, guard, InvoicePaymentEventResult(
        invoice_id=invoice.id, customer_id=invoice.customer_id, bill_run_type=invoice.bill_run_type,
        payment_status=invoice.payment_status,
        outstanding_in_major_currency=major(invoice.outstanding_minor, invoice.currency)))
