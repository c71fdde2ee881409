"""/v1/payments over HTTP: life cycle, allocation, cancellation, pay-invoice/bill, idempotency."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import create_customer


def invoice(client, auth, customer_id, total, issue_date="2026-01-01", **extra):
    response = client.post("/v1/invoices", json={"customerId": customer_id, "issueDate": issue_date,
                                                  "totalInMajorCurrency": total, "status": "POSTED", **extra},
                           headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def payment(client, auth, customer_id, amount, status="POSTED", **extra):
    response = client.post("/v1/payments", json={"customerId": customer_id, "amountInMajorCurrency": amount,
                                                  "paymentMethod": "CHEQUE", "status": status, **extra},
                           headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def outstanding(client, auth, invoice_id) -> Decimal:
    return Decimal(str(client.get(f"/v1/invoices/{invoice_id}", headers=auth).json()["outstandingInMajorCurrency"]))


def test_posted_payment_answers_its_allocations_oldest_first(client, auth):
    customer = create_customer(client, auth)
    newer = invoice(client, auth, customer["id"], "30.00", issue_date="2026-02-01")
    older = invoice(client, auth, customer["id"], "20.00", issue_date="2026-01-01")
    body = payment(client, auth, customer["id"], "45.00")
    assert body["status"] == "POSTED"
    assert body["number"].startswith("PAY-")
    assert [(a["invoiceId"], Decimal(str(a["amountInMajorCurrency"]))) for a in body["allocations"]] == [
        (older["id"], Decimal("20.00")), (newer["id"], Decimal("25.00"))]
    assert body["cancellation"] is None
    assert outstanding(client, auth, newer["id"]) == Decimal("5.00")


def test_overpayment_is_kept_as_unallocated_credit(client, auth):
    customer = create_customer(client, auth)
    invoice(client, auth, customer["id"], "10.00")
    body = payment(client, auth, customer["id"], "25.00")
    assert Decimal(str(body["unallocatedInMajorCurrency"])) == Decimal("15.00")
    status = client.get("/v1/customer-credit-status", params={"customerId": customer["id"]}, headers=auth).json()
    assert Decimal(str(status[0]["billAmount"])) == Decimal("-15.00")


def test_draft_then_post_then_cancel(client, auth):
    customer = create_customer(client, auth)
    target = invoice(client, auth, customer["id"], "50.00")
    draft = payment(client, auth, customer["id"], "50.00", status="DRAFT", invoicesToPay=[target["id"]])
    assert draft["allocations"] == []
    posted = client.post(f"/v1/payments/{draft['id']}/post", headers=auth)
    assert posted.status_code == 200 and posted.json()["status"] == "POSTED"
    assert outstanding(client, auth, target["id"]) == 0
    cancelled = client.post(f"/v1/payments/{draft['id']}/cancel", json={"issueReason": "dispute"}, headers=auth)
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert body["status"] == "CANCELLED" and body["allocations"] == []
    assert body["cancellation"]["number"].startswith("PCN-")
    assert body["cancellation"]["issueReason"] == "dispute"
    assert outstanding(client, auth, target["id"]) == Decimal("50.00")
    again = client.post(f"/v1/payments/{draft['id']}/cancel", headers=auth)
    assert again.status_code == 409
    assert "CANCELLED" in again.json()["message"]


def test_reject_needs_a_reason_and_a_draft(client, auth):
    customer = create_customer(client, auth)
    draft = payment(client, auth, customer["id"], "5.00", status="DRAFT")
    assert client.post(f"/v1/payments/{draft['id']}/reject", json={}, headers=auth).status_code == 400
    rejected = client.post(f"/v1/payments/{draft['id']}/reject", json={"reason": "bounced"}, headers=auth)
    assert rejected.status_code == 200 and rejected.json()["rejectionReason"] == "bounced"
    refused = client.post(f"/v1/payments/{draft['id']}/post", headers=auth)
    assert refused.status_code == 409 and "REJECTED" in refused.json()["message"]


def test_pay_invoice_pays_the_outstanding_then_409(client, auth):
    customer = create_customer(client, auth)
    target = invoice(client, auth, customer["id"], "12.34")
    paid = client.post(f"/v1/invoices/{target['id']}/pay", json={"paymentMethod": "BACS"}, headers=auth)
    assert paid.status_code == 201, paid.text
    assert Decimal(str(paid.json()["amountInMajorCurrency"])) == Decimal("12.34")
    assert client.post(f"/v1/invoices/{target['id']}/pay", json={"paymentMethod": "BACS"},
                       headers=auth).status_code == 409


def test_pay_bill_checks_the_check_digits(client, auth):
    customer = create_customer(client, auth)
    bill = client.post("/v1/bills", json={"customerId": customer["id"], "billNumberCheckDigit": 4,
                                          "billAmountCheckDigit": 2}, headers=auth).json()
    invoice(client, auth, customer["id"], "10.00", billId=bill["id"])
    invoice(client, auth, customer["id"], "5.00", billId=bill["id"])
    wrong = client.post(f"/v1/bills/{bill['id']}/pay", json={"paymentMethod": "BACS", "billNumberCheckDigit": 4,
                                                             "billAmountCheckDigit": 1}, headers=auth)
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "billAmountCheckDigit"
    missing = client.post(f"/v1/bills/{bill['id']}/pay", json={"paymentMethod": "BACS", "billAmountCheckDigit": 2},
                          headers=auth)
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "billNumberCheckDigit"
    paid = client.post(f"/v1/bills/{bill['id']}/pay", json={"paymentMethod": "BACS", "billNumberCheckDigit": 4,
                                                            "billAmountCheckDigit": 2}, headers=auth)
    assert paid.status_code == 201
    assert Decimal(str(paid.json()["amountInMajorCurrency"])) == Decimal("15.00")
    assert client.get(f"/v1/bills/{bill['id']}", headers=auth).json()["status"] == "SETTLED"


@pytest.mark.parametrize(("currency", "amount", "status"), [("JPY", "100.5", 400), ("BHD", "1.0005", 400),
                                                            ("JPY", "100", 201), ("BHD", "1.005", 201)])
def test_amount_decimals_follow_the_currency(client, auth, currency, amount, status):
    customer = create_customer(client, auth, currency=currency)
    response = client.post("/v1/payments", json={"customerId": customer["id"], "amountInMajorCurrency": amount,
                                                 "paymentMethod": "CHEQUE"}, headers=auth)
    assert response.status_code == status
    if status == 400:
        assert response.json()["errors"][0]["field"] == "amountInMajorCurrency"


def test_idempotent_create_makes_one_payment(client, auth):
    customer = create_customer(client, auth)
    headers = {**auth, "Idempotency-Key": "pay-once"}
    body = {"customerId": customer["id"], "amountInMajorCurrency": "9.99", "paymentMethod": "CHEQUE",
            "status": "POSTED"}
    first = client.post("/v1/payments", json=body, headers=headers)
    second = client.post("/v1/payments", json=body, headers=headers)
    assert first.json() == second.json()
    assert client.get("/v1/payments", params={"customerId": customer["id"]}, headers=auth).headers[
        "X-Total-Count"] == "1"


def test_list_filters_by_status_and_customer(client, auth):
    customer = create_customer(client, auth)
    payment(client, auth, customer["id"], "1.00", status="DRAFT")
    payment(client, auth, customer["id"], "2.00")
    listing = client.get("/v1/payments", params={"customerId": customer["id"], "status": "POSTED",
                                                 "sort": "amountInMajorCurrency:desc"}, headers=auth)
    assert listing.status_code == 200
    assert [p["status"] for p in listing.json()] == ["POSTED"]
    assert client.head("/v1/payments", params={"status": "CANCELLED"}, headers=auth).status_code == 404


def test_other_tenant_sees_no_payment(client, auth, other_auth):
    customer = create_customer(client, auth)
    created = payment(client, auth, customer["id"], "3.00")
    assert client.get(f"/v1/payments/{created['id']}", headers=other_auth).status_code == 404
    assert client.post(f"/v1/payments/{created['id']}/cancel", headers=other_auth).status_code == 404
    assert client.get("/v1/payments", headers=other_auth).json() == []
    foreign = client.post("/v1/payments", json={"customerId": customer["id"], "amountInMajorCurrency": "1.00",
                                                "paymentMethod": "CHEQUE"}, headers=other_auth)
    assert foreign.status_code == 400 and foreign.json()["errors"][0]["field"] == "customerId"


PATCH_HEADERS = {"Content-Type": "application/json-patch+json"}


def test_draft_payment_can_be_patched(client, auth):
    customer = create_customer(client, auth)
    draft = payment(client, auth, customer["id"], "5.00", status="DRAFT")
    response = client.patch(f"/v1/payments/{draft['id']}", headers={**auth, **PATCH_HEADERS}, json=[
        {"op": "replace", "path": "/amountInMajorCurrency", "value": 7.25},
        {"op": "replace", "path": "/udfString1", "value": "tag"},
        {"op": "replace", "path": "/paymentMethod", "value": "BACS"}])
    assert response.status_code == 200, response.text
    body = response.json()
    assert Decimal(str(body["amountInMajorCurrency"])) == Decimal("7.25")
    assert body["udfString1"] == "tag" and body["paymentMethod"] == "BACS"
    assert body["tenders"][0]["method"] == "BACS"
    assert body["version"] == draft["version"] + 1


def test_posted_payment_cannot_be_patched_and_status_is_read_only(client, auth):
    customer = create_customer(client, auth)
    posted = payment(client, auth, customer["id"], "5.00")
    refused = client.patch(f"/v1/payments/{posted['id']}", headers={**auth, **PATCH_HEADERS},
                           json=[{"op": "replace", "path": "/notes", "value": "x"}])
    assert refused.status_code == 409 and "POSTED" in refused.json()["message"]
    draft = payment(client, auth, customer["id"], "5.00", status="DRAFT")
    read_only = client.patch(f"/v1/payments/{draft['id']}", headers={**auth, **PATCH_HEADERS},
                             json=[{"op": "replace", "path": "/status", "value": "POSTED"}])
    assert read_only.status_code == 400 and read_only.json()["errors"][0]["field"] == "status"


def test_posting_a_draft_answers_its_new_version(client, auth):
    customer = client.post("/v1/customers", json={"name": "Jane", "currency": "GBP"}, headers=auth).json()
    draft = client.post("/v1/payments", json={"customerId": customer["id"], "amountInMajorCurrency": "5.00",
                                              "paymentMethod": "CHEQUE"}, headers=auth).json()
    posted = client.post(f"/v1/payments/{draft['id']}/post", headers=auth)
    assert posted.status_code == 200, posted.text
    fetched = client.get(f"/v1/payments/{draft['id']}", headers=auth)
    assert posted.json()["version"] == fetched.json()["version"] == draft["version"] + 1
    assert posted.headers["ETag"] == fetched.headers["ETag"]
    assert posted.json() == fetched.json()


def test_answers_read_off_the_plan_equal_what_a_later_read_finds(client, auth):
    """Posting and cancelling answer from what they planned, without reading again: the same document."""
    customer = client.post("/v1/customers", json={"name": "Jane", "currency": "GBP"}, headers=auth).json()
    for day in (3, 1, 2):
        client.post("/v1/invoices", json={"customerId": customer["id"], "issueDate": f"2026-01-0{day}",
                                          "totalInMajorCurrency": "10.00", "status": "POSTED"}, headers=auth)
    posted = client.post("/v1/payments", json={"customerId": customer["id"], "amountInMajorCurrency": "25.00",
                                               "paymentMethod": "CHEQUE", "status": "POSTED",
                                               "tenders": [{"method": "CHEQUE", "amountInMajorCurrency": "20.00"},
                                                           {"method": "BACS", "amountInMajorCurrency": "5.00"}]},
                         headers=auth)
    assert posted.status_code == 201, posted.text
    assert len(posted.json()["allocations"]) == 3
    assert posted.json() == client.get(f"/v1/payments/{posted.json()['id']}", headers=auth).json()
    cancelled = client.post(f"/v1/payments/{posted.json()['id']}/cancel", json={"issueReason": "dispute"},
                            headers=auth)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["cancellation"]["issueReason"] == "dispute"
    assert cancelled.json() == client.get(f"/v1/payments/{posted.json()['id']}", headers=auth).json()
