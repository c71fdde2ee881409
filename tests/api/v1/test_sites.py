from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.factories import create_customer, create_site

JSON_PATCH = {"Content-Type": "application/json-patch+json"}
ADDRESS = {"address1": "2 Mill Lane", "town": "Leeds", "postcode": "LS1 4AP", "country": "GB"}


def _patch(client, auth, site_id, operations, **headers):
    return client.patch(f"/v1/sites/{site_id}", json=operations, headers={**auth, **JSON_PATCH, **headers})


def test_create_with_the_minimal_body_answers_201(client, auth):
    customer = create_customer(client, auth)
    response = client.post("/v1/sites", json={"customerId": customer["id"], "name": "Head office"}, headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["customerId"] == customer["id"]
    assert body["name"] == "Head office"
    assert body["status"] == "ACTIVE"
    assert body["reference"] is None
    assert body["address"] is None
    assert body["version"] == 1
    assert response.headers["location"] == f"/v1/sites/{body['id']}"
    assert client.get(f"/v1/sites/{body['id']}", headers=auth).json() == body


def test_create_with_an_address_and_status(client, auth):
    site = create_site(client, auth, reference="SITE-001", status="INACTIVE", address=ADDRESS)
    assert site["status"] == "INACTIVE"
    assert site["reference"] == "SITE-001"
    assert site["address"] == {**ADDRESS, "businessName": None, "address2": None, "address3": None, "county": None}


def test_unknown_customer_is_400_naming_customer_id(client, auth):
    response = client.post("/v1/sites", json={"customerId": 999999, "name": "Nowhere"}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "customerId"


def test_another_tenants_customer_is_400_naming_customer_id(client, auth, other_auth):
    theirs = create_customer(client, other_auth)
    response = client.post("/v1/sites", json={"customerId": theirs["id"], "name": "Theirs"}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "customerId"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"customerId": None}, "customerId"),
    ({"name": ""}, "name"),
    ({"name": "x" * 256}, "name"),
    ({"reference": "x" * 101}, "reference"),
    ({"status": "CLOSED"}, "status"),
    ({"address": {**ADDRESS, "country": "UK"}}, "address.country"),
    ({"address": {**ADDRESS, "town": ""}}, "address.town"),
    ({"address": {"address1": "2 Mill Lane", "town": "Leeds", "country": "GB"}}, "address.postcode"),
    ({"address": "2 Mill Lane, Leeds"}, "address"),
])
def test_each_broken_rule_is_400_naming_the_field(client, auth, overrides, field):
    customer = create_customer(client, auth)
    body = {"customerId": customer["id"], "name": "Site", **overrides}
    response = client.post("/v1/sites", json=body, headers=auth)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == field


def test_json_patch_adds_changes_and_removes_the_address(client, auth):
    site = create_site(client, auth)
    added = _patch(client, auth, site["id"], [{"op": "replace", "path": "/address", "value": ADDRESS}])
    assert added.status_code == 200, added.text
    assert added.json()["address"]["town"] == "Leeds"
    changed = _patch(client, auth, site["id"], [
        {"op": "replace", "path": "/address/town", "value": "York"},
        {"op": "replace", "path": "/address/postcode", "value": "YO1 7HH"},
        {"op": "replace", "path": "/status", "value": "INACTIVE"},
    ])
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["address"]["town"], body["address"]["postcode"], body["status"]) == ("York", "YO1 7HH", "INACTIVE")
    assert body["version"] == 3
    bad = _patch(client, auth, site["id"], [{"op": "replace", "path": "/address/country", "value": "QQ"}])
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "address.country"
    removed = _patch(client, auth, site["id"], [{"op": "replace", "path": "/address", "value": None}])
    assert removed.status_code == 200
    assert removed.json()["address"] is None


def test_json_patch_moves_a_site_only_to_a_customer_of_the_tenant(client, auth, other_auth):
    site = create_site(client, auth)
    mine = create_customer(client, auth, name="Second")
    theirs = create_customer(client, other_auth)
    refused = _patch(client, auth, site["id"], [{"op": "replace", "path": "/customerId", "value": theirs["id"]}])
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "customerId"
    moved = _patch(client, auth, site["id"], [{"op": "replace", "path": "/customerId", "value": mine["id"]}])
    assert moved.status_code == 200
    assert moved.json()["customerId"] == mine["id"]


@pytest.mark.parametrize("path", ["/id", "/locator", "/uuid", "/version", "/createdAt", "/updatedAt"])
def test_json_patch_of_a_read_only_path_is_refused(client, auth, path):
    site = create_site(client, auth)
    response = _patch(client, auth, site["id"], [{"op": "replace", "path": path, "value": "x"}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == path.lstrip("/")


def test_json_patch_with_a_stale_if_match_is_412(client, auth):
    site = create_site(client, auth)
    operations = [{"op": "replace", "path": "/name", "value": "Depot"}]
    assert _patch(client, auth, site["id"], operations, **{"If-Match": '"2"'}).status_code == 412


def test_delete_site_and_then_its_customer(client, auth):
    site = create_site(client, auth)
    customer_path = f"/v1/customers/{site['customerId']}"
    assert client.delete(customer_path, headers=auth).status_code == 409  # the customer still has a site
    assert client.delete(f"/v1/sites/{site['id']}", headers=auth).status_code == 204
    assert client.get(f"/v1/sites/{site['id']}", headers=auth).status_code == 404
    assert client.delete(customer_path, headers=auth).status_code == 204


def test_list_a_customers_sites(client, auth):
    first = create_customer(client, auth)
    second = create_customer(client, auth, name="Other Ltd")
    a = create_site(client, auth, first["id"], name="Alpha")
    b = create_site(client, auth, first["id"], name="Beta", status="INACTIVE")
    create_site(client, auth, second["id"], name="Gamma")
    listing = client.get("/v1/sites", params={"customerId": first["id"], "sort": "name:desc"}, headers=auth)
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()] == [b["id"], a["id"]]
    assert listing.headers["X-Total-Count"] == "2"
    inactive = client.get("/v1/sites", params={"status": "INACTIVE"}, headers=auth)
    assert [row["id"] for row in inactive.json()] == [b["id"]]
    assert client.get("/v1/sites", params={"status": "CLOSED"}, headers=auth).status_code == 400
    assert client.head("/v1/sites", params={"customerId": first["id"]}, headers=auth).headers["X-Total-Count"] == "2"
    assert client.head("/v1/sites", params={"name": "Zeta"}, headers=auth).status_code == 404


def test_another_tenant_never_sees_or_touches_a_site(client, auth, other_auth):
    site = create_site(client, auth)
    path = f"/v1/sites/{site['id']}"
    assert client.get(path, headers=other_auth).status_code == 404
    assert _patch(client, other_auth, site["id"], [{"op": "replace", "path": "/name", "value": "x"}]).status_code == 404
    assert client.delete(path, headers=other_auth).status_code == 404
    listing = client.get("/v1/sites", headers=other_auth)
    assert listing.json() == []
    assert listing.headers["X-Total-Count"] == "0"
    assert client.head("/v1/sites", headers=other_auth).status_code == 404
    assert client.get(path, headers=auth).json() == site


def test_sites_need_customers_scopes(client, settings, tenant_id, auth):
    site = create_site(client, auth)
    path = f"/v1/sites/{site['id']}"
    admin = bearer(settings, tenant_id, "admin.*")
    assert client.get(path, headers=admin).status_code == 403
    assert client.get("/v1/sites", headers=admin).status_code == 403
    reader = bearer(settings, tenant_id, "customers.read customers.list")
    assert client.get(path, headers=reader).status_code == 200
    assert client.get("/v1/sites", headers=reader).status_code == 200
    body = {"customerId": site["customerId"], "name": "Another"}
    assert client.post("/v1/sites", json=body, headers=reader).status_code == 403
    assert _patch(client, reader, site["id"], [{"op": "replace", "path": "/name", "value": "x"}]).status_code == 403
    assert client.delete(path, headers=reader).status_code == 403
    writer = bearer(settings, tenant_id, "customers.write")
    assert client.post("/v1/sites", json=body, headers=writer).status_code == 201
    assert client.delete(path, headers=writer).status_code == 403
    assert client.delete(path, headers=bearer(settings, tenant_id, "customers.delete")).status_code == 204
