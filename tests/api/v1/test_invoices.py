from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import bearer
from tests.factories import create_bill, create_bill_run, create_customer, create_invoice

PATCH = {"Content-Type": "application/json-patch+json"}


def patch(client, auth, invoice_id, *operations, **headers):
    return client.patch(f"/v1/invoices/{invoice_id}", json=list(operations), headers={**auth, **PATCH, **headers})


def replace(path, value):
    return {"op": "replace", "path": path, "value": value}


def amount(value) -> Decimal:
    return Decimal(str(value))


def test_create_invoice_answers_201_with_a_draft(client, auth):
    customer = create_customer(client, auth)
    response = client.post("/v1/invoices", json={
        "customerId": customer["id"], "issueDate": "2024-05-01", "dueDate": "2024-05-31",
        "totalInMajorCurrency": 120.5, "referenceNumber": "PO-1"}, headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["number"].startswith("INV-") and len(body["number"]) == 11
    assert body["status"] == "DRAFT"
    assert body["paymentStatus"] == "NA"
    assert body["billRunType"] == "NORMAL"
    assert body["currency"] == "GBP"
    assert '"totalInMajorCurrency":120.50' in response.text
    assert amount(body["outstandingInMajorCurrency"]) == 0  # nothing is owed until posted
    assert body["postedAt"] is None
    assert response.headers["location"] == f"/v1/invoices/{body['id']}"
    assert client.get(f"/v1/invoices/{body['id']}", headers=auth).json() == body


def test_invoice_numbers_follow_each_other(client, auth):
    first = create_invoice(client, auth)
    second = create_invoice(client, auth, first["customerId"])
    assert int(second["number"][4:]) == int(first["number"][4:]) + 1


def test_due_date_defaults_to_issue_date(client, auth):
    customer = create_customer(client, auth)
    response = client.post("/v1/invoices", json={"customerId": customer["id"], "issueDate": "2024-05-01",
                                                 "totalInMajorCurrency": 10}, headers=auth)
    assert response.status_code == 201
    assert response.json()["dueDate"] == "2024-05-01"


def test_due_date_before_issue_date_is_400_naming_due_date(client, auth):
    customer = create_customer(client, auth)
    response = client.post("/v1/invoices", json={"customerId": customer["id"], "issueDate": "2024-05-10",
                                                 "dueDate": "2024-05-09", "totalInMajorCurrency": 10}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "dueDate"


def test_unknown_customer_is_400_naming_customer_id(client, auth):
    response = client.post("/v1/invoices", json={"customerId": 987654, "totalInMajorCurrency": 1}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "customerId"


def test_negative_total_is_400(client, auth):
    customer = create_customer(client, auth)
    response = client.post("/v1/invoices", json={"customerId": customer["id"], "totalInMajorCurrency": -1},
                           headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "totalInMajorCurrency"


def test_currency_is_the_customers_and_cannot_be_sent(client, auth):
    customer = create_customer(client, auth, currency="EUR")
    response = client.post("/v1/invoices", json={"customerId": customer["id"], "totalInMajorCurrency": 1,
                                                 "currency": "GBP"}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "currency"
    assert create_invoice(client, auth, customer["id"])["currency"] == "EUR"


def test_jpy_totals_have_no_decimals(client, auth):
    customer = create_customer(client, auth, currency="JPY", creditThreshold=1000)
    invoice = create_invoice(client, auth, customer["id"], totalInMajorCurrency=1500)
    assert invoice["currency"] == "JPY"
    assert amount(invoice["totalInMajorCurrency"]) == 1500
    response = client.post("/v1/invoices", json={"customerId": customer["id"], "totalInMajorCurrency": "1500.5"},
                           headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "totalInMajorCurrency"


def test_bhd_totals_have_three_decimals(client, auth):
    customer = create_customer(client, auth, currency="BHD")
    response = client.post("/v1/invoices", json={"customerId": customer["id"], "totalInMajorCurrency": 12.345,
                                                 "status": "POSTED"}, headers=auth)
    assert response.status_code == 201
    assert '"totalInMajorCurrency":12.345' in response.text
    assert '"outstandingInMajorCurrency":12.345' in response.text
    too_precise = client.post("/v1/invoices", json={"customerId": customer["id"], "totalInMajorCurrency": 12.3456},
                              headers=auth)
    assert too_precise.status_code == 400
    assert too_precise.json()["errors"][0]["field"] == "totalInMajorCurrency"


def test_too_precise_gbp_total_is_400(client, auth):
    customer = create_customer(client, auth)
    response = client.post("/v1/invoices", json={"customerId": customer["id"], "totalInMajorCurrency": 0.001},
                           headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "totalInMajorCurrency"


def test_create_may_post_directly(client, auth):
    invoice = create_invoice(client, auth, status="POSTED", totalInMajorCurrency="80.00")
    assert invoice["status"] == "POSTED"
    assert invoice["paymentStatus"] == "UNPAID"
    assert amount(invoice["outstandingInMajorCurrency"]) == Decimal("80.00")
    assert invoice["postedAt"] is not None


def test_create_cannot_ask_for_cancelled(client, auth):
    customer = create_customer(client, auth)
    response = client.post("/v1/invoices", json={"customerId": customer["id"], "totalInMajorCurrency": 1,
                                                 "status": "CANCELLED"}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"


def test_post_makes_the_whole_total_outstanding(client, auth):
    invoice = create_invoice(client, auth)
    response = client.post(f"/v1/invoices/{invoice['id']}/post", headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "POSTED"
    assert body["paymentStatus"] == "UNPAID"
    assert amount(body["outstandingInMajorCurrency"]) == Decimal("100.00")
    assert body["version"] == invoice["version"] + 1
    assert response.headers["ETag"] == f'"{body["version"]}"'


def test_posting_a_zero_invoice_makes_it_paid(client, auth):
    invoice = create_invoice(client, auth, totalInMajorCurrency=0)
    body = client.post(f"/v1/invoices/{invoice['id']}/post", headers=auth).json()
    assert body["paymentStatus"] == "PAID"


@pytest.mark.parametrize("state", ["POSTED", "CANCELLED"])
def test_posting_twice_is_409_naming_the_state(client, auth, state):
    invoice = create_invoice(client, auth, status="POSTED")
    if state == "CANCELLED":
        assert client.post(f"/v1/invoices/{invoice['id']}/cancel", headers=auth).status_code == 200
    response = client.post(f"/v1/invoices/{invoice['id']}/post", headers=auth)
    assert response.status_code == 409
    assert state in response.json()["message"]


def test_cancel_a_draft(client, auth):
    invoice = create_invoice(client, auth)
    response = client.post(f"/v1/invoices/{invoice['id']}/cancel", headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "CANCELLED"
    assert body["paymentStatus"] == "NA"
    assert body["cancelledAt"] is not None


def test_cancel_a_posted_invoice_clears_its_outstanding(client, auth):
    invoice = create_invoice(client, auth, status="POSTED")
    body = client.post(f"/v1/invoices/{invoice['id']}/cancel", headers=auth).json()
    assert body["status"] == "CANCELLED"
    assert amount(body["outstandingInMajorCurrency"]) == 0
    assert body["paymentStatus"] == "NA"


def test_cancelling_twice_is_409_naming_the_state(client, auth):
    invoice = create_invoice(client, auth)
    client.post(f"/v1/invoices/{invoice['id']}/cancel", headers=auth)
    response = client.post(f"/v1/invoices/{invoice['id']}/cancel", headers=auth)
    assert response.status_code == 409
    assert "CANCELLED" in response.json()["message"]


def test_transitions_of_unknown_invoice_are_404(client, auth):
    assert client.post("/v1/invoices/424242/post", headers=auth).status_code == 404
    assert client.post("/v1/invoices/424242/cancel", headers=auth).status_code == 404


def test_post_with_idempotency_key_replays_instead_of_409(client, auth):
    invoice = create_invoice(client, auth)
    headers = {**auth, "Idempotency-Key": "post-once"}
    first = client.post(f"/v1/invoices/{invoice['id']}/post", headers=headers)
    second = client.post(f"/v1/invoices/{invoice['id']}/post", headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"


def test_create_with_idempotency_key_creates_once(client, auth):
    customer = create_customer(client, auth)
    headers = {**auth, "Idempotency-Key": "inv-1"}
    body = {"customerId": customer["id"], "totalInMajorCurrency": 5}
    first = client.post("/v1/invoices", json=body, headers=headers)
    second = client.post("/v1/invoices", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert client.get("/v1/invoices", headers=auth).headers["X-Total-Count"] == "1"


def test_duplicate_back_office_code_is_409(client, auth):
    first = create_invoice(client, auth, backOfficeCode="BO-1")
    response = client.post("/v1/invoices", json={"customerId": first["customerId"], "totalInMajorCurrency": 1,
                                                 "backOfficeCode": "BO-1"}, headers=auth)
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "backOfficeCode"
    other = create_invoice(client, auth, first["customerId"])
    assert patch(client, auth, other["id"], replace("/backOfficeCode", "BO-1")).status_code == 409


def test_back_office_codes_are_unique_per_tenant_only(client, auth, other_auth):
    create_invoice(client, auth, backOfficeCode="BO-9")
    create_invoice(client, other_auth, backOfficeCode="BO-9")


def test_draft_may_change_any_writable_field(client, auth):
    invoice = create_invoice(client, auth)
    response = patch(client, auth, invoice["id"], replace("/totalInMajorCurrency", 55.5),
                     replace("/issueDate", "2024-06-01"), replace("/dueDate", "2024-06-30"),
                     replace("/referenceNumber", "R-2"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert amount(body["totalInMajorCurrency"]) == Decimal("55.50")
    assert (body["issueDate"], body["dueDate"], body["referenceNumber"]) == ("2024-06-01", "2024-06-30", "R-2")
    assert amount(body["outstandingInMajorCurrency"]) == 0
    assert body["version"] == invoice["version"] + 1


def test_patch_moving_due_date_before_issue_date_is_400(client, auth):
    invoice = create_invoice(client, auth)
    response = patch(client, auth, invoice["id"], replace("/dueDate", "2024-04-01"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "dueDate"


def test_patch_moving_draft_to_a_jpy_customer_takes_its_currency(client, auth):
    invoice = create_invoice(client, auth, totalInMajorCurrency="100")
    yen = create_customer(client, auth, currency="JPY")
    response = patch(client, auth, invoice["id"], replace("/customerId", yen["id"]))
    assert response.status_code == 200, response.text
    assert response.json()["currency"] == "JPY"
    assert amount(response.json()["totalInMajorCurrency"]) == 100
    fractional = create_invoice(client, auth, totalInMajorCurrency="10.50")
    refused = patch(client, auth, fractional["id"], replace("/customerId", yen["id"]))
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "totalInMajorCurrency"


@pytest.mark.parametrize("path", ["/currency", "/status", "/outstandingInMajorCurrency", "/paymentStatus"])
def test_read_only_fields_cannot_be_patched(client, auth, path):
    invoice = create_invoice(client, auth)
    response = patch(client, auth, invoice["id"], replace(path, "X"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == path[1:]


@pytest.mark.parametrize("state", ["POSTED", "CANCELLED"])
def test_after_draft_only_references_can_change(client, auth, state):
    invoice = create_invoice(client, auth, status="POSTED")
    if state == "CANCELLED":
        client.post(f"/v1/invoices/{invoice['id']}/cancel", headers=auth)
    ok = patch(client, auth, invoice["id"], replace("/referenceNumber", "R-9"), replace("/backOfficeCode", "B-9"))
    assert ok.status_code == 200, ok.text
    assert (ok.json()["referenceNumber"], ok.json()["backOfficeCode"]) == ("R-9", "B-9")
    refused = patch(client, auth, invoice["id"], replace("/totalInMajorCurrency", 1))
    assert refused.status_code == 409
    assert state in refused.json()["message"]


def test_patch_with_stale_if_match_is_412(client, auth):
    invoice = create_invoice(client, auth)
    response = patch(client, auth, invoice["id"], replace("/referenceNumber", "R"), **{"If-Match": '"42"'})
    assert response.status_code == 412


def test_delete_a_draft(client, auth):
    invoice = create_invoice(client, auth)
    assert client.delete(f"/v1/invoices/{invoice['id']}", headers=auth).status_code == 204
    assert client.get(f"/v1/invoices/{invoice['id']}", headers=auth).status_code == 404


def test_deleting_a_posted_invoice_is_409_naming_the_state(client, auth):
    invoice = create_invoice(client, auth, status="POSTED")
    response = client.delete(f"/v1/invoices/{invoice['id']}", headers=auth)
    assert response.status_code == 409
    assert "POSTED" in response.json()["message"]


def test_bill_must_belong_to_the_same_customer(client, auth):
    customer = create_customer(client, auth)
    bill = create_bill(client, auth)
    response = client.post("/v1/invoices", json={"customerId": customer["id"], "totalInMajorCurrency": 1,
                                                 "billId": bill["id"]}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "billId"
    own = create_bill(client, auth, customer["id"])
    assert create_invoice(client, auth, customer["id"], billId=own["id"])["billId"] == own["id"]


def test_bill_run_must_be_open_and_of_the_same_type(client, auth):
    customer = create_customer(client, auth)
    adhoc = create_bill_run(client, auth, type="ADHOC")
    response = client.post("/v1/invoices", json={"customerId": customer["id"], "totalInMajorCurrency": 1,
                                                 "billRunId": adhoc["id"]}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "billRunId"
    assert create_invoice(client, auth, customer["id"], billRunId=adhoc["id"], billRunType="ADHOC")["billRunId"] \
        == adhoc["id"]
    closed = create_bill_run(client, auth)
    client.post(f"/v1/bill-runs/{closed['id']}/close", headers=auth)
    response = client.post("/v1/invoices", json={"customerId": customer["id"], "totalInMajorCurrency": 1,
                                                 "billRunId": closed["id"]}, headers=auth)
    assert response.status_code == 400
    assert "CLOSED" in response.json()["errors"][0]["message"]


def test_list_filters_and_sorts_invoices(client, auth):
    customer = create_customer(client, auth)
    other = create_customer(client, auth)
    a = create_invoice(client, auth, customer["id"], totalInMajorCurrency="10.00", issueDate="2024-01-01",
                       dueDate="2024-01-31", referenceNumber="alpha")
    b = create_invoice(client, auth, customer["id"], totalInMajorCurrency="30.00", issueDate="2024-02-01",
                       dueDate="2024-02-28", status="POSTED")
    c = create_invoice(client, auth, other["id"], totalInMajorCurrency="20.00", issueDate="2024-03-01",
                       dueDate="2024-03-31", billRunType="ADHOC", backOfficeCode="BO-C")

    def ids(**params):
        response = client.get("/v1/invoices", params=params, headers=auth)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()]

    assert ids() == [a["id"], b["id"], c["id"]]
    assert ids(customerId=customer["id"]) == [a["id"], b["id"]]
    assert ids(customerId=f"in:{customer['id']},{other['id']}") == [a["id"], b["id"], c["id"]]
    assert ids(status="POSTED") == [b["id"]]
    assert ids(paymentStatus="NA") == [a["id"], c["id"]]
    assert ids(billRunType="ADHOC") == [c["id"]]
    assert ids(issueDate="gt:2024-01-01") == [b["id"], c["id"]]
    assert ids(issueDate="gtn:2024-02-01") == [b["id"], c["id"]]
    assert ids(dueDate="lt:2024-02-28") == [a["id"]]
    assert ids(number=a["number"]) == [a["id"]]
    assert ids(referenceNumber="like:ALP") == [a["id"]]
    assert ids(backOfficeCode="BO-C") == [c["id"]]
    assert ids(currency="GBP") == [a["id"], b["id"], c["id"]]
    assert ids(totalInMajorCurrency="gt:15") == [b["id"], c["id"]]
    assert ids(totalInMajorCurrency="20") == [c["id"]]
    assert ids(totalInMajorCurrency="in:10,30") == [a["id"], b["id"]]
    assert ids(outstandingInMajorCurrency="gt:0") == [b["id"]]
    assert ids(sort="totalInMajorCurrency:desc") == [b["id"], c["id"], a["id"]]
    assert ids(sort="outstandingInMajorCurrency:desc,id") == [b["id"], a["id"], c["id"]]
    assert ids(sort="dueDate:desc") == [c["id"], b["id"], a["id"]]
    assert ids(sort="status,number:desc") == [c["id"], a["id"], b["id"]]
    paged = client.get("/v1/invoices", params={"page": 2, "pageSize": 2, "fields": "id,number"}, headers=auth)
    assert paged.json() == [{"id": c["id"], "number": c["number"]}]
    assert paged.headers["X-Total-Count"] == "3"


def test_list_bad_parameters_are_400(client, auth):
    for params in ({"sort": "nope"}, {"fields": "nope"}, {"status": "WHATEVER"}, {"issueDate": "2024/01/01"},
                   {"totalInMajorCurrency": "lots"}, {"pageSize": 0}):
        response = client.get("/v1/invoices", params=params, headers=auth)
        assert response.status_code == 400, params


def test_head_answers_200_with_count_or_404(client, auth):
    invoice = create_invoice(client, auth)
    found = client.head("/v1/invoices", params={"customerId": invoice["customerId"]}, headers=auth)
    assert found.status_code == 200
    assert found.headers["X-Total-Count"] == "1"
    assert client.head("/v1/invoices", params={"status": "POSTED"}, headers=auth).status_code == 404


def test_scopes_are_enforced(client, settings, tenant_id, auth):
    invoice = create_invoice(client, auth)
    reader = bearer(settings, tenant_id, "invoices.read")
    assert client.get(f"/v1/invoices/{invoice['id']}", headers=reader).status_code == 200
    assert client.get("/v1/invoices", headers=reader).status_code == 403
    assert client.post(f"/v1/invoices/{invoice['id']}/post", headers=reader).status_code == 403
    writer = bearer(settings, tenant_id, "invoices.write")
    assert client.delete(f"/v1/invoices/{invoice['id']}", headers=writer).status_code == 403
    assert client.delete(f"/v1/invoices/{invoice['id']}", headers=bearer(settings, tenant_id, "invoices.delete")) \
        .status_code == 204


def test_other_tenant_gets_404_for_every_invoice_operation(client, auth, other_auth):
    invoice = create_invoice(client, auth)
    path = f"/v1/invoices/{invoice['id']}"
    assert client.get(path, headers=other_auth).status_code == 404
    assert patch(client, other_auth, invoice["id"], replace("/referenceNumber", "x")).status_code == 404
    assert client.post(f"{path}/post", headers=other_auth).status_code == 404
    assert client.post(f"{path}/cancel", headers=other_auth).status_code == 404
    assert client.delete(path, headers=other_auth).status_code == 404
    listing = client.get("/v1/invoices", headers=other_auth)
    assert listing.json() == [] and listing.headers["X-Total-Count"] == "0"
    assert client.head("/v1/invoices", headers=other_auth).status_code == 404
    assert client.get(path, headers=auth).json()["status"] == "DRAFT"


def test_other_tenants_customer_bill_and_run_cannot_be_referenced(client, auth, other_auth):
    foreign_customer = create_customer(client, other_auth)
    response = client.post("/v1/invoices", json={"customerId": foreign_customer["id"], "totalInMajorCurrency": 1},
                           headers=auth)
    assert response.status_code == 400
    customer = create_customer(client, auth)
    foreign_bill = create_bill(client, other_auth)
    foreign_run = create_bill_run(client, other_auth)
    for field, value in (("billId", foreign_bill["id"]), ("billRunId", foreign_run["id"])):
        response = client.post("/v1/invoices", json={"customerId": customer["id"], "totalInMajorCurrency": 1,
                                                     field: value}, headers=auth)
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == field
