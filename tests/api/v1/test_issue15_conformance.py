"""Issue 15: /v1 as an Elevate client meets it, point by point against seeds 000 and 001 and the vendor notes.

Each test is named for the seed rule it checks.
"""

from __future__ import annotations

import json
from decimal import Decimal

from tests.factories import create_customer, create_customer_payment, create_invoice


def _rows(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


def _assert_bad_parameter(response, parameter: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "Bad Request" and parameter in body["message"]
    assert [error["field"] for error in body["errors"]] == [parameter]


# --- item 2: unknown and harmless query parameters -------------------------------------------------------

def test_seed000_head_ignores_page_and_sort(client, auth):
    customer = create_customer(client, auth, name="Head Ltd")
    params = {"page": "7", "pageSize": "1", "sort": "name:desc", "fields": "id,name", "name": "Head Ltd"}
    answer = client.head("/v1/customers", params=params, headers=auth)
    assert answer.status_code == 200 and answer.headers["X-Total-Count"] == "1"
    # Even values the list would refuse: HEAD only counts.
    answer = client.head("/v1/customers", params={"page": "0", "sort": "nope", "fields": "nope",
                                                  "id": str(customer["id"])}, headers=auth)
    assert answer.status_code == 200 and answer.headers["X-Total-Count"] == "1"
    assert client.head("/v1/customers", params={"page": "2", "name": "Nobody"}, headers=auth).status_code == 404


def test_seed001_head_of_sub_brands_takes_the_lists_query_string(client, auth):
    answer = client.head("/v1/contract-owner-sub-brands",
                         params={"page": "1", "pageSize": "100", "sort": "id,name", "fields": "id,name",
                                 "contractOwnerId": "1"}, headers=auth)
    assert answer.status_code == 404 and answer.headers["X-Total-Count"] == "0"


def test_vendor_notes_a_parameter_no_operation_knows_is_ignored(client, auth):
    create_customer(client, auth, name="Ignored Ltd")
    for params in ({"_": "1700000000"}, {"utm_source": "mail", "callback": "x"}, {"_": ["1", "2"]}):
        assert [row["name"] for row in _rows(client.get("/v1/customers", params=params, headers=auth))] \
            == ["Ignored Ltd"]
    # ...but a parameter another operation knows is still a mistake here, named in a 400.
    _assert_bad_parameter(client.get("/v1/customers", params={"customer_id": "1"}, headers=auth), "customer_id")


# --- item 3: credit status as seed 000 details it ---------------------------------------------------------

def _credit_status(client, auth, **params) -> list[dict]:
    return _rows(client.get("/v1/customer-credit-status", params=params, headers=auth))


def test_seed000_credit_status_takes_sort_id_name_and_fields_id_name(client, auth):
    zed = create_customer(client, auth, name="Zed Ltd")
    abe = create_customer(client, auth, name="Abe Ltd")
    assert _credit_status(client, auth, sort="id,name", fields="id,name") == [
        {"id": zed["id"], "name": "Zed Ltd"}, {"id": abe["id"], "name": "Abe Ltd"}]
    assert [row["id"] for row in _credit_status(client, auth, sort="name")] == [abe["id"], zed["id"]]
    assert [row["customerId"] for row in _credit_status(client, auth, sort="name:desc")] == [zed["id"], abe["id"]]
    assert [row["name"] for row in _credit_status(client, auth, sort="id:desc")] == ["Abe Ltd", "Zed Ltd"]


def test_seed000_percentage_difference_is_always_a_number(client, auth):
    unlimited = create_customer(client, auth, creditThreshold="0")
    create_invoice(client, auth, unlimited["id"], totalInMajorCurrency="25.00", status="POSTED")
    idle = create_customer(client, auth, creditThreshold="0")
    rows = {row["customerId"]: row for row in _credit_status(client, auth)}
    assert rows[unlimited["id"]]["percentageDifference"] == 0  # no threshold to measure against: 0
    assert rows[idle["id"]]["percentageDifference"] == 0
    assert '"percentageDifference":0.00' in client.get(
        "/v1/customer-credit-status", params={"customerId": unlimited["id"]}, headers=auth).text
    schema = client.get("/openapi.json").json()["components"]["schemas"]["CustomerCreditStatus"]
    assert schema["properties"]["percentageDifference"]["type"] == "number"


def test_seed000_filter_by_percentage_difference_as_displayed_finds_the_row(client, auth):
    third = create_customer(client, auth, creditThreshold="300.00")
    create_invoice(client, auth, third["id"], totalInMajorCurrency="100.00", status="POSTED")  # 33.333...%
    shown = _credit_status(client, auth, customerId=third["id"])[0]["percentageDifference"]
    assert shown == Decimal("33.33")
    for value in ("33.33", "in:33.33,80", "like:33.3"):
        assert [row["customerId"] for row in _credit_status(client, auth, percentageDifference=value)] \
            == [third["id"]], value


def test_seed000_string_filter_param_forms_of_percentage_difference_work_as_strings(client, auth):
    customer = create_customer(client, auth, creditThreshold="100.00")
    create_invoice(client, auth, customer["id"], totalInMajorCurrency="80.00", status="POSTED")
    # The seed's own example values: xyz | in:x,y | like:xyz, strings that match nothing, and no error.
    for value in ("xyz", "in:x,y", "like:xyz"):
        assert _credit_status(client, auth, percentageDifference=value) == [], value
    for value in ("80", "80.00", "in:x,80", "like:80"):
        assert [row["customerId"] for row in _credit_status(client, auth, percentageDifference=value)] \
            == [customer["id"]], value
    # A bound that is no number stays a 400 naming the filter.
    _assert_bad_parameter(client.get("/v1/customer-credit-status", params={"percentageDifference": "lt:xyz"},
                                     headers=auth), "percentageDifference")


# --- item 6: sub-brands as seed 001 documents them --------------------------------------------------------

SUB_BRANDS = "/v1/contract-owner-sub-brands"


def _seed_form(client, auth) -> list[tuple[str, str]]:
    from tests.api.v1.test_contract_owner_sub_brands import seed_curl_form
    from tests.factories import create_contract_owner, create_email_template
    return seed_curl_form(create_contract_owner(client, auth)["id"], create_email_template(client, auth)["id"])


def test_seed001_create_answers_200_ok_with_the_sub_brand(client, auth):
    created = client.post(SUB_BRANDS, files=[(name, (None, value)) for name, value in _seed_form(client, auth)],
                          headers=auth)
    assert created.status_code == 200, created.text
    assert created.json()["name"] == "bcn" and created.headers["Location"] == f"{SUB_BRANDS}/{created.json()['id']}"


def test_seed001_create_takes_the_bracketed_fields_url_encoded(client, auth):
    created = client.post(SUB_BRANDS, data=dict(_seed_form(client, auth)), headers=auth)
    assert created.status_code == 200, created.text
    assert created.json()["address"]["country"] == "GB"
    patched = client.patch(f"{SUB_BRANDS}/{created.json()['id']}", headers=auth, data={
        "patch[0][op]": "replace", "patch[0][path]": "/name", "patch[0][value]": "Renamed"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Renamed"


def test_seed001_get_answers_multipart_form_data_unless_json_is_asked_for(client, auth):
    created = client.post(SUB_BRANDS, data=dict(_seed_form(client, auth)), headers=auth).json()
    form = client.get(f"{SUB_BRANDS}/{created['id']}", headers=auth)
    assert form.status_code == 200 and form.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="subBrand"' in form.content and b'name="logo"' in form.content
    as_json = client.get(f"{SUB_BRANDS}/{created['id']}", headers={**auth, "Accept": "application/json"})
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.json()["subBrand"] == created and as_json.json()["logo"] is None


def test_seed001_delete_answers_200_with_the_seeds_empty_body(client, auth):
    created = client.post(SUB_BRANDS, data=dict(_seed_form(client, auth)), headers=auth).json()
    deleted = client.delete(f"{SUB_BRANDS}/{created['id']}", headers=auth)
    assert deleted.status_code == 200 and deleted.content == b""
    assert client.delete(f"{SUB_BRANDS}/{created['id']}", headers=auth).status_code == 404


# --- item 8: OpenAPI for generated SDKs ------------------------------------------------------------------

def test_vendor_notes_an_accept_the_operation_cannot_answer_is_406(client, auth):
    customer = create_customer(client, auth)
    for accept in ("text/html", "application/xml", "application/json;q=0"):
        refused = client.get(f"/v1/customers/{customer['id']}", headers={**auth, "Accept": accept})
        assert refused.status_code == 406, accept
        assert refused.json()["errors"][0]["field"] == "Accept"
    for accept in ("application/json", "*/*", "application/*", "text/html, application/json;q=0.1"):
        assert client.get(f"/v1/customers/{customer['id']}", headers={**auth, "Accept": accept}).status_code == 200
    # Nothing to negotiate without a body: HEAD counts whatever Accept says.
    assert client.head("/v1/customers", headers={**auth, "Accept": "text/html"}).status_code == 200


def test_seed001_path_ids_are_int64_from_1_named_as_documented(client, auth):
    for raw in ("0", "-1", str(2**63), "abc"):
        _assert_bad_parameter(client.get(f"/v1/contract-owner-sub-brands/{raw}", headers=auth),
                              "contractOwnerSubBrandId")
    _assert_bad_parameter(client.get("/v1/customers/0", headers=auth), "customerId")
    assert client.get(f"/v1/customers/{2**63 - 1}", headers=auth).status_code == 404
    spec = client.get("/openapi.json").json()
    assert "/v1/contract-owner-sub-brands/{contractOwnerSubBrandId}" in spec["paths"]
    for path, item in spec["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and path.startswith("/v1/"):
                    assert "_" not in parameter["name"], (path, parameter["name"])
                    if parameter["name"].endswith("Id"):
                        assert parameter["schema"]["format"] == "int64" and parameter["schema"]["minimum"] == 1


def test_vendor_notes_every_list_declares_x_total_count_and_link(client, auth):
    spec = client.get("/openapi.json").json()
    lists = [(path, item["get"]) for path, item in spec["paths"].items() if path.startswith("/v1/") and "get" in item
             and any(parameter["name"] == "page" for parameter in item["get"].get("parameters", []))]
    assert len(lists) > 20
    for path, operation in lists:
        assert {"X-Total-Count", "Link"} <= set(operation["responses"]["200"].get("headers", {})), path
        assert "406" in operation["responses"], path
    answer = client.get("/v1/customers", headers=auth)
    assert answer.headers["X-Total-Count"] == "0" and 'rel="last"' in answer.headers["Link"]


# --- item 4: customer payments and balances --------------------------------------------------------------

def test_vendor_notes_a_zero_adjustment_is_within_the_documented_range(client, auth):
    customer = create_customer(client, auth)
    for amount in ("0", "0.00", "-0.00"):
        answer = client.post("/v1/customer-balance-adjustments", json={
            "customerId": customer["id"], "amountInMajorCurrency": amount, "description": "nothing"}, headers=auth)
        assert answer.status_code == 201, answer.text
        body = json.loads(answer.text, parse_float=Decimal)
        assert body["amountInMajorCurrency"] == 0 and body["resultingCustomerBalance"] == 0
        assert body["invoiceId"] is None and body["creditUsedInMajorCurrency"] == 0
    over = client.post("/v1/customer-balance-adjustments", json={
        "customerId": customer["id"], "amountInMajorCurrency": "100000.01"}, headers=auth)
    _assert_bad_parameter(over, "amountInMajorCurrency")


def test_vendor_notes_bill_run_type_restricts_a_customer_payment_to_invoices_of_that_type(client, auth):
    customer = create_customer(client, auth)
    normal = create_invoice(client, auth, customer["id"], totalInMajorCurrency="30.00", status="POSTED")
    adhoc = create_invoice(client, auth, customer["id"], totalInMajorCurrency="20.00", status="POSTED",
                           billRunType="ADHOC")
    paid = client.post("/v1/customer-payments", json={"customerId": customer["id"], "amountInMajorCurrency": "25.00",
                                                      "type": "CHEQUE", "billRunType": "ADHOC"}, headers=auth)
    assert paid.status_code == 201, paid.text
    assert paid.json()["invoiceId"] == adhoc["id"] and paid.json()["billRunType"] == "ADHOC"
    outstanding = {invoice["id"]: Decimal(str(invoice["outstandingInMajorCurrency"]))
                   for invoice in client.get("/v1/invoices", params={"customerId": customer["id"]},
                                             headers=auth).json()}
    assert outstanding == {normal["id"]: Decimal("30.00"), adhoc["id"]: Decimal("0.00")}  # 5.00 kept as credit
    balance = json.loads(client.get("/v1/customer-balances", params={"customer_id": customer["id"]},
                                    headers=auth).text, parse_float=Decimal)
    assert balance["balance"] == Decimal("-25.00")


def test_vendor_notes_customer_balance_has_a_repayment_plan_summary(client, auth):
    customer = create_customer(client, auth)
    balance = client.get("/v1/customer-balances", params={"customer_id": customer["id"]}, headers=auth).json()
    assert balance["repaymentPlanSummary"] == {"summaryType": "NONE", "activePlans": 0,
                                               "outstandingInMajorCurrency": 0}


def test_vendor_notes_filter_on_customer_payments_works_and_a_malformed_one_is_400(client, auth):
    customer = create_customer(client, auth)
    small = create_customer_payment(client, auth, customer["id"], "5.00")
    large = create_customer_payment(client, auth, customer["id"], "50.00")

    def listed(value: str) -> list[int]:
        return [row["id"] for row in _rows(client.get("/v1/customer-payments", params={
            "customer_id": customer["id"], "filter": value}, headers=auth))]

    assert listed("amountInMajorCurrency=gt:10") == [large["id"]]
    assert listed(f"id=in:{small['id']},{large['id']};amountInMajorCurrency=lt:10") == [small["id"]]
    assert listed(f"paymentDate=gtn:{small['paymentDate']}") == [small["id"], large["id"]]
    assert listed("paymentDate=lt:2000-01-01") == []
    for bad in ("amount=5", "paymentDate=yesterday", "id", ";", "amountInMajorCurrency=gt:ten"):
        _assert_bad_parameter(client.get("/v1/customer-payments", params={
            "customer_id": customer["id"], "filter": bad}, headers=auth), "filter")


def _ledger_of_one_customer(client, auth) -> dict:
    """A customer who paid 50.00 on a 30.00 invoice, was refunded 5.00 of it, adjusted by -10.00 and +3.00,
    and paid 2.00 that was then cancelled."""
    customer = create_customer(client, auth)
    invoice = create_invoice(client, auth, customer["id"], totalInMajorCurrency="30.00", status="POSTED")
    payment = create_customer_payment(client, auth, customer["id"], "50.00")
    refunded = client.post("/v1/refunds", json={"invoiceId": invoice["id"], "amountInMajorCurrency": "5.00",
                                                "description": "goodwill"}, headers=auth)
    assert refunded.status_code == 201, refunded.text

    def adjust(amount: str) -> dict:
        answer = client.post("/v1/customer-balance-adjustments", json={
            "customerId": customer["id"], "amountInMajorCurrency": amount, "description": f"adjust {amount}"},
            headers=auth)
        assert answer.status_code == 201, answer.text
        return answer.json()

    debit, credit = adjust("-10.00"), adjust("3.00")
    cancelled = create_customer_payment(client, auth, customer["id"], "2.00")
    assert client.post(f"/v1/payments/{cancelled['id']}/cancel", json={}, headers=auth).status_code == 200
    return {"customer": customer, "invoice": invoice, "payment": payment, "refund": refunded.json(),
            "debit": debit, "credit": credit, "cancelled": cancelled}


def _customer_payments(client, auth, customer_id: int, **params) -> list[dict]:
    return _rows(client.get("/v1/customer-payments", params={"customer_id": customer_id, **params}, headers=auth))


def test_vendor_notes_customer_payments_list_refunds_and_adjustments_as_debits_by_txn_type(client, auth):
    ledger = _ledger_of_one_customer(client, auth)
    rows = _customer_payments(client, auth, ledger["customer"]["id"], sort="paymentDate")
    by_type = {(row["txnType"], row["id"]): row for row in rows}
    assert set(by_type) == {("PAYMENT", ledger["payment"]["id"]), ("REFUND", ledger["refund"]["id"]),
                            ("ADJUSTMENT", ledger["debit"]["id"]), ("ADJUSTMENT", ledger["credit"]["id"]),
                            ("PAYMENT_CANCELLED", ledger["cancelled"]["id"])}
    refund = by_type[("REFUND", ledger["refund"]["id"])]
    # A debit row: signed by its effect on the balance, with the refund's method, invoice and description.
    assert refund["amountInMajorCurrency"] == Decimal("-5.00") and refund["resultingCustomerBalance"] == 15
    assert (refund["type"], refund["invoiceId"], refund["invoiceNumber"], refund["billRunType"]) \
        == ("CHEQUE", ledger["invoice"]["id"], ledger["invoice"]["number"], "NORMAL")
    assert refund["description"] == "goodwill" and refund["reference"] is None and refund["currencyId"] == 826
    assert refund["customerPaymentType"] == "CUSTOMER" and refund["customerId"] == ledger["customer"]["id"]
    debit = by_type[("ADJUSTMENT", ledger["debit"]["id"])]
    assert debit["amountInMajorCurrency"] == Decimal("-10.00") and debit["resultingCustomerBalance"] == 5
    assert debit["type"] is None and debit["invoiceId"] is None  # the customer's credit covered it
    credit = by_type[("ADJUSTMENT", ledger["credit"]["id"])]
    assert credit["amountInMajorCurrency"] == Decimal("3.00") and credit["resultingCustomerBalance"] == 8
    payment = by_type[("PAYMENT", ledger["payment"]["id"])]
    assert payment["amountInMajorCurrency"] == Decimal("50.00") and payment["resultingCustomerBalance"] == 20
    assert payment["invoiceId"] == ledger["invoice"]["id"]
    # What the rows add up to is what the customer paid, net: the balance plus what was invoiced.
    live = [row for row in rows if row["txnType"] != "PAYMENT_CANCELLED"]
    balance = json.loads(client.get("/v1/customer-balances", params={"customer_id": ledger["customer"]["id"]},
                                    headers=auth).text, parse_float=Decimal)["balance"]
    assert sum(row["amountInMajorCurrency"] for row in live) == balance + Decimal("30.00") == Decimal("38.00")


def test_vendor_notes_exclude_debits_and_exclude_credits_keep_one_side_each(client, auth):
    ledger = _ledger_of_one_customer(client, auth)
    customer_id = ledger["customer"]["id"]

    def listed(**params) -> set[tuple[str, int]]:
        return {(row["txnType"], row["id"]) for row in _customer_payments(client, auth, customer_id, **params)}

    credits = {("PAYMENT", ledger["payment"]["id"]), ("PAYMENT_CANCELLED", ledger["cancelled"]["id"]),
               ("ADJUSTMENT", ledger["credit"]["id"])}
    debits = {("REFUND", ledger["refund"]["id"]), ("ADJUSTMENT", ledger["debit"]["id"])}
    assert listed() == credits | debits
    assert listed(excludeDebits="true") == credits
    assert listed(excludeCredits="TRUE") == debits
    assert listed(excludeDebits="false", excludeCredits="false") == credits | debits
    assert listed(excludeDebits="true", excludeCredits="true") == set()
    answer = client.head("/v1/customer-payments", params={"customer_id": customer_id, "excludeCredits": "true"},
                         headers=auth)
    assert answer.status_code == 200 and answer.headers["X-Total-Count"] == "2"
    for parameter in ("excludeDebits", "excludeCredits"):
        _assert_bad_parameter(client.get("/v1/customer-payments", params={"customer_id": customer_id,
                                                                          parameter: "yes"}, headers=auth), parameter)
