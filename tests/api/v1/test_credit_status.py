from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import update

from ledgerline.models import Customer
from tests.conftest import bearer
from tests.factories import create_bill_run, create_customer, create_invoice


def give_credit(session, customer_id: int, credit_minor: int) -> None:
    """Stand-in for an unallocated payment: the customer's credit."""
    session.execute(update(Customer).where(Customer.id == customer_id).values(credit_minor=credit_minor))
    session.flush()


@pytest.fixture
def ledger(client, auth, session):
    """Six customers whose credit status is known (amounts in major units)."""
    run = create_bill_run(client, auth)
    a = create_customer(client, auth, creditThreshold="100.00")  # 60 owed of 100: 60%
    create_invoice(client, auth, a["id"], totalInMajorCurrency="60.00", status="POSTED")
    create_invoice(client, auth, a["id"], totalInMajorCurrency="7.00", billRunId=run["id"])
    b = create_customer(client, auth, creditThreshold="0")  # no threshold: percentage 0
    create_invoice(client, auth, b["id"], totalInMajorCurrency="25.00", status="POSTED")
    c = create_customer(client, auth, creditThreshold="200.00")  # only drafts, in an open run
    create_invoice(client, auth, c["id"], totalInMajorCurrency="30.00", billRunId=run["id"])
    create_invoice(client, auth, c["id"], totalInMajorCurrency="20.00", billRunId=run["id"])
    create_invoice(client, auth, c["id"], totalInMajorCurrency="5.00")  # draft outside any run
    d = create_customer(client, auth, creditThreshold="300.00")  # 100 of 300: 33.333...%
    create_invoice(client, auth, d["id"], totalInMajorCurrency="100.00", status="POSTED")
    e = create_customer(client, auth, creditThreshold="100.00")  # 50 credit against 20 owed: -30%
    create_invoice(client, auth, e["id"], totalInMajorCurrency="20.00", status="POSTED")
    cancelled = create_invoice(client, auth, e["id"], totalInMajorCurrency="999.00", status="POSTED")
    client.post(f"/v1/invoices/{cancelled['id']}/cancel", headers=auth)
    give_credit(session, e["id"], 5000)
    y = create_customer(client, auth, currency="JPY", creditThreshold="1000")  # 250 of 1000 yen: 25%
    create_invoice(client, auth, y["id"], totalInMajorCurrency="250", status="POSTED")
    return {"a": a["id"], "b": b["id"], "c": c["id"], "d": d["id"], "e": e["id"], "y": y["id"]}


def rows(client, auth, **params):
    response = client.get("/v1/customer-credit-status", params=params, headers=auth)
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


def ids(client, auth, **params):
    return [row["customerId"] for row in rows(client, auth, **params)]


def by_customer(client, auth):
    return {row["customerId"]: row for row in rows(client, auth)}


def test_credit_status_numbers(client, auth, ledger):
    status = by_customer(client, auth)
    assert status[ledger["a"]] == {"customerId": ledger["a"], "id": ledger["a"], "name": "Acme Ltd",
                                   "creditThreshold": 100, "billAmount": 60,
                                   "valueDifference": 40, "percentageDifference": 60,
                                   "openBillRunValue": 7}
    assert status[ledger["b"]]["percentageDifference"] == 0
    assert status[ledger["b"]]["valueDifference"] == -25
    assert status[ledger["c"]]["billAmount"] == 0
    assert status[ledger["c"]]["percentageDifference"] == 0
    assert status[ledger["c"]]["openBillRunValue"] == 50
    assert status[ledger["d"]]["percentageDifference"] == Decimal("33.33")
    assert status[ledger["e"]]["billAmount"] == -30
    assert status[ledger["e"]]["valueDifference"] == 130
    assert status[ledger["e"]]["percentageDifference"] == -30
    assert status[ledger["y"]]["percentageDifference"] == 25
    assert status[ledger["y"]]["valueDifference"] == 750


def test_amounts_are_exact_decimals_in_the_customers_currency(client, auth, ledger):
    text = client.get("/v1/customer-credit-status", params={"customerId": ledger["a"]}, headers=auth).text
    assert text == ('[{"customerId":%d,"id":%d,"name":"Acme Ltd","creditThreshold":100.00,"billAmount":60.00,"valueDifference":40.00,'
                    '"percentageDifference":60.00,"openBillRunValue":7.00}]' % (ledger["a"], ledger["a"]))
    yen = client.get("/v1/customer-credit-status", params={"customerId": ledger["y"]}, headers=auth).text
    assert '"creditThreshold":1000,' in yen and '"billAmount":250,' in yen


def test_closing_the_run_moves_its_value_into_the_bill_amount(client, auth, ledger):
    run_id = client.get("/v1/bill-runs", headers=auth).json()[0]["id"]
    client.post(f"/v1/bill-runs/{run_id}/close", headers=auth)
    status = by_customer(client, auth)[ledger["c"]]
    assert (status["billAmount"], status["openBillRunValue"], status["percentageDifference"]) == (50, 0, 25)


def test_filter_by_customer_id(client, auth, ledger):
    assert ids(client, auth, customerId=ledger["d"]) == [ledger["d"]]
    assert ids(client, auth, customerId=f"in:{ledger['e']},{ledger['a']}") == [ledger["a"], ledger["e"]]
    assert ids(client, auth, customerId="123456789") == []
    assert client.get("/v1/customer-credit-status", params={"customerId": "abc"}, headers=auth).status_code == 400


@pytest.mark.parametrize(("value", "expected"), [
    ("60", ["a"]),
    ("60.00", ["a"]),
    ("80", []),
    ("-30", ["e"]),
    ("0", ["b", "c"]),
    ("33.33", ["d"]),  # the ratio is 33.333...; filters compare the value as displayed
    ("33.3", []),
    ("33.333", []),
    ("in:60,25", ["a", "y"]),
    ("in:60, 0", ["a", "b", "c"]),
    ("lt:25", ["b", "c", "e"]),
    ("lt:33.34", ["b", "c", "d", "e", "y"]),
    ("gt:33.33", ["a"]),
    ("gt:33.329", ["a", "d"]),
    ("gt:-100", ["a", "b", "c", "d", "e", "y"]),
    ("like:33.3", ["d"]),
    ("like:-30.00", ["e"]),
    ("like:0.00", ["a", "b", "c", "e"]),
    ("like:5", ["y"]),
    ("xyz", []),  # seed 000's StringFilterParam forms are strings: no error, no match
    ("in:x,y", []),
    ("like:xyz", []),
    ("1e20", []),
])
def test_filter_by_percentage_difference(client, auth, ledger, value, expected):
    assert ids(client, auth, percentageDifference=value) == [ledger[name] for name in expected]


def test_percentage_filter_and_customer_filter_combine(client, auth, ledger):
    assert ids(client, auth, percentageDifference="gt:0", customerId=f"in:{ledger['a']},{ledger['c']}") \
        == [ledger["a"]]


@pytest.mark.parametrize("value", ["lt:", "in:", "lt:abc", "gt:NaN", "gt:1e20", ""])
def test_malformed_percentage_filter_is_400(client, auth, value):
    response = client.get("/v1/customer-credit-status", params={"percentageDifference": value}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "percentageDifference"


def test_sort_by_percentage_puts_customers_without_a_threshold_at_zero(client, auth, ledger):
    ascending = ids(client, auth, sort="percentageDifference")
    assert ascending == [ledger[name] for name in ("e", "b", "c", "y", "d", "a")]
    descending = ids(client, auth, sort="percentageDifference:desc")
    assert descending == [ledger[name] for name in ("a", "d", "y", "b", "c", "e")]


def test_sort_by_amounts_groups_by_currency(client, auth, ledger):
    assert ids(client, auth, sort="billAmount") == [ledger[n] for n in ("e", "c", "b", "a", "d", "y")]
    assert ids(client, auth, sort="billAmount:desc") == [ledger[n] for n in ("y", "d", "a", "b", "c", "e")]
    assert ids(client, auth, sort="valueDifference") == [ledger[n] for n in ("b", "a", "e", "c", "d", "y")]
    assert ids(client, auth, sort="openBillRunValue:desc,customerId:desc") \
        == [ledger[n] for n in ("y", "c", "a", "e", "d", "b")]
    assert ids(client, auth, sort="creditThreshold,customerId") == [ledger[n] for n in ("b", "a", "e", "c", "d", "y")]
    assert ids(client, auth, sort="customerId:desc") == [ledger[n] for n in ("y", "e", "d", "c", "b", "a")]


def test_unknown_sort_or_field_is_400(client, auth):
    for params in ({"sort": "nope"}, {"sort": "billAmount:up"}, {"fields": "customerId,nope"}):
        response = client.get("/v1/customer-credit-status", params=params, headers=auth)
        assert response.status_code == 400, params


def test_fields_projection(client, auth, ledger):
    assert rows(client, auth, fields="customerId,percentageDifference", customerId=ledger["a"]) \
        == [{"customerId": ledger["a"], "percentageDifference": 60}]


def test_paging(client, auth, ledger):
    response = client.get("/v1/customer-credit-status", params={"page": 2, "pageSize": 4}, headers=auth)
    assert [row["customerId"] for row in response.json()] == [ledger["e"], ledger["y"]]
    assert response.headers["X-Total-Count"] == "6"
    assert 'rel="prev"' in response.headers["Link"]
    sorted_page = client.get("/v1/customer-credit-status", params={"page": 2, "pageSize": 2,
                                                                   "sort": "percentageDifference:desc"},
                             headers=auth)
    assert [row["customerId"] for row in sorted_page.json()] == [ledger["y"], ledger["b"]]
    assert client.get("/v1/customer-credit-status", params={"pageSize": 1001}, headers=auth).status_code == 400


def test_head_answers_200_with_count_or_404(client, auth, ledger):
    found = client.head("/v1/customer-credit-status", params={"percentageDifference": "gt:50"}, headers=auth)
    assert found.status_code == 200
    assert found.headers["X-Total-Count"] == "1"
    assert client.head("/v1/customer-credit-status", headers=auth).headers["X-Total-Count"] == "6"
    missing = client.head("/v1/customer-credit-status", params={"percentageDifference": "gt:500"}, headers=auth)
    assert missing.status_code == 404


def test_needs_the_customers_list_scope(client, settings, tenant_id):
    assert client.get("/v1/customer-credit-status", headers=bearer(settings, tenant_id, "invoices.*")) \
        .status_code == 403
    assert client.get("/v1/customer-credit-status", headers=bearer(settings, tenant_id, "customers.list")) \
        .status_code == 200


def test_other_tenant_never_sees_these_customers(client, auth, other_auth, ledger):
    assert rows(client, other_auth) == []
    assert rows(client, other_auth, customerId=ledger["a"]) == []
    assert client.head("/v1/customer-credit-status", headers=other_auth).status_code == 404
    mine = create_customer(client, other_auth, creditThreshold="10")
    assert ids(client, other_auth, sort="percentageDifference") == [mine["id"]]
