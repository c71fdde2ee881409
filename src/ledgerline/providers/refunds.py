"""Refunds through payment providers (issue 14 item 7).

A refund of money a provider collected (a payment a collection or payment link of a provider other
than ``manual`` filled in) is submitted to that provider by ``submit``, from the refunds use case and in
its transaction: the refund starts at the provider's first status (the sandbox: CREATED) and a
``provider_refunds`` row keeps the provider's reference and what the refund took back. The provider's
events, stored once and applied once like a collection's (``collections.receive_events``), move it:
SUBMITTED, PAID (or REFUND_SETTLED) only note the status; BOUNCED, FUNDS_RETURNED (or CANCELLED
before it was paid) reverse it, restoring what it took back. Every change records ``refund.updated``.
Each event locks the customer first, then the provider's refund, then the refund: the one lock order.

Without a provider runtime (outside a request, e.g. service-level tests) nothing is submitted and
the refund is MANUALLY_REFUNDED as before; so are refunds of manual money.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ledgerline.customers import service as customers
from ledgerline.errors import Conflict, NotFound
from ledgerline.models import PaymentProvider
from ledgerline.models.base import utcnow
from ledgerline.models.enums import ThirdPartyRefundStatus
from ledgerline.providers import planning, repository, runtime
from ledgerline.providers.adapters import adapter
from ledgerline.providers.base import ProviderContext, ProviderEventData, ProviderRuntime
from ledgerline.refunds import service as refunds
from ledgerline.refunds.planning import Draw, RefundPlan
from ledgerline.tenants.context import TenantContext


@dataclass(frozen=True)
class Submission:
    """A refund a provider took: which provider, the collection whose money it returns, its reference and
    the status it reported."""

    provider_id: int
    collection_id: int
    reference: str
    status: ThirdPartyRefundStatus


def submit(session: Session, *, tenant_id: uuid.UUID, plan: RefundPlan) -> Submission | None:
    """Submit the planned refund to the provider that collected its money, if a provider did: the provider of
    the newest provider-collected payment it draws on takes the whole refund. None when the money was
    collected by hand (or by the manual provider), or no provider runtime is in force."""
    current = runtime.current()
    if current is None or not plan.provider_collected:
        return None
    payment_ids = [taken.source.payment_id for taken in plan.taken if taken.source.provider_collected]
    collected = repository.collections_of_payments(session, tenant_id, payment_ids)
    found = next((collected[payment_id] for payment_id in payment_ids if payment_id in collected), None)
    if found is None:  # provider statuses recorded by hand (an invoice payment saying PAID_OUT): no provider
        return None
    collection, provider = found
    submitted = adapter(provider.adapter).refund(
        ProviderContext(session=session, provider=provider, runtime=current), payment_reference=collection.reference,
        amount_minor=plan.amount.minor, currency=plan.amount.currency)
    return Submission(provider.id, collection.id, submitted.reference, ThirdPartyRefundStatus(submitted.status))


def track(session: Session, *, tenant_id: uuid.UUID, now: dt.datetime,
          submitted: Sequence[tuple[int, RefundPlan, Submission]]) -> None:
    """One ``provider_refunds`` row per refund a provider took (refund id, its plan, the submission)."""
    repository.insert_provider_refunds(session, [{
        "tenant_id": tenant_id, "provider_id": submission.provider_id, "refund_id": refund_id,
        "customer_id": plan.customer.id, "collection_id": submission.collection_id,
        "reference": submission.reference, "amount_minor": plan.amount.minor, "currency": plan.amount.currency,
        "draws": [draw.to_json() for draw in plan.draws()], "submitted_at": now, "resolved_at": None,
        "updated_at": now} for refund_id, plan, submission in submitted])


def apply_refund_event(session: Session, *, tenant: TenantContext, provider: PaymentProvider,
                       event: ProviderEventData) -> str:
    """Apply one provider event to the refund it names; applying it again, or one that would move the refund
    backwards (SUBMITTED after PAID), changes nothing. Answers what it did."""
    tenant_id = tenant.tenant_id
    customer_id = repository.customer_of_provider_refund(session, tenant_id, provider.id, event.reference)
    if customer_id is None:
        return f"ignored: refund {event.reference} is not tracked"
    # Customer first, then the provider's refund, then the refund: one customer's events serialize.
    customers.get_customer(session, tenant_id=tenant_id, customer_id=customer_id, for_update=True)
    tracked = repository.provider_refund_by_reference(session, tenant_id, provider.id, event.reference)
    assert tracked is not None, "read a moment ago"
    refund = refunds.locked_refund(session, tenant_id=tenant_id, refund_id=tracked.refund_id)
    step = planning.refund_step(refund.third_party_refund_status.value, event.status)
    if step.action == "ignore":
        return f"ignored: {step.reason}"
    status = ThirdPartyRefundStatus(step.status)
    now = utcnow()
    if step.action == "cancel":
        reversal = refunds.reverse_refund(session, tenant_id=tenant_id, refund=refund, status=status,
                                          draws=[Draw.from_json(draw) for draw in tracked.draws])
        outcome = (f"refund {refund.id} {status.value}: reversed ({reversal.back_on_invoice_minor} of "
                   f"{reversal.amount.minor} back on its invoice)")
    else:
        refunds.note_provider_status(session, tenant_id=tenant_id, refund=refund, status=status)
        outcome = f"refund {refund.id} {status.value}"
    tracked.updated_at = now
    if status.value not in planning.OPEN_REFUND:
        tracked.resolved_at = tracked.resolved_at or now
    session.flush()
    return outcome


def resolve_stuck_refunds(session: Session, *, tenant: TenantContext, runtime: ProviderRuntime,
                          deadline_seconds: float, now: dt.datetime) -> list[str]:
    """Provider refunds still open ``deadline_seconds`` after submission: ask their provider where they stand
    and apply its answer as an event (id ``janitor:<reference>:<status>``, so it too is applied once)."""
    from ledgerline.providers import collections

    outcomes = []
    for tracked, current in repository.provider_refunds_pending_since(
            session, tenant.tenant_id, now - dt.timedelta(seconds=deadline_seconds)):
        provider = repository.provider(session, tenant.tenant_id, tracked.provider_id)
        assert provider is not None, "a refund's provider is never deleted"
        try:
            status = adapter(provider.adapter).refund_status(
                ProviderContext(session=session, provider=provider, runtime=runtime), tracked.reference)
        except (Conflict, NotFound) as exc:
            outcomes.append(f"{tracked.reference}: {exc.message}")
            continue
        if status == current:
            continue
        received = collections.receive_events(session, tenant=tenant, provider=provider, runtime=runtime, events=[
            ProviderEventData(f"janitor:{tracked.reference}:{status}", "refund", tracked.reference, status, now,
                              {"source": "janitor"})])
        outcomes += [f"{tracked.reference}: {outcome}" for outcome in received.outcomes]
    return outcomes
