"""Invoice, bill and bill run queries."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, Select, and_, case, exists, func, insert, literal, or_, select, type_coerce, update
from sqlalchemy.orm import Session

from ledgerline.kit.criteria import ColumnMap, Criteria, Page, amount, choice, day, ident, text
from ledgerline.kit.refs import Ref, InvoiceRef
from ledgerline.kit.repository import TenantRows, count_matching, fetch_page, ref_clause
from ledgerline.kit.bulk import insert_returning_ids, update_models
from ledgerline.ledger.snapshot import InvoiceMoney
from ledgerline.invoices.values import CHECK_DIGIT_FIELDS
from ledgerline.models import Bill, BillRun, Customer, Invoice, JournalEntry
from ledgerline.models.base import UTCDateTime, utcnow
from ledgerline.models.enums import (
    BillRunStatus, BillRunType, BillStatus, InvoicePaymentStatus, InvoiceStatus, JournalKind, db_enum,
)


INVOICE_COLUMNS = ColumnMap({
    "id": ident(Invoice.id),
    "customer_id": ident(Invoice.customer_id),
    "bill_run_type": choice(Invoice.bill_run_type, BillRunType),
    "bill_run_id": ident(Invoice.bill_run_id),
    "bill_id": ident(Invoice.bill_id),
    "status": choice(Invoice.status, InvoiceStatus),
    "payment_status": choice(Invoice.payment_status, InvoicePaymentStatus),
    "issue_date": day(Invoice.issue_date),
    "due_date": day(Invoice.due_date),
    "number": text(Invoice.number),
    "reference_number": text(Invoice.reference_number),
    "back_office_code": text(Invoice.back_office_code),
    "currency": text(Invoice.currency),
    "total": amount(Invoice.total_minor, Invoice.currency, currency_first=True),
    "outstanding": amount(Invoice.outstanding_minor, Invoice.currency, currency_first=True),
    "created_at": day(Invoice.created_at),
}, tiebreak=Invoice.id)

INVOICES = TenantRows(Invoice, INVOICE_COLUMNS)


def customer_id_of_invoice(session: Session, tenant_id: uuid.UUID, invoice_id: int) -> int | None:
    if not -(2**63) <= invoice_id < 2**63:
        return None
    return session.execute(
        select(Invoice.customer_id).where(Invoice.tenant_id == tenant_id, Invoice.id == invoice_id)
    ).scalar_one_or_none()


def invoice_number_with_back_office_code(session: Session, tenant_id: uuid.UUID, code: str,
                                         *, other_than: int | None = None) -> str | None:
    stmt = select(Invoice.number).where(Invoice.tenant_id == tenant_id, Invoice.back_office_code == code)
    if other_than is not None:
        stmt = stmt.where(Invoice.id != other_than)
    return session.execute(stmt.limit(1)).scalar_one_or_none()


# --- invoices and bills that money moves through ------------------------------------------------
# Payments and credits lock invoices after the customer, always: that one order serializes
# a customer's money changes. FOR NO KEY UPDATE (key_share) for the reason payments/repository.py
# gives: it leaves the foreign-key checks of concurrent inserts unblocked.

def invoices_for_update(session: Session, tenant_id: uuid.UUID, invoice_ids: Sequence[int]) -> dict[int, Invoice]:
    if not invoice_ids:
        return {}
    stmt = (select(Invoice).where(Invoice.tenant_id == tenant_id, Invoice.id.in_(invoice_ids))
            .order_by(Invoice.id).with_for_update(key_share=True).execution_options(populate_existing=True))
    return {invoice.id: invoice for invoice in session.execute(stmt).scalars()}


def bills_named(session: Session, tenant_id: uuid.UUID, refs: Sequence[Ref]) -> list[RowMapping | None]:
    bills = Bill.__table__
    found = []
    for ref in refs:
        found.append(session.execute(select(bills.c.id, bills.c.number, bills.c.customer_id,
                                            *(bills.c[name] for name in CHECK_DIGIT_FIELDS))
                                     .where(ref_clause(Bill, tenant_id, ref))).mappings().one_or_none())
    return found


def posted_invoice_ids_of_bills(session: Session, tenant_id: uuid.UUID, bill_ids: Sequence[int]) -> list[int]:
    """Posted invoices of the bills, in bill order, oldest first within a bill: one query."""
    if not bill_ids:
        return []
    invoices = Invoice.__table__
    rows = session.execute(select(invoices.c.id, invoices.c.bill_id).where(
        invoices.c.tenant_id == tenant_id, invoices.c.bill_id.in_(bill_ids),
        invoices.c.status == InvoiceStatus.POSTED).order_by(invoices.c.issue_date, invoices.c.id)).all()
    return [invoice_id for bill_id in bill_ids for invoice_id, of_bill in rows if of_bill == bill_id]


# --- bills --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BillView:
    """A bill with the figures derived from its posted invoices."""

    bill: Bill
    currency: str
    total_minor: int
    outstanding_minor: int
    status: BillStatus


def _posted_invoices_of_bill() -> Any:
    return and_(Invoice.tenant_id == Bill.tenant_id, Invoice.bill_id == Bill.id,
                Invoice.status == InvoiceStatus.POSTED)


# NULL when the bill has no posted invoice: that is what tells UNSETTLED from SETTLED for a zero bill.
_POSTED_TOTAL = select(func.sum(Invoice.total_minor)).where(_posted_invoices_of_bill()).correlate(Bill) \
    .scalar_subquery()
_POSTED_OUTSTANDING = select(func.sum(Invoice.outstanding_minor)).where(_posted_invoices_of_bill()) \
    .correlate(Bill).scalar_subquery()
_BILL_STATUS = type_coerce(
    case(
        (_POSTED_OUTSTANDING.is_(None), BillStatus.UNSETTLED.value),
        (_POSTED_OUTSTANDING == 0, BillStatus.SETTLED.value),
        (_POSTED_OUTSTANDING == _POSTED_TOTAL, BillStatus.UNSETTLED.value),
        else_=BillStatus.PARTIALLY_SETTLED.value,
    ),
    db_enum(BillStatus, "bill_status"),
)

BILL_COLUMNS = ColumnMap({
    "id": ident(Bill.id),
    "customer_id": ident(Bill.customer_id),
    "number": text(Bill.number),
    "status": choice(_BILL_STATUS, BillStatus),
    "period_start": day(Bill.period_start),
    "period_end": day(Bill.period_end),
    "created_at": day(Bill.created_at),
}, tiebreak=Bill.id)


def _bills(tenant_id: uuid.UUID) -> Select:
    return (
        select(Bill, Customer.currency.label("currency"), _POSTED_TOTAL.label("total_minor"),
               _POSTED_OUTSTANDING.label("outstanding_minor"), _BILL_STATUS.label("status"))
        .join(Customer, and_(Customer.tenant_id == Bill.tenant_id, Customer.id == Bill.customer_id))
        .where(Bill.tenant_id == tenant_id)
    )


def _bill_view(row: Any) -> BillView:
    return BillView(bill=row["Bill"], currency=row["currency"], total_minor=int(row["total_minor"] or 0),
                    outstanding_minor=int(row["outstanding_minor"] or 0), status=row["status"])


def page_of_bills(session: Session, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    page = fetch_page(session, _bills(tenant_id), BILL_COLUMNS, criteria, scalars=False)
    return Page(items=[_bill_view(row) for row in page.items], total=page.total)


def count_bills(session: Session, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return count_matching(session, _bills(tenant_id), BILL_COLUMNS, criteria)


def bill_view(session: Session, tenant_id: uuid.UUID, bill_id: int) -> BillView | None:
    if not -(2**63) <= bill_id < 2**63:
        return None
    row = session.execute(_bills(tenant_id).where(Bill.id == bill_id)).mappings().one_or_none()
    return None if row is None else _bill_view(row)


def bill_has_invoices(session: Session, tenant_id: uuid.UUID, bill_id: int) -> bool:
    return bool(session.execute(select(
        exists().where(Invoice.tenant_id == tenant_id, Invoice.bill_id == bill_id))).scalar())


# --- bill runs ----------------------------------------------------------------------------------

BILL_RUN_COLUMNS = ColumnMap({
    "id": ident(BillRun.id),
    "type": choice(BillRun.type, BillRunType),
    "status": choice(BillRun.status, BillRunStatus),
    "run_date": day(BillRun.run_date),
    "billing_cycle_id": ident(BillRun.billing_cycle_id),
    "created_at": day(BillRun.created_at),
}, tiebreak=BillRun.id)

BILL_RUNS = TenantRows(BillRun, BILL_RUN_COLUMNS)


def _drafts_of_run(tenant_id: uuid.UUID, bill_run_id: int) -> list[Any]:
    return [Invoice.tenant_id == tenant_id, Invoice.bill_run_id == bill_run_id,
            Invoice.status == InvoiceStatus.DRAFT]


def lock_customers_with_drafts_in_run(session: Session, tenant_id: uuid.UUID, bill_run_id: int) -> list[int]:
    """Lock, in id order (so concurrent lockers cannot deadlock), the customers the run will post to."""
    customer_ids = select(Invoice.customer_id).where(*_drafts_of_run(tenant_id, bill_run_id))
    stmt = (select(Customer.id).where(Customer.tenant_id == tenant_id, Customer.id.in_(customer_ids))
            .order_by(Customer.id).with_for_update(key_share=True))
    return list(session.execute(stmt).scalars())


def journal_drafts_of_run_as_posted(session: Session, tenant_id: uuid.UUID, bill_run_id: int) -> None:
    """Journal the posting of every draft of the run in one INSERT ... SELECT (before posting them)."""
    rows = select(
        Invoice.tenant_id, Invoice.customer_id, Invoice.id, literal(JournalKind.INVOICE_POSTED.value),
        Invoice.currency, -Invoice.total_minor, literal(0), Invoice.total_minor, literal(utcnow(), UTCDateTime()),
    ).where(*_drafts_of_run(tenant_id, bill_run_id))
    session.execute(insert(JournalEntry).from_select(
        ["tenant_id", "customer_id", "invoice_id", "kind", "currency", "balance_delta", "credit_delta",
         "outstanding_delta", "created_at"], rows))


def post_drafts_of_run(session: Session, tenant_id: uuid.UUID, bill_run_id: int, *,
                       posted_at: dt.datetime, unpaid: InvoicePaymentStatus, paid: InvoicePaymentStatus) -> int:
    """Post every draft invoice of the run in one statement; the payment status of a freshly
    posted invoice is ``unpaid``, or ``paid`` when its total is zero. Returns how many were posted."""
    stmt = (
        update(Invoice)
        .where(*_drafts_of_run(tenant_id, bill_run_id))
        .values(status=InvoiceStatus.POSTED, outstanding_minor=Invoice.total_minor,
                payment_status=case((Invoice.total_minor > 0, unpaid.value), else_=paid.value),
                posted_at=posted_at, updated_at=posted_at, version=Invoice.version + 1)
        .execution_options(synchronize_session="fetch")
    )
    return session.execute(stmt).rowcount


def invoices_posted_by_run(session: Session, tenant_id: uuid.UUID, bill_run_id: int,
                           posted_at: dt.datetime) -> list[Invoice]:
    """The invoices closing the run posted (at ``posted_at``), by id, read fresh (invoice.posted events)."""
    stmt = (select(Invoice).where(Invoice.tenant_id == tenant_id, Invoice.bill_run_id == bill_run_id,
                                  Invoice.status == InvoiceStatus.POSTED, Invoice.posted_at == posted_at)
            .order_by(Invoice.id).execution_options(populate_existing=True))
    return list(session.execute(stmt).scalars())


@dataclass(frozen=True)
class CustomerValue:
    customer_id: int
    currency: str
    value_minor: int


def draft_values_by_customer(session: Session, tenant_id: uuid.UUID, bill_run_id: int) -> Sequence[CustomerValue]:
    stmt = (
        select(Invoice.customer_id, Invoice.currency, func.sum(Invoice.total_minor))
        .where(*_drafts_of_run(tenant_id, bill_run_id))
        .group_by(Invoice.customer_id, Invoice.currency)
        .order_by(Invoice.customer_id, Invoice.currency)
    )
    return [CustomerValue(customer_id, currency, int(value))
            for customer_id, currency, value in session.execute(stmt)]


# --- the money path's snapshot ----------------------------------------------------------------------

MONEY_COLUMNS = (Invoice.id, Invoice.locator, Invoice.customer_id, Invoice.bill_run_type, Invoice.status,
                  Invoice.currency, Invoice.total_minor, Invoice.outstanding_minor, Invoice.refunded_minor,
                  Invoice.written_off_minor, Invoice.issue_date)


def invoice_money(row: Any) -> InvoiceMoney:
    return InvoiceMoney(*row[:len(MONEY_COLUMNS)])


def invoice_owners(session: Session, tenant_id: uuid.UUID, refs: Sequence[InvoiceRef]) -> dict[InvoiceRef, tuple[int, int]]:
    """The id and customer of each invoice the references name (not locked: the customer is locked next)."""
    if not refs:
        return {}
    keys = {name for ref in refs for name, _ in [ref.key]}
    stmt = (select(Invoice.id, Invoice.customer_id, *(getattr(Invoice, name) for name in sorted(keys)))
            .where(or_(*(ref_clause(Invoice, tenant_id, ref) for ref in refs))))
    found: dict[InvoiceRef, tuple[int, int]] = {}
    wanted = set(refs)
    for row in session.execute(stmt):
        for name in sorted(keys):
            ref = InvoiceRef(**{name: row._mapping[getattr(Invoice, name)]})
            if ref in wanted:
                found.setdefault(ref, (row[0], row[1]))
    return found


def invoice_money_for_update(session: Session, tenant_id: uuid.UUID, invoice_ids: Sequence[int]) -> dict[int, InvoiceMoney]:
    """The invoices' money, locked in id order (the customer is locked already)."""
    if not invoice_ids:
        return {}
    stmt = (select(*MONEY_COLUMNS).where(Invoice.tenant_id == tenant_id, Invoice.id.in_(list(invoice_ids)))
            .order_by(Invoice.id).with_for_update(key_share=True))
    return {row[0]: invoice_money(row) for row in session.execute(stmt)}


def owed_by(session: Session, tenant_id: uuid.UUID, customer_id: int) -> int:
    """What the customer's posted invoices owe (the partial index of open invoices answers it)."""
    stmt = select(func.coalesce(func.sum(Invoice.outstanding_minor), 0)).where(
        Invoice.tenant_id == tenant_id, Invoice.customer_id == customer_id, Invoice.status == InvoiceStatus.POSTED,
        Invoice.outstanding_minor > 0)
    return int(session.execute(stmt).scalar_one())


def update_invoice_money(session: Session, tenant_id: uuid.UUID, invoices: Sequence[InvoiceMoney]) -> None:
    """One UPDATE writing the invoices' money columns as the values have them (rows locked by the caller)."""
    update_models(session, Invoice, tenant_id, [{"id": invoice.id, **invoice.columns()} for invoice in invoices])


def insert_invoices(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    return insert_returning_ids(session, Invoice.__table__, rows)


def posted_invoices_of_run_with_mandates(session: Session, tenant_id: uuid.UUID, bill_run_id: int) -> list[Invoice]:
    """The run's posted invoices that owe money and whose customer holds a mandate (collections may start)."""
    from ledgerline.models import SitePaymentMandate

    has_mandate = exists().where(SitePaymentMandate.tenant_id == Invoice.tenant_id,
                                 SitePaymentMandate.customer_id == Invoice.customer_id)
    stmt = (select(Invoice).where(Invoice.tenant_id == tenant_id, Invoice.bill_run_id == bill_run_id,
                                  Invoice.status == InvoiceStatus.POSTED, Invoice.outstanding_minor > 0, has_mandate)
            .order_by(Invoice.customer_id, Invoice.id))
    return list(session.execute(stmt).scalars())
