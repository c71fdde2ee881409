"""/v1/customer-payments and /v1/customer-balances."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event

from tests.factories import create_customer


def post_invoice(client, auth, customer_id, total, issue_date):
    response = client.post("/v1/invoices", json={"customerId": customer_id, "issueDate": issue_date,
                                                  "totalInMajorCurrency": total, "status": "POSTED"}, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def number(value) -> Decimal:
    return Decimal(str(value))


def test_customer_payment_pays_oldest_first_across_five_invoices(client, auth):
    customer = create_customer(client, auth)
    invoices = [post_invoice(client, auth, customer["id"], "10.00", f"2026-01-0{day}") for day in (5, 4, 3, 2, 1)]
    response = client.post("/v1/customer-payments", json={
        "customerId": customer["id"], "amountInMajorCurrency": 35, "type": "CREDIT_CARD",
        "description": "phone", "reference": "T1"}, headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert number(body["resultingCustomerBalance"]) == Decimal("-15.00")
    assert body["currencyId"] == 826 and body["customerPaymentType"] == "CUSTOMER" and body["txnType"] == "PAYMENT"
    assert body["invoiceId"] == invoices[-1]["id"]  # the oldest
    owed = [number(client.get(f"/v1/invoices/{i['id']}", headers=auth).json()["outstandingInMajorCurrency"])
            for i in invoices]
    assert owed == [Decimal("10.00"), Decimal("5.00"), 0, 0, 0]


def test_overpayment_makes_a_positive_balance(client, auth):
    customer = create_customer(client, auth)
    post_invoice(client, auth, customer["id"], "10.00", "2026-01-01")
    body = client.post("/v1/customer-payments", json={"customerId": customer["id"], "amountInMajorCurrency": 25,
                                                      "type": "CHEQUE"}, headers=auth).json()
    assert number(body["resultingCustomerBalance"]) == Decimal("15.00")
    balance = client.get("/v1/customer-balances", params={"customer_id": customer["id"]}, headers=auth)
    assert balance.status_code == 200
    assert number(balance.json()["balance"]) == Decimal("15.00")
    assert number(balance.json()["totalPayments"]) == Decimal("25.00")
    assert balance.json()["paymentMethodSummary"] == {"paymentMethod": "CHEQUE", "summaryType": "SINGLE"}


def test_amount_bounds_are_enforced(client, auth):
    customer = create_customer(client, auth)
    for amount in ("0", "0.001", "10000000.00"):
        response = client.post("/v1/customer-payments", json={
            "customerId": customer["id"], "amountInMajorCurrency": amount, "type": "CHEQUE"}, headers=auth)
        assert response.status_code == 400, amount
        assert response.json()["errors"][0]["field"] == "amountInMajorCurrency"


def test_list_requires_customer_id_and_shows_the_running_balance(client, auth):
    customer = create_customer(client, auth)
    post_invoice(client, auth, customer["id"], "30.00", "2026-01-01")
    for amount in ("10.00", "5.00"):
        client.post("/v1/customer-payments", json={"customerId": customer["id"], "amountInMajorCurrency": amount,
                                                   "type": "CHEQUE"}, headers=auth)
    assert client.get("/v1/customer-payments", headers=auth).status_code == 400
    listing = client.get("/v1/customer-payments", params={"customer_id": customer["id"]}, headers=auth)
    assert listing.status_code == 200 and listing.headers["X-Total-Count"] == "2"
    assert [number(p["resultingCustomerBalance"]) for p in listing.json()] == [Decimal("-20.00"), Decimal("-15.00")]
    assert client.get("/v1/customer-payments", params={"customer_id": customer["id"], "excludeCredits": "true"},
                      headers=auth).json() == []


def test_balance_of_unknown_customer_is_404(client, auth, other_auth):
    customer = create_customer(client, auth)
    assert client.get("/v1/customer-balances", params={"customer_id": customer["id"]},
                      headers=other_auth).status_code == 404
    assert client.get("/v1/customer-balances", headers=auth).status_code == 400


@pytest.mark.parametrize("value", ["", "in:1,2", "abc", "1 OR 1=1"])
def test_list_customer_id_that_is_not_one_id_is_400(client, auth, value):
    # Found by the fuzz suite: an empty customer_id was a 500 (int('')), "in:1,2" too.
    response = client.get("/v1/customer-payments", params={"customer_id": value}, headers=auth)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "customer_id"


def _customer_with_payments_refunds_and_adjustments(client, auth, payments: int = 3) -> dict:
    customer = create_customer(client, auth)
    post_invoice(client, auth, customer["id"], "10.00", "2026-01-01")
    for n in range(payments):
        client.post("/v1/customer-payments", json={"customerId": customer["id"], "amountInMajorCurrency": f"{20 + n}",
                                                   "type": "CHEQUE"}, headers=auth)
    for amount in ("1.00", "2.50"):
        assert client.post("/v1/refunds", json={"customerId": customer["id"], "amountInMajorCurrency": amount},
                           headers=auth).status_code == 201
    for amount in ("-4.00", "6.00"):
        assert client.post("/v1/customer-balance-adjustments", json={
            "customerId": customer["id"], "amountInMajorCurrency": amount}, headers=auth).status_code == 201
    return customer


@pytest.mark.parametrize("sort", ["id", "paymentDate", "amountInMajorCurrency:desc", "paymentDate:desc,id"])
def test_pages_of_payments_refunds_and_adjustments_are_stable_and_complete(client, auth, sort):
    customer = _customer_with_payments_refunds_and_adjustments(client, auth)
    params = {"customer_id": customer["id"], "sort": sort}
    everything = client.get("/v1/customer-payments", params=params, headers=auth)
    assert everything.headers["X-Total-Count"] == "7"
    keys = [(row["txnType"], row["id"]) for row in everything.json()]
    assert len(set(keys)) == 7
    paged = []
    for page in (1, 2, 3, 4):
        answer = client.get("/v1/customer-payments", params={**params, "page": page, "pageSize": 2}, headers=auth)
        assert answer.headers["X-Total-Count"] == "7"
        paged += [(row["txnType"], row["id"]) for row in answer.json()]
    assert paged == keys
    if sort == "paymentDate":  # one day: the tie-break orders payments, then refunds, then adjustments, by id
        kinds = [kind for kind, _ in keys]
        assert kinds == ["PAYMENT"] * 3 + ["REFUND"] * 2 + ["ADJUSTMENT"] * 2
        assert keys == sorted(keys, key=lambda key: (kinds.index(key[0]), key[1]))
    if sort.startswith("amount"):
        amounts = [number(row["amountInMajorCurrency"]) for row in everything.json()]
        assert amounts == sorted(amounts, reverse=True) and amounts[-1] == Decimal("-4.00")


def test_the_list_projects_and_filters_debit_rows_like_payments(client, auth):
    customer = _customer_with_payments_refunds_and_adjustments(client, auth, payments=1)
    rows = client.get("/v1/customer-payments", params={"customer_id": customer["id"], "fields": "txnType,id",
                                                       "filter": "amountInMajorCurrency=lt:0"}, headers=auth).json()
    assert sorted(row["txnType"] for row in rows) == ["ADJUSTMENT", "REFUND", "REFUND"]
    assert all(set(row) == {"txnType", "id"} for row in rows)
    today = client.get("/v1/customer-payments", params={"customer_id": customer["id"]}, headers=auth).json()[0]
    dated = client.get("/v1/customer-payments", params={"customer_id": customer["id"],
                                                        "filter": f"paymentDate={today['paymentDate']}"}, headers=auth)
    assert dated.headers["X-Total-Count"] == "5"


def test_other_customers_and_tenants_rows_are_not_listed(client, auth, other_auth):
    mine = _customer_with_payments_refunds_and_adjustments(client, auth, payments=1)
    neighbour = _customer_with_payments_refunds_and_adjustments(client, auth, payments=1)
    listed = client.get("/v1/customer-payments", params={"customer_id": mine["id"]}, headers=auth).json()
    assert len(listed) == 5 and {row["customerId"] for row in listed} == {mine["id"]}
    assert neighbour["id"] != mine["id"]
    stranger = client.get("/v1/customer-payments", params={"customer_id": mine["id"]}, headers=other_auth)
    assert stranger.status_code == 200 and stranger.json() == [] and stranger.headers["X-Total-Count"] == "0"
    head = client.head("/v1/customer-payments", params={"customer_id": mine["id"]}, headers=other_auth)
    assert head.status_code == 404 and head.headers["X-Total-Count"] == "0"


def test_a_page_of_the_list_is_one_statement_beside_the_count_however_many_rows(client, auth, database):
    def statements_of_listing(customer_id: int) -> list[str]:
        sent: list[str] = []

        def record(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
            if any(table in statement for table in ("payments", "refunds", "journal_entries", "invoices")):
                sent.append(statement)

        event.listen(database.engine, "before_cursor_execute", record)
        try:
            answer = client.get("/v1/customer-payments", params={"customer_id": customer_id}, headers=auth)
        finally:
            event.remove(database.engine, "before_cursor_execute", record)
        assert answer.status_code == 200
        return sent

    few = _customer_with_payments_refunds_and_adjustments(client, auth, payments=1)
    many = _customer_with_payments_refunds_and_adjustments(client, auth, payments=8)
    for customer in (few, many):
        sent = statements_of_listing(customer["id"])
        assert len(sent) == 2 and all("UNION ALL" in statement for statement in sent), sent
        assert "count(" in sent[0].lower()
