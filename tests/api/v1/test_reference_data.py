"""/v1 reference data: financial transaction types and categories, rejection reasons, payment
methods and shortfall tolerances, and how payments use them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import bearer
from tests.factories import create_customer, create_invoice

KINDS = {
    "/v1/financial-transaction-types": {"name": "Card payment", "alternativeCode": "CARD", "classification": "PAYMENT"},
    "/v1/financial-transaction-categories": {"name": "Retail", "code": "RETAIL"},
    "/v1/rejection-reasons": {"name": "Card expired", "alternativeCode": "CARD_EXPIRED"},
}


def entry(client, auth, path: str, **filters) -> dict:
    rows = client.get(path, params=filters, headers=auth).json()
    assert len(rows) == 1, rows
    return rows[0]


def type_id(client, auth, code: str) -> int:
    return entry(client, auth, "/v1/financial-transaction-types", alternativeCode=code)["id"]


def new_payment(client, auth, customer_id: int, **fields):
    return client.post("/v1/payments", json={"customerId": customer_id, "amountInMajorCurrency": "10.00",
                                             "paymentMethod": "CHEQUE", **fields}, headers=auth)


def test_a_new_tenant_has_the_defaults(client, auth):
    types = client.get("/v1/financial-transaction-types", params={"pageSize": 100}, headers=auth)
    assert types.status_code == 200 and types.headers["X-Total-Count"] == "7"
    assert {row["classification"] for row in types.json()} == {
        "INVOICE", "INVOICE_CANCELLATION", "CREDIT_NOTE", "PAYMENT", "PAYMENT_CANCELLATION", "REFUND", "WRITE_OFF"}
    assert entry(client, auth, "/v1/financial-transaction-categories")["code"] == "GENERAL"
    reasons = client.get("/v1/rejection-reasons", headers=auth).json()
    assert "INSUFFICIENT_FUNDS" in {row["alternativeCode"] for row in reasons}
    methods = client.get("/v1/payment-methods", params={"pageSize": 100}, headers=auth).json()
    assert len(methods) == 17 and all(row["active"] for row in methods)
    assert entry(client, auth, "/v1/payment-methods", method="PAYPAL")["name"] == "PayPal"


@pytest.mark.parametrize("path", list(KINDS))
def test_create_get_patch_and_conflicts(client, auth, path):
    created = client.post(path, json=KINDS[path], headers=auth)
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["Location"] == f"{path}/{body['id']}" and body["active"] is True
    assert client.get(f"{path}/{body['id']}", headers=auth).json() == body
    again = client.post(path, json=KINDS[path], headers=auth)
    assert again.status_code == 409 and "is used by entry" in again.json()["message"]
    patched = client.patch(f"{path}/{body['id']}", headers={**auth, "Content-Type": "application/json-patch+json"},
                           json=[{"op": "replace", "path": "/active", "value": False},
                                 {"op": "replace", "path": "/description", "value": "No longer used"}])
    assert patched.status_code == 200, patched.text
    assert (patched.json()["active"], patched.json()["description"]) == (False, "No longer used")
    assert patched.json()["version"] == body["version"] + 1
    assert client.head(path, params={"active": "false"}, headers=auth).headers["X-Total-Count"] == "1"


@pytest.mark.parametrize(("path", "field", "value"), [
    ("/v1/financial-transaction-types", "alternativeCode", "has spaces"),
    ("/v1/financial-transaction-types", "classification", "GIFT"),
    ("/v1/financial-transaction-categories", "code", ""),
    ("/v1/rejection-reasons", "name", "x" * 101),
])
def test_invalid_entries_name_the_field(client, auth, path, field, value):
    response = client.post(path, json={**KINDS[path], field: value}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_fixed_attributes_cannot_be_patched(client, auth):
    payment_type = type_id(client, auth, "PAYMENT")
    response = client.patch(f"/v1/financial-transaction-types/{payment_type}",
                            headers={**auth, "Content-Type": "application/json-patch+json"},
                            json=[{"op": "replace", "path": "/classification", "value": "REFUND"}])
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "classification"
    method = entry(client, auth, "/v1/payment-methods", method="CHEQUE")
    response = client.patch(f"/v1/payment-methods/{method['id']}",
                            headers={**auth, "Content-Type": "application/json-patch+json"},
                            json=[{"op": "replace", "path": "/method", "value": "BACS"}])
    assert response.status_code == 400
    assert client.post("/v1/payment-methods", json={"name": "Gold"}, headers=auth).status_code == 405


def test_reading_needs_payments_read_and_writing_admin_write(client, settings, tenant_id):
    reader = bearer(settings, tenant_id, "payments.read")
    assert client.get("/v1/rejection-reasons", headers=reader).status_code == 200
    assert client.post("/v1/rejection-reasons", json=KINDS["/v1/rejection-reasons"],
                       headers=reader).status_code == 403
    assert client.get("/v1/rejection-reasons", headers=bearer(settings, tenant_id, "customers.*")).status_code == 403


def test_tenants_see_only_their_own_entries(client, auth, other_auth):
    mine = type_id(client, auth, "PAYMENT")
    assert client.get(f"/v1/financial-transaction-types/{mine}", headers=other_auth).status_code == 404
    assert type_id(client, other_auth, "PAYMENT") != mine


def test_payments_take_the_default_type_and_may_name_a_type_and_category(client, auth):
    customer = create_customer(client, auth)
    category = entry(client, auth, "/v1/financial-transaction-categories")["id"]
    plain = new_payment(client, auth, customer["id"]).json()
    assert plain["typeId"] == type_id(client, auth, "PAYMENT") and plain["categoryId"] is None
    card = client.post("/v1/financial-transaction-types", json=KINDS["/v1/financial-transaction-types"],
                       headers=auth).json()
    chosen = new_payment(client, auth, customer["id"], typeId=card["id"], categoryId=category)
    assert chosen.status_code == 201 and (chosen.json()["typeId"], chosen.json()["categoryId"]) == (card["id"], category)
    listed = client.get("/v1/payments", params={"typeId": card["id"]}, headers=auth).json()
    assert [row["id"] for row in listed] == [chosen.json()["id"]]
    assert [row["id"] for row in client.get("/v1/payments", params={"categoryId": category},
                                            headers=auth).json()] == [chosen.json()["id"]]


@pytest.mark.parametrize("problem", ["wrong classification", "unknown", "deactivated"])
def test_a_payment_refuses_an_unusable_type(client, auth, problem):
    customer = create_customer(client, auth)
    chosen = {"wrong classification": lambda: type_id(client, auth, "REFUND"), "unknown": lambda: 999999}.get(
        problem, lambda: None)()
    if problem == "deactivated":
        chosen = client.post("/v1/financial-transaction-types", json={**KINDS["/v1/financial-transaction-types"],
                                                                       "active": False}, headers=auth).json()["id"]
    response = new_payment(client, auth, customer["id"], typeId=chosen)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "typeId"


def test_an_unknown_category_is_refused(client, auth):
    customer = create_customer(client, auth)
    response = new_payment(client, auth, customer["id"], categoryId=424242)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "categoryId"


def test_back_office_codes_are_unique_per_type(client, auth):
    customer = create_customer(client, auth)
    assert new_payment(client, auth, customer["id"], backOfficeCode="BO-1").status_code == 201
    duplicate = new_payment(client, auth, customer["id"], backOfficeCode="BO-1")
    assert duplicate.status_code == 409 and "same type" in duplicate.json()["message"]
    card = client.post("/v1/financial-transaction-types", json=KINDS["/v1/financial-transaction-types"],
                       headers=auth).json()
    assert new_payment(client, auth, customer["id"], backOfficeCode="BO-1", typeId=card["id"]).status_code == 201


def test_a_deactivated_payment_method_is_refused(client, auth):
    customer = create_customer(client, auth)
    cheque = entry(client, auth, "/v1/payment-methods", method="CHEQUE")
    client.patch(f"/v1/payment-methods/{cheque['id']}", headers={**auth, "Content-Type": "application/json-patch+json"},
                 json=[{"op": "replace", "path": "/active", "value": False}])
    response = new_payment(client, auth, customer["id"])
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "paymentMethod"
    response = client.post("/v1/customer-payments", json={"customerId": customer["id"], "amountInMajorCurrency": 5,
                                                          "type": "CHEQUE"}, headers=auth)
    assert response.status_code == 400


def test_reject_with_a_reason_entry(client, auth):
    customer = create_customer(client, auth)
    reason = entry(client, auth, "/v1/rejection-reasons", alternativeCode="INSUFFICIENT_FUNDS")
    payment = new_payment(client, auth, customer["id"]).json()
    assert client.post(f"/v1/payments/{payment['id']}/reject", json={}, headers=auth).status_code == 400
    unknown = client.post(f"/v1/payments/{payment['id']}/reject", json={"rejectionReasonId": 999999}, headers=auth)
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "rejectionReasonId"
    rejected = client.post(f"/v1/payments/{payment['id']}/reject", json={"rejectionReasonId": reason["id"]},
                           headers=auth)
    assert rejected.status_code == 200, rejected.text
    body = rejected.json()
    assert (body["status"], body["rejectionReasonId"], body["rejectionReason"]) == (
        "REJECTED", reason["id"], "Insufficient funds")


def test_a_cancellation_has_the_cancellation_type_and_the_payments_category(client, auth):
    customer = create_customer(client, auth)
    category = entry(client, auth, "/v1/financial-transaction-categories")["id"]
    payment = new_payment(client, auth, customer["id"], status="POSTED", categoryId=category).json()
    cancelled = client.post(f"/v1/payments/{payment['id']}/cancel", headers=auth).json()
    assert cancelled["cancellation"]["typeId"] == type_id(client, auth, "PAYMENT_CANCELLATION")
    assert cancelled["cancellation"]["categoryId"] == category
    other = new_payment(client, auth, customer["id"], status="POSTED").json()
    wrong = client.post(f"/v1/payments/{other['id']}/cancel", json={"typeId": type_id(client, auth, "PAYMENT")},
                        headers=auth)
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "typeId"


def test_the_tenants_shortfall_tolerance_decides_write_offs(client, auth):
    customer = create_customer(client, auth)
    assert client.get("/v1/shortfall-tolerances", headers=auth).json() == []
    put = client.put("/v1/shortfall-tolerances/GBP", json={"amountInMajorCurrency": "1.00"}, headers=auth)
    assert put.status_code == 200, put.text
    assert Decimal(str(put.json()["amountInMajorCurrency"])) == Decimal("1.00")
    assert [row["currencyCode"] for row in client.get("/v1/shortfall-tolerances", headers=auth).json()] == ["GBP"]

    def pay_short(amount: str) -> Decimal:
        invoice = create_invoice(client, auth, customer["id"], totalInMajorCurrency="20.00", status="POSTED")
        new_payment(client, auth, customer["id"], status="POSTED", amountInMajorCurrency=amount,
                    invoicesToPay=[invoice["id"]])
        after = client.get(f"/v1/invoices/{invoice['id']}", headers=auth).json()
        return Decimal(str(after["outstandingInMajorCurrency"]))

    assert pay_short("19.00") == 0  # short by exactly the tolerance: written off
    assert client.delete("/v1/shortfall-tolerances/GBP", headers=auth).status_code == 204
    assert pay_short("19.00") == Decimal("1.00")  # the server default (none) applies again
    assert client.delete("/v1/shortfall-tolerances/GBP", headers=auth).status_code == 404


@pytest.mark.parametrize(("currency", "amount", "status", "field"), [
    ("GBP", "0.001", 400, "amountInMajorCurrency"), ("GBP", "-1", 400, "amountInMajorCurrency"),
    ("JPY", "0.5", 400, "amountInMajorCurrency"), ("XYZ", "1", 400, "currency_code"),  # a bad path is 400
])
def test_invalid_tolerances_are_refused(client, auth, currency, amount, status, field):
    response = client.put(f"/v1/shortfall-tolerances/{currency}", json={"amountInMajorCurrency": amount}, headers=auth)
    assert response.status_code == status
    assert response.json()["errors"][0]["field"] == field


def test_tolerances_need_admin_write(client, settings, tenant_id):
    reader = bearer(settings, tenant_id, "payments.read")
    assert client.put("/v1/shortfall-tolerances/GBP", json={"amountInMajorCurrency": 1},
                      headers=reader).status_code == 403
