"""Manual changes of a customer's balance.

A credit (positive amount) becomes customer credit, like an overpayment. A debit takes what
it can from the customer's credit; the rest becomes a posted ADHOC invoice, so the debt is an
invoice that payments settle oldest first like any other. Either way the balance moves by
exactly the amount, in one transaction that holds the customer row (DESIGN "Balances").
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from ledgerline.adjustments import repository
from ledgerline.errors import InvalidRequest, not_found
from ledgerline.invoices import service as invoices
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.repository import get_scoped, next_number
from ledgerline.ledger.repository import balance_of
from ledgerline.ledger.service import record
from ledgerline.models import Customer, CustomerBalanceAdjustment
from ledgerline.models.base import utcnow
from ledgerline.models.enums import BillRunType, InvoiceStatus, JournalKind


def get_adjustment(session: Session, *, tenant_id: uuid.UUID, adjustment_id: int) -> CustomerBalanceAdjustment:
    adjustment = get_scoped(session, CustomerBalanceAdjustment, tenant_id, adjustment_id)
    if adjustment is None:
        raise not_found("Customer balance adjustment", adjustment_id)
    return adjustment


def adjust_balance(session: Session, *, tenant_id: uuid.UUID, customer_id: int, amount_minor: int,
                   description: str | None = None, created_by: str | None = None) -> CustomerBalanceAdjustment:
    if amount_minor == 0:
        raise InvalidRequest.for_field("amountInMajorCurrency", "must not be zero")
    customer = get_scoped(session, Customer, tenant_id, customer_id, for_update=True)
    if customer is None:
        raise InvalidRequest.for_field("customerId", f"customer {customer_id} does not exist")
    adjustment = CustomerBalanceAdjustment(
        tenant_id=tenant_id, number=next_number(session, tenant_id, "balance_adjustment", "ADJ", gapless=False),
        customer_id=customer.id,
        currency=customer.currency, amount_minor=amount_minor, credit_used_minor=0, description=description,
        created_by=created_by, resulting_balance_minor=0)
    session.add(adjustment)
    session.flush()
    if amount_minor > 0:
        _move_credit(session, customer, adjustment, amount_minor)
    else:
        _debit(session, customer, adjustment, -amount_minor)
    adjustment.resulting_balance_minor = balance_of(session, tenant_id, customer.id)
    session.flush()
    return adjustment


def _move_credit(session: Session, customer: Customer, adjustment: CustomerBalanceAdjustment, delta: int) -> None:
    customer.credit_minor += delta
    record(session, tenant_id=customer.tenant_id, customer_id=customer.id, currency=customer.currency,
           kind=JournalKind.BALANCE_ADJUSTMENT, balance=delta, credit=delta, adjustment_id=adjustment.id)


def _debit(session: Session, customer: Customer, adjustment: CustomerBalanceAdjustment, debit: int) -> None:
    used = min(customer.credit_minor, debit)
    if used:
        _move_credit(session, customer, adjustment, -used)
        adjustment.credit_used_minor = used
    if debit > used:
        invoice = invoices.create_invoice(
            session, tenant_id=customer.tenant_id, customer_id=customer.id, total_minor=debit - used,
            issue_date=utcnow().date(), bill_run_type=BillRunType.ADHOC, status=InvoiceStatus.POSTED)
        adjustment.invoice_id = invoice.id


def list_adjustments(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.ADJUSTMENTS.page(session, tenant_id, criteria)


def count_adjustments(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.ADJUSTMENTS.count(session, tenant_id, criteria)
