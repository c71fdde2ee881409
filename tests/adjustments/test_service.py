"""Balance adjustments through the service, on every backend: references, results, statements."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledgerline.adjustments import service
from ledgerline.adjustments.service import NewAdjustment
from ledgerline.errors import InvalidRequest
from ledgerline.kit.money import Money
from ledgerline.kit.refs import CustomerRef
from ledgerline.ledger.repository import balance_of
from ledgerline.ledger.service import verify
from ledgerline.models import Customer, CustomerBalanceAdjustment, Invoice
from ledgerline.models.enums import BillRunType, InvoicePaymentStatus, InvoiceStatus
from tests.factories import create_customer, create_customer_payment as pay, create_invoice
from tests.statements import counted



def test_a_debit_beyond_the_credit_answers_with_its_invoice_and_the_balance_after(client, auth, database, tenant):
    customer = create_customer(client, auth)
    create_invoice(client, auth, customer["id"], status="POSTED", totalInMajorCurrency="30.00")
    pay(client, auth, customer["id"], "45.00")  # 15.00 of credit
    with database.session() as session:
        loaded = session.get(Customer, customer["id"])
        adjustment = service.adjust_balance(session, tenant=tenant, actor="ops", new=NewAdjustment(
            CustomerRef(locator=customer["locator"]), Decimal("-20.00"), "fee"))
        assert (adjustment.credit_used_minor, adjustment.balance_after) == (1_500, Money(-500, "GBP"))
        assert adjustment.balance_after == Money(balance_of(session, tenant.tenant_id, customer["id"]), "GBP")
        assert loaded.credit_minor == 0  # the customer already in the session is not stale
        invoice = session.get(Invoice, adjustment.invoice_id)
        assert (invoice.locator, invoice.bill_run_type, invoice.status, invoice.payment_status, invoice.total_minor) == (
            adjustment.invoice.locator, BillRunType.ADHOC, InvoiceStatus.POSTED, InvoicePaymentStatus.UNPAID, 500)
        stored = session.get(CustomerBalanceAdjustment, adjustment.id)
        assert (stored.number, stored.resulting_balance_minor, stored.created_by) == (adjustment.number, -500, "ops")
        assert verify(session, tenant.tenant_id) == []


def test_a_credit_or_a_debit_is_the_same_handful_of_statements(client, auth, database, tenant):
    customer = create_customer(client, auth)
    sent = []
    with database.session() as session:
        for amount in ("5.00", "-2.00", "-10.00"):  # credit; debit from credit; debit posting an invoice
            with counted(session.connection()) as statements:
                service.adjust_balance(session, tenant=tenant, new=NewAdjustment(CustomerRef(id=customer["id"]),
                                                                                 Decimal(amount)))
            sent.append(len(statements))
        assert verify(session, tenant.tenant_id) == []
    assert max(sent) <= 9, sent


@pytest.mark.parametrize(("customer_ref", "amount", "field"), [
    (CustomerRef(id=999_999), "1", "customer"), (None, "0.5", "amount"),
])
def test_bad_adjustments_name_the_domain_field(client, auth, database, tenant, customer_ref, amount, field):
    yen = create_customer(client, auth, currency="JPY")
    with database.session() as session, pytest.raises(InvalidRequest) as refused:
        service.adjust_balance(session, tenant=tenant, new=NewAdjustment(
            customer_ref or CustomerRef(id=yen["id"]), Decimal(amount)))
    assert refused.value.errors[0].field == field
