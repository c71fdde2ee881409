"""/v1/customer-balance-adjustments: credits and debits of a customer's balance."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from ledgerline.ledger.service import verify
from tests.factories import create_customer, create_invoice


def number(value) -> Decimal:
    return Decimal(str(value))


def adjust(client, auth, customer_id: int, amount, **extra):
    return client.post("/v1/customer-balance-adjustments", json={
        "customerId": customer_id, "amountInMajorCurrency": amount, "description": "manual", **extra}, headers=auth)


def balance(client, auth, customer_id: int) -> Decimal:
    response = client.get("/v1/customer-balances", params={"customer_id": customer_id}, headers=auth)
    return number(response.json()["balance"])


def credit_status(client, auth, customer_id: int) -> dict:
    rows = client.get("/v1/customer-credit-status", params={"customerId": customer_id}, headers=auth).json()
    return rows[0]


def test_a_credit_raises_the_balance_and_is_kept_as_credit(client, auth, database, tenant_id):
    customer = create_customer(client, auth, creditThreshold="100.00")
    create_invoice(client, auth, customer["id"], totalInMajorCurrency="30.00", status="POSTED")
    response = adjust(client, auth, customer["id"], "12.50")
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"/v1/customer-balance-adjustments/{body['id']}"
    assert body["number"].startswith("ADJ-") and body["currency"] == "GBP" and body["currencyId"] == 826
    assert number(body["amountInMajorCurrency"]) == Decimal("12.50")
    assert number(body["resultingCustomerBalance"]) == Decimal("-17.50")
    assert body["invoiceId"] is None and number(body["creditUsedInMajorCurrency"]) == 0
    assert balance(client, auth, customer["id"]) == Decimal("-17.50")
    assert number(credit_status(client, auth, customer["id"])["billAmount"]) == Decimal("17.50")
    with database.session() as session:
        assert verify(session, tenant_id) == []


def test_a_debit_without_credit_becomes_a_posted_adhoc_invoice_that_payments_settle(client, auth):
    customer = create_customer(client, auth)
    body = adjust(client, auth, customer["id"], "-40.00").json()
    assert number(body["resultingCustomerBalance"]) == Decimal("-40.00")
    invoice = client.get(f"/v1/invoices/{body['invoiceId']}", headers=auth).json()
    assert (invoice["status"], invoice["billRunType"], invoice["paymentStatus"]) == ("POSTED", "ADHOC", "UNPAID")
    assert number(invoice["outstandingInMajorCurrency"]) == Decimal("40.00")
    assert number(credit_status(client, auth, customer["id"])["billAmount"]) == Decimal("40.00")
    paid = client.post("/v1/customer-payments", json={"customerId": customer["id"], "amountInMajorCurrency": 40,
                                                      "type": "CHEQUE"}, headers=auth)
    assert paid.json()["invoiceId"] == invoice["id"] and number(paid.json()["resultingCustomerBalance"]) == 0


def test_a_debit_uses_credit_first(client, auth):
    customer = create_customer(client, auth)
    client.post("/v1/customer-payments", json={"customerId": customer["id"], "amountInMajorCurrency": 15,
                                               "type": "CHEQUE"}, headers=auth)
    body = adjust(client, auth, customer["id"], "-20.00").json()
    assert number(body["creditUsedInMajorCurrency"]) == Decimal("15.00")
    invoice = client.get(f"/v1/invoices/{body['invoiceId']}", headers=auth).json()
    assert number(invoice["totalInMajorCurrency"]) == Decimal("5.00")
    assert balance(client, auth, customer["id"]) == Decimal("-5.00")
    covered = adjust(client, auth, customer["id"], "7").json()  # credit 7 again; a debit of 7 takes it all
    assert number(covered["resultingCustomerBalance"]) == Decimal("2.00")
    debit = adjust(client, auth, customer["id"], "-7").json()
    assert debit["invoiceId"] is None and number(debit["creditUsedInMajorCurrency"]) == Decimal("7.00")


@pytest.mark.parametrize(("amount", "field"), [
    ("100000.01", "amountInMajorCurrency"),
    ("-100000.01", "amountInMajorCurrency"), ("1.005", "amountInMajorCurrency"), ("ten", "amountInMajorCurrency"),
])
def test_amount_rules(client, auth, amount, field):
    customer = create_customer(client, auth)
    response = adjust(client, auth, customer["id"], amount)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == field


def test_the_limits_themselves_are_accepted_and_jpy_has_no_decimals(client, auth):
    customer = create_customer(client, auth)
    assert adjust(client, auth, customer["id"], "100000").status_code == 201
    assert adjust(client, auth, customer["id"], "-100000.00").status_code == 201
    yen = create_customer(client, auth, currency="JPY")
    assert adjust(client, auth, yen["id"], "0.5").status_code == 400
    assert number(adjust(client, auth, yen["id"], "-1500").json()["resultingCustomerBalance"]) == Decimal("-1500")


def test_unknown_customer_and_description_length(client, auth, other_auth):
    assert adjust(client, auth, 987654, "1").json()["errors"][0]["field"] == "customerId"
    customer = create_customer(client, auth)
    assert adjust(client, other_auth, customer["id"], "1").json()["errors"][0]["field"] == "customerId"
    too_long = adjust(client, auth, customer["id"], "1", description="x" * 256)
    assert too_long.status_code == 400 and too_long.json()["errors"][0]["field"] == "description"


def test_an_idempotency_key_makes_one_adjustment(client, auth):
    customer = create_customer(client, auth)
    headers = {**auth, "Idempotency-Key": str(uuid.uuid4())}
    body = {"customerId": customer["id"], "amountInMajorCurrency": "5.00"}
    first = client.post("/v1/customer-balance-adjustments", json=body, headers=headers)
    second = client.post("/v1/customer-balance-adjustments", json=body, headers=headers)
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    assert balance(client, auth, customer["id"]) == Decimal("5.00")


def test_list_filter_get_and_isolation(client, auth, other_auth):
    first, second = create_customer(client, auth), create_customer(client, auth)
    mine = adjust(client, auth, first["id"], "3").json()
    adjust(client, auth, second["id"], "-4")
    listed = client.get("/v1/customer-balance-adjustments", params={"customerId": first["id"]}, headers=auth)
    assert listed.headers["X-Total-Count"] == "1" and listed.json() == [mine]
    debits = client.get("/v1/customer-balance-adjustments", params={"amountInMajorCurrency": "lt:0"}, headers=auth)
    assert [row["customerId"] for row in debits.json()] == [second["id"]]
    assert client.get(f"/v1/customer-balance-adjustments/{mine['id']}", headers=auth).json() == mine
    assert client.get(f"/v1/customer-balance-adjustments/{mine['id']}", headers=other_auth).status_code == 404
    assert client.head("/v1/customer-balance-adjustments", params={"customerId": first["id"]},
                       headers=other_auth).status_code == 404
