"""Write-offs and their reversal through the service, on every backend: references, results, statements."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledgerline.credits import service
from ledgerline.credits.service import NewWriteOff, WriteOffTarget
from ledgerline.errors import Conflict, InvalidRequest, NotFound
from ledgerline.kit.money import Money
from ledgerline.kit.refs import CreditRef, CustomerRef, InvoiceRef
from ledgerline.ledger.repository import balance_of
from ledgerline.ledger.service import verify
from ledgerline.models import Credit, Invoice
from ledgerline.models.enums import CreditState, InvoicePaymentStatus
from tests.factories import create_customer, create_invoice
from tests.statements import counted


def invoices(client, auth, customer_id: int, *totals: str) -> list[dict]:  # noqa: ANN001
    return [create_invoice(client, auth, customer_id, status="POSTED", totalInMajorCurrency=total) for total in totals]


def test_a_write_off_names_invoices_by_any_identifier_and_answers_from_its_plan(client, auth, database, tenant):
    customer = create_customer(client, auth)
    first, second = invoices(client, auth, customer["id"], "40.00", "60.00")
    with database.session() as session:
        written = service.write_off(session, tenant=tenant, actor="ops", new=NewWriteOff(
            (WriteOffTarget(InvoiceRef(locator=first["locator"])),
             WriteOffTarget(InvoiceRef(number=second["number"]), Decimal("25.00"))),
            customer=CustomerRef(locator=customer["locator"]), description="bad debt"))
        stored = session.get(Credit, written.credit.credit.id)
        assert (stored.amount_minor, stored.state, stored.created_by) == (6_500, CreditState.POSTED, "ops")
        assert [(target.invoice_id, target.amount_minor, locator) for target, locator in written.credit.targets] == [
            (first["id"], 4_000, first["locator"]), (second["id"], 2_500, second["locator"])]
        assert written.credit.account_locator == customer["locator"]
        assert [(i.id, i.outstanding_minor, i.payment_status) for i in written.invoices] == [
            (first["id"], 0, InvoicePaymentStatus.WRITTEN_OFF), (second["id"], 3_500, InvoicePaymentStatus.PARTIALLY_PAID)]
        assert written.balance_after == Money(balance_of(session, tenant.tenant_id, customer["id"]), "GBP")
        assert written.balance_after == Money(-3_500, "GBP")
        assert verify(session, tenant.tenant_id) == []


def test_invoices_already_in_the_session_see_the_write_off_and_its_new_version(client, auth, database, tenant):
    customer = create_customer(client, auth)
    [owed] = invoices(client, auth, customer["id"], "10.00")
    with database.session() as session:
        loaded = session.get(Invoice, owed["id"])
        version = loaded.version
        service.write_off(session, tenant=tenant, new=NewWriteOff((WriteOffTarget(InvoiceRef(id=owed["id"])),)))
        assert (loaded.outstanding_minor, loaded.written_off_minor, loaded.payment_status) == (
            0, 1_000, InvoicePaymentStatus.WRITTEN_OFF)
        assert loaded.version == version + 1
        loaded.reference_number = "still-writable"  # the ORM's optimistic check uses the new version
        session.flush()


def test_applying_a_write_off_is_the_same_statements_for_one_target_or_five(client, auth, database, tenant):
    customer = create_customer(client, auth)
    found = invoices(client, auth, customer["id"], *["10.00"] * 6)
    sent: list[int] = []
    with database.session() as session:
        for chosen in (found[:1], found[1:]):
            with counted(session.connection()) as statements:
                service.write_off(session, tenant=tenant, new=NewWriteOff(
                    tuple(WriteOffTarget(InvoiceRef(id=invoice["id"])) for invoice in chosen)))
            sent.append(len(statements))
        assert verify(session, tenant.tenant_id) == []
    assert sent[0] == sent[1] <= 8


@pytest.mark.parametrize(("which", "field"), [
    ("unknown invoice", "targets[0].invoice"), ("another customer's", "targets[1].invoice"),
    ("unknown customer", "customer"), ("too many decimals", "targets[0].amount"),
])
def test_bad_write_offs_name_the_domain_field(client, auth, database, tenant, which, field):
    customer = create_customer(client, auth)
    [mine] = invoices(client, auth, customer["id"], "10.00")
    [theirs] = invoices(client, auth, create_customer(client, auth)["id"], "10.00")
    targets = {"unknown invoice": [WriteOffTarget(InvoiceRef(id=999_999))],
               "another customer's": [WriteOffTarget(InvoiceRef(id=mine["id"])),
                                      WriteOffTarget(InvoiceRef(id=theirs["id"]))],
               "too many decimals": [WriteOffTarget(InvoiceRef(id=mine["id"]), Decimal("1.001"))]
               }.get(which, [WriteOffTarget(InvoiceRef(id=mine["id"]))])
    customer_ref = CustomerRef(id=999_999) if which == "unknown customer" else None
    with database.session() as session, pytest.raises(InvalidRequest) as refused:
        service.write_off(session, tenant=tenant, new=NewWriteOff(tuple(targets), customer=customer_ref))
    assert refused.value.errors[0].field == field


def test_a_reversal_by_locator_reopens_the_invoices_once(client, auth, database, tenant):
    customer = create_customer(client, auth)
    [owed] = invoices(client, auth, customer["id"], "10.00")
    with database.session() as session:
        written = service.write_off(session, tenant=tenant, new=NewWriteOff((WriteOffTarget(InvoiceRef(id=owed["id"])),)))
        ref = CreditRef(locator=written.credit.credit.locator)
        reversed_ = service.reverse_write_off(session, tenant=tenant, credit=ref, reason="in error")
        assert (reversed_.credit.credit.state, reversed_.credit.credit.reversal_reason) == (CreditState.REVERSED,
                                                                                            "in error")
        assert reversed_.balance_after == Money(-1_000, "GBP") and reversed_.invoices[0].outstanding_minor == 1_000
        assert session.get(Credit, written.credit.credit.id).state is CreditState.REVERSED
        with pytest.raises(Conflict, match="reversed already"):
            service.reverse_write_off(session, tenant=tenant, credit=ref, reason="twice")
        with pytest.raises(NotFound):
            service.reverse_write_off(session, tenant=tenant, credit=CreditRef(locator="0" * 26), reason="none")
        assert verify(session, tenant.tenant_id) == []
