"""Refunds return collected money (DESIGN "Refunds").

``refund`` locks one snapshot (the customer first, then the invoice, then the allocations or payments
it draws on), plans in ``refunds/planning.py`` and applies the plan with a fixed handful of Core
statements. A payment whose money was refunded can no longer be cancelled; like every money change
the refund is journaled in the same transaction.

A refund of money a payment provider collected is submitted to that provider in the same transaction
(``providers/refunds.py``); the provider's events then move its ``third_party_refund_status``, and a
bounce reverses it (``reverse_refund``: what it took back is restored, journaled REFUND_REVERSED).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy.orm import Session

from ledgerline import events
from ledgerline.customers import repository as customers
from ledgerline.errors import Conflict, InvalidRequest, not_found
from ledgerline.invoices import repository as invoices
from ledgerline.kit.ids import new_locator, new_uuid
from ledgerline.kit.money import Money
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.refs import CustomerRef, InvoiceRef
from ledgerline.kit.repository import get_scoped, next_number
from ledgerline.ledger import journal
from ledgerline.ledger.snapshot import CustomerMoney, InvoiceMoney
from ledgerline.models import Refund
from ledgerline.models.base import utcnow
from ledgerline.models.enums import BillRunType, PaymentMethod, ThirdPartyRefundStatus
from ledgerline.refunds import repository
from ledgerline.refunds.planning import (
    Draw, RefundPlan, RefundRecord, ReversalPlan, Taken, needs_last_method, plan_credit_refund, plan_invoice_refund,
    plan_refund_reversal, refund_method,
)
from ledgerline.tenants.context import TenantContext


@dataclass(frozen=True)
class NewRefund:
    """A refund of ``amount`` (in the customer's currency) against an invoice, else the customer's credit."""

    amount: Decimal
    invoice: InvoiceRef | None = None
    customer: CustomerRef | None = None
    bill_run_type: BillRunType | None = None  # must match the invoice's; defaults to it
    method: PaymentMethod | None = None  # blank: the method of the customer's last successful payment
    description: str | None = None
    # False when the refund records money a provider already returned (an invoice payment reporting it):
    # sending it to the provider again would pay it out twice.
    through_provider: bool = True


@dataclass(frozen=True)
class RecordedRefund:
    refund: RefundRecord
    taken: tuple[Taken, ...]  # the allocations or payments it took money back from, and how much
    invoice: InvoiceMoney | None  # the invoice after the refund
    balance_after: Money


def get_refund(session: Session, *, tenant_id: uuid.UUID, refund_id: int) -> Refund:
    refund = get_scoped(session, Refund, tenant_id, refund_id)
    if refund is None:
        raise not_found("Refund", refund_id)
    return refund


def refund(session: Session, *, tenant: TenantContext, new: NewRefund, actor: str | None = None) -> RecordedRefund:
    return apply(session, tenant_id=tenant.tenant_id, plans=[plan(session, tenant=tenant, new=new, actor=actor)],
                 through_provider=new.through_provider)[0]


def plan(session: Session, *, tenant: TenantContext, new: NewRefund, actor: str | None = None) -> RefundPlan:
    """Locks the snapshot and plans the refund (422 naming the field for what the request gets wrong)."""
    tenant_id = tenant.tenant_id
    customer, invoice_id = _lock_customer(session, tenant_id, new)
    amount = customer.money(new.amount, field="amount")
    if not amount.is_positive:
        raise InvalidRequest.for_field("amount", "must be greater than zero")
    customer = replace(customer, owed_minor=invoices.owed_by(session, tenant_id, customer.id))
    bill_run_type = new.bill_run_type
    if invoice_id is not None:
        invoice = invoices.invoice_money_for_update(session, tenant_id, [invoice_id]).get(invoice_id)
        if invoice is None or invoice.customer_id != customer.id:  # a draft moved to another customer meanwhile
            raise Conflict(f"invoice {new.invoice} was modified concurrently; retry")
        if bill_run_type is not None and bill_run_type is not invoice.bill_run_type:
            raise InvalidRequest.for_field("bill_run_type", f"invoice {invoice.id} is a {invoice.bill_run_type.value} "
                                                            f"invoice, not {bill_run_type.value}")
        bill_run_type = invoice.bill_run_type
        planned = plan_invoice_refund(amount, customer=customer, invoice=invoice,
                                      sources=repository.invoice_sources_for_update(session, tenant_id, invoice.id))
    else:
        planned = plan_credit_refund(amount, customer=customer,
                                     sources=repository.credit_sources_for_update(session, tenant_id, customer.id))
    last = (repository.last_successful_method(session, tenant_id, customer.id)
            if needs_last_method(new.method, planned) else None)
    method, named = refund_method(new.method, last, plan=planned, customer_id=customer.id)
    if named:
        tenant.at_version(session, customer.settings_version).check_method(method, field="method")
    return planned.recorded_as(RefundRecord(
        number=next_number(session, tenant_id, "refund", "RFD", gapless=False), locator=new_locator(),
        customer_id=customer.id, invoice_id=invoice_id, bill_run_type=bill_run_type, currency=customer.currency,
        amount_minor=amount.minor, payment_method=method, description=new.description, created_by=actor,
        created_at=utcnow()))


def _lock_customer(session: Session, tenant_id: uuid.UUID, new: NewRefund) -> tuple[CustomerMoney, int | None]:
    """The customer refunded, locked, and the invoice's id when one is named (422 naming the unknown one)."""
    if new.invoice is not None:
        owner = invoices.invoice_owners(session, tenant_id, [new.invoice]).get(new.invoice)
        if owner is None:
            raise InvalidRequest.for_field("invoice", f"invoice {new.invoice} does not exist")
        invoice_id, owner_id = owner
        customer = customers.customer_money_for_update(session, tenant_id, new.customer or CustomerRef(id=owner_id))
        if new.customer is not None and (customer is None or customer.id != owner_id):
            raise InvalidRequest.for_field("customer", f"invoice {new.invoice} is not an invoice of customer "
                                                       f"{new.customer}")
        if customer is None:
            raise Conflict(f"invoice {new.invoice} was modified concurrently; retry")
        return customer, invoice_id
    if new.customer is None:
        raise InvalidRequest.for_field("invoice", "give the invoice or the customer to refund")
    customer = customers.customer_money_for_update(session, tenant_id, new.customer)
    if customer is None:
        raise InvalidRequest.for_field("customer", f"customer {new.customer} does not exist")
    return customer, None


def apply(session: Session, *, tenant_id: uuid.UUID, plans: Sequence[RefundPlan],
          through_provider: bool = True) -> list[RecordedRefund]:
    """Writes the planned refunds with one statement per table, whatever their number: the refunds, their
    journal lines, the allocations and payments drawn on, the invoices reopened and the customers' credit.
    Plans touching the same rows must have been planned one on top of the other, in this order."""
    from ledgerline.providers import refunds as provider_refunds

    now = utcnow()
    assert all(plan.record is not None for plan in plans), "a refund is planned with its record"
    # Money a provider collected goes back through it: its first status is the refund's.
    submissions = [provider_refunds.submit(session, tenant_id=tenant_id, plan=plan) if through_provider else None
                   for plan in plans]
    plans = [plan if submitted is None else plan.recorded_as(replace(  # type: ignore[type-var]
        plan.record, third_party_refund_status=submitted.status)) for plan, submitted in zip(plans, submissions)]
    records = [plan.record for plan in plans]
    ids = repository.insert_refunds(session, [_row(tenant_id, record, now)  # type: ignore[arg-type]
                                              for record in records])
    journal.append(session, tenant_id=tenant_id, now=now,
                   lines=[replace(line, refund_id=refund_id) for plan, refund_id in zip(plans, ids)
                          for line in plan.lines])
    allocations: dict[int, int] = {}
    payments: dict[int, dict[str, int]] = {}
    invoices_after: dict[int, InvoiceMoney] = {}
    customers_after: dict[int, CustomerMoney] = {}
    for plan in plans:
        allocations.update(plan.allocations_after())
        for payment_id, values in plan.payments_after().items():
            payments.setdefault(payment_id, {}).update(values)
        if plan.invoice is not None:
            invoices_after[plan.invoice.id] = plan.invoice
        if plan.invoice is None:  # only credit refunds change the customer's credit
            customers_after[plan.customer.id] = plan.customer
    repository.update_allocations_refunded(session, tenant_id, allocations)
    repository.update_payments(session, tenant_id, payments)
    invoices.update_invoice_money(session, tenant_id, list(invoices_after.values()))
    customers.update_customer_credit(session, tenant_id, list(customers_after.values()))
    recorded = [RecordedRefund(replace(plan.record, id=refund_id), plan.taken, plan.invoice,  # type: ignore[arg-type]
                               plan.customer.balance)
                for plan, refund_id in zip(plans, ids)]
    provider_refunds.track(session, tenant_id=tenant_id, now=now, submitted=[
        (refund_id, plan, submitted) for plan, refund_id, submitted in zip(plans, ids, submissions)
        if submitted is not None])
    for each in recorded:
        events.record(session, tenant_id, "refund.created", each.refund.customer_id, each.refund)
    return recorded


def locked_refund(session: Session, *, tenant_id: uuid.UUID, refund_id: int) -> Refund:
    """The refund, locked and read afresh (its customer is locked first by the caller)."""
    refund = repository.refund_for_update(session, tenant_id, refund_id)
    if refund is None:
        raise not_found("Refund", refund_id)
    return refund


def note_provider_status(session: Session, *, tenant_id: uuid.UUID, refund: Refund,
                         status: ThirdPartyRefundStatus) -> Refund:
    """The provider moved the refund on without moving money (SUBMITTED, PAID): its status, and a
    ``refund.updated`` event (the customer is locked by the caller)."""
    refund.third_party_refund_status = status
    session.flush()
    events.record(session, tenant_id, "refund.updated", refund.customer_id, refund)
    return refund


def reverse_refund(session: Session, *, tenant_id: uuid.UUID, refund: Refund, draws: Sequence[Draw],
                   status: ThirdPartyRefundStatus) -> ReversalPlan:
    """The provider's refund bounced or its funds came back (``status``): what the refund took back is
    restored (payments' refundable money, the invoice's allocations as far as it is open, else customer
    credit), journaled REFUND_REVERSED, with a ``refund.updated`` event. Locks the customer first, then
    the invoice, then the payments and allocations drawn on."""
    customer = customers.customer_money_for_update(session, tenant_id, CustomerRef(id=refund.customer_id))
    assert customer is not None, "a refund's customer is never deleted"
    customer = replace(customer, owed_minor=invoices.owed_by(session, tenant_id, customer.id))
    invoice = (invoices.invoice_money_for_update(session, tenant_id, [refund.invoice_id]).get(refund.invoice_id)
               if refund.invoice_id is not None else None)
    planned = plan_refund_reversal(refund_id=refund.id, amount=Money(refund.amount_minor, refund.currency),
                                   customer=customer, invoice=invoice,
                                   drawn=repository.drawn_for_update(session, tenant_id, draws))
    journal.append(session, tenant_id=tenant_id, lines=planned.lines, now=utcnow())
    repository.update_allocations_refunded(session, tenant_id, planned.allocations)
    repository.update_payments(session, tenant_id, planned.payments)
    invoices.update_invoice_money(session, tenant_id, [planned.invoice] if planned.invoice is not None else [])
    customers.update_customer_credit(session, tenant_id, [planned.customer])
    refund.third_party_refund_status = status
    refund.error_info = f"the payment provider reported {status.value}; the refund was reversed"
    session.flush()
    events.record(session, tenant_id, "refund.updated", refund.customer_id, refund)
    return planned


def _row(tenant_id: uuid.UUID, record: RefundRecord, now: dt.datetime) -> dict[str, object]:
    return {"tenant_id": tenant_id, "locator": record.locator, "uuid": new_uuid(), "version": 1,
            "created_at": record.created_at, "updated_at": now, "number": record.number,
            "customer_id": record.customer_id, "invoice_id": record.invoice_id, "bill_run_type": record.bill_run_type,
            "currency": record.currency, "amount_minor": record.amount_minor, "payment_method": record.payment_method,
            "third_party_refund_status": record.third_party_refund_status, "description": record.description,
            "error_info": record.error_info, "created_by": record.created_by}


def list_refunds(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.REFUNDS.page(session, tenant_id, criteria)


def count_refunds(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.REFUNDS.count(session, tenant_id, criteria)
