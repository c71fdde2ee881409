"""Payment queries. Rows that money moves through are locked, always in one order: the
customer first, then its invoices, so concurrent money changes of a customer serialize.

The locks are FOR NO KEY UPDATE, not FOR UPDATE: no key column ever changes here, and FOR
UPDATE would also block the FOR KEY SHARE lock that PostgreSQL's foreign-key check takes when
another transaction inserts a row referencing the customer (a draft invoice, a bill, a site).
Such an insert may already hold other locks (a number sequence row), so blocking it closes
deadlock cycles with requests that wait for this customer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, and_, false, func, literal, select, true
from sqlalchemy.orm import Session

from ledgerline.kit.listing import Filter, FilterKind, Listing, ListQuery, Page
from ledgerline.kit.repository import count_matching, fetch_page
from ledgerline.models import (
    Invoice, JournalEntry, Payment, PaymentAllocation, PaymentCancellation,
)
from ledgerline.models.enums import BillRunType, InvoiceStatus, JournalKind, PaymentMethod, PaymentStatus

PAYMENT_LISTING = Listing(
    sortable={
        "id": Payment.id, "number": Payment.number, "status": Payment.status,
        "amountInMajorCurrency": Payment.amount_minor, "receivedOn": Payment.received_on,
        "postedOn": Payment.posted_on, "createdAt": Payment.created_at,
    },
    filters=[
        Filter("id", FilterKind.ID, Payment.id, "Filter by payment identifier"),
        Filter("customerId", FilterKind.ID, Payment.customer_id, "Filter by customer"),
        Filter("status", FilterKind.ENUM, Payment.status, "Filter by life-cycle status", enum_type=PaymentStatus),
        Filter("paymentMethod", FilterKind.ENUM, Payment.payment_method, "Filter by payment method",
               enum_type=PaymentMethod),
        Filter("typeId", FilterKind.ID, Payment.type_id, "Filter by financial transaction type"),
        Filter("categoryId", FilterKind.ID, Payment.category_id, "Filter by financial transaction category"),
        Filter("number", FilterKind.STRING, Payment.number, "Filter by payment number"),
        Filter("referenceNumber", FilterKind.STRING, Payment.reference_number, "Filter by reference number"),
        Filter("backOfficeCode", FilterKind.STRING, Payment.back_office_code, "Filter by back office code"),
        Filter("currency", FilterKind.STRING, Payment.currency, "Filter by ISO 4217 currency"),
        Filter("receivedOn", FilterKind.DATE, Payment.received_on, "Filter by received date"),
        Filter("postedOn", FilterKind.DATE, Payment.posted_on, "Filter by posted date"),
        Filter("createdAt", FilterKind.DATE, Payment.created_at, "Filter by creation date"),
        Filter("amountInMajorCurrency", FilterKind.AMOUNT, Payment.amount_minor, "Filter by amount",
               currency_column=Payment.currency),
    ],
    fields=(
        "id", "locator", "uuid", "number", "customerId", "currency", "amountInMajorCurrency",
        "unallocatedInMajorCurrency", "status", "paymentMethod", "typeId", "categoryId", "tenders", "referenceNumber",
        "backOfficeCode", "receivedOn", "issuedOn", "postedOn", "notes", "rejectionReason", "rejectionReasonId",
        "receivedByUser", "receivedByUnit",
        "invoicesToPay", "billsToPay", "allocations", "cancellation", "customAttributes", "thirdPartyStatus",
        "udfString1", "udfString2", "udfString3", "udfString4", "udfString5", "udfString6", "udfString7",
        "udfString8", "udfFloat1", "udfFloat2", "udfFloat3", "udfFloat4", "udfDate1", "udfDate2", "udfDate3",
        "udfDate4", "version", "createdBy", "updatedBy", "createdAt", "updatedAt",
    ),
    tiebreak=Payment.id,
)


def _payments(tenant_id: uuid.UUID) -> Select:
    return select(Payment).where(Payment.tenant_id == tenant_id)


def page_of_payments(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    return fetch_page(session, _payments(tenant_id), PAYMENT_LISTING, query)


def count_payments(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> int:
    return count_matching(session, _payments(tenant_id), PAYMENT_LISTING, query)


def customer_id_of_payment(session: Session, tenant_id: uuid.UUID, payment_id: int) -> int | None:
    if not -(2**63) <= payment_id < 2**63:
        return None
    return session.execute(
        select(Payment.customer_id).where(Payment.tenant_id == tenant_id, Payment.id == payment_id)
    ).scalar_one_or_none()


def open_invoices_oldest_first(session: Session, tenant_id: uuid.UUID, customer_id: int) -> Sequence[Invoice]:
    """The customer's posted invoices that still owe money, locked, oldest first."""
    stmt = (
        select(Invoice)
        .where(Invoice.tenant_id == tenant_id, Invoice.customer_id == customer_id,
               Invoice.status == InvoiceStatus.POSTED, Invoice.outstanding_minor > 0)
        .order_by(Invoice.issue_date, Invoice.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return list(session.execute(stmt).scalars())


def invoices_for_update(session: Session, tenant_id: uuid.UUID, invoice_ids: Sequence[int]) -> dict[int, Invoice]:
    if not invoice_ids:
        return {}
    stmt = (select(Invoice).where(Invoice.tenant_id == tenant_id, Invoice.id.in_(invoice_ids))
            .order_by(Invoice.id).with_for_update(key_share=True).execution_options(populate_existing=True))
    return {invoice.id: invoice for invoice in session.execute(stmt).scalars()}


def invoice_ids_of_bills(session: Session, tenant_id: uuid.UUID, bill_ids: Sequence[int]) -> list[int]:
    """Posted invoices of the bills, in bill order, oldest first within a bill."""
    ids: list[int] = []
    for bill_id in bill_ids:
        ids += session.execute(
            select(Invoice.id).where(Invoice.tenant_id == tenant_id, Invoice.bill_id == bill_id,
                                     Invoice.status == InvoiceStatus.POSTED)
            .order_by(Invoice.issue_date, Invoice.id)
        ).scalars().all()
    return ids


def active_allocations(session: Session, tenant_id: uuid.UUID, payment_id: int) -> Sequence[PaymentAllocation]:
    stmt = select(PaymentAllocation).where(
        PaymentAllocation.tenant_id == tenant_id, PaymentAllocation.payment_id == payment_id,
        PaymentAllocation.reversed_at.is_(None)).order_by(PaymentAllocation.id)
    return list(session.execute(stmt).scalars())


def allocations_by_payment(session: Session, tenant_id: uuid.UUID,
                           payment_ids: Sequence[int]) -> dict[int, list[PaymentAllocation]]:
    result: dict[int, list[PaymentAllocation]] = {payment_id: [] for payment_id in payment_ids}
    if not payment_ids:
        return result
    stmt = select(PaymentAllocation).where(
        PaymentAllocation.tenant_id == tenant_id, PaymentAllocation.payment_id.in_(payment_ids),
        PaymentAllocation.reversed_at.is_(None)).order_by(PaymentAllocation.id)
    for allocation in session.execute(stmt).scalars():
        result[allocation.payment_id].append(allocation)
    return result


def cancellations_by_payment(session: Session, tenant_id: uuid.UUID,
                             payment_ids: Sequence[int]) -> dict[int, PaymentCancellation]:
    if not payment_ids:
        return {}
    stmt = select(PaymentCancellation).where(
        PaymentCancellation.tenant_id == tenant_id, PaymentCancellation.payment_id.in_(payment_ids))
    return {cancellation.payment_id: cancellation for cancellation in session.execute(stmt).scalars()}


def back_office_code_taken(session: Session, tenant_id: uuid.UUID, type_id: int, code: str,
                           own_id: int | None = None) -> bool:
    """Whether another payment of the financial transaction type has the back office code (seed 004)."""
    return session.execute(select(Payment.id).where(
        Payment.tenant_id == tenant_id, Payment.type_id == type_id, Payment.back_office_code == code,
        Payment.id != (own_id or 0))).first() is not None


def _exclude_credits(raw: str):  # noqa: ANN202 - a SQL clause
    # Customer payments are all credits (money in); excluding credits leaves nothing.
    return false() if raw.strip().lower() == "true" else true()


CUSTOMER_PAYMENT_LISTING = Listing(
    sortable={"id": Payment.id, "paymentDate": Payment.received_on, "amountInMajorCurrency": Payment.amount_minor},
    filters=[
        Filter("customer_id", FilterKind.ID, Payment.customer_id, "The customer (required)", required=True),
        Filter("customerPaymentType", FilterKind.STRING, literal("CUSTOMER"), "Only CUSTOMER exists"),
        Filter("excludeDebits", FilterKind.BOOLEAN, None, "Customer payments are never debits",
               build=lambda raw: true()),
        Filter("excludeCredits", FilterKind.BOOLEAN, None, "true leaves nothing: customer payments are credits",
               build=_exclude_credits),
    ],
    fields=("id", "customerId", "amountInMajorCurrency", "resultingCustomerBalance", "currencyId", "description",
            "reference", "type", "paymentDate", "customerPaymentType", "txnType", "invoiceNumber", "invoiceId",
            "billRunType"),
    tiebreak=Payment.id,
)


def page_of_customer_payments(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    """A customer's posted (and later cancelled) payments."""
    base = select(Payment).where(Payment.tenant_id == tenant_id,
                                 Payment.status.in_([PaymentStatus.POSTED, PaymentStatus.CANCELLED]))
    return fetch_page(session, base, CUSTOMER_PAYMENT_LISTING, query)


def balances_after_posting(session: Session, tenant_id: uuid.UUID, customer_id: int,
                           payment_ids: Sequence[int]) -> dict[int, int]:
    """The customer's balance right after each payment was posted (its journal entries applied)."""
    if not payment_ids:
        return {}
    posting = (
        select(JournalEntry.payment_id, func.max(JournalEntry.id).label("last_entry"))
        .where(JournalEntry.tenant_id == tenant_id, JournalEntry.payment_id.in_(payment_ids),
               JournalEntry.kind.in_([JournalKind.PAYMENT_POSTED, JournalKind.ALLOCATION]))
        .group_by(JournalEntry.payment_id).subquery()
    )
    stmt = (
        select(posting.c.payment_id, func.sum(JournalEntry.balance_delta))
        .join(JournalEntry, and_(JournalEntry.tenant_id == tenant_id, JournalEntry.customer_id == customer_id,
                                 JournalEntry.id <= posting.c.last_entry))
        .group_by(posting.c.payment_id)
    )
    return {payment_id: int(total) for payment_id, total in session.execute(stmt)}


def first_allocated_invoices(session: Session, tenant_id: uuid.UUID,
                             payment_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
    """Per payment, the first invoice it paid (id, number), live or reversed."""
    if not payment_ids:
        return {}
    first = (select(PaymentAllocation.payment_id, func.min(PaymentAllocation.id).label("first_id"))
             .where(PaymentAllocation.tenant_id == tenant_id, PaymentAllocation.payment_id.in_(payment_ids))
             .group_by(PaymentAllocation.payment_id).subquery())
    stmt = (select(PaymentAllocation.payment_id, Invoice.id, Invoice.number)
            .join(first, PaymentAllocation.id == first.c.first_id)
            .join(Invoice, Invoice.id == PaymentAllocation.invoice_id))
    return {payment_id: (invoice_id, number) for payment_id, invoice_id, number in session.execute(stmt)}


# --- /v1/invoice-payments and /v1/adhoc-invoice-payments -------------------------------------
# A row is one live allocation: money of one payment applied to one invoice of the bill run type.



def _invoice_payment_listing(invoice_filter: str, bill_run_filter: str, invoice_kind: str) -> Listing:
    return Listing(
        sortable={"id": PaymentAllocation.payment_id, "paymentDate": Payment.received_on,
                  invoice_filter: PaymentAllocation.invoice_id},
        filters=[
            Filter(bill_run_filter, FilterKind.ID, Invoice.bill_run_id, f"Filter by the {invoice_kind}'s bill run"),
            Filter("customerPaymentType", FilterKind.STRING, literal("CUSTOMER"), "Only CUSTOMER exists"),
            Filter("customerPaymentId", FilterKind.ID, PaymentAllocation.payment_id, "Filter by payment identifier"),
            Filter(invoice_filter, FilterKind.ID, PaymentAllocation.invoice_id, f"Filter by {invoice_kind}"),
        ],
        fields=("id", invoice_filter, "thirdPartyPaymentStatus", "amountInMajorCurrency", "currencyId",
                "description", "metaData", "errorInfo", "paymentMethod", "paymentDate", "customerPaymentType",
                "customerPaymentId"),
        tiebreak=PaymentAllocation.id,
    )


INVOICE_PAYMENT_LISTING = _invoice_payment_listing("generatedInvoiceId", "billRunId", "invoice")
ADHOC_INVOICE_PAYMENT_LISTING = _invoice_payment_listing("generatedAdhocInvoiceId", "adhocBillRunId", "adhoc invoice")


def _live_invoice_allocations(tenant_id: uuid.UUID, bill_run_type: BillRunType) -> Select:
    return (
        select(PaymentAllocation)
        .join(Payment, and_(Payment.tenant_id == PaymentAllocation.tenant_id,
                            Payment.id == PaymentAllocation.payment_id))
        .join(Invoice, and_(Invoice.tenant_id == PaymentAllocation.tenant_id,
                            Invoice.id == PaymentAllocation.invoice_id))
        .where(PaymentAllocation.tenant_id == tenant_id, PaymentAllocation.reversed_at.is_(None),
               Invoice.bill_run_type == bill_run_type)
    )


def page_of_invoice_allocations(session: Session, tenant_id: uuid.UUID, bill_run_type: BillRunType,
                                listing: Listing, query: ListQuery) -> Page:
    return fetch_page(session, _live_invoice_allocations(tenant_id, bill_run_type), listing, query)


def count_invoice_allocations(session: Session, tenant_id: uuid.UUID, bill_run_type: BillRunType,
                              listing: Listing, query: ListQuery) -> int:
    return count_matching(session, _live_invoice_allocations(tenant_id, bill_run_type), listing, query)


def invoice_allocations_of_payment(session: Session, tenant_id: uuid.UUID, bill_run_type: BillRunType,
                                   payment_id: int) -> list[PaymentAllocation]:
    """The payment's live allocations to invoices of the type, oldest first."""
    if not -(2**63) <= payment_id < 2**63:
        return []
    stmt = (_live_invoice_allocations(tenant_id, bill_run_type)
            .where(PaymentAllocation.payment_id == payment_id).order_by(PaymentAllocation.id))
    return list(session.execute(stmt).scalars())


def live_allocation(session: Session, tenant_id: uuid.UUID, payment_id: int,
                    invoice_id: int) -> PaymentAllocation | None:
    stmt = select(PaymentAllocation).where(
        PaymentAllocation.tenant_id == tenant_id, PaymentAllocation.payment_id == payment_id,
        PaymentAllocation.invoice_id == invoice_id, PaymentAllocation.reversed_at.is_(None))
    return session.execute(stmt).scalars().first()


def payments_by_id(session: Session, tenant_id: uuid.UUID, payment_ids: Sequence[int]) -> dict[int, Payment]:
    if not payment_ids:
        return {}
    stmt = select(Payment).where(Payment.tenant_id == tenant_id, Payment.id.in_(set(payment_ids)))
    return {payment.id: payment for payment in session.execute(stmt).scalars()}


def invoices_by_id(session: Session, tenant_id: uuid.UUID, invoice_ids: Sequence[int]) -> dict[int, Invoice]:
    if not invoice_ids:
        return {}
    stmt = select(Invoice).where(Invoice.tenant_id == tenant_id, Invoice.id.in_(set(invoice_ids)))
    return {invoice.id: invoice for invoice in session.execute(stmt).scalars()}
