"""Refund queries, and the rows a refund draws its money from."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ledgerline.kit.criteria import ColumnMap, amount, choice, day, ident
from ledgerline.kit.repository import TenantRows
from ledgerline.models import Payment, PaymentAllocation, Refund
from ledgerline.models.enums import BillRunType, PaymentStatus

REFUND_COLUMNS = ColumnMap({
    "id": ident(Refund.id),
    "customer_id": ident(Refund.customer_id),
    "invoice_id": ident(Refund.invoice_id),
    "bill_run_type": choice(Refund.bill_run_type, BillRunType),
    "amount": amount(Refund.amount_minor, Refund.currency),
    "created_at": day(Refund.created_at),
}, tiebreak=Refund.id)

REFUNDS = TenantRows(Refund, REFUND_COLUMNS)


def refundable_allocations(session: Session, tenant_id: uuid.UUID,
                           invoice_id: int) -> Sequence[tuple[PaymentAllocation, Payment]]:
    """Live allocations to the invoice with money not yet refunded, newest payment first, locked."""
    stmt = (select(PaymentAllocation, Payment)
            .join(Payment, and_(Payment.id == PaymentAllocation.payment_id, Payment.tenant_id == tenant_id))
            .where(PaymentAllocation.tenant_id == tenant_id, PaymentAllocation.invoice_id == invoice_id,
                   PaymentAllocation.reversed_at.is_(None),
                   PaymentAllocation.refunded_minor < PaymentAllocation.amount_minor)
            .order_by(Payment.id.desc(), PaymentAllocation.id.desc())
            .with_for_update(key_share=True).execution_options(populate_existing=True))
    return [(row[0], row[1]) for row in session.execute(stmt)]


def payments_with_credit(session: Session, tenant_id: uuid.UUID, customer_id: int) -> Sequence[Payment]:
    """Posted payments of the customer with unallocated money, newest first, locked."""
    stmt = (select(Payment)
            .where(Payment.tenant_id == tenant_id, Payment.customer_id == customer_id,
                   Payment.status == PaymentStatus.POSTED, Payment.unallocated_minor > 0)
            .order_by(Payment.id.desc())
            .with_for_update(key_share=True).execution_options(populate_existing=True))
    return list(session.execute(stmt).scalars())


def last_successful_payment(session: Session, tenant_id: uuid.UUID, customer_id: int) -> Payment | None:
    stmt = (select(Payment)
            .where(Payment.tenant_id == tenant_id, Payment.customer_id == customer_id,
                   Payment.status == PaymentStatus.POSTED)
            .order_by(Payment.posted_on.desc(), Payment.id.desc()).limit(1))
    return session.execute(stmt).scalar_one_or_none()
