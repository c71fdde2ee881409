"""Refund queries: the listing, the rows a refund draws its money from (locked), and the apply step's writes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ledgerline.kit.criteria import ColumnMap, amount, choice, day, ident
from ledgerline.kit.bulk import insert_returning_ids, update_models
from ledgerline.kit.repository import TenantRows
from ledgerline.models import Payment, PaymentAllocation, Refund
from ledgerline.models.enums import BillRunType, PaymentMethod, PaymentStatus
from ledgerline.payments import third_party
from ledgerline.refunds.planning import Draw, DrawnNow, Source

REFUND_COLUMNS = ColumnMap({
    "id": ident(Refund.id),
    "customer_id": ident(Refund.customer_id),
    "invoice_id": ident(Refund.invoice_id),
    "bill_run_type": choice(Refund.bill_run_type, BillRunType),
    "amount": amount(Refund.amount_minor, Refund.currency),
    "created_at": day(Refund.created_at),
}, tiebreak=Refund.id)

REFUNDS = TenantRows(Refund, REFUND_COLUMNS)


def _collected_by_provider(status_column):  # noqa: ANN001, ANN202
    return status_column.in_(sorted(third_party.PROVIDER_COLLECTED))


def _collected(status_column):  # noqa: ANN001, ANN202
    """payments/third_party.is_collected in SQL: no status (manual), MANUALLY_PAID, CONFIRMED or PAID_OUT."""
    return or_(status_column.is_(None), status_column.in_(sorted(third_party.COLLECTED)))


def invoice_sources_for_update(session: Session, tenant_id: uuid.UUID, invoice_id: int) -> list[Source]:
    """Live allocations to the invoice with money not yet refunded, newest payment first; allocations and
    payments locked."""
    stmt = (select(PaymentAllocation.payment_id, PaymentAllocation.amount_minor - PaymentAllocation.refunded_minor,
                   Payment.refunded_minor, Payment.unallocated_minor, _collected_by_provider(Payment.third_party_status),
                   PaymentAllocation.id, PaymentAllocation.refunded_minor)
            .join(Payment, and_(Payment.id == PaymentAllocation.payment_id, Payment.tenant_id == tenant_id))
            .where(PaymentAllocation.tenant_id == tenant_id, PaymentAllocation.invoice_id == invoice_id,
                   PaymentAllocation.reversed_at.is_(None),
                   PaymentAllocation.refunded_minor < PaymentAllocation.amount_minor)
            .order_by(Payment.id.desc(), PaymentAllocation.id.desc())
            .with_for_update(key_share=True))
    return [Source(*row) for row in session.execute(stmt)]


def credit_sources_for_update(session: Session, tenant_id: uuid.UUID, customer_id: int) -> list[Source]:
    """Posted payments of the customer with unallocated money, newest first, locked."""
    stmt = (select(Payment.id, Payment.unallocated_minor, Payment.refunded_minor, Payment.unallocated_minor,
                   _collected_by_provider(Payment.third_party_status))
            .where(Payment.tenant_id == tenant_id, Payment.customer_id == customer_id,
                   Payment.status == PaymentStatus.POSTED, Payment.unallocated_minor > 0)
            .order_by(Payment.id.desc())
            .with_for_update(key_share=True))
    return [Source(*row) for row in session.execute(stmt)]


def last_successful_method(session: Session, tenant_id: uuid.UUID, customer_id: int) -> PaymentMethod | None:
    """The method of the customer's last posted payment of collected money (issue 14: money a provider has
    not collected, whatever was recorded of it, is never a successful payment)."""
    stmt = (select(Payment.payment_method)
            .where(Payment.tenant_id == tenant_id, Payment.customer_id == customer_id,
                   Payment.status == PaymentStatus.POSTED, _collected(Payment.third_party_status))
            .order_by(Payment.posted_on.desc(), Payment.id.desc()).limit(1))
    return session.execute(stmt).scalar_one_or_none()


def refund_for_update(session: Session, tenant_id: uuid.UUID, refund_id: int) -> Refund | None:
    """The refund, locked and read afresh (a provider's events of it serialize on the customer first)."""
    stmt = (select(Refund).where(Refund.tenant_id == tenant_id, Refund.id == refund_id)
            .with_for_update(key_share=True).execution_options(populate_existing=True))
    return session.execute(stmt).scalar_one_or_none()


def drawn_for_update(session: Session, tenant_id: uuid.UUID, draws: Sequence[Draw]) -> list[DrawnNow]:
    """The payments and allocations a refund drew on, as they stand now, locked (payments, then allocations,
    in id order), one value per draw."""
    payment_ids = sorted({draw.payment_id for draw in draws})
    allocation_ids = sorted({draw.allocation_id for draw in draws if draw.allocation_id is not None})
    paid = {row[0]: (row[1], row[2]) for row in session.execute(
        select(Payment.id, Payment.refunded_minor, Payment.unallocated_minor)
        .where(Payment.tenant_id == tenant_id, Payment.id.in_(payment_ids))
        .order_by(Payment.id).with_for_update(key_share=True))}
    allocated = {row[0]: (row[1], row[2] is None) for row in session.execute(
        select(PaymentAllocation.id, PaymentAllocation.refunded_minor, PaymentAllocation.reversed_at)
        .where(PaymentAllocation.tenant_id == tenant_id, PaymentAllocation.id.in_(allocation_ids))
        .order_by(PaymentAllocation.id).with_for_update(key_share=True))} if allocation_ids else {}
    drawn = []
    for draw in draws:
        refunded, unallocated = paid[draw.payment_id]
        allocation_refunded, live = allocated.get(draw.allocation_id, (0, False)) if draw.allocation_id else (0, True)
        drawn.append(DrawnNow(draw, refunded, unallocated, allocation_refunded, live))
    return drawn


def insert_refunds(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    return insert_returning_ids(session, Refund.__table__, rows)


def update_allocations_refunded(session: Session, tenant_id: uuid.UUID, refunded: dict[int, int]) -> None:
    update_models(session, PaymentAllocation, tenant_id, [{"id": allocation_id, "refunded_minor": amount}
                                                          for allocation_id, amount in refunded.items()])


def update_payments(session: Session, tenant_id: uuid.UUID, changes: dict[int, dict[str, int]]) -> None:
    update_models(session, Payment, tenant_id, [{"id": payment_id, **values} for payment_id, values in changes.items()])
