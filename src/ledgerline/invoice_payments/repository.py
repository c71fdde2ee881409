"""Invoice payment queries: the invoice a row is recorded for, the row written, and the lists.

A row is read with the state of the payment its money posted (outer join: a row that moved no money has
none), so a list answers in one statement whatever happened to that payment since."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, Select, and_, func, literal, select, update
from sqlalchemy.orm import Session

from ledgerline.kit.bulk import insert_returning_ids
from ledgerline.kit.criteria import ColumnMap, Criteria, Page, day, ident, text
from ledgerline.kit.refs import Ref
from ledgerline.kit.repository import count_matching, fetch_page, ref_clause
from ledgerline.models import Invoice, InvoicePayment, Payment
from ledgerline.models.enums import BillRunType, InvoiceStatus

_ROWS = InvoicePayment.__table__
_PAYMENTS = Payment.__table__
_INVOICES = Invoice.__table__

COLUMNS = ColumnMap({
    "id": ident(InvoicePayment.id),
    "paid_on": day(InvoicePayment.paid_on),
    "invoice_id": ident(InvoicePayment.invoice_id),
    "bill_run_id": ident(Invoice.bill_run_id),
    "payment_type": text(literal("CUSTOMER")),
    "payment_id": ident(InvoicePayment.payment_id),
}, tiebreak=InvoicePayment.id)


@dataclass(frozen=True)
class InvoiceForPayment:
    id: int
    customer_id: int
    bill_run_type: BillRunType
    status: InvoiceStatus
    currency: str


def invoice_named(session: Session, tenant_id: uuid.UUID, ref: Ref) -> InvoiceForPayment | None:
    stmt = select(_INVOICES.c.id, _INVOICES.c.customer_id, _INVOICES.c.bill_run_type, _INVOICES.c.status,
                  _INVOICES.c.currency).where(ref_clause(Invoice, tenant_id, ref))
    row = session.execute(stmt).one_or_none()
    return None if row is None else InvoiceForPayment(*row)


def insert_row(session: Session, row: Mapping[str, Any]) -> int:
    return insert_returning_ids(session, _ROWS, [row])[0]


def follow_payment(session: Session, tenant_id: uuid.UUID, payment_id: int, values: Mapping[str, Any]) -> int:
    """Update the rows of ``payment_id`` (a collection's one row) with ``values``; answers how many."""
    stmt = (update(_ROWS).where(_ROWS.c.tenant_id == tenant_id, _ROWS.c.payment_id == payment_id)
            .values(**values, version=_ROWS.c.version + 1))
    return session.execute(stmt).rowcount


def _rows(tenant_id: uuid.UUID, bill_run_type: BillRunType) -> Select:
    return (select(_ROWS, _PAYMENTS.c.status.label("payment_status"),
                   func.coalesce(_PAYMENTS.c.refunded_minor, 0).label("payment_refunded_minor"))
            .join(_INVOICES, and_(_INVOICES.c.tenant_id == _ROWS.c.tenant_id, _INVOICES.c.id == _ROWS.c.invoice_id))
            .outerjoin(_PAYMENTS, and_(_PAYMENTS.c.tenant_id == _ROWS.c.tenant_id,
                                       _PAYMENTS.c.id == _ROWS.c.payment_id))
            .where(_ROWS.c.tenant_id == tenant_id, _ROWS.c.bill_run_type == bill_run_type))


def page_of_rows(session: Session, tenant_id: uuid.UUID, bill_run_type: BillRunType, criteria: Criteria) -> Page:
    return fetch_page(session, _rows(tenant_id, bill_run_type), COLUMNS, criteria, scalars=False)


def count_rows(session: Session, tenant_id: uuid.UUID, bill_run_type: BillRunType, criteria: Criteria) -> int:
    return count_matching(session, _rows(tenant_id, bill_run_type), COLUMNS, criteria)


def row_by_id(session: Session, tenant_id: uuid.UUID, bill_run_type: BillRunType, row_id: int) -> RowMapping | None:
    if not -(2**63) <= row_id < 2**63:
        return None
    return session.execute(_rows(tenant_id, bill_run_type).where(_ROWS.c.id == row_id)).mappings().one_or_none()
