"""The journal: what each movement appends, and ``verify`` finding every kind of stored figure that
disagrees with it. The money is moved over HTTP as a client would; the journal is read on the test's
session. On every backend of tests/conftest.py."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, update

from ledgerline.ledger import service as ledger
from ledgerline.ledger.repository import balance_of
from ledgerline.models import Credit, Customer, Invoice, JournalEntry, Refund
from ledgerline.models.enums import CreditState, CreditType, InvoiceStatus, JournalKind
from tests.conftest import bearer, make_tenant
from tests.factories import create_bill_run, create_customer, create_invoice, create_resource


def act(client, auth, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post(path, json=body or {}, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def journal_of(session, **where: Any) -> list[tuple[JournalKind, int, int, int]]:
    stmt = select(JournalEntry).filter_by(**where).order_by(JournalEntry.id)
    return [(e.kind, e.balance_delta, e.credit_delta, e.outstanding_delta) for e in session.scalars(stmt)]


def books(client, auth) -> dict[str, int]:
    """One customer through every kind of money movement there is; the ids of what the tamper tests change."""
    customer = create_customer(client, auth)["id"]
    refunded = create_invoice(client, auth, customer, status="POSTED", issueDate="2024-01-01",
                              dueDate="2024-01-31")["id"]
    create_invoice(client, auth, customer, status="POSTED", issueDate="2024-02-01", dueDate="2024-02-28",
                   totalInMajorCurrency="50.00")
    payment = create_resource(client, auth, "/v1/customer-payments", {
        "customerId": customer, "amountInMajorCurrency": "170.00", "type": "CHEQUE"})["id"]
    refund = create_resource(client, auth, "/v1/refunds", {
        "invoiceId": refunded, "amountInMajorCurrency": "30.00", "paymentMethod": "CHEQUE"})["id"]
    create_resource(client, auth, "/v1/refunds", {"customerId": customer, "amountInMajorCurrency": "5.00",
                                                   "paymentMethod": "CHEQUE"})
    written_off = create_invoice(client, auth, customer, status="POSTED", totalInMajorCurrency="40.00")["id"]
    create_resource(client, auth, "/v1/credits", {"targets": [{"invoiceId": written_off,
                                                               "amountInMajorCurrency": "10.00"}]})
    mistaken = create_resource(client, auth, "/v1/credits", {"targets": [{"invoiceId": written_off,
                                                                          "amountInMajorCurrency": "5.00"}]})
    act(client, auth, f"/v1/credits/{mistaken['id']}/reverse", {"reason": "in error"})
    for amount in ("7.00", "-50.00"):
        create_resource(client, auth, "/v1/customer-balance-adjustments", {
            "customerId": customer, "amountInMajorCurrency": amount, "description": "manual"})
    bounced = create_resource(client, auth, "/v1/payments", {
        "customerId": customer, "amountInMajorCurrency": "25.00", "paymentMethod": "BACS", "status": "POSTED"})
    act(client, auth, f"/v1/payments/{bounced['id']}/cancel", {"issueReason": "bounced"})
    run = create_bill_run(client, auth)["id"]
    create_invoice(client, auth, customer, billRunId=run, totalInMajorCurrency="12.00")
    act(client, auth, f"/v1/bill-runs/{run}/close")
    return {"customer": customer, "refunded": refunded, "written_off": written_off, "payment": payment,
            "refund": refund}


@pytest.fixture
def ids(client, auth) -> dict[str, int]:
    return books(client, auth)


def test_the_books_balance_after_every_kind_of_money_movement(session, tenant_id, ids):
    assert ledger.verify(session, tenant_id) == []
    customer = session.get(Customer, ids["customer"])
    journaled = session.scalar(select(func.sum(JournalEntry.balance_delta))
                               .where(JournalEntry.customer_id == customer.id))
    owed = session.scalar(select(func.sum(Invoice.outstanding_minor))
                          .where(Invoice.customer_id == customer.id, Invoice.status == InvoiceStatus.POSTED))
    assert balance_of(session, tenant_id, customer.id) == journaled == customer.credit_minor - owed


def test_posting_an_invoice_journals_its_debt_and_cancelling_it_gives_it_back(session, client, auth):
    invoice = create_invoice(client, auth, status="POSTED", totalInMajorCurrency="12.34")
    act(client, auth, f"/v1/invoices/{invoice['id']}/cancel")
    assert journal_of(session, invoice_id=invoice["id"]) == [
        (JournalKind.INVOICE_POSTED, -1234, 0, 1234), (JournalKind.INVOICE_CANCELLED, 1234, 0, -1234)]


def test_a_draft_is_not_journaled_and_owes_nothing(session, tenant_id, client, auth):
    invoice = create_invoice(client, auth, totalInMajorCurrency="12.34")
    assert journal_of(session, invoice_id=invoice["id"]) == []
    assert balance_of(session, tenant_id, invoice["customerId"]) == 0


def test_an_entry_recorded_without_money_moving_is_a_balance_mismatch(session, tenant_id, ids):
    customer = ids["customer"]
    before = balance_of(session, tenant_id, customer)
    ledger.record(session, tenant_id=tenant_id, customer_id=customer, currency="GBP",
                  kind=JournalKind.BALANCE_ADJUSTMENT, balance=-1)
    session.flush()
    assert ledger.verify(session, tenant_id) == [ledger.Mismatch("customer balance", customer, before, before - 1)]


def _subpayment(session, ids) -> Credit:
    return session.scalars(select(Credit).where(Credit.payment_id == ids["payment"],
                                                Credit.type == CreditType.SUBPAYMENT).order_by(Credit.id)).first()


# (what is changed behind the journal's back, the mismatches verify must name: what, whose id, stored, journal)
TAMPERING = {
    "invoice outstanding": (
        lambda session, ids: update(Invoice).where(Invoice.id == ids["refunded"]).values(outstanding_minor=2999),
        lambda session, ids: {("invoice outstanding", ids["refunded"], 2999, 3000),
                              ("customer balance", ids["customer"], ids["balance"] + 1, ids["balance"])}),
    "refund journal": (
        lambda session, ids: update(Refund).where(Refund.id == ids["refund"]).values(amount_minor=3100),
        lambda session, ids: {("refund journal", ids["refund"], -3100, -3000)}),
    "invoice refunded": (
        lambda session, ids: update(Invoice).where(Invoice.id == ids["refunded"]).values(refunded_minor=0),
        lambda session, ids: {("invoice refunded", ids["refunded"], 0, 3000)}),
    "invoice written off": (
        lambda session, ids: update(Invoice).where(Invoice.id == ids["written_off"]).values(written_off_minor=0),
        lambda session, ids: {("invoice written off", ids["written_off"], 0, 1000)}),
    "invoice subpayments": (
        lambda session, ids: update(Credit).where(Credit.id == _subpayment(session, ids).id)
        .values(state=CreditState.REVERSED),
        lambda session, ids: {("invoice subpayments", ids["refunded"], 10000, 0)}),
}


@pytest.mark.parametrize("tampered", list(TAMPERING))
def test_verify_names_each_stored_figure_the_journal_disagrees_with(session, tenant_id, ids, tampered):
    change, expected = TAMPERING[tampered]
    ids = {**ids, "balance": balance_of(session, tenant_id, ids["customer"])}
    wanted = expected(session, ids)
    session.execute(change(session, ids))
    found = {(m.what, m.identifier, m.stored, m.journal) for m in ledger.verify(session, tenant_id)}
    assert found == wanted


def test_verify_of_one_tenant_leaves_the_others_out(session, tenant_id, database, settings, client, auth):
    other = make_tenant(database)
    ids = books(client, bearer(settings, other))
    session.execute(update(Refund).where(Refund.id == ids["refund"]).values(amount_minor=3100))
    books(client, auth)
    assert ledger.verify(session, tenant_id) == []
    assert [m.what for m in ledger.verify(session, other)] == ["refund journal"]
    assert ("refund journal", ids["refund"]) in {(m.what, m.identifier) for m in ledger.verify(session)}


def test_a_mismatch_reads_as_one_line():
    assert str(ledger.Mismatch("customer credit", 4, 500, 0)) == "customer credit 4: stored 500, journal says 0"
