"""Collections and provider events: the money half of payment providers.

Posting an invoice for a customer with a usable mandate starts a collection: a payment in
PENDING_VERIFICATION (thirdPartyPaymentStatus SUBMITTED) meant for the invoice, whose payment status
turns PENDING; nothing is allocated. The provider's events then move it, each stored once and applied
once (``receive_events``): CONFIRMED / PAID_OUT post and allocate it through the payments use cases,
FAILED rejects it (the invoice is UNPAID again; ``retryIfPossible`` providers submit it once more),
CANCELLED cancels it, CHARGED_BACK cancels a posted one with a payment cancellation, reopening the
invoice. Every event locks the customer first, then the collection: the one lock order.

Each collection is also an invoice payment row (issue 14), written with it and following its status; its
money counts only while its payment is POSTED. Events go through the payments use cases, so they record
payment.posted / rejected / cancelled and invoice.paid once per change; a failure also records
collection.failed, a mandate's change mandate.updated (issue 16).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ledgerline import events
from ledgerline.customers import service as customers
from ledgerline.errors import Conflict, InvalidRequest, NotFound, not_found
from ledgerline.invoices import service as invoices
from ledgerline.invoice_payments import service as invoice_payments
from ledgerline.kit.money import Money, to_major
from ledgerline.kit.refs import CustomerRef, InvoiceRef, PaymentRef
from ledgerline.models import Invoice, PaymentProvider, ProviderCollection
from ledgerline.models.base import utcnow
from ledgerline.models.enums import BillRunType, InvoicePaymentStatus, InvoiceStatus
from ledgerline.payments import service as payments
from ledgerline.payments.values import Cancellation, NewPayment, PaymentDetails
from ledgerline.providers import planning, repository
from ledgerline.providers.adapters import adapter
from ledgerline.providers.base import CollectionRequest, ProviderContext, ProviderEventData, ProviderRuntime
from ledgerline.tenants import context as tenant_contexts
from ledgerline.tenants.context import TenantContext

# How the money path gets the tenant's policy outside a request (janitor, sandbox settlement).
TenantLoader = Callable[[Session, uuid.UUID], TenantContext]


def load_tenant(session: Session, tenant_id: uuid.UUID) -> TenantContext:
    context = tenant_contexts.load(session, tenant_id, {})
    if context is None:
        raise not_found("Tenant", tenant_id)
    return context


def context_of(session: Session, provider: PaymentProvider, runtime: ProviderRuntime) -> ProviderContext:
    return ProviderContext(session=session, provider=provider, runtime=runtime)


# --- starting a collection ----------------------------------------------------------------------

def start_for_invoice(session: Session, *, tenant: TenantContext, invoice: Invoice, runtime: ProviderRuntime,
                      attempt: int = 1) -> ProviderCollection | None:
    """A collection of what the posted invoice owes, if its customer has a usable mandate with an ACTIVE
    provider that collects (the customer row is locked by the caller). None when there is none."""
    if invoice.status is not InvoiceStatus.POSTED or invoice.outstanding_minor <= 0:
        return None
    for mandate, provider in repository.mandates_of_customer(session, tenant.tenant_id, invoice.customer_id,
                                                             planning.USABLE_MANDATE_STATES):
        if provider.type in tenant.disabled_methods or not adapter(provider.adapter).collects:
            continue
        return _submit(session, tenant, provider, runtime, invoice=invoice, mandate_id=mandate.id,
                       mandate_reference=mandate.mandate_reference, attempt=attempt)
    return None


def _submit(session: Session, tenant: TenantContext, provider: PaymentProvider, runtime: ProviderRuntime, *,
            invoice: Invoice, mandate_id: int, mandate_reference: str, attempt: int) -> ProviderCollection:
    amount_minor, currency = invoice.outstanding_minor, invoice.currency
    submitted = adapter(provider.adapter).collect(context_of(session, provider, runtime), CollectionRequest(
        amount_minor=amount_minor, currency=currency, mandate_reference=mandate_reference,
        description=f"Invoice {invoice.number}"))
    description = f"Collection {submitted.reference} by {provider.name} (attempt {attempt})"
    recorded = payments.record_pending_collection(session, tenant=tenant, new=NewPayment(
        customer=CustomerRef(id=invoice.customer_id), amount=to_major(amount_minor, currency),
        payment_method=provider.type, intended_invoices=(InvoiceRef(id=invoice.id),),
        details=PaymentDetails(third_party_status=submitted.status, reference_number=submitted.reference,
                               notes=description)))
    # Seed 000: a submission to a provider is an invoice payment event, listed with its own id.
    invoice_payments.record_collection(
        session, tenant_id=tenant.tenant_id, invoice=invoice, payment_id=recorded.id,
        amount=Money(amount_minor, currency), payment_method=provider.type, third_party_status=submitted.status,
        description=description, actor=f"provider:{provider.id}")
    now = utcnow()
    collection = repository.insert_collection(
        session, tenant_id=tenant.tenant_id, provider_id=provider.id, payment_id=recorded.id, invoice_id=invoice.id,
        customer_id=invoice.customer_id, mandate_id=mandate_id, kind="collection", reference=submitted.reference,
        attempt=attempt, amount_minor=amount_minor, currency=currency, status=submitted.status, submitted_at=now,
        updated_at=now, details={})
    repository.set_invoice_payment_status(session, tenant.tenant_id, invoice.id, InvoicePaymentStatus.PENDING)
    return collection


# --- events -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Received:
    """What a delivery did: events stored anew, duplicates skipped, and each new event's outcome."""

    stored: int
    duplicates: int
    outcomes: tuple[str, ...]


def receive_events(session: Session, *, tenant: TenantContext, provider: PaymentProvider,
                   events: list[ProviderEventData], runtime: ProviderRuntime) -> Received:
    """Store each event once (by the provider's event id) and apply each new one, in the order given."""
    stored, duplicates, outcomes = 0, 0, []
    now = utcnow()
    for event in events:
        event_row = repository.insert_event_once(session, {
            "tenant_id": tenant.tenant_id, "provider_id": provider.id, "event_id": event.event_id,
            "resource_type": event.resource_type, "reference": event.reference, "status": event.status,
            "occurred_at": event.occurred_at, "received_at": now, "payload": event.payload})
        if event_row is None:
            duplicates += 1
            continue
        stored += 1
        outcome = apply_event(session, tenant=tenant, provider=provider, event=event, runtime=runtime)
        repository.mark_event(session, tenant.tenant_id, event_row, applied_at=now, outcome=outcome)
        outcomes.append(outcome)
    return Received(stored, duplicates, tuple(outcomes))


def receive_webhook(session: Session, *, tenant_loader: TenantLoader, provider_id: int, raw_body: bytes,
                    headers: dict[str, str], runtime: ProviderRuntime) -> Received:
    """A provider's signed delivery: verified (401 and nothing changes when the signature is bad), then
    each event stored once and applied once."""
    from ledgerline.errors import Unauthorized

    provider = repository.provider_by_global_id(session, provider_id)
    if provider is None:
        raise Unauthorized("unknown payment provider", error="invalid_signature")
    ctx = context_of(session, provider, runtime)
    events = adapter(provider.adapter).verify_and_parse(ctx, raw_body, headers, utcnow())
    return receive_events(session, tenant=tenant_loader(session, provider.tenant_id), provider=provider,
                          events=events, runtime=runtime)


def apply_event(session: Session, *, tenant: TenantContext, provider: PaymentProvider, event: ProviderEventData,
                runtime: ProviderRuntime) -> str:
    """Apply one event; applying it again (a replay) changes nothing. Answers what it did."""
    if event.resource_type in ("payment", "payment_link"):
        return _apply_to_collection(session, tenant, provider, event, runtime)
    if event.resource_type == "refund":
        from ledgerline.providers import refunds

        return refunds.apply_refund_event(session, tenant=tenant, provider=provider, event=event)
    if event.resource_type == "mandate":
        return _apply_to_mandate(session, tenant, event)
    return f"ignored: unknown resource type {event.resource_type}"


def _apply_to_mandate(session: Session, tenant: TenantContext, event: ProviderEventData) -> str:
    found = repository.mandate_by_reference(session, tenant.tenant_id, event.reference)
    if found is None:
        return f"ignored: no mandate {event.reference}"
    # Customer first, then the mandate (the one lock order); mandate.updated takes the customer's sequence.
    customers.get_customer(session, tenant_id=tenant.tenant_id, customer_id=found.customer_id, for_update=True)
    mandate = repository.mandate_by_reference(session, tenant.tenant_id, event.reference, for_update=True)
    assert mandate is not None, "read a moment ago"
    if event.status not in planning.MANDATE_STATES or mandate.status == event.status:
        return f"ignored: mandate is {mandate.status}"
    mandate.status = event.status
    session.flush()
    events.record(session, tenant.tenant_id, "mandate.updated", mandate.customer_id, mandate)
    return f"mandate {event.status}"


def _apply_to_collection(session: Session, tenant: TenantContext, provider: PaymentProvider,
                         event: ProviderEventData, runtime: ProviderRuntime) -> str:
    customer_id = repository.customer_of_collection(session, tenant.tenant_id, provider.id, event.reference)
    if customer_id is None:
        return f"ignored: no collection {event.reference}"
    # Customer first, then the collection: events of one customer serialize, concurrent ones too.
    customers.get_customer(session, tenant_id=tenant.tenant_id, customer_id=customer_id, for_update=True)
    collection = repository.collection_by_reference(session, tenant.tenant_id, provider.id, event.reference,
                                                    for_update=True)
    assert collection is not None, "read a moment ago"
    step = planning.collection_step(collection.status, event.status)
    if step.action == "ignore":
        return f"ignored: {step.reason}"
    now = utcnow()
    if collection.payment_id is not None:
        # First, so the payment.posted / rejected / cancelled events carry what the provider said.
        payments.note_third_party_status(session, tenant_id=tenant.tenant_id, payment_id=collection.payment_id,
                                         status=step.status)
        invoice_payments.follow_collection(
            session, tenant_id=tenant.tenant_id, payment_id=collection.payment_id, third_party_status=step.status,
            error_info=f"the payment provider reported {step.status}" if step.action == "reject" else None)
    # The collection moves first: the payment use cases below then see it resolved (a cancellation of its
    # payment is the provider's, not one the collection must follow).
    collection.status = step.status
    collection.updated_at = now
    if step.action != "status" and step.status not in ("CONFIRMED",):
        collection.resolved_at = collection.resolved_at or now
    session.flush()
    outcome = _carry_out(session, tenant, provider, collection, step, runtime)
    session.flush()
    return outcome


def _carry_out(session: Session, tenant: TenantContext, provider: PaymentProvider, collection: ProviderCollection,
               step: planning.Step, runtime: ProviderRuntime) -> str:
    if collection.payment_id is None:  # a payment link: the money arrives with this event
        return _pay_link(session, tenant, provider, collection, step)
    payment = PaymentRef(id=collection.payment_id)
    if step.action in ("post", "post_and_chargeback"):
        payments.post_payment(session, tenant=tenant, payment=payment, actor=f"provider:{provider.id}")
        if step.action == "post":
            return f"payment {collection.payment_id} posted"
    if step.action in ("chargeback", "post_and_chargeback"):
        try:
            payments.cancel_payment(session, tenant=tenant, payment=payment, actor=f"provider:{provider.id}",
                                    cancellation=Cancellation(issue_reason="charged back by the payment provider",
                                                              notes=f"{provider.name} collection {collection.reference}"))
        except Conflict as exc:
            return f"charged back, not cancelled: {exc.message}"
        return f"payment {collection.payment_id} charged back and cancelled"
    if step.action == "reject":
        rejected = payments.reject_payment(session, tenant=tenant, payment=payment, actor=f"provider:{provider.id}",
                                           reason=f"the payment provider reported {step.status}")
        # Beside payment.rejected: a receiver that follows collections needs no rule for which rejections
        # are failures (the customer is locked, so the event takes its place in the customer's sequence).
        events.record(session, tenant.tenant_id, "collection.failed", collection.customer_id, rejected)
        _refresh_invoice(session, tenant.tenant_id, collection.invoice_id)
        retried = ""
        if provider.retry_if_possible and collection.attempt == 1:
            again = _retry(session, tenant, provider, collection, runtime)
            retried = f"; retried as payment {again.payment_id}" if again is not None else ""
        return f"payment {collection.payment_id} rejected{retried}"
    if step.action == "cancel":
        payments.cancel_payment(session, tenant=tenant, payment=payment, actor=f"provider:{provider.id}",
                                cancellation=Cancellation(issue_reason="collection cancelled"))
        _refresh_invoice(session, tenant.tenant_id, collection.invoice_id)
        return f"payment {collection.payment_id} cancelled"
    return f"status {step.status}"


def _pay_link(session: Session, tenant: TenantContext, provider: PaymentProvider, collection: ProviderCollection,
              step: planning.Step) -> str:
    if step.action not in ("post", "post_and_chargeback"):
        return f"payment link {step.status}"
    intended = (InvoiceRef(id=collection.invoice_id),) if collection.invoice_id is not None else ()
    recorded = payments.record_payment(session, tenant=tenant, actor=f"provider:{provider.id}", new=NewPayment(
        customer=CustomerRef(id=collection.customer_id), amount=to_major(collection.amount_minor, collection.currency),
        payment_method=provider.type, post=True, intended_invoices=intended,
        details=PaymentDetails(third_party_status=step.status, reference_number=collection.reference,
                               notes=f"Payment link {collection.reference} by {provider.name}")))
    collection.payment_id = recorded.id
    return f"payment link paid: payment {recorded.id} posted"


def _refresh_invoice(session: Session, tenant_id: uuid.UUID, invoice_id: int | None) -> None:
    if invoice_id is None:
        return
    invoice = repository.locked_invoice(session, tenant_id, invoice_id)
    if invoice is not None:
        invoices.refresh_payment_status(invoice)
        session.flush()


def _retry(session: Session, tenant: TenantContext, provider: PaymentProvider, failed: ProviderCollection,
           runtime: ProviderRuntime) -> ProviderCollection | None:
    invoice = repository.locked_invoice(session, tenant.tenant_id, failed.invoice_id) if failed.invoice_id else None
    mandate = (repository.mandate_by_reference_id(session, tenant.tenant_id, failed.mandate_id)
               if failed.mandate_id else None)
    if invoice is None or mandate is None or mandate.status not in planning.USABLE_MANDATE_STATES:
        return None
    if invoice.status is not InvoiceStatus.POSTED or invoice.outstanding_minor <= 0:
        return None
    return _submit(session, tenant, provider, runtime, invoice=invoice, mandate_id=mandate.id,
                   mandate_reference=mandate.mandate_reference, attempt=failed.attempt + 1)


@payments.on_pending_withdrawn
def _follow_cancelled_payment(session: Session, tenant: TenantContext, payment: Mapping[str, Any]) -> None:
    """A collection's payment cancelled or rejected by hand (POST /v1/payments/{id}/cancel or /reject, or any
    surface's) while still pending: the collection is CANCELLED with it, its row says so, and the invoice is no
    longer PENDING. The provider is not asked to stop (invoice-payment-cancel does that); whatever it says
    about the collection afterwards is ignored, as for any cancelled collection."""
    collection = repository.collection_of_payment(session, tenant.tenant_id, payment["id"])
    if collection is None or collection.status not in planning.OPEN_COLLECTION:
        return
    now = utcnow()
    collection.status, collection.updated_at, collection.resolved_at = "CANCELLED", now, now
    collection.details = {**collection.details, "cancelledWithPayment": now.isoformat()}
    payments.note_third_party_status(session, tenant_id=tenant.tenant_id, payment_id=payment["id"],
                                     status="CANCELLED")
    invoice_payments.follow_collection(session, tenant_id=tenant.tenant_id, payment_id=payment["id"],
                                       third_party_status="CANCELLED")
    session.flush()
    _refresh_invoice(session, tenant.tenant_id, collection.invoice_id)


# --- reprocess, cancel, replay ------------------------------------------------------------------

def _invoice_of_type(session: Session, tenant: TenantContext, invoice_id: int, bill_run_type: BillRunType) -> Invoice:
    invoice = invoices.lock_invoice_and_customer(session, tenant.tenant_id, invoice_id, field="invoice")
    if invoice.bill_run_type is not bill_run_type:
        raise InvalidRequest.for_field("bill_run_type", f"invoice {invoice_id} is a {invoice.bill_run_type.value} "
                                                        f"invoice, not {bill_run_type.value}")
    return invoice


def reprocess_invoice_payment(session: Session, *, tenant: TenantContext, invoice_id: int,
                              bill_run_type: BillRunType, notes: str | None,
                              runtime: ProviderRuntime) -> ProviderCollection:
    """Submit a failed (or cancelled) collection of the invoice again, for what it still owes (409 when its
    latest collection is still pending or succeeded, or the invoice owes nothing)."""
    invoice = _invoice_of_type(session, tenant, invoice_id, bill_run_type)
    latest = repository.latest_collection_of_invoice(session, tenant.tenant_id, invoice.id)
    if latest is None:
        raise Conflict(f"invoice {invoice.id} has no collection to reprocess")
    if latest.status not in planning.FAILED | planning.CANCELLED:
        raise Conflict(f"invoice {invoice.id}'s collection {latest.reference} is {latest.status}; only a failed "
                       "or cancelled collection is reprocessed")
    if invoice.status is not InvoiceStatus.POSTED or invoice.outstanding_minor <= 0:
        raise Conflict(f"invoice {invoice.id} owes nothing; nothing to collect")
    provider = repository.provider(session, tenant.tenant_id, latest.provider_id)
    mandate = repository.mandate_by_reference_id(session, tenant.tenant_id, latest.mandate_id)
    if provider is None or mandate is None or mandate.status not in planning.USABLE_MANDATE_STATES:
        raise Conflict(f"invoice {invoice.id}'s mandate is no longer usable; set up a new one")
    collection = _submit(session, tenant, provider, runtime, invoice=invoice, mandate_id=mandate.id,
                         mandate_reference=mandate.mandate_reference, attempt=latest.attempt + 1)
    if notes:
        collection.details = {"notes": notes}
        session.flush()
    return collection


def cancel_invoice_payment(session: Session, *, tenant: TenantContext, invoice_id: int, bill_run_type: BillRunType,
                           notes: str | None, runtime: ProviderRuntime) -> ProviderCollection:
    """Ask the provider to cancel the invoice's pending collection; its CANCELLED event then cancels the
    payment (hence 202: accepted, not yet done). 409 when nothing is pending."""
    invoice = _invoice_of_type(session, tenant, invoice_id, bill_run_type)
    latest = repository.latest_collection_of_invoice(session, tenant.tenant_id, invoice.id)
    if latest is None or latest.status not in planning.OPEN_COLLECTION:
        raise Conflict(f"invoice {invoice.id} has no pending collection to cancel")
    provider = repository.provider(session, tenant.tenant_id, latest.provider_id)
    assert provider is not None, "a collection's provider is never deleted"
    adapter(provider.adapter).cancel_collection(context_of(session, provider, runtime), latest.reference)
    latest.details = {**latest.details, "cancelRequested": utcnow().isoformat(), **({"notes": notes} if notes else {})}
    session.flush()
    return latest


@dataclass(frozen=True)
class Replayed:
    events: int
    changed: int


def replay_events(session: Session, *, tenant: TenantContext, provider_id: int, start: dt.datetime | None,
                  end: dt.datetime | None, runtime: ProviderRuntime) -> Replayed:
    """Apply the provider's stored events of the period again, oldest first: an event applied already
    changes nothing (it is skipped: applying it again would record its domain events again, and mandate
    states have no order), one that could not be applied before is applied now."""
    provider = repository.provider(session, tenant.tenant_id, provider_id)
    if provider is None:
        raise InvalidRequest.for_field("payment_provider", f"payment provider {provider_id} does not exist")
    events = repository.events_between(session, tenant.tenant_id, provider.id, start, end)
    changed = 0
    for stored in events:
        if not planning.replay_applies(stored.resource_type, stored.outcome):
            continue
        outcome = apply_event(session, tenant=tenant, provider=provider, runtime=runtime, event=ProviderEventData(
            stored.event_id, stored.resource_type, stored.reference, stored.status, stored.occurred_at,
            stored.payload))
        if not outcome.startswith("ignored"):
            changed += 1
            repository.mark_event(session, tenant.tenant_id, stored.id, applied_at=utcnow(), outcome=outcome)
    return Replayed(len(events), changed)


# --- the sandbox's clock and the janitor --------------------------------------------------------

def settle_sandbox(session: Session, *, tenant: TenantContext, runtime: ProviderRuntime,
                   now: dt.datetime | None = None) -> Received:
    """Deliver every sandbox event due by ``now`` through the webhook code path (signed, verified)."""
    from ledgerline.providers.sandbox import SandboxProvider

    now = now or utcnow()
    stored, duplicates, outcomes = 0, 0, []
    for provider in repository.sandbox_providers(session, tenant.tenant_id):
        sandbox = adapter(provider.adapter)
        assert isinstance(sandbox, SandboxProvider)
        for delivery in sandbox.due_deliveries(context_of(session, provider, runtime), now):
            received = receive_webhook(session, tenant_loader=lambda _session, _tenant_id: tenant,
                                       provider_id=delivery.provider_id, raw_body=delivery.body,
                                       headers=delivery.headers, runtime=runtime)
            stored, duplicates = stored + received.stored, duplicates + received.duplicates
            outcomes += received.outcomes
    return Received(stored, duplicates, tuple(outcomes))


def resolve_stuck(session: Session, *, tenant: TenantContext, runtime: ProviderRuntime, deadline_seconds: float,
                  now: dt.datetime | None = None) -> list[str]:
    """Collections still pending ``deadline_seconds`` after submission: ask their provider where they stand
    and apply its answer as an event (id ``janitor:<reference>:<status>``, so it too is applied once)."""
    now = now or utcnow()
    outcomes = []
    for collection in repository.collections_pending_since(session, tenant.tenant_id,
                                                           now - dt.timedelta(seconds=deadline_seconds)):
        provider = repository.provider(session, tenant.tenant_id, collection.provider_id)
        assert provider is not None
        try:
            status = adapter(provider.adapter).collection_status(context_of(session, provider, runtime),
                                                                 collection.reference)
        except (Conflict, NotFound) as exc:
            outcomes.append(f"{collection.reference}: {exc.message}")
            continue
        if status == collection.status:
            continue
        received = receive_events(session, tenant=tenant, provider=provider, runtime=runtime, events=[
            ProviderEventData(f"janitor:{collection.reference}:{status}", "payment", collection.reference, status,
                              now, {"source": "janitor"})])
        outcomes += [f"{collection.reference}: {outcome}" for outcome in received.outcomes]
    from ledgerline.providers import refunds

    outcomes += refunds.resolve_stuck_refunds(session, tenant=tenant, runtime=runtime,
                                              deadline_seconds=deadline_seconds, now=now)
    return outcomes
