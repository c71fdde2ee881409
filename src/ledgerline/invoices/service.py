"""Invoice, bill and bill run rules.

Invoice life cycle: DRAFT -> POSTED -> CANCELLED (a draft may be cancelled too). Nothing is
owed on a draft: posting makes the whole total outstanding. Every change to a customer's
money first locks the customer row, so payments, posting and cancelling serialize per customer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from ledgerline import events
from ledgerline.customers import service as customers
from ledgerline.errors import Conflict, FieldError, InvalidRequest, not_found
from ledgerline.invoices import repository
from ledgerline.invoices.repository import BillView, CustomerValue
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.repository import get_scoped, next_number
from ledgerline.ledger import service as ledger
from ledgerline.invoices.values import BillCheckDigits
from ledgerline.models import Bill, BillingCycle, BillRun, Customer, Invoice
from ledgerline.models.base import utcnow
from ledgerline.models.enums import BillRunStatus, BillRunType, InvoicePaymentStatus, InvoiceStatus

# Once posted or cancelled, an invoice's money is fixed; only these references may change.
EDITABLE_AFTER_DRAFT = frozenset({"reference_number", "back_office_code"})


# --- pure rules -----------------------------------------------------------------------------------

def payment_status_of(status: InvoiceStatus, total_minor: int, outstanding_minor: int, *, refunded_minor: int = 0,
                      written_off_minor: int = 0) -> InvoicePaymentStatus:
    """Elevate's payment status of an invoice: NA until posted and once cancelled; WRITTEN_OFF when settled
    with a write-off's help; REFUNDED / PART_REFUNDED while refunds have reopened it."""
    if status is not InvoiceStatus.POSTED:
        return InvoicePaymentStatus.NA
    if outstanding_minor == 0:
        return InvoicePaymentStatus.WRITTEN_OFF if written_off_minor else InvoicePaymentStatus.PAID
    if refunded_minor:
        return InvoicePaymentStatus.REFUNDED if outstanding_minor == total_minor else InvoicePaymentStatus.PART_REFUNDED
    if outstanding_minor == total_minor:
        return InvoicePaymentStatus.UNPAID
    return InvoicePaymentStatus.PARTIALLY_PAID


def refresh_payment_status(invoice: Invoice) -> None:
    invoice.payment_status = payment_status_of(invoice.status, invoice.total_minor, invoice.outstanding_minor,
                                               refunded_minor=invoice.refunded_minor,
                                               written_off_minor=invoice.written_off_minor)


def change_outstanding(invoice: Invoice, delta: int) -> None:
    """Money applied to (negative) or taken back from (positive) a posted invoice."""
    invoice.outstanding_minor += delta
    refresh_payment_status(invoice)


def check_can_post(invoice_id: int, status: InvoiceStatus) -> None:
    if status is not InvoiceStatus.DRAFT:
        raise Conflict(f"invoice {invoice_id} is {status.value}; only a DRAFT invoice can be posted")


def check_can_cancel(invoice_id: int, status: InvoiceStatus, total_minor: int, outstanding_minor: int) -> None:
    if status is InvoiceStatus.CANCELLED:
        raise Conflict(f"invoice {invoice_id} is CANCELLED; only a DRAFT or POSTED invoice can be cancelled")
    if status is InvoiceStatus.POSTED and outstanding_minor < total_minor:
        raise Conflict(f"invoice {invoice_id} is POSTED and money is allocated to it; "
                       "cancel or reverse those payments first")


def check_editable(invoice_id: int, status: InvoiceStatus, attributes: set[str]) -> None:
    if status is not InvoiceStatus.DRAFT and attributes - EDITABLE_AFTER_DRAFT:
        raise Conflict(f"invoice {invoice_id} is {status.value}; only referenceNumber and backOfficeCode "
                       "can change once an invoice is posted or cancelled")


def check_deletable(invoice_id: int, status: InvoiceStatus) -> None:
    if status is not InvoiceStatus.DRAFT:
        raise Conflict(f"invoice {invoice_id} is {status.value}; only a DRAFT invoice can be deleted "
                       "(cancel it instead)")


def check_dates(issue_date: dt.date, due_date: dt.date) -> None:
    if due_date < issue_date:
        raise InvalidRequest.for_field("due_date", f"must be on or after the issue date {issue_date.isoformat()}")


def _post(invoice: Invoice, now: dt.datetime) -> None:
    invoice.status = InvoiceStatus.POSTED
    invoice.outstanding_minor = invoice.total_minor
    invoice.payment_status = payment_status_of(invoice.status, invoice.total_minor, invoice.outstanding_minor)
    invoice.posted_at = now


# --- invoices -------------------------------------------------------------------------------------

def get_invoice(session: Session, *, tenant_id: uuid.UUID, invoice_id: int, for_update: bool = False) -> Invoice:
    invoice = get_scoped(session, Invoice, tenant_id, invoice_id, for_update=for_update)
    if invoice is None:
        raise not_found("Invoice", invoice_id)
    return invoice


def customer_for_invoice(session: Session, *, tenant_id: uuid.UUID, customer_id: int) -> Customer:
    """The customer an invoice body names; an unknown one is a field error, not a missing resource."""
    customer = get_scoped(session, Customer, tenant_id, customer_id)
    if customer is None:
        raise InvalidRequest.for_field("customer_id", f"customer {customer_id} does not exist")
    return customer


def _check_bill(session: Session, tenant_id: uuid.UUID, bill_id: int | None, customer_id: int) -> None:
    if bill_id is None:
        return
    bill = get_scoped(session, Bill, tenant_id, bill_id)
    if bill is None:
        raise InvalidRequest.for_field("bill_id", f"bill {bill_id} does not exist")
    if bill.customer_id != customer_id:
        raise InvalidRequest.for_field("bill_id", f"bill {bill_id} belongs to another customer")


def _check_bill_run(session: Session, tenant_id: uuid.UUID, bill_run_id: int | None,
                    bill_run_type: BillRunType) -> None:
    if bill_run_id is None:
        return
    # Locked so that the run cannot close between this check and the new draft's insert.
    run = get_scoped(session, BillRun, tenant_id, bill_run_id, for_update=True)
    if run is None:
        raise InvalidRequest.for_field("bill_run_id", f"bill run {bill_run_id} does not exist")
    if run.status is not BillRunStatus.OPEN:
        raise InvalidRequest.for_field("bill_run_id", f"bill run {bill_run_id} is {run.status.value}, not OPEN")
    if run.type is not bill_run_type:
        raise InvalidRequest.for_field("bill_run_id", f"bill run {bill_run_id} is an {run.type.value} run; "
                                                    f"the invoice is {bill_run_type.value}")


def _check_back_office_code(session: Session, tenant_id: uuid.UUID, code: str | None,
                            invoice_id: int | None = None) -> None:
    if code is None:
        return
    taken_by = repository.invoice_number_with_back_office_code(session, tenant_id, code, other_than=invoice_id)
    if taken_by is not None:
        message = f"backOfficeCode '{code}' is already used by invoice {taken_by}"
        raise Conflict(message, errors=[FieldError("back_office_code", message)])


def create_invoice(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_id: int,
    total_minor: int,
    issue_date: dt.date,
    due_date: dt.date | None = None,
    bill_run_type: BillRunType = BillRunType.NORMAL,
    bill_run_id: int | None = None,
    bill_id: int | None = None,
    status: InvoiceStatus = InvoiceStatus.DRAFT,
    reference_number: str | None = None,
    back_office_code: str | None = None,
) -> Invoice:
    if status is InvoiceStatus.CANCELLED:
        raise InvalidRequest.for_field("status", "an invoice is created DRAFT or POSTED")
    if total_minor < 0:
        raise InvalidRequest.for_field("total", "must not be negative")
    due_date = issue_date if due_date is None else due_date
    check_dates(issue_date, due_date)
    customer = customer_for_invoice(session, tenant_id=tenant_id, customer_id=customer_id)
    _check_bill_run(session, tenant_id, bill_run_id, bill_run_type)
    _check_bill(session, tenant_id, bill_id, customer_id)
    _check_back_office_code(session, tenant_id, back_office_code)
    if status is InvoiceStatus.POSTED:
        customers.get_customer(session, tenant_id=tenant_id, customer_id=customer_id, for_update=True)
    invoice = Invoice(
        tenant_id=tenant_id,
        number=next_number(session, tenant_id, "invoice", "INV"),
        customer_id=customer_id,
        bill_run_type=bill_run_type,
        bill_run_id=bill_run_id,
        bill_id=bill_id,
        issue_date=issue_date,
        due_date=due_date,
        currency=customer.currency,
        total_minor=total_minor,
        outstanding_minor=0,
        status=InvoiceStatus.DRAFT,
        payment_status=InvoicePaymentStatus.NA,
        reference_number=reference_number,
        back_office_code=back_office_code,
    )
    if status is InvoiceStatus.POSTED:
        _post(invoice, utcnow())
    session.add(invoice)
    session.flush()
    if invoice.status is InvoiceStatus.POSTED:
        _journal_posted(session, invoice)
        events.record(session, tenant_id, "invoice.posted", invoice.customer_id, invoice)
        _start_collection(session, invoice)
    return invoice


def _start_collection(session: Session, invoice: Invoice) -> None:
    """Issue 14: posting an invoice for a customer with a usable mandate starts a collection (the customer
    row is locked already). Only where a provider runtime is in force (every /v1 request)."""
    from ledgerline.providers import collections, runtime

    current = runtime.current()
    if current is not None:
        collections.start_for_invoice(session, tenant=collections.load_tenant(session, invoice.tenant_id),
                                      invoice=invoice, runtime=current)


def _journal_posted(session: Session, invoice: Invoice) -> None:
    ledger.invoice_posted(session, tenant_id=invoice.tenant_id, customer_id=invoice.customer_id,
                          invoice_id=invoice.id, currency=invoice.currency, total_minor=invoice.total_minor)


def update_invoice(session: Session, *, invoice: Invoice, changes: dict[str, Any]) -> Invoice:
    """Apply validated attribute changes (model attribute -> value) to an invoice."""
    changes = {name: value for name, value in changes.items() if getattr(invoice, name) != value}
    if not changes:
        return invoice
    check_editable(invoice.id, invoice.status, set(changes))
    merged = {name: changes.get(name, getattr(invoice, name)) for name in (
        "customer_id", "bill_id", "bill_run_id", "bill_run_type", "issue_date", "due_date")}
    tenant_id = invoice.tenant_id
    if "total_minor" in changes and changes["total_minor"] < 0:
        raise InvalidRequest.for_field("total", "must not be negative")
    if {"issue_date", "due_date"} & set(changes):
        check_dates(merged["issue_date"], merged["due_date"])
    if "customer_id" in changes:
        changes["currency"] = customer_for_invoice(session, tenant_id=tenant_id,
                                                   customer_id=merged["customer_id"]).currency
    if {"bill_run_id", "bill_run_type"} & set(changes):
        _check_bill_run(session, tenant_id, merged["bill_run_id"], merged["bill_run_type"])
    if {"bill_id", "customer_id"} & set(changes):
        _check_bill(session, tenant_id, merged["bill_id"], merged["customer_id"])
    if "back_office_code" in changes:
        _check_back_office_code(session, tenant_id, changes["back_office_code"], invoice.id)
    for name, value in changes.items():
        setattr(invoice, name, value)
    session.flush()
    return invoice


def delete_invoice(session: Session, *, invoice: Invoice) -> None:
    check_deletable(invoice.id, invoice.status)
    session.delete(invoice)
    session.flush()


def lock_invoice_and_customer(session: Session, tenant_id: uuid.UUID, invoice_id: int, *,
                              field: str | None = None) -> Invoice:
    """Lock the customer row first (every money change serializes on it), then the invoice. A missing
    invoice is 404, or with ``field`` (a request body names it) 422 naming that field."""
    customer_id = repository.customer_id_of_invoice(session, tenant_id, invoice_id)
    if customer_id is None:
        if field is not None:
            raise InvalidRequest.for_field(field, f"invoice {invoice_id} does not exist")
        raise not_found("Invoice", invoice_id)
    customers.get_customer(session, tenant_id=tenant_id, customer_id=customer_id, for_update=True)
    invoice = get_scoped(session, Invoice, tenant_id, invoice_id, for_update=True)
    if invoice is None:
        raise not_found("Invoice", invoice_id)
    if invoice.customer_id != customer_id:  # moved to another customer between the two reads
        raise Conflict(f"invoice {invoice_id} was modified concurrently; retry")
    return invoice


def post_invoice(session: Session, *, tenant_id: uuid.UUID, invoice_id: int) -> Invoice:
    invoice = lock_invoice_and_customer(session, tenant_id, invoice_id)
    check_can_post(invoice.id, invoice.status)
    _post(invoice, utcnow())
    _journal_posted(session, invoice)
    session.flush()
    events.record(session, tenant_id, "invoice.posted", invoice.customer_id, invoice)
    _start_collection(session, invoice)
    return invoice


def cancel_invoice(session: Session, *, tenant_id: uuid.UUID, invoice_id: int) -> Invoice:
    invoice = lock_invoice_and_customer(session, tenant_id, invoice_id)
    check_can_cancel(invoice.id, invoice.status, invoice.total_minor, invoice.outstanding_minor)
    if invoice.status is InvoiceStatus.POSTED:
        ledger.invoice_cancelled(session, tenant_id=tenant_id, customer_id=invoice.customer_id, invoice_id=invoice.id,
                                 currency=invoice.currency, outstanding_minor=invoice.outstanding_minor)
    invoice.status = InvoiceStatus.CANCELLED
    invoice.outstanding_minor = 0
    invoice.payment_status = payment_status_of(invoice.status, invoice.total_minor, 0)
    invoice.cancelled_at = utcnow()
    session.flush()
    events.record(session, tenant_id, "invoice.cancelled", invoice.customer_id, invoice)
    return invoice


# --- bills ----------------------------------------------------------------------------------------

def get_bill(session: Session, *, tenant_id: uuid.UUID, bill_id: int, for_update: bool = False) -> Bill:
    bill = get_scoped(session, Bill, tenant_id, bill_id, for_update=for_update)
    if bill is None:
        raise not_found("Bill", bill_id)
    return bill


def bill_view(session: Session, *, tenant_id: uuid.UUID, bill_id: int) -> BillView:
    view = repository.bill_view(session, tenant_id, bill_id)
    if view is None:
        raise not_found("Bill", bill_id)
    return view


def _check_period(period_start: dt.date | None, period_end: dt.date | None) -> None:
    if period_start is not None and period_end is not None and period_end < period_start:
        raise InvalidRequest.for_field("period_end", f"must be on or after the period start {period_start.isoformat()}")


def create_bill(session: Session, *, tenant_id: uuid.UUID, customer_id: int,
                check_digits: BillCheckDigits = BillCheckDigits(),
                period_start: dt.date | None = None, period_end: dt.date | None = None) -> Bill:
    customer_for_invoice(session, tenant_id=tenant_id, customer_id=customer_id)
    _check_period(period_start, period_end)
    bill = Bill(tenant_id=tenant_id, number=next_number(session, tenant_id, "bill", "BILL"),
                customer_id=customer_id, period_start=period_start,
                bill_number_check_digit=check_digits.bill_number_check_digit,
                accounts_receivable_check_digit=check_digits.accounts_receivable_check_digit,
                bill_amount_check_digit=check_digits.bill_amount_check_digit,
                period_end=period_end)
    session.add(bill)
    session.flush()
    return bill


def update_bill(session: Session, *, bill: Bill, changes: dict[str, Any]) -> Bill:
    changes = {name: value for name, value in changes.items() if getattr(bill, name) != value}
    if "customer_id" in changes:
        customer_for_invoice(session, tenant_id=bill.tenant_id, customer_id=changes["customer_id"])
        if repository.bill_has_invoices(session, bill.tenant_id, bill.id):
            raise Conflict(f"bill {bill.id} has invoices; its customer cannot change")
    _check_period(changes.get("period_start", bill.period_start), changes.get("period_end", bill.period_end))
    for name, value in changes.items():
        setattr(bill, name, value)
    session.flush()
    return bill


def delete_bill(session: Session, *, bill: Bill) -> None:
    if repository.bill_has_invoices(session, bill.tenant_id, bill.id):
        raise Conflict(f"bill {bill.id} has invoices; only a bill without invoices can be deleted")
    session.delete(bill)
    session.flush()


# --- bill runs ------------------------------------------------------------------------------------

def get_bill_run(session: Session, *, tenant_id: uuid.UUID, bill_run_id: int, for_update: bool = False) -> BillRun:
    run = get_scoped(session, BillRun, tenant_id, bill_run_id, for_update=for_update)
    if run is None:
        raise not_found("Bill run", bill_run_id)
    return run


def create_bill_run(session: Session, *, tenant_id: uuid.UUID, run_date: dt.date,
                    type: BillRunType = BillRunType.NORMAL, billing_cycle_id: int | None = None,
                    description: str | None = None) -> BillRun:
    if billing_cycle_id is not None and get_scoped(session, BillingCycle, tenant_id, billing_cycle_id) is None:
        raise InvalidRequest.for_field("billing_cycle_id", f"billing cycle {billing_cycle_id} does not exist")
    run = BillRun(tenant_id=tenant_id, type=type, status=BillRunStatus.OPEN, run_date=run_date,
                  billing_cycle_id=billing_cycle_id, description=description)
    session.add(run)
    session.flush()
    return run


def update_bill_run(session: Session, *, bill_run: BillRun, description: str | None) -> BillRun:
    if bill_run.description != description:
        bill_run.description = description
        session.flush()
    return bill_run


def close_bill_run(session: Session, *, tenant_id: uuid.UUID, bill_run_id: int) -> BillRun:
    """OPEN -> CLOSED, posting every draft invoice of the run in the same transaction."""
    run = get_bill_run(session, tenant_id=tenant_id, bill_run_id=bill_run_id, for_update=True)
    if run.status is not BillRunStatus.OPEN:
        raise Conflict(f"bill run {run.id} is {run.status.value}; only an OPEN bill run can be closed")
    now = utcnow()
    repository.lock_customers_with_drafts_in_run(session, tenant_id, run.id)
    repository.journal_drafts_of_run_as_posted(session, tenant_id, run.id)
    repository.post_drafts_of_run(
        session, tenant_id, run.id, posted_at=now,
        unpaid=payment_status_of(InvoiceStatus.POSTED, 1, 1), paid=payment_status_of(InvoiceStatus.POSTED, 0, 0))
    run.status = BillRunStatus.CLOSED
    run.closed_at = now
    session.flush()
    for invoice in repository.invoices_posted_by_run(session, tenant_id, run.id, now):
        events.record(session, tenant_id, "invoice.posted", invoice.customer_id, invoice)
    for invoice in repository.posted_invoices_of_run_with_mandates(session, tenant_id, run.id):
        _start_collection(session, invoice)
    return run


def bill_run_customer_values(session: Session, *, tenant_id: uuid.UUID, bill_run_id: int) -> Sequence[CustomerValue]:
    """Per customer, the total of the run's draft invoices."""
    run = get_bill_run(session, tenant_id=tenant_id, bill_run_id=bill_run_id)
    return repository.draft_values_by_customer(session, tenant_id, run.id)


def list_invoices(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.INVOICES.page(session, tenant_id, criteria)


def count_invoices(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.INVOICES.count(session, tenant_id, criteria)


def list_bills(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.page_of_bills(session, tenant_id, criteria)


def count_bills(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.count_bills(session, tenant_id, criteria)


def list_bill_runs(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.BILL_RUNS.page(session, tenant_id, criteria)


def count_bill_runs(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.BILL_RUNS.count(session, tenant_id, criteria)
