"""Seed 003 over HTTP: every field of the payment object, the envelopes, paging by links, ids by number
or uuid, create against an invoice, delete as cancel/reject, and the errors (400/401/403/404/409)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import bearer
from tests.exsited.conftest import paid, pay, posted_invoice
from tests.factories import create_customer

PAYMENT_FIELDS = {"status", "id", "date", "reconcile_status", "total_applied", "note", "payment_applied",
                  "credit_applied", "gift_certificate_applied", "invoices", "created_by", "created_on",
                  "last_updated_by", "last_updated_on", "uuid", "version", "custom_attributes", "custom_objects"}
AMOUNT = re.compile(r"^-?\d+\.\d{2}$")


def _errors(response) -> list[str]:
    body = response.json()
    assert set(body) == {"errors"} and body["errors"], body
    assert all(set(error) == {"message"} and error["message"] for error in body["errors"]), body
    return [error["message"] for error in body["errors"]]


def test_a_payment_has_every_field_of_seed_003_with_real_values(client, auth):
    invoice = posted_invoice(client, auth)
    payment = paid(client, auth, invoice["number"], ("Cash", "60.00"), ("Visa", "20.5"),
                   custom_attributes=[{"name": "channel", "value": "counter"}])
    assert set(payment) == PAYMENT_FIELDS
    assert payment["status"] == "ACTIVE"
    assert re.fullmatch(r"PAY-\d{7}", payment["id"])
    assert payment["date"] == "2026-12-01"
    assert payment["reconcile_status"] == "RECONCILED"
    assert payment["total_applied"] == "80.50"
    assert payment["note"] == "counter"
    assert payment["payment_applied"] == [
        {"amount": "60.00", "method": "OTHER", "processor": "Cash", "reference": "R0"},
        {"amount": "20.50", "method": "CREDIT_CARD", "processor": "Visa", "reference": "R1"}]
    assert payment["credit_applied"] == [] and payment["gift_certificate_applied"] == []
    assert payment["invoices"] == [{"applied": "80.50", "code": invoice["number"], "due_date": "2024-05-31",
                                    "issue_date": "2024-05-01", "outstanding": "19.50", "total": "100.00"}]
    assert payment["created_by"] == payment["last_updated_by"] == "tester"
    created = dt.datetime.fromisoformat(payment["created_on"])
    assert created.utcoffset() == dt.timedelta(0)
    assert dt.datetime.fromisoformat(payment["last_updated_on"]) >= created
    assert payment["uuid"] and payment["version"] == "1"
    assert payment["custom_attributes"] == [{"name": "channel", "value": "counter"}]
    assert payment["custom_objects"] == []
    # The same document through every read.
    assert client.get(f"/api/v3/payments/{payment['id']}", headers=auth).json() == {"payment": payment}
    assert client.get("/api/v3/payments", headers=auth).json()["payments"] == [payment]


def test_amounts_are_decimal_strings_with_the_currencys_decimals(client, auth):
    customer = create_customer(client, auth, currency="JPY", creditThreshold="0")
    invoice = posted_invoice(client, auth, customer["id"], totalInMajorCurrency="1000")
    payment = paid(client, auth, invoice["number"], ("Cash", "400"))
    assert payment["total_applied"] == "400" and payment["payment_applied"][0]["amount"] == "400"
    assert payment["invoices"][0]["outstanding"] == "600"
    refused = pay(client, auth, invoice["number"], ("Cash", "1.5"))
    assert refused.status_code == 400 and _errors(refused)[0].startswith("payment.payment_applied")
    assert "decimal places" in _errors(refused)[0]


def test_reconcile_status_follows_what_is_applied_to_invoices(client, auth):
    invoice = posted_invoice(client, auth)
    # 30.00 beyond what the customer owes is credit: only part of the payment reconciles an invoice.
    partial = paid(client, auth, invoice["number"], ("Cash", "130.00"))
    assert partial["reconcile_status"] == "PARTIALLY_RECONCILED"
    assert partial["invoices"][0]["applied"] == "100.00" and partial["invoices"][0]["outstanding"] == "0.00"
    draft = client.post("/v1/payments", json={"customerId": invoice["customerId"], "amountInMajorCurrency": "5.00",
                                              "paymentMethod": "CHEQUE"}, headers=auth).json()
    shown = client.get(f"/api/v3/payments/{draft['number']}", headers=auth).json()["payment"]
    assert (shown["status"], shown["reconcile_status"], shown["invoices"]) == ("DRAFT", "UNRECONCILED", [])


def test_the_invoice_first_then_the_oldest_open_invoice(client, auth):
    customer = create_customer(client, auth)
    older = posted_invoice(client, auth, customer["id"], issueDate="2024-01-01", dueDate="2024-01-31")
    target = posted_invoice(client, auth, customer["id"])
    payment = paid(client, auth, target["number"], ("Cheque", "150.00"))
    assert [(each["code"], each["applied"]) for each in payment["invoices"]] == [
        (target["number"], "100.00"), (older["number"], "50.00")]
    assert payment["payment_applied"][0]["method"] == "CHEQUE"


def test_ids_are_numbers_and_uuids_are_accepted_wherever_an_id_is(client, auth):
    invoice = posted_invoice(client, auth)
    payment = paid(client, auth, invoice["number"], ("Cash", "10.00"))
    account = client.get(f"/v1/customers/{invoice['customerId']}", headers=auth).json()
    assert client.get(f"/api/v3/payments/{payment['uuid']}", headers=auth).json()["payment"] == payment
    for invoice_id in (invoice["number"], invoice["uuid"]):
        for version in ("v3", "v2"):
            body = client.get(f"/api/{version}/invoices/{invoice_id}/payments", headers=auth).json()
            assert [each["id"] for each in body["invoice"]["payments"]] == [payment["id"]]
            assert body["invoice"]["pagination"]["records"] == 1
    for account_id in (account["number"], account["uuid"]):
        body = client.get(f"/api/v3/accounts/{account_id}/payments", headers=auth).json()
        assert [each["id"] for each in body["account"]["payments"]] == [payment["id"]]
    paid_by_uuid = paid(client, auth, invoice["uuid"], ("Cash", "1.00"))
    assert paid_by_uuid["invoices"][0]["code"] == invoice["number"]


def test_paging_to_the_end_by_next_page_links(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"], totalInMajorCurrency="1000.00")
    made = [paid(client, auth, invoice["number"], ("Cash", f"{n}.00"), date=f"2026-11-0{n}")["id"]
            for n in range(1, 6)]
    url, seen, pages = "/api/v3/payments?limit=2", [], []
    while url:
        body = client.get(url, headers=auth).json()
        pagination = body["pagination"]
        pages.append(pagination)
        seen += [each["id"] for each in body["payments"]]
        url = pagination["next_page"]
        if url:
            assert url.startswith("http") and parse_qs(urlsplit(url).query)["limit"] == ["2"]
    assert seen == made[::-1]  # newest first (by date)
    assert [(p["records"], p["limit"], p["offset"]) for p in pages] == [(5, 2, 0), (5, 2, 2), (5, 2, 4)]
    assert pages[0]["previous_page"] is None and pages[-1]["next_page"] is None
    assert parse_qs(urlsplit(pages[-1]["previous_page"]).query)["offset"] == ["2"]
    ascending = client.get("/api/v3/payments", params={"order_by": "date", "direction": "asc"}, headers=auth)
    assert [each["id"] for each in ascending.json()["payments"]] == made
    # Seed 003's text: order_by is the direction; the SDK sends str(SortDirection.ASC) and str(None).
    for params in ({"order_by": "asc"}, {"direction": "SortDirection.ASC"}, {"direction": "ASC"}):
        listed = client.get("/api/v3/payments", params=params, headers=auth)
        assert [each["id"] for each in listed.json()["payments"]] == made, params
    listed = client.get("/api/v3/payments", params={"direction": "None", "order_by": "total_applied"}, headers=auth)
    assert [each["total_applied"] for each in listed.json()["payments"]] == ["5.00", "4.00", "3.00", "2.00", "1.00"]
    invoice_page = client.get(f"/api/v3/invoices/{invoice['number']}/payments", params={"limit": 4, "offset": 4},
                              headers=auth).json()["invoice"]
    assert [each["id"] for each in invoice_page["payments"]] == [made[0]]
    assert invoice_page["pagination"]["next_page"] is None and invoice_page["pagination"]["previous_page"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"offset": -1}, {"order_by": "name"},
                                    {"direction": "up"}, {"limit": "x"}])
def test_bad_list_parameters_are_400_in_the_exsited_envelope(client, auth, params):
    response = client.get("/api/v3/payments", params=params, headers=auth)
    assert response.status_code == 400, response.text
    assert any(name in _errors(response)[0] for name in params)


@pytest.mark.parametrize(("tender", "field"), [
    ({"processor": "Cash", "amount": "-1"}, "payment.payment_applied.0.amount"),
    ({"processor": "Cash", "amount": "1.001"}, "payment.payment_applied"),
    ({"processor": "Cash", "amount": "1", "method": "BARTER"}, "payment.payment_applied.0.method"),
    ({"processor": "", "amount": "1"}, "payment.payment_applied.0.processor"),
    ({"processor": "Cash", "amount": "1", "colour": "red"}, "payment.payment_applied.0.colour"),
])
def test_a_bad_tender_is_400_naming_it_and_writes_nothing(client, auth, tender, field):
    invoice = posted_invoice(client, auth)
    response = client.post(f"/api/v3/invoices/{invoice['number']}/payments",
                           json={"payment": {"payment_applied": [tender]}}, headers=auth)
    assert response.status_code == 400, response.text
    assert _errors(response)[0].startswith(field), response.text
    assert client.get("/api/v3/payments", headers=auth).json()["pagination"]["records"] == 0


def test_malformed_json_and_no_payment_are_400(client, auth):
    invoice = posted_invoice(client, auth)
    url = f"/api/v3/invoices/{invoice['number']}/payments"
    malformed = client.post(url, content=b"{", headers={**auth, "Content-Type": "application/json"})
    assert malformed.status_code == 400 and _errors(malformed)
    empty = client.post(url, json={"payment": {}}, headers=auth)
    assert empty.status_code == 400 and "payment.payment_applied" in _errors(empty)[0]


def test_unknown_ids_are_404(client, auth):
    for url in ("/api/v3/payments/PAY-9999999", "/api/v3/payments/4f0c8a52-3c1e-4d7a-9b2f-6e5d4c3b2a19",
                "/api/v3/invoices/INV-9999999/payments", "/api/v2/invoices/INV-9999999/payments",
                "/api/v3/accounts/CUS-9999999/payments", "/api/v3/nothing-here"):
        response = client.get(url, headers=auth)
        assert response.status_code == 404, url
        assert _errors(response)
    assert pay(client, auth, "INV-9999999", ("Cash", "1.00")).status_code == 404
    assert client.delete("/api/v3/payments/PAY-9999999", headers=auth).status_code == 404


def test_another_tenants_payment_does_not_exist(client, auth, other_auth):
    invoice = posted_invoice(client, auth)
    payment = paid(client, auth, invoice["number"], ("Cash", "10.00"))
    assert client.get(f"/api/v3/payments/{payment['id']}", headers=other_auth).status_code == 404
    assert client.get("/api/v3/payments", headers=other_auth).json()["payments"] == []
    assert pay(client, other_auth, invoice["number"], ("Cash", "1.00")).status_code == 404
    assert client.delete(f"/api/v3/payments/{payment['id']}", headers=other_auth).status_code == 404


def test_no_token_is_401_and_a_missing_scope_403(client, auth, settings, tenant_id):
    invoice = posted_invoice(client, auth)
    missing = client.get("/api/v3/payments")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert _errors(missing)
    reader = bearer(settings, tenant_id, scopes="payments.read payments.list")
    assert client.get("/api/v3/payments", headers=reader).status_code == 200
    refused = pay(client, reader, invoice["number"], ("Cash", "1.00"))
    assert refused.status_code == 403 and "payments.write" in _errors(refused)[0]
    assert client.delete("/api/v3/payments/PAY-0000001", headers=reader).status_code == 403


def test_paying_an_invoice_that_owes_nothing_is_409(client, auth):
    invoice = posted_invoice(client, auth)
    paid(client, auth, invoice["number"], ("Cash", "100.00"))
    again = pay(client, auth, invoice["number"], ("Cash", "1.00"))
    assert again.status_code == 409 and _errors(again)


def test_idempotency_key_replays_the_first_answer(client, auth):
    invoice = posted_invoice(client, auth)
    first = pay(client, auth, invoice["number"], ("Cash", "10.00"), headers={"Idempotency-Key": "k-1"})
    again = pay(client, auth, invoice["number"], ("Cash", "10.00"), headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert again.headers["Location"] == f"/api/v3/payments/{first.json()['payment']['id']}"
    other = pay(client, auth, invoice["number"], ("Cash", "11.00"), headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 400 and "Idempotency-Key" in _errors(other)[0]
    assert client.get("/api/v3/payments", headers=auth).json()["pagination"]["records"] == 1


def test_delete_cancels_a_posted_payment_which_then_is_404_here(client, auth):
    invoice = posted_invoice(client, auth)
    keep = paid(client, auth, invoice["number"], ("Cash", "10.00"))
    gone = paid(client, auth, invoice["number"], ("Cash", "30.00"))
    deleted = client.delete(f"/api/v3/payments/{gone['id']}", headers=auth)
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get(f"/api/v3/payments/{gone['id']}", headers=auth).status_code == 404
    assert client.delete(f"/api/v3/payments/{gone['uuid']}", headers=auth).status_code == 404
    assert [each["id"] for each in client.get("/api/v3/payments", headers=auth).json()["payments"]] == [keep["id"]]
    listed = client.get(f"/api/v3/invoices/{invoice['number']}/payments", headers=auth).json()["invoice"]
    assert [each["id"] for each in listed["payments"]] == [keep["id"]]
    assert listed["payments"][0]["invoices"][0]["outstanding"] == "90.00"  # the cancelled 30.00 owed again
    v1 = client.get("/v1/payments", params={"number": gone["id"]}, headers=auth).json()[0]
    assert v1["status"] == "CANCELLED" and v1["cancellation"]["number"].startswith("PCN-")


def test_delete_rejects_a_draft_and_the_v2_path_serves_the_same_handler(client, auth):
    customer = create_customer(client, auth)
    draft = client.post("/v1/payments", json={"customerId": customer["id"], "amountInMajorCurrency": "5.00",
                                              "paymentMethod": "CHEQUE"}, headers=auth).json()
    assert client.delete(f"/api/v2/payments/{draft['number']}", headers=auth).status_code == 204
    v1 = client.get(f"/v1/payments/{draft['id']}", headers=auth).json()
    assert v1["status"] == "REJECTED" and v1["rejectionReason"]
    assert client.get(f"/api/v3/accounts/{customer['number']}/payments", headers=auth).json()["account"] == {
        "payments": [], "pagination": {"records": 0, "limit": 20, "offset": 0, "previous_page": None,
                                       "next_page": None}}


def test_credit_applied_spends_the_accounts_credit(client, auth):
    customer = create_customer(client, auth)
    first = posted_invoice(client, auth, customer["id"])
    paid(client, auth, first["number"], ("Cash", "130.00"))  # 30.00 of credit
    second = posted_invoice(client, auth, customer["id"])
    payment = paid(client, auth, second["number"], ("Cash", "70.00"),
                   credit_applied=[{"amount": "30.00"}])
    assert payment["total_applied"] == "100.00" and payment["reconcile_status"] == "RECONCILED"
    assert [each["amount"] for each in payment["credit_applied"]] == ["30.00"]
    assert payment["invoices"][0]["outstanding"] == "0.00"


def test_credit_applied_beyond_the_available_credit_is_400_naming_it(client, auth):
    invoice = posted_invoice(client, auth)
    refused = pay(client, auth, invoice["number"], ("Cash", "10.00"), credit_applied=[{"amount": "5.00"}])
    assert refused.status_code == 400 and "payment.credit_applied" in _errors(refused)[0]
    assert "not supported" not in _errors(refused)[0]


def test_a_cancelled_payment_restores_the_credit_it_spent(client, auth):
    customer = create_customer(client, auth)
    first = posted_invoice(client, auth, customer["id"])
    paid(client, auth, first["number"], ("Cash", "130.00"))
    second = posted_invoice(client, auth, customer["id"])
    payment = paid(client, auth, second["number"], ("Cash", "70.00"), credit_applied=[{"amount": "30.00"}])
    assert client.delete(f"/api/v3/payments/{payment['id']}", headers=auth).status_code == 204
    again = paid(client, auth, second["number"], ("Cash", "70.00"), credit_applied=[{"amount": "30.00"}])
    assert again["credit_applied"][0]["amount"] == "30.00"
