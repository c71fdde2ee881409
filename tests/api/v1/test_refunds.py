"""/v1/refunds: collected money returned, never more than was collected and not yet refunded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledgerline.ledger.service import verify
from tests.factories import create_customer, create_invoice


def number(value) -> Decimal:
    return Decimal(str(value))


def pay(client, auth, customer_id: int, amount, method: str = "CHEQUE") -> dict:
    response = client.post("/v1/customer-payments", json={"customerId": customer_id, "amountInMajorCurrency": amount,
                                                          "type": method}, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def refund(client, auth, **body):
    return client.post("/v1/refunds", json={"description": "returned", **body}, headers=auth)


def invoice_of(client, auth, invoice_id: int) -> dict:
    return client.get(f"/v1/invoices/{invoice_id}", headers=auth).json()


def balance(client, auth, customer_id: int) -> Decimal:
    return number(client.get("/v1/customer-balances", params={"customer_id": customer_id}, headers=auth)
                  .json()["balance"])


def assert_books_balance(database, tenant_id) -> None:
    with database.session() as session:
        assert verify(session, tenant_id) == []


def test_a_partial_refund_reopens_the_invoice_as_part_refunded(client, auth, database, tenant_id):
    customer = create_customer(client, auth)
    invoice = create_invoice(client, auth, customer["id"], status="POSTED")
    pay(client, auth, customer["id"], "100.00")
    response = refund(client, auth, invoiceId=invoice["id"], billRunType="NORMAL", paymentMethod="BACS",
                      amountInMajorCurrency="30.00")
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"/v1/refunds/{body['id']}"
    assert (body["invoiceId"], body["customerId"], body["billRunType"]) == (invoice["id"], customer["id"], "NORMAL")
    assert (body["paymentMethod"], body["thirdPartyRefundStatus"]) == ("BACS", "MANUALLY_REFUNDED")
    assert number(body["amountInMajorCurrency"]) == Decimal("30.00") and body["number"].startswith("RFD-")
    reopened = invoice_of(client, auth, invoice["id"])
    assert reopened["paymentStatus"] == "PART_REFUNDED"
    assert number(reopened["outstandingInMajorCurrency"]) == Decimal("30.00")
    assert balance(client, auth, customer["id"]) == Decimal("-30.00")
    assert client.get(f"/v1/refunds/{body['id']}", headers=auth).json() == body
    assert_books_balance(database, tenant_id)


def test_a_full_refund_marks_the_invoice_refunded_and_a_new_payment_settles_it(client, auth, database, tenant_id):
    customer = create_customer(client, auth)
    invoice = create_invoice(client, auth, customer["id"], status="POSTED")
    pay(client, auth, customer["id"], "60.00")
    pay(client, auth, customer["id"], "40.00")
    assert refund(client, auth, invoiceId=invoice["id"], amountInMajorCurrency="100.00").status_code == 201
    assert invoice_of(client, auth, invoice["id"])["paymentStatus"] == "REFUNDED"
    assert number(invoice_of(client, auth, invoice["id"])["outstandingInMajorCurrency"]) == Decimal("100.00")
    pay(client, auth, customer["id"], "100.00")
    assert invoice_of(client, auth, invoice["id"])["paymentStatus"] == "PAID"
    assert balance(client, auth, customer["id"]) == 0
    assert_books_balance(database, tenant_id)


def test_a_refund_above_what_was_collected_names_the_limit(client, auth, database, tenant_id):
    customer = create_customer(client, auth)
    invoice = create_invoice(client, auth, customer["id"], status="POSTED")
    pay(client, auth, customer["id"], "25.00")
    assert refund(client, auth, invoiceId=invoice["id"], amountInMajorCurrency="10.00").status_code == 201
    response = refund(client, auth, invoiceId=invoice["id"], amountInMajorCurrency="15.01")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "amountInMajorCurrency" and "15.00" in error["message"]
    assert refund(client, auth, invoiceId=invoice["id"], amountInMajorCurrency="15.00").status_code == 201
    assert refund(client, auth, invoiceId=invoice["id"], amountInMajorCurrency="0.01").status_code == 400
    assert len(client.get("/v1/refunds", params={"invoiceId": invoice["id"]}, headers=auth).json()) == 2
    assert_books_balance(database, tenant_id)


def test_customer_credit_is_refunded_from_overpayments_only(client, auth, database, tenant_id):
    customer = create_customer(client, auth)
    create_invoice(client, auth, customer["id"], status="POSTED", totalInMajorCurrency="20.00")
    pay(client, auth, customer["id"], "50.00")  # 30.00 of credit
    client.post("/v1/customer-balance-adjustments", json={"customerId": customer["id"], "amountInMajorCurrency": 5},
                headers=auth)  # goodwill credit: not collected money
    too_much = refund(client, auth, customerId=customer["id"], amountInMajorCurrency="30.01")
    assert too_much.status_code == 400 and "30.00" in too_much.json()["errors"][0]["message"]
    response = refund(client, auth, customerId=customer["id"], amountInMajorCurrency="30.00")
    assert response.status_code == 201, response.text
    assert response.json()["invoiceId"] is None and response.json()["paymentMethod"] == "CHEQUE"
    assert balance(client, auth, customer["id"]) == Decimal("5.00")
    assert refund(client, auth, customerId=customer["id"], amountInMajorCurrency="0.01").status_code == 400
    assert_books_balance(database, tenant_id)


def test_the_method_defaults_to_the_last_successful_payments(client, auth):
    customer = create_customer(client, auth)
    invoice = create_invoice(client, auth, customer["id"], status="POSTED")
    pay(client, auth, customer["id"], "50.00", method="CHEQUE")
    pay(client, auth, customer["id"], "50.00", method="CREDIT_CARD")
    body = refund(client, auth, invoiceId=invoice["id"], amountInMajorCurrency="5.00").json()
    assert body["paymentMethod"] == "CREDIT_CARD"
    named = refund(client, auth, invoiceId=invoice["id"], amountInMajorCurrency="5.00", paymentMethod="BACS").json()
    assert named["paymentMethod"] == "BACS"


def test_money_a_provider_collected_goes_back_by_the_last_payments_method(client, auth):
    customer = create_customer(client, auth)
    invoice = create_invoice(client, auth, customer["id"], status="POSTED")
    collected = client.post("/v1/invoice-payments", json={
        "generatedInvoiceId": invoice["id"], "amountInMajorCurrency": "100.00", "paymentMethod": "GO_CARDLESS",
        "thirdPartyPaymentStatus": "PAID_OUT"}, headers=auth)
    assert collected.status_code == 201, collected.text
    body = refund(client, auth, invoiceId=invoice["id"], amountInMajorCurrency="10.00", paymentMethod="CHEQUE").json()
    assert body["paymentMethod"] == "GO_CARDLESS"


def test_a_cancelled_payment_leaves_nothing_to_refund_and_a_refunded_payment_cannot_be_cancelled(client, auth):
    customer = create_customer(client, auth)
    invoice = create_invoice(client, auth, customer["id"], status="POSTED")
    first = pay(client, auth, customer["id"], "100.00")
    assert client.post(f"/v1/payments/{first['id']}/cancel", json={}, headers=auth).status_code == 200
    after_cancel = refund(client, auth, invoiceId=invoice["id"], amountInMajorCurrency="1.00")
    assert after_cancel.status_code == 400 and "0.00" in after_cancel.json()["errors"][0]["message"]
    second = pay(client, auth, customer["id"], "100.00")
    assert refund(client, auth, invoiceId=invoice["id"], amountInMajorCurrency="1.00").status_code == 201
    cancel = client.post(f"/v1/payments/{second['id']}/cancel", json={}, headers=auth)
    assert cancel.status_code == 409 and "refunded" in cancel.json()["message"]


@pytest.mark.parametrize(("body", "field"), [
    ({"amountInMajorCurrency": "1.00"}, "invoiceId"),
    ({"invoiceId": 999999, "amountInMajorCurrency": "1.00"}, "invoiceId"),
    ({"customerId": 999999, "amountInMajorCurrency": "1.00"}, "customerId"),
    ({"customerId": 1, "amountInMajorCurrency": "0.00"}, "amountInMajorCurrency"),
    ({"customerId": 1, "amountInMajorCurrency": "100000.01"}, "amountInMajorCurrency"),
    ({"customerId": 1, "amountInMajorCurrency": "1.001"}, "amountInMajorCurrency"),
    ({"customerId": 1, "amountInMajorCurrency": "1.00", "paymentMethod": "GOLD"}, "paymentMethod"),
    ({"customerId": 1, "amountInMajorCurrency": "1.00", "description": "x" * 256}, "description"),
])
def test_bad_refunds_are_400_naming_the_field(client, auth, body, field):
    customer = create_customer(client, auth)
    pay(client, auth, customer["id"], "10.00")
    if body.get("customerId") == 1:
        body = {**body, "customerId": customer["id"]}
    response = client.post("/v1/refunds", json=body, headers=auth)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == field


def test_the_bill_run_type_must_match_the_invoices(client, auth):
    customer = create_customer(client, auth)
    invoice = create_invoice(client, auth, customer["id"], status="POSTED")
    pay(client, auth, customer["id"], "100.00")
    response = refund(client, auth, invoiceId=invoice["id"], billRunType="ADHOC", amountInMajorCurrency="1.00")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "billRunType"


def test_refunds_are_listed_with_filters_and_kept_per_tenant(client, auth, other_auth):
    customer = create_customer(client, auth)
    invoice = create_invoice(client, auth, customer["id"], status="POSTED")
    pay(client, auth, customer["id"], "150.00")
    on_invoice = refund(client, auth, invoiceId=invoice["id"], amountInMajorCurrency="10.00").json()
    on_credit = refund(client, auth, customerId=customer["id"], amountInMajorCurrency="20.00").json()
    listed = client.get("/v1/refunds", params={"customerId": customer["id"], "sort": "id"}, headers=auth)
    assert [row["id"] for row in listed.json()] == [on_invoice["id"], on_credit["id"]]
    assert listed.headers["X-Total-Count"] == "2"
    assert [r["id"] for r in client.get("/v1/refunds", params={"billRunType": "NORMAL"}, headers=auth).json()] == [
        on_invoice["id"]]
    assert client.head("/v1/refunds", params={"invoiceId": invoice["id"]}, headers=auth).status_code == 200
    assert client.get(f"/v1/refunds/{on_invoice['id']}", headers=other_auth).status_code == 404
    assert client.get("/v1/refunds", headers=other_auth).json() == []
    assert client.get("/v1/refunds/999999", headers=auth).status_code == 404


def test_refunds_need_their_scopes(client, settings, tenant_id):
    from tests.conftest import bearer
    reader = bearer(settings, tenant_id, scopes="refunds.read refunds.list")
    assert client.get("/v1/refunds", headers=reader).status_code == 200
    response = client.post("/v1/refunds", json={"customerId": 1, "amountInMajorCurrency": "1.00"}, headers=reader)
    assert response.status_code == 403


def test_a_refund_is_idempotent(client, auth):
    customer = create_customer(client, auth)
    pay(client, auth, customer["id"], "10.00")
    headers = {**auth, "Idempotency-Key": "refund-1"}
    body = {"customerId": customer["id"], "amountInMajorCurrency": "4.00"}
    first = client.post("/v1/refunds", json=body, headers=headers)
    again = client.post("/v1/refunds", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert len(client.get("/v1/refunds", params={"customerId": customer["id"]}, headers=auth).json()) == 1
