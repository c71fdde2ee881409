"""Events are written in the transaction of their change: exactly when it commits, in each customer's order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from ledgerline import events
from ledgerline.customers import service as customers
from ledgerline.models import Event
from tests.factories import create_customer, create_customer_payment, create_invoice


def _events(client, auth, **params):
    response = client.get("/v1/events", headers=auth, params={"sort": "id", **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_customer_payment_and_invoice_events_carry_the_v1_documents(client, auth):
    customer = create_customer(client, auth)
    invoice = create_invoice(client, auth, customer["id"], totalInMajorCurrency="40.00", status="POSTED")
    payment = client.post("/v1/payments", headers=auth, json={
        "customerId": customer["id"], "amountInMajorCurrency": "50.00", "paymentMethod": "CHEQUE",
        "status": "POSTED"}).json()

    listed = _events(client, auth, customerId=str(customer["id"]))
    assert [(e["type"], e["sequence"]) for e in listed] == [
        ("customer.created", 1), ("invoice.posted", 2), ("payment.posted", 3), ("invoice.paid", 4)]
    assert listed[0]["data"] == customer
    assert listed[1]["data"] == invoice
    assert listed[2]["data"] == client.get(f"/v1/payments/{payment['id']}", headers=auth).json()
    paid = listed[3]["data"]
    assert paid["id"] == invoice["id"] and paid["paymentStatus"] == "PAID" and paid["paidByPaymentId"] == payment["id"]
    assert Decimal(str(paid["outstandingInMajorCurrency"])) == 0
    one = client.get(f"/v1/events/{listed[2]['id']}", headers=auth)
    assert one.status_code == 200 and one.json() == listed[2]


def _post(client, auth, path: str, body: dict | None = None, status: int = 200) -> dict:
    response = client.post(path, headers=auth, json=body)
    assert response.status_code == status, response.text
    return response.json()


def test_cancellations_rejections_refunds_and_write_offs_write_their_events_with_the_v1_documents(client, auth):
    customer = create_customer(client, auth)
    paid = create_invoice(client, auth, customer["id"], totalInMajorCurrency="40.00", status="POSTED")
    payment = _post(client, auth, f"/v1/invoices/{paid['id']}/pay", {"paymentMethod": "BACS"}, 201)
    draft = _post(client, auth, "/v1/payments", {"customerId": customer["id"], "amountInMajorCurrency": "5.00",
                                                 "paymentMethod": "CHEQUE", "status": "DRAFT"}, 201)
    _post(client, auth, f"/v1/payments/{draft['id']}/reject", {"reason": "Cheque bounced"})
    refund = _post(client, auth, "/v1/refunds", {"invoiceId": paid["id"], "amountInMajorCurrency": "5.00",
                                                 "paymentMethod": "CHEQUE"}, 201)
    owing = create_invoice(client, auth, customer["id"], totalInMajorCurrency="20.00", status="POSTED")
    write_off = _post(client, auth, "/v1/credits", {"targets": [{"invoiceId": owing["id"]}]}, 201)
    _post(client, auth, f"/v1/credits/{write_off['id']}/reverse", {"reason": "Written off in error"})
    cancelled_invoice = create_invoice(client, auth, customer["id"], totalInMajorCurrency="10.00", status="POSTED")
    _post(client, auth, f"/v1/invoices/{cancelled_invoice['id']}/cancel")
    second = create_customer_payment(client, auth, customer["id"], "3.00")
    _post(client, auth, f"/v1/payments/{second['id']}/cancel")

    listed = _events(client, auth, customerId=str(customer["id"]))
    assert [e["sequence"] for e in listed] == list(range(1, len(listed) + 1))
    by_type: dict[str, list[dict]] = {}
    for each in listed:
        by_type.setdefault(each["type"], []).append(each["data"])
    get = lambda path: client.get(path, headers=auth).json()  # noqa: E731
    assert by_type["payment.rejected"] == [get(f"/v1/payments/{draft['id']}")]
    assert by_type["payment.rejected"][0]["status"] == "REJECTED"
    assert by_type["refund.created"] == [get(f"/v1/refunds/{refund['id']}")]
    assert [credit["id"] for credit in by_type["credit.created"]] == [write_off["id"]]
    assert by_type["credit.reversed"] == [get(f"/v1/credits/{write_off['id']}")]
    assert by_type["invoice.cancelled"] == [get(f"/v1/invoices/{cancelled_invoice['id']}")]
    assert by_type["invoice.cancelled"][0]["status"] == "CANCELLED"
    assert by_type["payment.cancelled"] == [get(f"/v1/payments/{second['id']}")]
    assert by_type["payment.cancelled"][0]["status"] == "CANCELLED"
    assert payment["id"] in {each["id"] for each in by_type["payment.posted"]}


def test_a_rolled_back_request_leaves_no_event(client, auth):
    customer = create_customer(client, auth)
    before = _events(client, auth)
    # 409: the invoice owes nothing, so nothing is paid, and the failed request's work is rolled back.
    invoice = create_invoice(client, auth, customer["id"], totalInMajorCurrency="10.00", status="POSTED")
    assert client.post(f"/v1/invoices/{invoice['id']}/pay", headers=auth,
                       json={"paymentMethod": "CHEQUE"}).status_code == 201
    count = len(_events(client, auth))
    assert client.post(f"/v1/invoices/{invoice['id']}/pay", headers=auth,
                       json={"paymentMethod": "CHEQUE"}).status_code == 409
    assert len(_events(client, auth)) == count > len(before)


def test_events_are_written_when_the_session_commits_and_dropped_when_it_rolls_back(database, tenant_id):
    with database.session() as session:
        customer = customers.create_customer(session, tenant_id=tenant_id, name="Rolled", currency="GBP")
        assert [each.type for each in events.pending(session)] == ["customer.created"]
        assert session.execute(select(Event).where(Event.tenant_id == tenant_id)).first() is None
        session.rollback()
        assert events.pending(session) == []
        assert session.execute(select(Event).where(Event.customer_id == customer.id)).first() is None
    with database.session() as session:
        customer = customers.create_customer(session, tenant_id=tenant_id, name="Kept", currency="GBP")
        session.commit()
        written = session.execute(select(Event).where(Event.tenant_id == tenant_id)).scalars().all()
        assert [(each.type, each.customer_id, each.sequence) for each in written] == [
            ("customer.created", customer.id, 1)]


def test_one_insert_writes_a_transaction_s_events_with_consecutive_sequences(database, tenant_id):
    with database.session() as session:
        customer = customers.create_customer(session, tenant_id=tenant_id, name="Many", currency="GBP")
        for n in range(3):
            events.record(session, tenant_id, "customer.created", customer.id, {"n": n})
        events.record(session, tenant_id, "customer.created", None, {"n": "none"})
        statements = []
        from sqlalchemy import event as sa_event
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa_event.listen(session.get_bind(), "before_cursor_execute", listener)
        try:
            session.commit()
        finally:
            sa_event.remove(session.get_bind(), "before_cursor_execute", listener)
        assert sum(statement.lstrip().upper().startswith("INSERT INTO EVENTS") for statement in statements) == 1
        written = session.execute(select(Event.sequence, Event.customer_id).where(Event.tenant_id == tenant_id)
                                  .order_by(Event.id)).all()
        assert written == [(1, customer.id), (2, customer.id), (3, customer.id), (4, customer.id), (None, None)]


def test_unknown_event_type_form_is_refused(database, tenant_id):
    with database.session() as session, pytest.raises(ValueError):
        events.record(session, tenant_id, "Not A Type", None, {})


def test_events_of_another_tenant_are_not_visible(client, auth, other_auth):
    create_customer(client, auth)
    assert _events(client, other_auth) == []
    event_id = _events(client, auth)[0]["id"]
    assert client.get(f"/v1/events/{event_id}", headers=other_auth).status_code == 404


def test_event_filters(client, auth):
    customer = create_customer(client, auth)
    create_invoice(client, auth, customer["id"], totalInMajorCurrency="5.00", status="POSTED")
    assert [e["type"] for e in _events(client, auth, type="invoice.posted")] == ["invoice.posted"]
    assert len(_events(client, auth, type="in:invoice.posted,customer.created")) == 2
    assert _events(client, auth, createdAt="lt:2000-01-01") == []
    assert client.get("/v1/events", headers=auth, params={"createdAt": "yesterday"}).status_code == 400
