"""Manual changes of a customer's balance (DESIGN "Balances"; the rules are in ``adjustments/planning.py``).

``adjust_balance`` locks the customer, reads its currency once, plans, and applies the plan with a
fixed handful of Core statements in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy.orm import Session

from ledgerline.adjustments import repository
from ledgerline.errors import InvalidRequest, not_found
from ledgerline.invoices import service as invoices, repository as invoices
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.adjustments.planning import Adjustment, AdjustmentPlan, plan_adjustment
from ledgerline.customers import repository as customers
from ledgerline.kit.ids import new_locator, new_uuid
from ledgerline.kit.refs import CustomerRef
from ledgerline.kit.repository import get_scoped, next_number
from ledgerline.ledger import journal
from ledgerline.ledger.snapshot import InvoiceMoney
from ledgerline.models import CustomerBalanceAdjustment
from ledgerline.models.base import utcnow
from ledgerline.tenants.context import TenantContext


@dataclass(frozen=True)
class NewAdjustment:
    """Credit (positive) or debit (negative) ``amount``, in the customer's currency."""

    customer: CustomerRef
    amount: Decimal
    description: str | None = None


@dataclass(frozen=True)
class PlannedAdjustment:
    plan: AdjustmentPlan
    adjustment: Adjustment  # its invoice, if any, numbered but not yet inserted
    invoice_number: str | None


def get_adjustment(session: Session, *, tenant_id: uuid.UUID, adjustment_id: int) -> CustomerBalanceAdjustment:
    adjustment = get_scoped(session, CustomerBalanceAdjustment, tenant_id, adjustment_id)
    if adjustment is None:
        raise not_found("Customer balance adjustment", adjustment_id)
    return adjustment


def adjust_balance(session: Session, *, tenant: TenantContext, new: NewAdjustment,
                   actor: str | None = None) -> Adjustment:
    return apply(session, tenant_id=tenant.tenant_id, plans=[plan(session, tenant=tenant, new=new, actor=actor)])[0]


def plan(session: Session, *, tenant: TenantContext, new: NewAdjustment, actor: str | None = None) -> PlannedAdjustment:
    tenant_id = tenant.tenant_id
    customer = customers.customer_money_for_update(session, tenant_id, new.customer)
    if customer is None:
        raise InvalidRequest.for_field("customer", f"customer {new.customer} does not exist")
    amount = customer.money(new.amount, field="amount")
    planned = plan_adjustment(replace(customer, owed_minor=invoices.owed_by(session, tenant_id, customer.id)), amount)
    now = utcnow()
    number = next_number(session, tenant_id, "balance_adjustment", "ADJ", gapless=False)
    invoice = planned.invoice(locator=new_locator(), today=now.date())
    # Invoice numbers are gapless: taken last, the counter row stays locked for the shortest time.
    invoice_number = None if invoice is None else next_number(session, tenant_id, "invoice", "INV")
    adjustment = Adjustment(
        number=number, locator=new_locator(), customer_id=customer.id, currency=customer.currency,
        amount_minor=amount.minor, credit_used_minor=planned.credit_used.minor,
        resulting_balance_minor=planned.customer.balance.minor, created_at=now, description=new.description,
        created_by=actor, invoice=invoice)
    return PlannedAdjustment(planned, adjustment, invoice_number)


def apply(session: Session, *, tenant_id: uuid.UUID, plans: Sequence[PlannedAdjustment]) -> list[Adjustment]:
    """Writes the planned adjustments with one statement per table, whatever their number: the debits'
    invoices, the adjustments, their journal lines and the customers' credit. Plans of the same customer must
    have been planned one on top of the other, in this order."""
    now = utcnow()
    invoiced = [planned for planned in plans if planned.adjustment.invoice is not None]
    invoice_ids = dict(zip((id(planned) for planned in invoiced), invoices.insert_invoices(
        session, [_invoice_row(tenant_id, planned.adjustment.invoice, planned.invoice_number, now)  # type: ignore[arg-type]
                  for planned in invoiced])))
    adjustments = [replace(planned.adjustment, invoice=replace(planned.adjustment.invoice, id=invoice_ids[id(planned)]))
                   if id(planned) in invoice_ids else planned.adjustment for planned in plans]
    ids = repository.insert_adjustments(session, [_row(tenant_id, adjustment, now) for adjustment in adjustments])
    adjustments = [replace(adjustment, id=adjustment_id) for adjustment, adjustment_id in zip(adjustments, ids)]
    lines = []
    for planned, adjustment in zip(plans, adjustments):
        lines += [replace(line, adjustment_id=adjustment.id) for line in planned.plan.lines]
        if adjustment.invoice_id is not None:
            lines.append(planned.plan.invoice_line(adjustment.invoice_id))
    journal.append(session, tenant_id=tenant_id, lines=lines, now=now)
    customers.update_customer_credit(session, tenant_id, list(
        {planned.plan.customer.id: planned.plan.customer for planned in plans if planned.plan.moves_credit}.values()))
    return adjustments


def _row(tenant_id: uuid.UUID, adjustment: Adjustment, now: dt.datetime) -> dict[str, object]:
    return {"tenant_id": tenant_id, "locator": adjustment.locator, "uuid": new_uuid(), "version": 1,
            "created_at": adjustment.created_at, "updated_at": now, "number": adjustment.number,
            "customer_id": adjustment.customer_id, "currency": adjustment.currency,
            "amount_minor": adjustment.amount_minor, "credit_used_minor": adjustment.credit_used_minor,
            "invoice_id": adjustment.invoice_id, "resulting_balance_minor": adjustment.resulting_balance_minor,
            "description": adjustment.description, "created_by": adjustment.created_by}


def _invoice_row(tenant_id: uuid.UUID, invoice: InvoiceMoney, number: str, now: dt.datetime) -> dict[str, object]:
    return {"tenant_id": tenant_id, "locator": invoice.locator, "uuid": new_uuid(), "version": 1, "created_at": now,
            "updated_at": now, "number": number, "customer_id": invoice.customer_id,
            "bill_run_type": invoice.bill_run_type, "bill_run_id": None, "bill_id": None,
            "issue_date": invoice.issue_date, "due_date": invoice.issue_date, "currency": invoice.currency,
            "total_minor": invoice.total_minor, "outstanding_minor": invoice.outstanding_minor,
            "refunded_minor": 0, "written_off_minor": 0, "status": invoice.status,
            "payment_status": invoice.payment_status, "reference_number": None, "back_office_code": None,
            "posted_at": now, "cancelled_at": None}


def list_adjustments(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.ADJUSTMENTS.page(session, tenant_id, criteria)


def count_adjustments(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.ADJUSTMENTS.count(session, tenant_id, criteria)
