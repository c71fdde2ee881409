from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import update

from ledgerline.customers import service as customers
from ledgerline.errors import Conflict, InvalidRequest, NotFound
from ledgerline.invoices import service
from ledgerline.models import Customer, Invoice
from ledgerline.models.enums import BillRunStatus, BillRunType, InvoicePaymentStatus, InvoiceStatus

DAY = dt.date(2024, 5, 1)


# --- pure rules: no database -----------------------------------------------------------------------

@pytest.mark.parametrize(("status", "total", "outstanding", "expected"), [
    (InvoiceStatus.DRAFT, 1000, 0, InvoicePaymentStatus.NA),
    (InvoiceStatus.CANCELLED, 1000, 0, InvoicePaymentStatus.NA),
    (InvoiceStatus.POSTED, 1000, 1000, InvoicePaymentStatus.UNPAID),
    (InvoiceStatus.POSTED, 1000, 1, InvoicePaymentStatus.PARTIALLY_PAID),
    (InvoiceStatus.POSTED, 1000, 0, InvoicePaymentStatus.PAID),
    (InvoiceStatus.POSTED, 0, 0, InvoicePaymentStatus.PAID),
])
def test_payment_status_of(status, total, outstanding, expected):
    assert service.payment_status_of(status, total, outstanding) is expected


def test_only_a_draft_can_be_posted():
    service.check_can_post(1, InvoiceStatus.DRAFT)
    for status in (InvoiceStatus.POSTED, InvoiceStatus.CANCELLED):
        with pytest.raises(Conflict, match=status.value):
            service.check_can_post(1, status)


def test_cancel_is_refused_once_cancelled_or_money_is_allocated():
    service.check_can_cancel(1, InvoiceStatus.DRAFT, 100, 0)
    service.check_can_cancel(1, InvoiceStatus.POSTED, 100, 100)
    with pytest.raises(Conflict, match="CANCELLED"):
        service.check_can_cancel(1, InvoiceStatus.CANCELLED, 100, 0)
    with pytest.raises(Conflict, match="POSTED"):
        service.check_can_cancel(1, InvoiceStatus.POSTED, 100, 40)


def test_after_draft_only_references_are_editable():
    service.check_editable(1, InvoiceStatus.DRAFT, {"total_minor", "customer_id"})
    service.check_editable(1, InvoiceStatus.POSTED, {"reference_number", "back_office_code"})
    with pytest.raises(Conflict, match="CANCELLED"):
        service.check_editable(1, InvoiceStatus.CANCELLED, {"due_date"})


# --- services against the database ----------------------------------------------------------------

@pytest.fixture
def customer(session, tenant_id) -> Customer:
    return customers.create_customer(session, tenant_id=tenant_id, name="Acme", currency="GBP",
                                     credit_threshold_minor=10000)


def draft(session, tenant_id, customer, **values) -> Invoice:
    return service.create_invoice(session, tenant_id=tenant_id, customer_id=customer.id,
                                  total_minor=values.pop("total_minor", 5000), issue_date=DAY, **values)


def test_draft_owes_nothing_until_posted(session, tenant_id, customer):
    invoice = draft(session, tenant_id, customer)
    assert (invoice.status, invoice.outstanding_minor, invoice.payment_status) == (
        InvoiceStatus.DRAFT, 0, InvoicePaymentStatus.NA)
    assert invoice.number.startswith("INV-")
    assert invoice.due_date == DAY
    posted = service.post_invoice(session, tenant_id=tenant_id, invoice_id=invoice.id)
    assert (posted.status, posted.outstanding_minor, posted.payment_status) == (
        InvoiceStatus.POSTED, 5000, InvoicePaymentStatus.UNPAID)
    assert posted.posted_at is not None


def test_posted_invoice_with_money_allocated_cannot_be_cancelled(session, tenant_id, customer):
    invoice = draft(session, tenant_id, customer, status=InvoiceStatus.POSTED)
    session.execute(update(Invoice).where(Invoice.id == invoice.id).values(outstanding_minor=1000))
    with pytest.raises(Conflict, match="POSTED"):
        service.cancel_invoice(session, tenant_id=tenant_id, invoice_id=invoice.id)


def test_cancel_reads_the_invoice_afresh_under_lock(session, tenant_id, customer):
    invoice = draft(session, tenant_id, customer, status=InvoiceStatus.POSTED)
    # Another transaction (a payment) changed the row behind this session's back.
    session.execute(update(Invoice).where(Invoice.id == invoice.id).values(outstanding_minor=0)
                    .execution_options(synchronize_session=False))
    assert invoice.outstanding_minor == 5000
    with pytest.raises(Conflict):
        service.cancel_invoice(session, tenant_id=tenant_id, invoice_id=invoice.id)


def test_another_tenants_invoice_is_not_found(session, tenant_id, customer):
    invoice = draft(session, tenant_id, customer)
    stranger = uuid.uuid4()
    for call in (service.post_invoice, service.cancel_invoice, service.get_invoice):
        with pytest.raises(NotFound):
            call(session, tenant_id=stranger, invoice_id=invoice.id)
    assert invoice.status is InvoiceStatus.DRAFT


def test_create_refuses_cancelled_negative_and_misdated_invoices(session, tenant_id, customer):
    with pytest.raises(InvalidRequest) as cancelled:
        draft(session, tenant_id, customer, status=InvoiceStatus.CANCELLED)
    assert cancelled.value.errors[0].field == "status"
    with pytest.raises(InvalidRequest) as negative:
        draft(session, tenant_id, customer, total_minor=-1)
    assert negative.value.errors[0].field == "totalInMajorCurrency"
    with pytest.raises(InvalidRequest) as misdated:
        draft(session, tenant_id, customer, due_date=DAY - dt.timedelta(days=1))
    assert misdated.value.errors[0].field == "dueDate"


def test_closing_a_run_posts_its_drafts_and_the_session_sees_it(session, tenant_id, customer):
    run = service.create_bill_run(session, tenant_id=tenant_id, run_date=DAY)
    first = draft(session, tenant_id, customer, bill_run_id=run.id)
    zero = draft(session, tenant_id, customer, bill_run_id=run.id, total_minor=0)
    assert [(v.customer_id, v.value_minor) for v in service.bill_run_customer_values(
        session, tenant_id=tenant_id, bill_run_id=run.id)] == [(customer.id, 5000)]
    closed = service.close_bill_run(session, tenant_id=tenant_id, bill_run_id=run.id)
    assert closed.status is BillRunStatus.CLOSED
    assert (first.status, first.outstanding_minor, first.payment_status) == (
        InvoiceStatus.POSTED, 5000, InvoicePaymentStatus.UNPAID)
    assert zero.payment_status is InvoicePaymentStatus.PAID
    assert first.version == 2
    with pytest.raises(Conflict, match="CLOSED"):
        service.close_bill_run(session, tenant_id=tenant_id, bill_run_id=run.id)


def test_invoice_joins_only_an_open_run_of_its_type(session, tenant_id, customer):
    adhoc = service.create_bill_run(session, tenant_id=tenant_id, run_date=DAY, type=BillRunType.ADHOC)
    with pytest.raises(InvalidRequest) as wrong_type:
        draft(session, tenant_id, customer, bill_run_id=adhoc.id)
    assert wrong_type.value.errors[0].field == "billRunId"
    invoice = draft(session, tenant_id, customer, bill_run_id=adhoc.id, bill_run_type=BillRunType.ADHOC)
    with pytest.raises(InvalidRequest):
        service.update_invoice(session, invoice=invoice, changes={"bill_run_type": BillRunType.NORMAL})


def test_bill_figures_come_from_its_posted_invoices(session, tenant_id, customer):
    bill = service.create_bill(session, tenant_id=tenant_id, customer_id=customer.id)
    draft(session, tenant_id, customer, bill_id=bill.id, total_minor=700)
    draft(session, tenant_id, customer, bill_id=bill.id, total_minor=300, status=InvoiceStatus.POSTED)
    view = service.bill_view(session, tenant_id=tenant_id, bill_id=bill.id)
    assert (view.total_minor, view.outstanding_minor, view.currency, view.status.value) == (
        300, 300, "GBP", "UNSETTLED")
    with pytest.raises(Conflict):
        service.delete_bill(session, bill=bill)
