"""/v1/credits: payments appear as credits; write-offs settle invoices and can be reversed."""

from __future__ import annotations

from decimal import Decimal

from ledgerline.ledger.service import verify
from tests.conftest import bearer
from tests.factories import create_customer, create_invoice


def number(value) -> Decimal:
    return Decimal(str(value))


def invoice_of(client, auth, invoice_id: int) -> dict:
    return client.get(f"/v1/invoices/{invoice_id}", headers=auth).json()


def write_off(client, auth, *targets, **extra):
    return client.post("/v1/credits", json={"targets": list(targets), "description": "uncollectible", **extra},
                       headers=auth)


def test_a_posted_payment_is_a_payment_credit_with_a_subpayment_per_invoice(client, auth, database, tenant_id):
    customer = create_customer(client, auth)
    older = create_invoice(client, auth, customer["id"], status="POSTED", issueDate="2024-01-01",
                           dueDate="2024-01-31", totalInMajorCurrency="30.00")
    newer = create_invoice(client, auth, customer["id"], status="POSTED", totalInMajorCurrency="50.00")
    payment = client.post("/v1/customer-payments", json={"customerId": customer["id"], "amountInMajorCurrency": 100,
                                                         "type": "CHEQUE"}, headers=auth).json()
    credits = client.get("/v1/credits", params={"paymentId": payment["id"], "sort": "id"}, headers=auth).json()
    assert [(c["creditType"], c["creditState"], number(c["amountInMajorCurrency"])) for c in credits] == [
        ("payment", "posted", Decimal("100.00")), ("subpayment", "posted", Decimal("30.00")),
        ("subpayment", "posted", Decimal("50.00"))]
    parent, *children = credits
    assert all(child["parentCreditLocator"] == parent["locator"] for child in children)
    assert [t["invoiceId"] for t in parent["targets"]] == [older["id"], newer["id"]]
    assert [c["targets"][0]["invoiceId"] for c in children] == [older["id"], newer["id"]]
    assert parent["accountLocator"] == customer["locator"] and parent["realizedAt"] is not None

    assert client.post(f"/v1/payments/{payment['id']}/cancel", json={"issueReason": "bounced"},
                       headers=auth).status_code == 200
    reversed_ = client.get("/v1/credits", params={"paymentId": payment["id"]}, headers=auth).json()
    assert {(c["creditState"], c["reversalReason"]) for c in reversed_} == {("reversed", "bounced")}
    assert all(c["reversedAt"] is not None for c in reversed_)
    with database.session() as session:
        assert verify(session, tenant_id) == []


def test_a_write_off_settles_invoices_and_its_reversal_reopens_them(client, auth, database, tenant_id):
    customer = create_customer(client, auth)
    first = create_invoice(client, auth, customer["id"], status="POSTED", totalInMajorCurrency="40.00")
    second = create_invoice(client, auth, customer["id"], status="POSTED", totalInMajorCurrency="60.00")
    response = write_off(client, auth, {"invoiceId": first["id"]},
                         {"invoiceId": second["id"], "amountInMajorCurrency": "25.00"})
    assert response.status_code == 201, response.text
    credit = response.json()
    assert response.headers["Location"] == f"/v1/credits/{credit['id']}"
    assert (credit["creditType"], credit["creditState"]) == ("writeOff", "posted")
    assert number(credit["amountInMajorCurrency"]) == Decimal("65.00")
    assert [(t["invoiceId"], number(t["amountInMajorCurrency"])) for t in credit["targets"]] == [
        (first["id"], Decimal("40.00")), (second["id"], Decimal("25.00"))]
    assert invoice_of(client, auth, first["id"])["paymentStatus"] == "WRITTEN_OFF"
    assert invoice_of(client, auth, second["id"])["paymentStatus"] == "PARTIALLY_PAID"
    balance = client.get("/v1/customer-balances", params={"customer_id": customer["id"]}, headers=auth).json()
    assert number(balance["balance"]) == Decimal("-35.00")

    reversed_ = client.post(f"/v1/credits/{credit['id']}/reverse", json={"reason": "written off in error"},
                            headers=auth)
    assert reversed_.status_code == 200, reversed_.text
    assert (reversed_.json()["creditState"], reversed_.json()["reversalReason"]) == ("reversed",
                                                                                    "written off in error")
    assert invoice_of(client, auth, first["id"])["paymentStatus"] == "UNPAID"
    assert number(invoice_of(client, auth, second["id"])["outstandingInMajorCurrency"]) == Decimal("60.00")
    again = client.post(f"/v1/credits/{credit['id']}/reverse", json={"reason": "twice"}, headers=auth)
    assert again.status_code == 409
    with database.session() as session:
        assert verify(session, tenant_id) == []


def test_a_write_off_above_what_is_owed_names_the_target(client, auth):
    customer = create_customer(client, auth)
    invoice = create_invoice(client, auth, customer["id"], status="POSTED", totalInMajorCurrency="10.00")
    response = write_off(client, auth, {"invoiceId": invoice["id"], "amountInMajorCurrency": "10.01"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "targets[0].amountInMajorCurrency" and "10.00" in error["message"]
    other = create_invoice(client, auth, status="POSTED")
    mixed = write_off(client, auth, {"invoiceId": invoice["id"]}, {"invoiceId": other["id"]})
    assert mixed.status_code == 400 and mixed.json()["errors"][0]["field"] == "targets[1].invoiceId"
    assert write_off(client, auth).status_code == 400
    assert write_off(client, auth, {"invoiceId": 999999}).json()["errors"][0]["field"] == "targets[0].invoiceId"
    draft = create_invoice(client, auth, customer["id"])
    assert write_off(client, auth, {"invoiceId": draft["id"]}).status_code == 409
    assert invoice_of(client, auth, invoice["id"])["paymentStatus"] == "UNPAID"


def test_payment_credits_are_reversed_by_cancelling_the_payment_not_directly(client, auth):
    customer = create_customer(client, auth)
    payment = client.post("/v1/customer-payments", json={"customerId": customer["id"], "amountInMajorCurrency": 5,
                                                         "type": "CHEQUE"}, headers=auth).json()
    credit = client.get("/v1/credits", params={"paymentId": payment["id"]}, headers=auth).json()[0]
    response = client.post(f"/v1/credits/{credit['id']}/reverse", json={"reason": "no"}, headers=auth)
    assert response.status_code == 409 and "cancelling the payment" in response.json()["message"]


def test_write_offs_need_the_credits_or_admin_write_scope(client, settings, tenant_id, auth):
    invoice = create_invoice(client, auth, status="POSTED")
    body = {"targets": [{"invoiceId": invoice["id"]}]}
    reader = bearer(settings, tenant_id, scopes="credits.read credits.list")
    assert client.post("/v1/credits", json=body, headers=reader).status_code == 403
    admin = bearer(settings, tenant_id, scopes="admin.write")
    assert client.post("/v1/credits", json=body, headers=admin).status_code == 201
