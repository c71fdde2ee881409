"""Invoice, bill and bill run queries."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, Select, and_, case, exists, func, insert, literal, select, type_coerce, update
from sqlalchemy.orm import Session

from ledgerline.kit.listing import Filter, FilterKind, Listing, ListQuery, Page
from ledgerline.kit.refs import Ref
from ledgerline.kit.repository import count_matching, fetch_page, ref_clause
from ledgerline.models import Bill, BillRun, Customer, Invoice, JournalEntry
from ledgerline.models.base import UTCDateTime, utcnow
from ledgerline.models.enums import (
    BillRunStatus, BillRunType, BillStatus, InvoicePaymentStatus, InvoiceStatus, JournalKind, db_enum,
)


@dataclass(frozen=True)
class SortKey:
    """A sort on several columns, all in the requested direction.

    Amounts in different currencies are not comparable, so amount sorts order by
    currency first; ``nulls_last`` keeps rows without a value at the end either way.
    """

    columns: tuple[Any, ...]
    nulls_last: bool = False


class CompositeSortListing(Listing):
    """A ``Listing`` whose sortable fields may be ``SortKey``s."""

    def order_by(self, query: ListQuery) -> list[Any]:
        order: list[Any] = []
        for name, descending in query.sort:
            key = self.sortable[name]
            if not isinstance(key, SortKey):
                key = SortKey((key,))
            for column in key.columns:
                clause = column.desc() if descending else column.asc()
                order.append(clause.nulls_last() if key.nulls_last else clause)
        order.append(self.tiebreak.asc())
        return order


INVOICE_LISTING = CompositeSortListing(
    sortable={
        "id": Invoice.id, "number": Invoice.number, "issueDate": Invoice.issue_date, "dueDate": Invoice.due_date,
        "totalInMajorCurrency": SortKey((Invoice.currency, Invoice.total_minor)),
        "outstandingInMajorCurrency": SortKey((Invoice.currency, Invoice.outstanding_minor)),
        "status": Invoice.status, "createdAt": Invoice.created_at,
    },
    filters=[
        Filter("id", FilterKind.ID, Invoice.id, "Filter by invoice identifier"),
        Filter("customerId", FilterKind.ID, Invoice.customer_id, "Filter by customer"),
        Filter("billRunType", FilterKind.ENUM, Invoice.bill_run_type, "Filter by bill run type",
               enum_type=BillRunType),
        Filter("billRunId", FilterKind.ID, Invoice.bill_run_id, "Filter by bill run"),
        Filter("billId", FilterKind.ID, Invoice.bill_id, "Filter by bill"),
        Filter("status", FilterKind.ENUM, Invoice.status, "Filter by life-cycle status", enum_type=InvoiceStatus),
        Filter("paymentStatus", FilterKind.ENUM, Invoice.payment_status, "Filter by payment status",
               enum_type=InvoicePaymentStatus),
        Filter("issueDate", FilterKind.DATE, Invoice.issue_date, "Filter by issue date"),
        Filter("dueDate", FilterKind.DATE, Invoice.due_date, "Filter by due date"),
        Filter("number", FilterKind.STRING, Invoice.number, "Filter by invoice number"),
        Filter("referenceNumber", FilterKind.STRING, Invoice.reference_number, "Filter by reference number"),
        Filter("backOfficeCode", FilterKind.STRING, Invoice.back_office_code, "Filter by back-office code"),
        Filter("currency", FilterKind.STRING, Invoice.currency, "Filter by ISO 4217 currency"),
        Filter("totalInMajorCurrency", FilterKind.AMOUNT, Invoice.total_minor, "Filter by total",
               currency_column=Invoice.currency),
        Filter("outstandingInMajorCurrency", FilterKind.AMOUNT, Invoice.outstanding_minor,
               "Filter by outstanding amount", currency_column=Invoice.currency),
    ],
    fields=(
        "id", "locator", "uuid", "number", "customerId", "billRunType", "billRunId", "billId", "issueDate",
        "dueDate", "currency", "totalInMajorCurrency", "outstandingInMajorCurrency", "status", "paymentStatus",
        "referenceNumber", "backOfficeCode", "postedAt", "cancelledAt", "version", "createdAt", "updatedAt",
    ),
    tiebreak=Invoice.id,
)


def _invoices(tenant_id: uuid.UUID) -> Select:
    return select(Invoice).where(Invoice.tenant_id == tenant_id)


def page_of_invoices(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    return fetch_page(session, _invoices(tenant_id), INVOICE_LISTING, query)


def count_invoices(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> int:
    return count_matching(session, _invoices(tenant_id), INVOICE_LISTING, query)


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
        found.append(session.execute(select(bills.c.id, bills.c.customer_id, bills.c.check_digits)
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

BILL_LISTING = CompositeSortListing(
    sortable={
        "id": Bill.id, "number": Bill.number, "customerId": Bill.customer_id, "periodStart": Bill.period_start,
        "periodEnd": Bill.period_end, "createdAt": Bill.created_at,
    },
    filters=[
        Filter("id", FilterKind.ID, Bill.id, "Filter by bill identifier"),
        Filter("customerId", FilterKind.ID, Bill.customer_id, "Filter by customer"),
        Filter("number", FilterKind.STRING, Bill.number, "Filter by bill number"),
        Filter("status", FilterKind.ENUM, _BILL_STATUS, "Filter by settlement status", enum_type=BillStatus),
        Filter("periodStart", FilterKind.DATE, Bill.period_start, "Filter by period start"),
        Filter("periodEnd", FilterKind.DATE, Bill.period_end, "Filter by period end"),
        Filter("createdAt", FilterKind.DATE, Bill.created_at, "Filter by creation date"),
    ],
    fields=("id", "locator", "uuid", "number", "customerId", "checkDigits", "periodStart", "periodEnd", "status",
            "totalInMajorCurrency", "outstandingInMajorCurrency", "currency", "version", "createdAt", "updatedAt"),
    tiebreak=Bill.id,
)


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


def page_of_bills(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    page = fetch_page(session, _bills(tenant_id), BILL_LISTING, query, scalars=False)
    return Page(items=[_bill_view(row) for row in page.items], total=page.total, query=page.query)


def count_bills(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> int:
    return count_matching(session, _bills(tenant_id), BILL_LISTING, query)


def bill_view(session: Session, tenant_id: uuid.UUID, bill_id: int) -> BillView | None:
    if not -(2**63) <= bill_id < 2**63:
        return None
    row = session.execute(_bills(tenant_id).where(Bill.id == bill_id)).mappings().one_or_none()
    return None if row is None else _bill_view(row)


def bill_has_invoices(session: Session, tenant_id: uuid.UUID, bill_id: int) -> bool:
    return bool(session.execute(select(
        exists().where(Invoice.tenant_id == tenant_id, Invoice.bill_id == bill_id))).scalar())


# --- bill runs ----------------------------------------------------------------------------------

BILL_RUN_LISTING = CompositeSortListing(
    sortable={"id": BillRun.id, "type": BillRun.type, "status": BillRun.status, "runDate": BillRun.run_date,
              "createdAt": BillRun.created_at},
    filters=[
        Filter("id", FilterKind.ID, BillRun.id, "Filter by bill run identifier"),
        Filter("type", FilterKind.ENUM, BillRun.type, "Filter by bill run type", enum_type=BillRunType),
        Filter("status", FilterKind.ENUM, BillRun.status, "Filter by status", enum_type=BillRunStatus),
        Filter("runDate", FilterKind.DATE, BillRun.run_date, "Filter by run date"),
        Filter("billingCycleId", FilterKind.ID, BillRun.billing_cycle_id, "Filter by billing cycle"),
        Filter("createdAt", FilterKind.DATE, BillRun.created_at, "Filter by creation date"),
    ],
    fields=("id", "locator", "uuid", "type", "status", "runDate", "billingCycleId", "description", "closedAt",
            "version", "createdAt", "updatedAt"),
    tiebreak=BillRun.id,
)


def _bill_runs(tenant_id: uuid.UUID) -> Select:
    return select(BillRun).where(BillRun.tenant_id == tenant_id)


def page_of_bill_runs(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    return fetch_page(session, _bill_runs(tenant_id), BILL_RUN_LISTING, query)


def count_bill_runs(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> int:
    return count_matching(session, _bill_runs(tenant_id), BILL_RUN_LISTING, query)


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
