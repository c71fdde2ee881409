from __future__ import annotations

from decimal import Decimal

from tests.factories import create_customer


def test_create_customer_answers_201_with_the_resource(client, auth):
    response = client.post("/v1/customers", json={"name": "Acme Ltd", "currency": "GBP", "creditThreshold": 250.5},
                           headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "Acme Ltd"
    assert body["currency"] == "GBP"
    assert Decimal(str(body["creditThreshold"])) == Decimal("250.50")
    assert '"creditThreshold":250.50' in response.text  # exact decimal number on the wire
    assert body["status"] == "ACTIVE"
    assert body["number"].startswith("CUS-")
    assert len(body["locator"]) == 26
    assert response.headers["location"] == f"/v1/customers/{body['id']}"
    fetched = client.get(f"/v1/customers/{body['id']}", headers=auth)
    assert fetched.status_code == 200
    assert fetched.json() == body


def test_only_name_and_currency_are_required(client, auth):
    response = client.post("/v1/customers", json={"name": "Solo", "currency": "JPY"}, headers=auth)
    assert response.status_code == 201
    assert response.json()["creditThreshold"] == 0


def test_unknown_currency_is_400_naming_the_field(client, auth):
    response = client.post("/v1/customers", json={"name": "X", "currency": "XYZ"}, headers=auth)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request"
    assert body["errors"][0]["field"] == "currency"


def test_more_decimals_than_the_currency_has_is_400(client, auth):
    response = client.post("/v1/customers", json={"name": "X", "currency": "JPY", "creditThreshold": 10.5},
                           headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "creditThreshold"


def test_negative_threshold_is_400(client, auth):
    response = client.post("/v1/customers", json={"name": "X", "currency": "GBP", "creditThreshold": -1},
                           headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "creditThreshold"


def test_malformed_json_is_400_and_writes_nothing(client, auth):
    response = client.post("/v1/customers", content=b'{"name": "X", "currency":',
                           headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"
    assert client.get("/v1/customers", headers=auth).headers["X-Total-Count"] == "0"


def test_unknown_customer_is_404(client, auth):
    response = client.get("/v1/customers/999999", headers=auth)
    assert response.status_code == 404
    assert response.json()["error"] == "Not Found"


def test_other_tenant_cannot_see_customer(client, auth, other_auth):
    customer = create_customer(client, auth)
    assert client.get(f"/v1/customers/{customer['id']}", headers=other_auth).status_code == 404
    listing = client.get("/v1/customers", headers=other_auth)
    assert listing.json() == []
    assert listing.headers["X-Total-Count"] == "0"


def test_patch_replaces_name_and_bumps_version(client, auth):
    customer = create_customer(client, auth)
    response = client.patch(f"/v1/customers/{customer['id']}", json=[{"op": "replace", "path": "/name", "value": "New"}],
                            headers={**auth, "Content-Type": "application/json-patch+json"})
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "New"
    assert response.json()["version"] == customer["version"] + 1


def test_patch_of_read_only_path_is_refused(client, auth):
    customer = create_customer(client, auth)
    response = client.patch(f"/v1/customers/{customer['id']}", json=[{"op": "replace", "path": "/id", "value": 5}],
                            headers={**auth, "Content-Type": "application/json-patch+json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "id"


def test_failing_test_op_is_409_and_changes_nothing(client, auth):
    customer = create_customer(client, auth)
    response = client.patch(
        f"/v1/customers/{customer['id']}",
        json=[{"op": "test", "path": "/name", "value": "Other"}, {"op": "replace", "path": "/name", "value": "New"}],
        headers={**auth, "Content-Type": "application/json-patch+json"})
    assert response.status_code == 409
    assert client.get(f"/v1/customers/{customer['id']}", headers=auth).json()["name"] == "Acme Ltd"


def test_if_match_mismatch_is_412(client, auth):
    customer = create_customer(client, auth)
    response = client.patch(f"/v1/customers/{customer['id']}", json=[{"op": "replace", "path": "/name", "value": "N"}],
                            headers={**auth, "Content-Type": "application/json-patch+json", "If-Match": '"99"'})
    assert response.status_code == 412
    ok = client.patch(f"/v1/customers/{customer['id']}", json=[{"op": "replace", "path": "/name", "value": "N"}],
                      headers={**auth, "Content-Type": "application/json-patch+json", "If-Match": '"1"'})
    assert ok.status_code == 200


def test_delete_customer(client, auth):
    customer = create_customer(client, auth)
    assert client.delete(f"/v1/customers/{customer['id']}", headers=auth).status_code == 204
    assert client.get(f"/v1/customers/{customer['id']}", headers=auth).status_code == 404


def test_idempotency_key_replays_the_first_response(client, auth):
    headers = {**auth, "Idempotency-Key": "abc-123"}
    first = client.post("/v1/customers", json={"name": "Once", "currency": "GBP"}, headers=headers)
    second = client.post("/v1/customers", json={"name": "Once", "currency": "GBP"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert client.get("/v1/customers", headers=auth).headers["X-Total-Count"] == "1"


def test_idempotency_key_with_another_body_is_400(client, auth):
    headers = {**auth, "Idempotency-Key": "abc-456"}
    assert client.post("/v1/customers", json={"name": "A", "currency": "GBP"}, headers=headers).status_code == 201
    response = client.post("/v1/customers", json={"name": "B", "currency": "GBP"}, headers=headers)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_failed_request_releases_its_idempotency_key(client, auth):
    headers = {**auth, "Idempotency-Key": "retry-me"}
    bad = client.post("/v1/customers", json={"name": "A", "currency": "XYZ"}, headers=headers)
    assert bad.status_code == 400
    # Same key, same (still bad) body: evaluated again rather than stuck.
    again = client.post("/v1/customers", json={"name": "A", "currency": "XYZ"}, headers=headers)
    assert again.status_code == 400


def test_customer_with_a_bill_cannot_be_deleted(client, auth):
    customer = create_customer(client, auth)
    bill = client.post("/v1/bills", json={"customerId": customer["id"]}, headers=auth)
    assert bill.status_code == 201, bill.text
    response = client.delete(f"/v1/customers/{customer['id']}", headers=auth)
    assert response.status_code == 409
    assert "bills" in response.json()["message"]
