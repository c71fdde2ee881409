"""Refunds through the service, on every backend: references, results, statements, policy."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sqlalchemy import select

from ledgerline.errors import InvalidRequest
from ledgerline.kit.money import Money
from ledgerline.kit.refs import CustomerRef, InvoiceRef
from ledgerline.ledger.service import verify
from ledgerline.models import Invoice, Payment, PaymentMethodSetting
from ledgerline.models.enums import InvoicePaymentStatus, PaymentMethod
from ledgerline.reference import service as reference
from ledgerline.refunds import service
from ledgerline.refunds.service import NewRefund
from tests.factories import create_customer, create_customer_payment as pay, create_invoice
from tests.statements import counted



def test_an_invoice_refund_by_number_answers_with_what_it_took_and_the_invoice_after(client, auth, database, tenant):
    customer = create_customer(client, auth)
    invoice = create_invoice(client, auth, customer["id"], status="POSTED")
    older, newer = pay(client, auth, customer["id"], "60.00"), pay(client, auth, customer["id"], "40.00")
    with database.session() as session:
        loaded = session.get(Payment, newer["id"])
        recorded = service.refund(session, tenant=tenant, actor="ops", new=NewRefund(
            Decimal("50.00"), invoice=InvoiceRef(number=invoice["number"]), method=PaymentMethod.BACS))
        assert [(t.source.payment_id, t.amount_minor) for t in recorded.taken] == [(newer["id"], 4_000),
                                                                                  (older["id"], 1_000)]
        assert loaded.refunded_minor == 4_000  # not stale in the session
        assert (recorded.invoice.outstanding_minor, recorded.invoice.payment_status) == (
            5_000, InvoicePaymentStatus.PART_REFUNDED)
        assert session.get(Invoice, invoice["id"]).payment_status is InvoicePaymentStatus.PART_REFUNDED
        assert recorded.balance_after == Money(-5_000, "GBP")
        assert (recorded.refund.payment_method, recorded.refund.created_by) == (PaymentMethod.BACS, "ops")
        assert verify(session, tenant.tenant_id) == []


def test_a_refund_over_many_payments_sends_as_many_statements_as_over_one(client, auth, database, tenant):
    customer = create_customer(client, auth)
    for _ in range(5):
        pay(client, auth, customer["id"], "10.00")
    sent = []
    with database.session() as session:
        # The first refund of a tenant also creates its number counter; then one from the newest payment
        # only, and one from the other four.
        for amount in ("1.00", "5.00", "40.00"):
            with counted(session.connection()) as statements:
                service.refund(session, tenant=tenant, new=NewRefund(Decimal(amount),
                                                                     customer=CustomerRef(id=customer["id"])))
            sent.append(len(statements))
        assert verify(session, tenant.tenant_id) == []
    assert sent[1] == sent[2] <= 9, sent


def test_a_method_the_tenant_switched_off_is_refused_even_by_a_stale_context(client, auth, database, tenant):
    customer = create_customer(client, auth)
    pay(client, auth, customer["id"], "10.00")
    new = NewRefund(Decimal("1.00"), customer=CustomerRef(id=customer["id"]), method=PaymentMethod.BACS)
    with database.session() as session:
        setting = session.execute(select(PaymentMethodSetting).where(
            PaymentMethodSetting.tenant_id == tenant.tenant_id,
            PaymentMethodSetting.method == PaymentMethod.BACS)).scalar_one()
        reference.update_entry(session, setting, {"active": False})  # bumps the tenant's settings version
        with pytest.raises(InvalidRequest) as refused:
            service.refund(session, tenant=tenant, new=new)  # the context still says version 1
        assert refused.value.errors[0].field == "method"


def test_the_last_successful_payment_is_the_last_one_of_collected_money(client, auth, database, tenant):
    """Issue 14: a posted payment whose provider status says the money was not collected (as /v1/invoice-payments
    recorded FAILED ones before they had rows of their own) never gives a refund its method."""
    from ledgerline.payments import service as payments
    from ledgerline.payments.values import NewPayment, PaymentDetails
    from ledgerline.refunds import repository
    from tests.payment_calls import tenant_context

    customer = create_customer(client, auth)
    invoice = create_invoice(client, auth, customer["id"], status="POSTED")
    with database.session() as session:
        tenant = tenant_context(session, tenant.tenant_id)

        def post(method: PaymentMethod, status: str | None) -> None:
            payments.record_payment(session, tenant=tenant, new=NewPayment(
                customer=CustomerRef(id=customer["id"]), amount=Decimal("10.00"), payment_method=method, post=True,
                details=PaymentDetails(third_party_status=status)))

        post(PaymentMethod.CHEQUE, None)
        assert repository.last_successful_method(session, tenant.tenant_id, customer["id"]) is PaymentMethod.CHEQUE
        post(PaymentMethod.GO_CARDLESS, "PAID_OUT")
        post(PaymentMethod.STRIPE, "FAILED")
        post(PaymentMethod.PAYPAL, "PENDING_SUBMISSION")
        assert repository.last_successful_method(session, tenant.tenant_id, customer["id"]) is PaymentMethod.GO_CARDLESS
        recorded = service.refund(session, tenant=tenant, new=NewRefund(Decimal("5.00"),
                                                                       invoice=InvoiceRef(id=invoice["id"])))
        assert recorded.refund.payment_method is PaymentMethod.GO_CARDLESS
