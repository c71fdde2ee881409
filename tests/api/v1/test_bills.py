from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update

from ledgerline.models import Invoice
from tests.factories import create_bill, create_customer, create_invoice

PATCH = {"Content-Type": "application/json-patch+json"}


def settle(session, invoice_id: int, outstanding_minor: int) -> None:
    """Stand-in for payments: set what is still owed on a posted invoice."""
    session.execute(update(Invoice).where(Invoice.id == invoice_id).values(outstanding_minor=outstanding_minor))
    session.flush()


def amount(value) -> Decimal:
    return Decimal(str(value))


def test_create_bill_answers_201(client, auth):
    customer = create_customer(client, auth, currency="EUR")
    response = client.post("/v1/bills", json={"customerId": customer["id"], "billNumberCheckDigit": 0,
                                              "accountsReceivableCheckDigit": 4, "billAmountCheckDigit": 42,
                                              "periodStart": "2024-05-01", "periodEnd": "2024-05-31"}, headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["number"].startswith("BILL-")
    assert (body["billNumberCheckDigit"], body["accountsReceivableCheckDigit"], body["billAmountCheckDigit"]) == (0, 4, 42)
    assert body["currency"] == "EUR"
    assert body["status"] == "UNSETTLED"
    assert '"totalInMajorCurrency":0.00' in response.text
    assert response.headers["location"] == f"/v1/bills/{body['id']}"
    assert client.get(f"/v1/bills/{body['id']}", headers=auth).json() == body


def test_each_check_digit_is_0_to_99(client, auth):
    customer = create_customer(client, auth)
    for name in ("billNumberCheckDigit", "accountsReceivableCheckDigit", "billAmountCheckDigit"):
        for digit in ("", "1a", -1, 100, 1.5):
            response = client.post("/v1/bills", json={"customerId": customer["id"], name: digit}, headers=auth)
            assert response.status_code == 400, (name, digit)
            assert response.json()["errors"][0]["field"] == name


def test_period_end_before_start_is_400(client, auth):
    customer = create_customer(client, auth)
    response = client.post("/v1/bills", json={"customerId": customer["id"], "periodStart": "2024-05-02",
                                              "periodEnd": "2024-05-01"}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "periodEnd"


def test_unknown_customer_is_400(client, auth):
    response = client.post("/v1/bills", json={"customerId": 99999}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "customerId"


def test_bill_totals_count_only_posted_invoices(client, auth):
    bill = create_bill(client, auth)
    create_invoice(client, auth, bill["customerId"], billId=bill["id"], totalInMajorCurrency="40.00")
    create_invoice(client, auth, bill["customerId"], billId=bill["id"], totalInMajorCurrency="60.00", status="POSTED")
    body = client.get(f"/v1/bills/{bill['id']}", headers=auth).json()
    assert amount(body["totalInMajorCurrency"]) == Decimal("60.00")
    assert amount(body["outstandingInMajorCurrency"]) == Decimal("60.00")
    assert body["status"] == "UNSETTLED"


def test_bill_status_follows_its_posted_invoices(client, auth, session):
    bill = create_bill(client, auth)
    first = create_invoice(client, auth, bill["customerId"], billId=bill["id"], status="POSTED")
    second = create_invoice(client, auth, bill["customerId"], billId=bill["id"], status="POSTED")

    def status():
        return client.get(f"/v1/bills/{bill['id']}", headers=auth).json()

    assert status()["status"] == "UNSETTLED"  # nothing paid
    settle(session, first["id"], 0)
    partly = status()
    assert partly["status"] == "PARTIALLY_SETTLED"
    assert amount(partly["outstandingInMajorCurrency"]) == Decimal("100.00")
    assert amount(partly["totalInMajorCurrency"]) == Decimal("200.00")
    settle(session, second["id"], 0)
    assert status()["status"] == "SETTLED"


def test_bill_with_only_draft_invoices_is_unsettled(client, auth):
    bill = create_bill(client, auth)
    create_invoice(client, auth, bill["customerId"], billId=bill["id"], totalInMajorCurrency=0)
    assert client.get(f"/v1/bills/{bill['id']}", headers=auth).json()["status"] == "UNSETTLED"


def test_list_filters_bills_by_derived_status(client, auth, session):
    unsettled = create_bill(client, auth)
    settled = create_bill(client, auth, unsettled["customerId"])
    invoice = create_invoice(client, auth, settled["customerId"], billId=settled["id"], status="POSTED")
    settle(session, invoice["id"], 0)

    def ids(**params):
        response = client.get("/v1/bills", params=params, headers=auth)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()]

    assert ids(status="SETTLED") == [settled["id"]]
    assert ids(status="in:UNSETTLED,PARTIALLY_SETTLED") == [unsettled["id"]]
    assert ids(customerId=unsettled["customerId"], sort="id:desc") == [settled["id"], unsettled["id"]]
    assert ids(number=settled["number"]) == [settled["id"]]
    assert client.head("/v1/bills", params={"status": "SETTLED"}, headers=auth).headers["X-Total-Count"] == "1"
    assert client.head("/v1/bills", params={"status": "PARTIALLY_SETTLED"}, headers=auth).status_code == 404
    assert client.get("/v1/bills", params={"status": "PAID"}, headers=auth).status_code == 400
    projected = client.get("/v1/bills", params={"fields": "id,status", "pageSize": 1}, headers=auth)
    assert projected.json() == [{"id": unsettled["id"], "status": "UNSETTLED"}]


def test_patch_bill(client, auth):
    bill = create_bill(client, auth)
    response = client.patch(f"/v1/bills/{bill['id']}", json=[{"op": "add", "path": "/billAmountCheckDigit", "value": 77}],
                            headers={**auth, **PATCH})
    assert response.status_code == 200, response.text
    assert response.json()["billAmountCheckDigit"] == 77
    assert response.json()["version"] == bill["version"] + 1
    refused = client.patch(f"/v1/bills/{bill['id']}", json=[{"op": "replace", "path": "/status", "value": "SETTLED"}],
                           headers={**auth, **PATCH})
    assert refused.status_code == 400


def test_bill_with_invoices_keeps_its_customer_and_cannot_be_deleted(client, auth):
    bill = create_bill(client, auth)
    create_invoice(client, auth, bill["customerId"], billId=bill["id"])
    other = create_customer(client, auth)
    response = client.patch(f"/v1/bills/{bill['id']}",
                            json=[{"op": "replace", "path": "/customerId", "value": other["id"]}],
                            headers={**auth, **PATCH})
    assert response.status_code == 409
    assert client.delete(f"/v1/bills/{bill['id']}", headers=auth).status_code == 409


def test_delete_bill_without_invoices(client, auth):
    bill = create_bill(client, auth)
    assert client.delete(f"/v1/bills/{bill['id']}", headers=auth).status_code == 204
    assert client.get(f"/v1/bills/{bill['id']}", headers=auth).status_code == 404


def test_other_tenant_gets_404_for_every_bill_operation(client, auth, other_auth):
    bill = create_bill(client, auth)
    path = f"/v1/bills/{bill['id']}"
    assert client.get(path, headers=other_auth).status_code == 404
    assert client.patch(path, json=[{"op": "add", "path": "/billNumberCheckDigit", "value": 1}],
                        headers={**other_auth, **PATCH}).status_code == 404
    assert client.delete(path, headers=other_auth).status_code == 404
    listing = client.get("/v1/bills", headers=other_auth)
    assert listing.json() == [] and listing.headers["X-Total-Count"] == "0"
    assert client.head("/v1/bills", headers=other_auth).status_code == 404
    assert client.get(path, headers=auth).status_code == 200
