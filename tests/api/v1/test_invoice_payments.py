"""/v1/invoice-payments and /v1/adhoc-invoice-payments over HTTP: events of an invoice's payment, each a row of
its own; only collected money settles (issue 14 item 5, issue 15 item 5)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledgerline.ledger.service import verify
from tests.factories import create_bill_run, create_customer, create_invoice

NORMAL = ("/v1/invoice-payments", "generatedInvoiceId", "NORMAL")
ADHOC = ("/v1/adhoc-invoice-payments", "generatedAdhocInvoiceId", "ADHOC")
SEED_FIELDS = {"id", "thirdPartyPaymentStatus", "amountInMajorCurrency", "currencyId", "description", "metaData",
               "errorInfo", "paymentMethod", "paymentDate", "customerPaymentType", "customerPaymentId"}
NOT_COLLECTED = ["FAILED", "CANCELLED", "NEW", "CREATED", "PENDING_SUBMISSION", "PENDING_CUSTOMER_APPROVAL",
                 "SUBMITTED", "FAILED_RETRYING", "CHARGED_BACK", "CUSTOMER_APPROVAL_DENIED", "REFUND_PENDING"]


def posted_invoice(client, auth, customer_id, total="100.00", bill_run_type="NORMAL", **extra):
    return create_invoice(client, auth, customer_id, totalInMajorCurrency=total, billRunType=bill_run_type,
                          status="POSTED", **extra)


def pay(client, auth, url, field, invoice_id, amount, *, expect=201, headers=None, **extra):
    body = {field: invoice_id, "amountInMajorCurrency": amount, "paymentMethod": "CHEQUE", **extra}
    response = client.post(url, json=body, headers={**auth, **(headers or {})})
    assert response.status_code == expect, response.text
    return response.json()


def pay_normal(client, auth, invoice_id, amount, **extra):
    return pay(client, auth, *NORMAL[:2], invoice_id, amount, **extra)


def number(value) -> Decimal:
    return Decimal(str(value))


def outstanding(client, auth, invoice_id) -> Decimal:
    return number(client.get(f"/v1/invoices/{invoice_id}", headers=auth).json()["outstandingInMajorCurrency"])


def balance(client, auth, customer_id) -> Decimal:
    return number(client.get("/v1/customer-balances", params={"customer_id": customer_id}, headers=auth)
                  .json()["balance"])


def amount(row) -> Decimal:
    return number(row["amountInMajorCurrency"])


def refunded(row) -> Decimal:
    return number(row["refundedAmountInMajorCurrency"])


def row_of(client, auth, row, url=NORMAL[0]) -> dict:
    response = client.get(f"{url}/{row['id']}", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def payments_of(client, auth, customer_id) -> list[dict]:
    return client.get("/v1/payments", params={"customerId": customer_id}, headers=auth).json()


def assert_books_balance(database, tenant_id) -> None:
    with database.session() as session:
        assert verify(session, tenant_id) == []


# --- seed 000: a collected payment settles, as an event with its own identity --------------------------


@pytest.mark.parametrize("url,field,kind", [NORMAL, ADHOC])
def test_a_collected_invoice_payment_settles_and_answers_the_vendor_item(client, auth, url, field, kind):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"], bill_run_type=kind)
    response = client.post(url, json={field: invoice["id"], "amountInMajorCurrency": "60.00",
                                      "paymentMethod": "BACS", "description": "counter"}, headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"{url}/{body['id']}"
    assert SEED_FIELDS | {field} <= set(body)
    assert body[field] == invoice["id"] and amount(body) == Decimal("60.00") and refunded(body) == 0
    assert body["thirdPartyPaymentStatus"] == "MANUALLY_PAID" and body["currencyId"] == 826
    assert body["customerPaymentType"] == "CUSTOMER" and body["settled"] is True
    assert body["customerPaymentStatus"] == "POSTED" and body["refundId"] is None
    assert body["metaData"] is None and body["errorInfo"] is None
    assert body["paymentMethod"] == "BACS" and body["description"] == "counter"
    assert outstanding(client, auth, invoice["id"]) == Decimal("40.00")
    # Its money is a posted payment meant for the invoice, named by customerPaymentId.
    payment = client.get(f"/v1/payments/{body['customerPaymentId']}", headers=auth).json()
    assert payment["status"] == "POSTED" and payment["invoicesToPay"] == [invoice["id"]]
    assert payment["thirdPartyStatus"] == "MANUALLY_PAID" and payment["notes"] == "counter"
    assert row_of(client, auth, body, url) == body


@pytest.mark.parametrize("status", ["MANUALLY_PAID", "CONFIRMED", "PAID_OUT"])
def test_only_collected_statuses_settle_the_invoice(client, auth, status):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"], "50.00")
    row = pay_normal(client, auth, invoice["id"], "5.00", thirdPartyPaymentStatus=status)
    assert row["settled"] is True and row["thirdPartyPaymentStatus"] == status
    assert outstanding(client, auth, invoice["id"]) == Decimal("45.00")


@pytest.mark.parametrize("status", NOT_COLLECTED)
def test_money_a_provider_has_not_collected_never_settles_an_invoice(client, auth, database, tenant_id, status):
    """Issue 14: FAILED (or CANCELLED, PENDING_*, ...) recorded as an invoice payment left 50 -> 45."""
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"], "50.00")
    row = pay_normal(client, auth, invoice["id"], "5.00", thirdPartyPaymentStatus=status, paymentMethod="GO_CARDLESS")
    assert outstanding(client, auth, invoice["id"]) == Decimal("50.00")
    assert balance(client, auth, customer["id"]) == Decimal("-50.00")
    assert payments_of(client, auth, customer["id"]) == []
    # The row records what the provider said, and that it settled nothing.
    assert row["thirdPartyPaymentStatus"] == status and amount(row) == Decimal("5.00")
    assert row["settled"] is False and row["customerPaymentId"] is None and row["customerPaymentStatus"] is None
    assert row_of(client, auth, row) == row
    invoice_after = client.get(f"/v1/invoices/{invoice['id']}", headers=auth).json()
    assert invoice_after["paymentStatus"] == "UNPAID"
    assert_books_balance(database, tenant_id)


def test_a_status_that_settles_nothing_is_recorded_only_for_a_posted_invoice(client, auth):
    customer = create_customer(client, auth)
    draft = create_invoice(client, auth, customer["id"])
    refused = pay_normal(client, auth, draft["id"], "5.00", thirdPartyPaymentStatus="FAILED", expect=409)
    assert "posted" in refused["message"]
    # A paid invoice can still hear of a failed attempt.
    paid = posted_invoice(client, auth, customer["id"], "10.00")
    pay_normal(client, auth, paid["id"], "10.00")
    assert pay_normal(client, auth, paid["id"], "10.00", thirdPartyPaymentStatus="FAILED")["settled"] is False


# --- seed 000 refunds: "the same payment method of the last successful payment" ------------------------


def refund(client, auth, **body):
    response = client.post("/v1/refunds", json={"description": "returned", **body}, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_refund_takes_the_method_of_the_last_collected_payment_not_of_a_failed_one(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"], "50.00")
    pay_normal(client, auth, invoice["id"], "20.00", paymentMethod="CHEQUE")
    pay_normal(client, auth, invoice["id"], "5.00", paymentMethod="GO_CARDLESS", thirdPartyPaymentStatus="FAILED")
    pay_normal(client, auth, invoice["id"], "5.00", paymentMethod="STRIPE", thirdPartyPaymentStatus="SUBMITTED")
    assert refund(client, auth, invoiceId=invoice["id"], amountInMajorCurrency="5.00")["paymentMethod"] == "CHEQUE"


def test_money_a_provider_collected_goes_back_by_the_last_collected_method(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"], "50.00")
    pay_normal(client, auth, invoice["id"], "20.00", paymentMethod="GO_CARDLESS", thirdPartyPaymentStatus="PAID_OUT")
    pay_normal(client, auth, invoice["id"], "5.00", paymentMethod="STRIPE", thirdPartyPaymentStatus="FAILED")
    body = refund(client, auth, invoiceId=invoice["id"], amountInMajorCurrency="5.00", paymentMethod="CHEQUE")
    assert body["paymentMethod"] == "GO_CARDLESS"


# --- issue 15 item 5: each row has its own id, survives cancellation, nets refunds -------------------


def test_each_invoice_payment_has_its_own_id_not_the_payments(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"])
    failed = pay_normal(client, auth, invoice["id"], "5.00", thirdPartyPaymentStatus="FAILED")
    first = pay_normal(client, auth, invoice["id"], "10.00")
    again = pay_normal(client, auth, invoice["id"], "5.00", thirdPartyPaymentStatus="FAILED")
    second = pay_normal(client, auth, invoice["id"], "10.00")
    rows = [failed, first, again, second]
    assert len({row["id"] for row in rows}) == 4 and failed["customerPaymentId"] is None
    # Row ids step over the failed rows; payment ids do not: they are two identities, not one.
    assert [row["id"] - failed["id"] for row in rows] == [0, 1, 2, 3]
    assert second["customerPaymentId"] - first["customerPaymentId"] == 1
    assert (first["id"], second["id"]) != (first["customerPaymentId"], second["customerPaymentId"])
    for row in rows:
        assert row_of(client, auth, row) == row
    listed = client.get("/v1/invoice-payments", headers=auth).json()
    assert [row["id"] for row in listed] == [row["id"] for row in rows]


def test_rows_survive_the_payments_cancellation_with_their_state(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"])
    failed = pay_normal(client, auth, invoice["id"], "5.00", thirdPartyPaymentStatus="FAILED")
    row = pay_normal(client, auth, invoice["id"], "40.00", thirdPartyPaymentStatus="CONFIRMED",
                     paymentMethod="GO_CARDLESS")
    assert outstanding(client, auth, invoice["id"]) == Decimal("60.00")
    cancelled = client.post(f"/v1/payments/{row['customerPaymentId']}/cancel", json={}, headers=auth)
    assert cancelled.status_code == 200, cancelled.text
    assert outstanding(client, auth, invoice["id"]) == Decimal("100.00")
    after = row_of(client, auth, row)
    assert after == {**row, "settled": False, "customerPaymentStatus": "CANCELLED"}
    assert after["thirdPartyPaymentStatus"] == "CONFIRMED" and amount(after) == Decimal("40.00")
    assert [each["id"] for each in client.get("/v1/invoice-payments", headers=auth).json()] == [failed["id"],
                                                                                                 row["id"]]
    assert client.get("/v1/invoice-payments", params={"customerPaymentId": row["customerPaymentId"]},
                      headers=auth).json() == [after]


def test_amounts_are_net_of_refunds_with_the_refunded_part_visible(client, auth, database, tenant_id):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"])
    older = pay_normal(client, auth, invoice["id"], "30.00")
    newer = pay_normal(client, auth, invoice["id"], "30.00")
    refund(client, auth, invoiceId=invoice["id"], amountInMajorCurrency="40.00")  # newest payment first
    assert (amount(row_of(client, auth, newer)), refunded(row_of(client, auth, newer))) == (0, Decimal("30.00"))
    assert (amount(row_of(client, auth, older)), refunded(row_of(client, auth, older))) == (Decimal("20.00"),
                                                                                           Decimal("10.00"))
    listed = {row["id"]: row for row in client.get("/v1/invoice-payments", headers=auth).json()}
    assert amount(listed[older["id"]]) + refunded(listed[older["id"]]) == Decimal("30.00")
    assert listed[newer["id"]]["settled"] is True  # still posted: a refund is not a cancellation
    assert outstanding(client, auth, invoice["id"]) == Decimal("80.00")
    assert_books_balance(database, tenant_id)


def test_adhoc_rows_too_keep_their_id_survive_cancellation_and_net_refunds_of_credit(client, auth, database,
                                                                                     tenant_id):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"], bill_run_type="ADHOC")
    over = pay(client, auth, *ADHOC[:2], invoice["id"], "150.00")  # 50.00 of it is customer credit
    # A refund of the customer's credit takes back money of the row's payment too: the row shows it, net.
    assert client.post("/v1/refunds", json={"customerId": customer["id"], "amountInMajorCurrency": "20.00"},
                       headers=auth).status_code == 201
    netted = row_of(client, auth, over, ADHOC[0])
    assert (amount(netted), refunded(netted), netted["settled"]) == (Decimal("130.00"), Decimal("20.00"), True)
    later = posted_invoice(client, auth, customer["id"], bill_run_type="ADHOC", total="10.00")
    row = pay(client, auth, *ADHOC[:2], later["id"], "10.00")
    assert client.post(f"/v1/payments/{row['customerPaymentId']}/cancel", json={}, headers=auth).status_code == 200
    after = row_of(client, auth, row, ADHOC[0])
    assert after == {**row, "settled": False, "customerPaymentStatus": "CANCELLED"}
    listed = client.get(ADHOC[0], params={"generatedAdhocInvoiceId": f"in:{invoice['id']},{later['id']}"},
                        headers=auth).json()
    assert [each["id"] for each in listed] == [over["id"], row["id"]] and listed == [netted, after]
    assert client.get(f"{NORMAL[0]}/{row['id']}", headers=auth).status_code == 404  # the other list's id space
    assert_books_balance(database, tenant_id)


# --- vendor notes: amountInMajorCurrency -100000..100000; a negative amount is money returned -------------


def test_a_negative_amount_records_money_returned_as_a_refund(client, auth, database, tenant_id):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"])
    paid = pay_normal(client, auth, invoice["id"], "100.00")
    returned = pay_normal(client, auth, invoice["id"], "-30.00", paymentMethod="BACS", description="goodwill")
    assert amount(returned) == Decimal("-30.00") and returned["settled"] is True
    assert returned["customerPaymentId"] is None and returned["refundId"] is not None
    # In the ledger: a refund against the invoice, which reopens by that much, and the balance falls.
    refund_row = client.get(f"/v1/refunds/{returned['refundId']}", headers=auth).json()
    assert refund_row["invoiceId"] == invoice["id"] and number(refund_row["amountInMajorCurrency"]) == Decimal("30.00")
    assert refund_row["paymentMethod"] == "BACS" and refund_row["description"] == "goodwill"
    assert outstanding(client, auth, invoice["id"]) == Decimal("30.00")
    assert balance(client, auth, customer["id"]) == Decimal("-30.00")
    # The payment it took the money back from shows it, net.
    assert (amount(row_of(client, auth, paid)), refunded(row_of(client, auth, paid))) == (Decimal("70.00"),
                                                                                         Decimal("30.00"))
    assert_books_balance(database, tenant_id)


def test_a_negative_amount_never_returns_more_than_was_collected(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"])
    pay_normal(client, auth, invoice["id"], "20.00")
    pay_normal(client, auth, invoice["id"], "50.00", thirdPartyPaymentStatus="FAILED")  # nothing collected
    refused = pay_normal(client, auth, invoice["id"], "-20.01", expect=400)
    assert refused["errors"][0]["field"] == "amountInMajorCurrency" and "20.00" in refused["message"]
    assert len(client.get("/v1/invoice-payments", headers=auth).json()) == 2
    assert client.get("/v1/refunds", headers=auth).json() == []
    assert outstanding(client, auth, invoice["id"]) == Decimal("80.00")


@pytest.mark.parametrize("status", ["REFUNDED", "PARTIALLY_REFUNDED", "PAID_OUT"])
def test_a_negative_amount_with_a_returned_status_refunds(client, auth, status):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"], "10.00")
    pay_normal(client, auth, invoice["id"], "10.00")
    row = pay_normal(client, auth, invoice["id"], "-4.00", thirdPartyPaymentStatus=status)
    assert row["refundId"] is not None and outstanding(client, auth, invoice["id"]) == Decimal("4.00")


@pytest.mark.parametrize("status", ["FAILED", "REFUND_PENDING", "SUBMITTED"])
def test_a_negative_amount_the_provider_did_not_return_moves_nothing(client, auth, status):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"], "10.00")
    pay_normal(client, auth, invoice["id"], "10.00")
    row = pay_normal(client, auth, invoice["id"], "-4.00", thirdPartyPaymentStatus=status)
    assert row["refundId"] is None and row["settled"] is False and amount(row) == Decimal("-4.00")
    assert outstanding(client, auth, invoice["id"]) == 0
    assert client.get("/v1/refunds", headers=auth).json() == []


def test_zero_and_out_of_range_amounts_are_refused(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"])
    for value in ("0", "0.00", "100000.01", "-100000.01", "10.001", "-0.001"):
        refused = pay_normal(client, auth, invoice["id"], value, expect=400)
        assert refused["errors"][0]["field"] == "amountInMajorCurrency", value
    for value in ("0", "-1.001", "-100000.01"):
        refused = pay_normal(client, auth, invoice["id"], value, thirdPartyPaymentStatus="FAILED", expect=400)
        assert refused["errors"][0]["field"] == "amountInMajorCurrency", value
    assert outstanding(client, auth, invoice["id"]) == Decimal("100.00")
    assert client.get("/v1/invoice-payments", headers=auth).json() == []


# --- request rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url,field,kind", [NORMAL, ADHOC])
def test_the_invoice_must_exist_and_be_of_the_lists_bill_run_type(client, auth, url, field, kind):
    customer = create_customer(client, auth)
    other_kind = "ADHOC" if kind == "NORMAL" else "NORMAL"
    wrong = posted_invoice(client, auth, customer["id"], bill_run_type=other_kind)
    for status in ("MANUALLY_PAID", "FAILED"):
        for invoice_id in (wrong["id"], 999_999_999, 2**63):
            refused = pay(client, auth, url, field, invoice_id, "10.00", expect=400, thirdPartyPaymentStatus=status)
            assert refused["errors"][0]["field"] == field, invoice_id
    assert other_kind in pay(client, auth, url, field, wrong["id"], "10.00", expect=400)["message"]
    assert client.get("/v1/payments", headers=auth).json() == []
    assert client.get(url, headers=auth).json() == []


def test_body_fields_are_validated(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"])
    for extra, name in (({"thirdPartyPaymentStatus": "ALMOST_PAID"}, "thirdPartyPaymentStatus"),
                        ({"description": "x" * 256}, "description"),
                        ({"paymentMethod": "GOLD"}, "paymentMethod")):
        refused = pay_normal(client, auth, invoice["id"], "1.00", expect=400, **extra)
        assert refused["errors"][0]["field"] == name, extra
    missing = client.post("/v1/invoice-payments", json={"amountInMajorCurrency": 1, "paymentMethod": "CHEQUE"},
                          headers=auth)
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "generatedInvoiceId"


def test_collected_money_for_an_invoice_with_nothing_outstanding_is_409(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"], "10.00")
    pay_normal(client, auth, invoice["id"], "10.00")
    assert "nothing to pay" in pay_normal(client, auth, invoice["id"], "1.00", expect=409)["message"]
    draft = create_invoice(client, auth, customer["id"])
    pay_normal(client, auth, draft["id"], "1.00", expect=409)
    assert len(client.get("/v1/invoice-payments", headers=auth).json()) == 1


def test_the_remainder_goes_oldest_first_then_credit_and_the_row_stays_on_its_invoice(client, auth):
    customer = create_customer(client, auth)
    normal = posted_invoice(client, auth, customer["id"], "30.00", issueDate="2024-01-01", dueDate="2024-01-31")
    adhoc = posted_invoice(client, auth, customer["id"], "100.00", bill_run_type="ADHOC")
    body = pay(client, auth, *ADHOC[:2], adhoc["id"], "150.00", thirdPartyPaymentStatus="CONFIRMED")
    assert amount(body) == Decimal("150.00") and body["thirdPartyPaymentStatus"] == "CONFIRMED"
    assert outstanding(client, auth, adhoc["id"]) == 0 and outstanding(client, auth, normal["id"]) == 0
    payment = client.get(f"/v1/payments/{body['customerPaymentId']}", headers=auth).json()
    assert number(payment["unallocatedInMajorCurrency"]) == Decimal("20.00")
    # One event, recorded for the ADHOC invoice it was meant for; the NORMAL list has none.
    assert client.get("/v1/invoice-payments", headers=auth).json() == []
    assert client.get(f"/v1/invoice-payments/{body['id']}", headers=auth).status_code == 404


def test_amount_decimals_follow_the_currency(client, auth):
    customer = create_customer(client, auth, currency="JPY", creditThreshold="10000")
    invoice = posted_invoice(client, auth, customer["id"], "1000")
    for status in ("MANUALLY_PAID", "FAILED"):
        refused = pay_normal(client, auth, invoice["id"], "500.5", expect=400, thirdPartyPaymentStatus=status)
        assert refused["errors"][0]["field"] == "amountInMajorCurrency"
    body = pay_normal(client, auth, invoice["id"], "500")
    assert amount(body) == Decimal("500") and body["currencyId"] == 392
    assert outstanding(client, auth, invoice["id"]) == Decimal("500")


def test_idempotent_retry_records_one_row_and_one_payment(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"], bill_run_type="ADHOC")
    headers = {"Idempotency-Key": "adhoc-once"}
    first = pay(client, auth, *ADHOC[:2], invoice["id"], "25.00", headers=headers)
    second = pay(client, auth, *ADHOC[:2], invoice["id"], "25.00", headers=headers)
    assert first == second
    assert len(payments_of(client, auth, customer["id"])) == 1
    assert client.head("/v1/adhoc-invoice-payments", headers=auth).headers["X-Total-Count"] == "1"
    assert outstanding(client, auth, invoice["id"]) == Decimal("75.00")


def test_other_tenants_neither_record_nor_see_them(client, auth, other_auth):
    customer = create_customer(client, auth)
    normal = posted_invoice(client, auth, customer["id"])
    adhoc = posted_invoice(client, auth, customer["id"], bill_run_type="ADHOC")
    paid = pay_normal(client, auth, normal["id"], "10.00")
    paid_adhoc = pay(client, auth, *ADHOC[:2], adhoc["id"], "10.00")
    for (url, field, _), invoice, row in ((NORMAL, normal, paid), (ADHOC, adhoc, paid_adhoc)):
        for status in ("MANUALLY_PAID", "FAILED"):
            foreign = pay(client, other_auth, url, field, invoice["id"], "1.00", expect=400,
                          thirdPartyPaymentStatus=status)
            assert foreign["errors"][0]["field"] == field
        assert client.get(f"{url}/{row['id']}", headers=other_auth).status_code == 404
        assert client.get(url, headers=other_auth).json() == []
        assert client.head(url, headers=other_auth).status_code == 404
        assert client.get(url, params={"customerPaymentId": row["customerPaymentId"]}, headers=other_auth).json() == []
    assert outstanding(client, auth, normal["id"]) == Decimal("90.00")


def test_list_filters_head_sort_and_fields(client, auth):
    customer = create_customer(client, auth)
    run = create_bill_run(client, auth)
    in_run = posted_invoice(client, auth, customer["id"], "50.00", billRunId=run["id"])
    loose = posted_invoice(client, auth, customer["id"], "50.00")
    adhoc_run = create_bill_run(client, auth, type="ADHOC")
    adhoc = posted_invoice(client, auth, customer["id"], "50.00", bill_run_type="ADHOC", billRunId=adhoc_run["id"])
    first = pay_normal(client, auth, in_run["id"], "5.00")
    second = pay_normal(client, auth, loose["id"], "6.00")
    third = pay(client, auth, *ADHOC[:2], adhoc["id"], "7.00")
    failed = pay_normal(client, auth, loose["id"], "8.00", thirdPartyPaymentStatus="FAILED")

    def ids(url, **params):
        response = client.get(url, params=params, headers=auth)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()]

    assert ids("/v1/invoice-payments") == [first["id"], second["id"], failed["id"]]
    assert ids("/v1/invoice-payments", billRunId=run["id"]) == [first["id"]]
    assert ids("/v1/invoice-payments", generatedInvoiceId=loose["id"]) == [second["id"], failed["id"]]
    assert ids("/v1/invoice-payments",
               customerPaymentId=f"in:{first['customerPaymentId']},{third['customerPaymentId']}") == [first["id"]]
    assert ids("/v1/invoice-payments", customerPaymentType="CUSTOMER", sort="id:desc") == [
        failed["id"], second["id"], first["id"]]
    assert ids("/v1/invoice-payments", sort="generatedInvoiceId:desc,id") == [second["id"], failed["id"], first["id"]]
    assert ids("/v1/invoice-payments", sort="paymentDate:desc") == [first["id"], second["id"], failed["id"]]
    assert ids("/v1/invoice-payments", customerPaymentType="SUPPLIER") == []
    assert ids("/v1/adhoc-invoice-payments") == [third["id"]]
    assert ids("/v1/adhoc-invoice-payments", adhocBillRunId=adhoc_run["id"]) == [third["id"]]
    assert ids("/v1/adhoc-invoice-payments", adhocBillRunId=run["id"]) == []
    assert ids("/v1/adhoc-invoice-payments", generatedAdhocInvoiceId=adhoc["id"],
               customerPaymentId=third["customerPaymentId"]) == [third["id"]]
    assert ids("/v1/adhoc-invoice-payments", generatedAdhocInvoiceId=in_run["id"]) == []

    paged = client.get("/v1/invoice-payments", params={"page": 2, "pageSize": 1, "fields": "id,amountInMajorCurrency"},
                       headers=auth)
    assert paged.headers["X-Total-Count"] == "3"
    assert [(row["id"], amount(row)) for row in paged.json()] == [(second["id"], Decimal("6.00"))]
    assert set(paged.json()[0]) == {"id", "amountInMajorCurrency"}
    assert client.get("/v1/invoice-payments", params={"sort": "name"}, headers=auth).status_code == 400
    assert client.get("/v1/invoice-payments", params={"billRunId": "abc"}, headers=auth).status_code == 400

    head = client.head("/v1/invoice-payments", params={"billRunId": run["id"]}, headers=auth)
    assert head.status_code == 200 and head.headers["X-Total-Count"] == "1"
    assert client.head("/v1/adhoc-invoice-payments", params={"adhocBillRunId": run["id"]},
                       headers=auth).status_code == 404


def test_a_row_of_the_other_list_or_no_row_is_404(client, auth):
    customer = create_customer(client, auth)
    invoice = posted_invoice(client, auth, customer["id"])
    row = pay_normal(client, auth, invoice["id"], "40.00")
    assert client.get(f"/v1/adhoc-invoice-payments/{row['id']}", headers=auth).status_code == 404
    assert client.get("/v1/invoice-payments/999999999", headers=auth).status_code == 404
    assert client.get(f"/v1/invoice-payments/{2**63}", headers=auth).status_code in (400, 404)


def test_scopes(client, settings, tenant_id):
    from tests.conftest import bearer

    reader = bearer(settings, tenant_id, scopes="payments.read")
    assert client.get("/v1/invoice-payments", headers=reader).status_code == 403
    assert client.post("/v1/invoice-payments", json={"generatedInvoiceId": 1, "amountInMajorCurrency": 1,
                                                     "paymentMethod": "CHEQUE"}, headers=reader).status_code == 403
    lister = bearer(settings, tenant_id, scopes="payments.list")
    assert client.get("/v1/adhoc-invoice-payments", headers=lister).status_code == 200
