"""Payment use cases on a real session: transitions, allocation, cancellation, journal."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ledgerline.customers.service import create_customer
from ledgerline.errors import Conflict, InvalidRequest
from ledgerline.invoices.service import create_invoice
from ledgerline.ledger.service import verify
from ledgerline.ledger.repository import balance_of
from ledgerline.models import PaymentCancellation
from ledgerline.models.enums import InvoicePaymentStatus, InvoiceStatus, PaymentMethod, PaymentStatus
from tests import payment_calls as service


@pytest.fixture
def customer(session, tenant_id):
    return create_customer(session, tenant_id=tenant_id, name="Jane", currency="GBP")


def invoice(session, tenant_id, customer, minor, day=1):
    return create_invoice(session, tenant_id=tenant_id, customer_id=customer.id, total_minor=minor,
                          issue_date=dt.date(2026, 1, day), status=InvoiceStatus.POSTED)


def pay(session, tenant_id, customer, minor, **extra):
    return service.create_payment(session, tenant_id=tenant_id, customer_id=customer.id, amount_minor=minor,
                                  payment_method=PaymentMethod.CHEQUE, **extra)


def test_posted_payment_allocates_oldest_first_and_keeps_the_rest_as_credit(session, tenant_id, customer):
    newer = invoice(session, tenant_id, customer, 3000, day=2)
    older = invoice(session, tenant_id, customer, 2000, day=1)
    pay(session, tenant_id, customer, 6000, status=PaymentStatus.POSTED)
    assert (older.outstanding_minor, older.payment_status) == (0, InvoicePaymentStatus.PAID)
    assert (newer.outstanding_minor, newer.payment_status) == (0, InvoicePaymentStatus.PAID)
    assert customer.credit_minor == 1000
    assert balance_of(session, tenant_id, customer.id) == 1000
    assert verify(session, tenant_id) == []


def test_partial_payment_leaves_the_invoice_partially_paid(session, tenant_id, customer):
    target = invoice(session, tenant_id, customer, 5000)
    pay(session, tenant_id, customer, 1234, status=PaymentStatus.POSTED)
    assert target.outstanding_minor == 3766
    assert target.payment_status is InvoicePaymentStatus.PARTIALLY_PAID
    assert balance_of(session, tenant_id, customer.id) == -3766


def test_draft_is_posted_then_cancelled_and_invoices_reopen(session, tenant_id, customer):
    target = invoice(session, tenant_id, customer, 5000)
    payment = pay(session, tenant_id, customer, 7000)
    assert payment.status is PaymentStatus.DRAFT and target.outstanding_minor == 5000
    service.post_payment(session, tenant_id=tenant_id, payment_id=payment.id)
    assert target.outstanding_minor == 0 and customer.credit_minor == 2000
    payment = service.cancel_payment(session, tenant_id=tenant_id, payment_id=payment.id)
    assert payment.status is PaymentStatus.CANCELLED
    cancellation = session.scalars(select(PaymentCancellation).where(PaymentCancellation.payment_id == payment.id)).one()
    assert cancellation.number.startswith("PCN-") and cancellation.amount_minor == 7000
    assert target.outstanding_minor == 5000 and target.payment_status is InvoicePaymentStatus.UNPAID
    assert customer.credit_minor == 0
    assert verify(session, tenant_id) == []


def test_cancel_then_a_new_payment_reallocates(session, tenant_id, customer):
    target = invoice(session, tenant_id, customer, 5000)
    first = pay(session, tenant_id, customer, 5000, status=PaymentStatus.POSTED)
    service.cancel_payment(session, tenant_id=tenant_id, payment_id=first.id)
    pay(session, tenant_id, customer, 5000, status=PaymentStatus.POSTED)
    assert target.outstanding_minor == 0
    assert verify(session, tenant_id) == []


@pytest.mark.parametrize(("action", "status"), [("post", PaymentStatus.POSTED), ("reject", PaymentStatus.POSTED),
                                                ("cancel", PaymentStatus.DRAFT)])
def test_refused_transitions_are_409_naming_the_state(session, tenant_id, customer, action, status):
    payment = pay(session, tenant_id, customer, 100, status=status)
    with pytest.raises(Conflict, match=f"is {status.value}"):
        if action == "post":
            service.post_payment(session, tenant_id=tenant_id, payment_id=payment.id)
        elif action == "reject":
            service.reject_payment(session, tenant_id=tenant_id, payment_id=payment.id, reason="bounced")
        else:
            service.cancel_payment(session, tenant_id=tenant_id, payment_id=payment.id)


def test_rejected_draft_moves_no_money(session, tenant_id, customer):
    target = invoice(session, tenant_id, customer, 500)
    payment = pay(session, tenant_id, customer, 500)
    service.reject_payment(session, tenant_id=tenant_id, payment_id=payment.id, reason="bounced")
    assert payment.status is PaymentStatus.REJECTED and payment.rejection_reason == "bounced"
    assert target.outstanding_minor == 500
    with pytest.raises(Conflict, match="is REJECTED"):
        service.post_payment(session, tenant_id=tenant_id, payment_id=payment.id)


@pytest.mark.parametrize(("paid", "outstanding"), [(9900, 0), (9901, 0), (9899, 101)])
def test_shortfall_within_tolerance_settles_the_intended_invoice(session, tenant_id, customer, paid, outstanding):
    target = invoice(session, tenant_id, customer, 10000)
    payment = pay(session, tenant_id, customer, paid, status=PaymentStatus.POSTED, invoices_to_pay=[target.id],
                  tolerance_minor=100)
    assert target.outstanding_minor == outstanding
    assert verify(session, tenant_id) == []
    service.cancel_payment(session, tenant_id=tenant_id, payment_id=payment.id)
    assert target.outstanding_minor == 10000
    assert verify(session, tenant_id) == []


def test_pay_invoice_pays_exactly_the_outstanding_and_then_refuses(session, tenant_id, customer):
    target = invoice(session, tenant_id, customer, 4321)
    payment = service.pay_invoice(session, tenant_id=tenant_id, invoice_id=target.id,
                                  payment_method=PaymentMethod.BACS)
    assert payment.amount_minor == 4321 and target.outstanding_minor == 0
    with pytest.raises(Conflict):
        service.pay_invoice(session, tenant_id=tenant_id, invoice_id=target.id, payment_method=PaymentMethod.BACS)


def test_intended_invoice_of_another_customer_is_refused(session, tenant_id, customer):
    other = create_customer(session, tenant_id=tenant_id, name="Other", currency="GBP")
    foreign = invoice(session, tenant_id, other, 100)
    with pytest.raises(InvalidRequest) as error:
        pay(session, tenant_id, customer, 100, invoices_to_pay=[foreign.id])
    assert error.value.errors[0].field == "intended_invoices[0]"  # a domain name; /v1 says invoicesToPay[0]
