"""/v1/invoice-payments and /v1/adhoc-invoice-payments over HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import create_bill_run, create_customer, create_invoice

NORMAL = ("/v1/invoice-payments", "generatedInvoiceId", "NORMAL")
ADHOC = ("/v1/adhoc-invoice-payments", "generatedAdhocInvoiceId", "ADHOC")


def posted_invoice(client, auth, customer_id, total="100.00", bill_run_type="NORMAL", **extra):
    return create_invoice(client, auth, customer_id, totalInMajorCurrency=total, billRunType=bill_run_type,
                          status="POSTED", **extra)


def pay(client, auth, url, field, invoice_id, amount, *, expect=201, headers=None, **extra):
    body = {field: invoice_id, "amountInMajorCurrency": amount, "paymentMethod": "CHEQUE", **extra}
    response = client.post(url, json=body, headers={**auth, **(headers or {})})
    assert response.status_code == expect, response.text
    return response.json()


def outstanding(client, auth, invoice_id) -> Decimal:
    return Decimal(str(client.get(f"/v1/invoices/{invoice_id}", headers=auth).json()["outstandingInMajorCurrency"]))


def amount(row) -> Decimal:
    return Decimal(str(row["amountInMajorCurrency"]))


@pytest.mark.parametrize("url,field,kind", [NORMAL, ADHOC])
def test_create_pays_the_invoice_and_answers_the_vendor_item(client, auth, url, field, kind):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"], bill_run_type=kind)
    response = client.post(url, json={field: invoice["id"], "amountInMajorCurrency": "60.00",
                                      "paymentMethod": "BACS", "description": "counter"}, headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"{url}/{body['id']}"
    assert set(body) == {"id", field, "thirdPartyPaymentStatus", "amountInMajorCurrency", "currencyId",
                         "description", "metaData", "errorInfo", "paymentMethod", "paymentDate",
                         "customerPaymentType", "customerPaymentId"}
    assert body[field] == invoice["id"] and amount(body) == Decimal("60.00")
    assert body["thirdPartyPaymentStatus"] == "MANUALLY_PAID" and body["currencyId"] == 826
    assert body["customerPaymentType"] == "CUSTOMER" and body["customerPaymentId"] == body["id"]
    assert body["metaData"] is None and body["errorInfo"] is None
    assert body["paymentMethod"] == "BACS" and body["description"] == "counter"
    assert outstanding(client, auth, invoice["id"]) == Decimal("40.00")
    # It is the one payments entity.
    payment = client.get(f"/v1/payments/{body['id']}", headers=auth).json()
    assert payment["status"] == "POSTED" and payment["invoicesToPay"] == [invoice["id"]]
    assert payment["thirdPartyStatus"] == "MANUALLY_PAID" and payment["notes"] == "counter"
    assert client.get(f"{url}/{body['id']}", headers=auth).json() == body


def test_the_remainder_goes_oldest_first_then_credit_and_each_row_shows_its_allocation(client, auth):
    customer = create_customer(client, auth)
    normal = posted_invoice(client, auth, customer["id"], "30.00", issueDate="2024-01-01", dueDate="2024-01-31")
    adhoc = posted_invoice(client, auth, customer["id"], "100.00", bill_run_type="ADHOC")
    body = pay(client, auth, *ADHOC[:2], adhoc["id"], "150.00", thirdPartyPaymentStatus="CONFIRMED")
    assert amount(body) == Decimal("100.00") and body["thirdPartyPaymentStatus"] == "CONFIRMED"
    assert outstanding(client, auth, adhoc["id"]) == 0 and outstanding(client, auth, normal["id"]) == 0
    payment = client.get(f"/v1/payments/{body['id']}", headers=auth).json()
    assert Decimal(str(payment["unallocatedInMajorCurrency"])) == Decimal("20.00")
    # The same payment, as applied to the NORMAL invoice it also paid.
    as_normal = client.get(f"/v1/invoice-payments/{body['id']}", headers=auth).json()
    assert as_normal["generatedInvoiceId"] == normal["id"] and amount(as_normal) == Decimal("30.00")


@pytest.mark.parametrize("url,field,kind", [NORMAL, ADHOC])
def test_the_invoice_must_exist_and_be_of_the_right_type(client, auth, url, field, kind):
    customer = create_customer(client, auth)
    other_kind = "ADHOC" if kind == "NORMAL" else "NORMAL"
    wrong = posted_invoice(client, auth, customer["id"], bill_run_type=other_kind)
    for invoice_id in (wrong["id"], 999_999_999, 2**63):
        refused = pay(client, auth, url, field, invoice_id, "10.00", expect=400)
        assert refused["errors"][0]["field"] == field, invoice_id
    assert other_kind in pay(client, auth, url, field, wrong["id"], "10.00", expect=400)["message"]
    assert client.get("/v1/payments", headers=auth).json() == []


def test_negative_zero_and_out_of_range_amounts_are_refused(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"])
    refund = pay(client, auth, *NORMAL[:2], invoice["id"], "-10.00", expect=400)
    assert refund["errors"][0]["field"] == "amountInMajorCurrency"
    assert "/v1/refunds" in refund["message"]
    for value in ("0", "0.00", "100000.01", "-100000.01", "10.001"):
        refused = pay(client, auth, *NORMAL[:2], invoice["id"], value, expect=400)
        assert refused["errors"][0]["field"] == "amountInMajorCurrency", value
    assert outstanding(client, auth, invoice["id"]) == Decimal("100.00")


def test_body_fields_are_validated(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"])
    for extra, name in (({"thirdPartyPaymentStatus": "ALMOST_PAID"}, "thirdPartyPaymentStatus"),
                        ({"description": "x" * 256}, "description"),
                        ({"paymentMethod": "GOLD"}, "paymentMethod")):
        refused = pay(client, auth, *NORMAL[:2], invoice["id"], "1.00", expect=400, **extra)
        assert refused["errors"][0]["field"] == name, extra
    missing = client.post("/v1/invoice-payments", json={"amountInMajorCurrency": 1, "paymentMethod": "CHEQUE"},
                          headers=auth)
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "generatedInvoiceId"


def test_an_invoice_with_nothing_outstanding_cannot_be_paid(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"], "10.00")
    pay(client, auth, *NORMAL[:2], invoice["id"], "10.00")
    assert "nothing to pay" in pay(client, auth, *NORMAL[:2], invoice["id"], "1.00", expect=409)["message"]
    draft = create_invoice(client, auth, customer["id"])
    pay(client, auth, *NORMAL[:2], draft["id"], "1.00", expect=409)


def test_amount_decimals_follow_the_currency(client, auth):
    customer = create_customer(client, auth, currency="JPY", creditThreshold="10000")
    invoice = posted_invoice(client, auth, customer["id"], "1000")
    refused = pay(client, auth, *NORMAL[:2], invoice["id"], "500.5", expect=400)
    assert refused["errors"][0]["field"] == "amountInMajorCurrency"
    body = pay(client, auth, *NORMAL[:2], invoice["id"], "500")
    assert amount(body) == Decimal("500") and body["currencyId"] == 392
    assert outstanding(client, auth, invoice["id"]) == Decimal("500")


def test_idempotent_retry_makes_one_payment(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"], bill_run_type="ADHOC")
    headers = {"Idempotency-Key": "adhoc-once"}
    first = pay(client, auth, *ADHOC[:2], invoice["id"], "25.00", headers=headers)
    second = pay(client, auth, *ADHOC[:2], invoice["id"], "25.00", headers=headers)
    assert first == second
    assert client.get("/v1/payments", params={"customerId": customer["id"]}, headers=auth).headers[
        "X-Total-Count"] == "1"
    assert outstanding(client, auth, invoice["id"]) == Decimal("75.00")


def test_other_tenants_neither_pay_nor_see_them(client, auth, other_auth):
    customer = create_customer(client, auth)
    normal = posted_invoice(client, auth, customer["id"])
    adhoc = posted_invoice(client, auth, customer["id"], bill_run_type="ADHOC")
    paid = pay(client, auth, *NORMAL[:2], normal["id"], "10.00")
    paid_adhoc = pay(client, auth, *ADHOC[:2], adhoc["id"], "10.00")
    for (url, field, _), invoice, row in ((NORMAL, normal, paid), (ADHOC, adhoc, paid_adhoc)):
        foreign = pay(client, other_auth, url, field, invoice["id"], "1.00", expect=400)
        assert foreign["errors"][0]["field"] == field
        assert client.get(f"{url}/{row['id']}", headers=other_auth).status_code == 404
        assert client.get(url, headers=other_auth).json() == []
        assert client.head(url, headers=other_auth).status_code == 404
        assert client.get(url, params={"customerPaymentId": row["id"]}, headers=other_auth).json() == []
    assert outstanding(client, auth, normal["id"]) == Decimal("90.00")


def test_list_filters_head_sort_and_fields(client, auth):
    customer = create_customer(client, auth)
    run = create_bill_run(client, auth)
    in_run = posted_invoice(client, auth, customer["id"], "50.00", billRunId=run["id"])
    loose = posted_invoice(client, auth, customer["id"], "50.00")
    adhoc_run = create_bill_run(client, auth, type="ADHOC")
    adhoc = posted_invoice(client, auth, customer["id"], "50.00", bill_run_type="ADHOC", billRunId=adhoc_run["id"])
    first = pay(client, auth, *NORMAL[:2], in_run["id"], "5.00")
    second = pay(client, auth, *NORMAL[:2], loose["id"], "6.00")
    third = pay(client, auth, *ADHOC[:2], adhoc["id"], "7.00")

    def ids(url, **params):
        response = client.get(url, params=params, headers=auth)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()]

    assert ids("/v1/invoice-payments") == [first["id"], second["id"]]
    assert ids("/v1/invoice-payments", billRunId=run["id"]) == [first["id"]]
    assert ids("/v1/invoice-payments", generatedInvoiceId=loose["id"]) == [second["id"]]
    assert ids("/v1/invoice-payments", customerPaymentId=f"in:{first['id']},{third['id']}") == [first["id"]]
    assert ids("/v1/invoice-payments", customerPaymentType="CUSTOMER", sort="id:desc") == [second["id"], first["id"]]
    assert ids("/v1/invoice-payments", customerPaymentType="SUPPLIER") == []
    assert ids("/v1/adhoc-invoice-payments") == [third["id"]]
    assert ids("/v1/adhoc-invoice-payments", adhocBillRunId=adhoc_run["id"]) == [third["id"]]
    assert ids("/v1/adhoc-invoice-payments", adhocBillRunId=run["id"]) == []
    assert ids("/v1/adhoc-invoice-payments", generatedAdhocInvoiceId=adhoc["id"],
               customerPaymentId=third["id"]) == [third["id"]]
    assert ids("/v1/adhoc-invoice-payments", generatedAdhocInvoiceId=in_run["id"]) == []

    paged = client.get("/v1/invoice-payments", params={"page": 2, "pageSize": 1, "fields": "id,amountInMajorCurrency"},
                       headers=auth)
    assert paged.headers["X-Total-Count"] == "2"
    assert [(row["id"], amount(row)) for row in paged.json()] == [(second["id"], Decimal("6.00"))]
    assert set(paged.json()[0]) == {"id", "amountInMajorCurrency"}
    assert client.get("/v1/invoice-payments", params={"sort": "name"}, headers=auth).status_code == 400
    assert client.get("/v1/invoice-payments", params={"billRunId": "abc"}, headers=auth).status_code == 400

    head = client.head("/v1/invoice-payments", params={"billRunId": run["id"]}, headers=auth)
    assert head.status_code == 200 and head.headers["X-Total-Count"] == "1"
    assert client.head("/v1/adhoc-invoice-payments", params={"adhocBillRunId": run["id"]},
                       headers=auth).status_code == 404


def test_a_cancelled_payment_is_no_longer_an_invoice_payment(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"])
    row = pay(client, auth, *NORMAL[:2], invoice["id"], "40.00")
    assert client.post(f"/v1/payments/{row['id']}/cancel", headers=auth).status_code == 200
    assert client.get(f"/v1/invoice-payments/{row['id']}", headers=auth).status_code == 404
    assert client.get("/v1/invoice-payments", headers=auth).json() == []
    assert outstanding(client, auth, invoice["id"]) == Decimal("100.00")


def test_a_payment_without_an_allocation_of_the_type_is_404(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"])
    row = pay(client, auth, *NORMAL[:2], invoice["id"], "40.00")
    assert client.get(f"/v1/adhoc-invoice-payments/{row['id']}", headers=auth).status_code == 404
    assert client.get("/v1/invoice-payments/999999999", headers=auth).status_code == 404
    assert client.get(f"/v1/invoice-payments/{2**63}", headers=auth).status_code in (404, 400)


def test_scopes(client, settings, tenant_id):
    from tests.conftest import bearer

    reader = bearer(settings, tenant_id, scopes="payments.read")
    assert client.get("/v1/invoice-payments", headers=reader).status_code == 403
    assert client.post("/v1/invoice-payments", json={"generatedInvoiceId": 1, "amountInMajorCurrency": 1,
                                                     "paymentMethod": "CHEQUE"}, headers=reader).status_code == 403
    lister = bearer(settings, tenant_id, scopes="payments.list")
    assert client.get("/v1/adhoc-invoice-payments", headers=lister).status_code == 200
