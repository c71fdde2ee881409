"""One ledger: a payment made through /v1 shows on /api/v3 with the same amount, state and invoices, one
made on /api/v3 shows on /v1, and a DELETE here is a CANCELLED or REJECTED payment there."""

from __future__ import annotations

from decimal import Decimal

from tests.exsited.conftest import paid, posted_invoice
from tests.factories import create_customer


def test_a_v1_payment_appears_on_api_v3_with_the_same_amount_state_and_invoices(client, auth):
    customer = create_customer(client, auth)
    older = posted_invoice(client, auth, customer["id"], issueDate="2024-01-01", dueDate="2024-01-31")
    target = posted_invoice(client, auth, customer["id"])
    made = client.post("/v1/payments", headers=auth, json={
        "customerId": customer["id"], "amountInMajorCurrency": "120.00", "paymentMethod": "CHEQUE",
        "status": "POSTED", "invoicesToPay": [target["id"]], "notes": "by post"})
    assert made.status_code == 201, made.text
    v1 = made.json()
    shown = client.get(f"/api/v3/payments/{v1['number']}", headers=auth).json()["payment"]
    assert (shown["id"], shown["uuid"], shown["status"]) == (v1["number"], v1["uuid"], "ACTIVE")
    assert Decimal(shown["total_applied"]) == Decimal(str(v1["amountInMajorCurrency"]))
    assert shown["note"] == "by post" and shown["payment_applied"][0]["method"] == "CHEQUE"
    numbers = {target["id"]: target["number"], older["id"]: older["number"]}
    assert [(each["code"], Decimal(each["applied"])) for each in shown["invoices"]] == [
        (numbers[a["invoiceId"]], Decimal(str(a["amountInMajorCurrency"]))) for a in v1["allocations"]]
    account = client.get(f"/api/v3/accounts/{customer['number']}/payments", headers=auth).json()["account"]
    assert [each["id"] for each in account["payments"]] == [v1["number"]]


def test_an_api_v3_payment_appears_on_v1_and_its_delete_is_a_cancellation_there(client, auth):
    invoice = posted_invoice(client, auth)
    made = paid(client, auth, invoice["number"], ("Stripe", "40.00"), ("Cash", "2.50"))
    v1 = client.get("/v1/payments", params={"number": made["id"]}, headers=auth).json()
    assert len(v1) == 1 and v1[0]["uuid"] == made["uuid"] and v1[0]["status"] == "POSTED"
    assert Decimal(str(v1[0]["amountInMajorCurrency"])) == Decimal("42.50")
    assert [(t["method"], t["processor"], Decimal(str(t["amountInMajorCurrency"]))) for t in v1[0]["tenders"]] == [
        ("STRIPE", "Stripe", Decimal("40.00")), ("OTHER", "Cash", Decimal("2.50"))]
    assert [(a["invoiceId"], Decimal(str(a["amountInMajorCurrency"]))) for a in v1[0]["allocations"]] == [
        (invoice["id"], Decimal("42.50"))]
    assert client.get(f"/v1/invoices/{invoice['id']}", headers=auth).json()["outstandingInMajorCurrency"] == 57.5
    assert client.delete(f"/api/v3/payments/{made['id']}", headers=auth).status_code == 204
    after = client.get(f"/v1/payments/{v1[0]['id']}", headers=auth).json()
    assert after["status"] == "CANCELLED" and after["allocations"] == []
    assert client.get(f"/v1/invoices/{invoice['id']}", headers=auth).json()["outstandingInMajorCurrency"] == 100
