"""Seed 002's credits surface under /billing/{tenantLocator}: shapes, paging, permissions, errors."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from ledgerline.invoices.service import create_invoice as create_invoice_in
from ledgerline.models.enums import BillRunType, InvoiceStatus
from tests.conftest import bearer
from tests.factories import create_customer, create_invoice

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CREDIT_TYPES = {"creditDistribution", "disbursement", "payment", "subpayment", "shortfallWriteOff", "writeOff"}
CREDIT_STATES = {"discarded", "draft", "posted", "reversed", "validated", "executed", "distributed", "approved",
                 "rejected", "requested", "executing", "failed", "cancelled"}


def is_datetime(value) -> bool:
    return isinstance(value, str) and dt.datetime.fromisoformat(value).tzinfo is not None


def assert_credit_response(item: dict) -> None:
    """CreditResponse: the required properties with their documented types."""
    assert ULID.match(item["locator"]) and isinstance(item["currency"], str)
    assert item["creditState"] in CREDIT_STATES and item["creditType"] in CREDIT_TYPES
    assert isinstance(item["amount"], (int, float)) and not isinstance(item["amount"], bool)
    assert is_datetime(item["createdAt"])
    assert item.get("accountLocator") is None or ULID.match(item["accountLocator"])
    for optional in ("realizedAt", "reversedAt"):
        assert item.get(optional) is None or is_datetime(item[optional])
    assert item.get("reversalReason") is None or isinstance(item["reversalReason"], str)


def assert_shortfall_response(item: dict) -> None:
    for name in ("locator", "accountLocator", "parentCreditLocator"):
        assert ULID.match(item[name]), name
    assert isinstance(item["currency"], str) and item["shortfallCreditState"] in {"draft", "distributed", "reversed"}
    assert isinstance(item["amount"], (int, float)) and item["creditType"] == "shortfallWriteOff"
    assert is_datetime(item["createdAt"]) and UUID.match(item["createdBy"])
    assert isinstance(item["targets"], list) and item["targets"]
    for target in item["targets"]:
        assert ULID.match(target["invoiceLocator"]) and isinstance(target["amount"], (int, float))


@pytest.fixture
def base(tenant_id) -> str:
    return f"/billing/{tenant_id}"


@pytest.fixture
def shortfall(client, auth, tenant_id) -> dict:
    """A customer whose 99.50 payment settled a 100.00 invoice with a 0.50 shortfall write-off."""
    assert client.put("/v1/shortfall-tolerances/GBP", json={"amountInMajorCurrency": "1.00"}, headers=auth).status_code == 200
    customer = create_customer(client, auth)
    invoice = create_invoice(client, auth, customer["id"], status="POSTED")
    response = client.post("/v1/invoice-payments", json={
        "generatedInvoiceId": invoice["id"], "amountInMajorCurrency": "99.50", "paymentMethod": "CHEQUE"},
        headers=auth)
    assert response.status_code == 201, response.text
    return {"customer": customer, "invoice": invoice, "payment": response.json()}


def test_credits_list_has_the_documented_shape(client, auth, base, shortfall):
    response = client.get(f"{base}/credits/list", headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"listCompleted", "items"} and body["listCompleted"] is True
    assert [item["creditType"] for item in body["items"]] == ["payment", "subpayment", "shortfallWriteOff"]
    for item in body["items"]:
        assert_credit_response(item)
        assert "targets" not in item and item["accountLocator"] == shortfall["customer"]["locator"]
    assert [Decimal(str(item["amount"])) for item in body["items"]] == [Decimal("99.5"), Decimal("99.5"),
                                                                         Decimal("0.5")]
    extended = client.get(f"{base}/credits/list", params={"extended": "true"}, headers=auth).json()["items"]
    payment, subpayment, write_off = extended
    assert subpayment["parentCreditLocator"] == write_off["parentCreditLocator"] == payment["locator"]
    assert subpayment["targets"] == [{"invoiceLocator": shortfall["invoice"]["locator"], "amount": 99.5}]
    assert UUID.match(payment["createdBy"])


def test_shortfall_credits_can_be_fetched_one_and_many(client, auth, base, shortfall):
    listed = client.get(f"{base}/shortfallCredits/list", headers=auth).json()
    assert listed["listCompleted"] is True and len(listed["items"]) == 1
    item = listed["items"][0]
    assert_shortfall_response(item)
    assert item["shortfallCreditState"] == "distributed" and item["amount"] == 0.5
    assert item["targets"] == [{"invoiceLocator": shortfall["invoice"]["locator"], "amount": 0.5}]
    one = client.get(f"{base}/shortfallCredits/{item['locator']}", headers=auth)
    assert one.status_code == 200 and one.json() == item
    by_account = client.get(f"{base}/shortfallCredits/list",
                            params={"accountLocator": shortfall["customer"]["locator"]}, headers=auth).json()
    assert by_account["items"] == [item]
    payment_credit = client.get(f"{base}/credits/list", headers=auth).json()["items"][0]
    assert client.get(f"{base}/shortfallCredits/{payment_credit['locator']}", headers=auth).status_code == 404


def test_an_invoices_credits_hide_reversed_ones_unless_asked(client, auth, base, shortfall):
    invoice_locator = shortfall["invoice"]["locator"]
    url = f"{base}/invoices/{invoice_locator}/credits/list"
    live = client.get(url, headers=auth).json()
    assert [item["creditType"] for item in live["items"]] == ["subpayment", "shortfallWriteOff"]
    for item in live["items"]:
        assert_credit_response(item)
    cancelled = client.post(f"/v1/payments/{shortfall['payment']['customerPaymentId']}/cancel",
                            json={"issueReason": "cheque bounced"}, headers=auth)
    assert cancelled.status_code == 200, cancelled.text
    assert client.get(url, headers=auth).json() == {"listCompleted": True, "items": []}
    everything = client.get(url, params={"includeReversed": "true"}, headers=auth).json()["items"]
    assert [(item["creditState"], item["reversalReason"]) for item in everything] == [
        ("reversed", "cheque bounced"), ("reversed", "cheque bounced")]
    assert all(is_datetime(item["reversedAt"]) for item in everything)
    shortfall_credit = client.get(f"{base}/shortfallCredits/list", headers=auth).json()["items"][0]
    assert shortfall_credit["shortfallCreditState"] == "reversed"


def test_offset_and_count_walk_250_credits_exactly_once(client, auth, base, database, tenant_id):
    customer = create_customer(client, auth)
    with database.session() as session:
        for day in range(249):
            create_invoice_in(session, tenant_id=tenant_id, customer_id=customer["id"], total_minor=100,
                              issue_date=dt.date(2024, 1, 1) + dt.timedelta(days=day),
                              bill_run_type=BillRunType.NORMAL, status=InvoiceStatus.POSTED)
        session.commit()
    paid = client.post("/v1/customer-payments", json={"customerId": customer["id"], "amountInMajorCurrency": "249.00",
                                                      "type": "CHEQUE"}, headers=auth)
    assert paid.status_code == 201, paid.text
    seen: list[str] = []
    offset, pages = 0, 0
    while True:
        page = client.get(f"{base}/credits/list", params={"offset": offset, "count": 40,
                                                          "accountLocator": customer["locator"]}, headers=auth).json()
        seen += [item["locator"] for item in page["items"]]
        offset += len(page["items"])
        pages += 1
        assert page["listCompleted"] is (len(page["items"]) < 40 or offset == 250)
        if page["listCompleted"]:
            break
    assert len(seen) == len(set(seen)) == 250 and pages == 7
    exact = client.get(f"{base}/credits/list", params={"offset": 200, "count": 50}, headers=auth).json()
    assert len(exact["items"]) == 50 and exact["listCompleted"] is True
    short = client.get(f"{base}/credits/list", params={"offset": 200, "count": 49}, headers=auth).json()
    assert short["listCompleted"] is False
    default = client.get(f"{base}/credits/list", headers=auth).json()
    assert len(default["items"]) == 100 and default["listCompleted"] is False
    assert client.get(f"{base}/credits/list", params={"offset": 250}, headers=auth).json() == {
        "listCompleted": True, "items": []}


@pytest.mark.parametrize("params", [{"count": 0}, {"count": 1001}, {"offset": -1}, {"count": "many"},
                                    {"accountLocator": "not-a-ulid"}, {"extended": "perhaps"}])
def test_bad_paging_is_a_problem_400(client, auth, base, params):
    response = client.get(f"{base}/credits/list", params=params, headers=auth)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["title"] == "Bad Request" and problem["detail"]


def test_another_tenants_locator_is_404_and_permissions_are_checked(client, auth, settings, tenant_id, other_auth,
                                                                    shortfall):
    other = client.get(f"/billing/{tenant_id}/credits/list", headers=other_auth)
    assert other.status_code == 404 and other.headers["content-type"] == "application/problem+json"
    assert client.get("/billing/not-a-uuid/credits/list", headers=auth).status_code == 404
    assert client.get(f"/billing/{tenant_id}/credits/list").status_code == 401
    credits_only = bearer(settings, tenant_id, scopes="credits.list")
    assert client.get(f"/billing/{tenant_id}/credits/list", headers=credits_only).status_code == 200
    denied = client.get(f"/billing/{tenant_id}/shortfallCredits/list", headers=credits_only)
    assert denied.status_code == 403 and denied.json()["status"] == 403
    invoice_reader = bearer(settings, tenant_id, scopes="invoices.read")
    url = f"/billing/{tenant_id}/invoices/{shortfall['invoice']['locator']}/credits/list"
    assert client.get(url, headers=invoice_reader).status_code == 200
    assert client.get(url, headers=credits_only).status_code == 403
    shortfall_reader = bearer(settings, tenant_id, scopes="shortfall-credits.read")
    assert client.get(f"/billing/{tenant_id}/shortfallCredits/list", headers=shortfall_reader).status_code == 200


def test_unknown_locators_are_404(client, auth, base):
    unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    assert client.get(f"{base}/shortfallCredits/{unknown}", headers=auth).status_code == 404
    assert client.get(f"{base}/invoices/{unknown}/credits/list", headers=auth).status_code == 404
    assert client.get(f"{base}/credits/list", params={"accountLocator": unknown}, headers=auth).json() == {
        "listCompleted": True, "items": []}


def test_seed002_shortfall_credit_state_has_its_own_enum(client, auth, base, shortfall):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    state = schemas["ShortfallCreditResponse"]["properties"]["shortfallCreditState"]
    enum_schema = schemas[state["$ref"].rsplit("/", 1)[1]] if "$ref" in state else state
    assert enum_schema["enum"] == ["draft", "distributed", "reversed"]
    item = client.get(f"{base}/shortfallCredits/list", headers=auth).json()["items"][0]
    assert item["shortfallCreditState"] == "distributed"
    payment_id = shortfall["payment"]["customerPaymentId"]
    assert client.post(f"/v1/payments/{payment_id}/cancel", json={}, headers=auth).status_code == 200
    reversed_item = client.get(f"{base}/shortfallCredits/{item['locator']}", headers=auth).json()
    assert reversed_item["shortfallCreditState"] == "reversed"


def test_seed002_credits_list_says_how_to_sum_without_double_counting(client, auth, base, shortfall):
    operation = client.get("/openapi.json").json()["paths"]["/billing/{tenantLocator}/credits/list"]["get"]
    assert "never add them to their payment" in operation["description"]
    items = client.get(f"{base}/credits/list", params={"extended": "true"}, headers=auth).json()["items"]
    received = sum(Decimal(str(i["amount"])) for i in items if i["creditType"] == "payment")
    credited = sum(Decimal(str(i["amount"])) for i in items if i["creditType"] != "subpayment")
    settled = sum(Decimal(str(t["amount"])) for i in items if i["creditType"] != "payment" for t in i["targets"]
                  if t["invoiceLocator"] == shortfall["invoice"]["locator"])
    assert (received, credited, settled) == (Decimal("99.50"), Decimal("100.00"), Decimal("100.00"))
