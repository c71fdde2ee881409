from __future__ import annotations

from decimal import Decimal

from tests.factories import create_billing_cycle, create_bill_run, create_customer, create_invoice

PATCH = {"Content-Type": "application/json-patch+json"}


def test_create_bill_run_answers_201_open(client, auth):
    response = client.post("/v1/bill-runs", json={"type": "ADHOC", "runDate": "2024-05-31",
                                                  "description": "May"}, headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["type"], body["status"], body["runDate"], body["description"]) == ("ADHOC", "OPEN", "2024-05-31",
                                                                                    "May")
    assert body["closedAt"] is None
    assert response.headers["location"] == f"/v1/bill-runs/{body['id']}"
    assert client.get(f"/v1/bill-runs/{body['id']}", headers=auth).json() == body


def test_bill_run_defaults_to_a_normal_run_today(client, auth):
    response = client.post("/v1/bill-runs", json={}, headers=auth)
    assert response.status_code == 201
    assert response.json()["type"] == "NORMAL"


def test_billing_cycle_must_exist_in_the_tenant(client, auth, other_auth):
    response = client.post("/v1/bill-runs", json={"billingCycleId": 98765}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "billingCycleId"
    foreign = create_billing_cycle(client, other_auth)
    assert client.post("/v1/bill-runs", json={"billingCycleId": foreign["id"]}, headers=auth).status_code == 400
    own = create_billing_cycle(client, auth)
    assert create_bill_run(client, auth, billingCycleId=own["id"])["billingCycleId"] == own["id"]


def test_closing_posts_every_draft_invoice_of_the_run(client, auth):
    run = create_bill_run(client, auth)
    customer = create_customer(client, auth)
    drafts = [create_invoice(client, auth, customer["id"], billRunId=run["id"], totalInMajorCurrency=total)
              for total in ("10.00", "0")]
    outside = create_invoice(client, auth, customer["id"])
    response = client.post(f"/v1/bill-runs/{run['id']}/close", headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "CLOSED"
    assert response.json()["closedAt"] is not None
    posted = [client.get(f"/v1/invoices/{invoice['id']}", headers=auth).json() for invoice in drafts]
    assert [invoice["status"] for invoice in posted] == ["POSTED", "POSTED"]
    assert [invoice["paymentStatus"] for invoice in posted] == ["UNPAID", "PAID"]
    assert Decimal(str(posted[0]["outstandingInMajorCurrency"])) == Decimal("10.00")
    assert posted[0]["version"] == drafts[0]["version"] + 1
    assert client.get(f"/v1/invoices/{outside['id']}", headers=auth).json()["status"] == "DRAFT"


def test_closing_leaves_cancelled_invoices_cancelled(client, auth):
    run = create_bill_run(client, auth)
    invoice = create_invoice(client, auth, billRunId=run["id"])
    client.post(f"/v1/invoices/{invoice['id']}/cancel", headers=auth)
    client.post(f"/v1/bill-runs/{run['id']}/close", headers=auth)
    assert client.get(f"/v1/invoices/{invoice['id']}", headers=auth).json()["status"] == "CANCELLED"


def test_closing_twice_is_409_naming_the_state(client, auth):
    run = create_bill_run(client, auth)
    assert client.post(f"/v1/bill-runs/{run['id']}/close", headers=auth).status_code == 200
    response = client.post(f"/v1/bill-runs/{run['id']}/close", headers=auth)
    assert response.status_code == 409
    assert "CLOSED" in response.json()["message"]


def test_customer_values_total_the_draft_invoices_per_customer(client, auth):
    run = create_bill_run(client, auth)
    gbp = create_customer(client, auth)
    jpy = create_customer(client, auth, currency="JPY")
    create_invoice(client, auth, gbp["id"], billRunId=run["id"], totalInMajorCurrency="10.25")
    create_invoice(client, auth, gbp["id"], billRunId=run["id"], totalInMajorCurrency="5.50")
    create_invoice(client, auth, gbp["id"], billRunId=run["id"], totalInMajorCurrency="99", status="POSTED")
    create_invoice(client, auth, jpy["id"], billRunId=run["id"], totalInMajorCurrency="700")
    create_invoice(client, auth, jpy["id"], totalInMajorCurrency="1")  # not in the run
    response = client.get(f"/v1/bill-runs/{run['id']}/customer-values", headers=auth)
    assert response.status_code == 200
    assert response.json() == [
        {"customerId": gbp["id"], "currency": "GBP", "valueInMajorCurrency": 15.75},
        {"customerId": jpy["id"], "currency": "JPY", "valueInMajorCurrency": 700},
    ]
    client.post(f"/v1/bill-runs/{run['id']}/close", headers=auth)
    assert client.get(f"/v1/bill-runs/{run['id']}/customer-values", headers=auth).json() == []


def test_only_the_description_can_be_patched(client, auth):
    run = create_bill_run(client, auth)
    response = client.patch(f"/v1/bill-runs/{run['id']}",
                            json=[{"op": "replace", "path": "/description", "value": "Rerun"}],
                            headers={**auth, **PATCH})
    assert response.status_code == 200, response.text
    assert response.json()["description"] == "Rerun"
    for path, value in (("/status", "CLOSED"), ("/type", "ADHOC"), ("/runDate", "2024-01-01")):
        refused = client.patch(f"/v1/bill-runs/{run['id']}", json=[{"op": "replace", "path": path, "value": value}],
                               headers={**auth, **PATCH})
        assert refused.status_code == 400, path
        assert refused.json()["errors"][0]["field"] == path[1:]


def test_list_filters_bill_runs(client, auth):
    normal = create_bill_run(client, auth, runDate="2024-01-31")
    adhoc = create_bill_run(client, auth, type="ADHOC", runDate="2024-02-29")
    client.post(f"/v1/bill-runs/{adhoc['id']}/close", headers=auth)

    def ids(**params):
        response = client.get("/v1/bill-runs", params=params, headers=auth)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()]

    assert ids() == [normal["id"], adhoc["id"]]
    assert ids(type="ADHOC") == [adhoc["id"]]
    assert ids(status="OPEN") == [normal["id"]]
    assert ids(runDate="gt:2024-01-31") == [adhoc["id"]]
    assert ids(sort="runDate:desc") == [adhoc["id"], normal["id"]]
    assert client.head("/v1/bill-runs", params={"status": "CLOSED"}, headers=auth).headers["X-Total-Count"] == "1"
    assert client.get("/v1/bill-runs", params={"sort": "description"}, headers=auth).status_code == 400


def test_other_tenant_gets_404_for_every_bill_run_operation(client, auth, other_auth):
    run = create_bill_run(client, auth)
    path = f"/v1/bill-runs/{run['id']}"
    assert client.get(path, headers=other_auth).status_code == 404
    assert client.patch(path, json=[{"op": "replace", "path": "/description", "value": "x"}],
                        headers={**other_auth, **PATCH}).status_code == 404
    assert client.post(f"{path}/close", headers=other_auth).status_code == 404
    assert client.get(f"{path}/customer-values", headers=other_auth).status_code == 404
    listing = client.get("/v1/bill-runs", headers=other_auth)
    assert listing.json() == [] and listing.headers["X-Total-Count"] == "0"
    assert client.head("/v1/bill-runs", headers=other_auth).status_code == 404
    assert client.get(path, headers=auth).json()["status"] == "OPEN"
