from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.factories import MISSING, contract_owner_body, create_contract_owner, create_customer
from tests.factories import with_path as _with

JSON_PATCH = {"Content-Type": "application/json-patch+json"}
FULL_ADDRESS = {
    "businessName": "Acme Telecom Ltd", "address1": "1 High Street", "address2": "Floor 2", "address3": "Unit 7",
    "town": "London", "county": "Greater London", "postcode": "EC1A 1BB", "country": "GB",
}
def _patch(client, auth, owner_id, operations, **headers):
    return client.patch(f"/v1/contract-owners/{owner_id}", json=operations, headers={**auth, **JSON_PATCH, **headers})


def test_create_with_the_minimal_body_answers_201(client, auth):
    response = client.post("/v1/contract-owners", json=contract_owner_body(), headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "Acme Telecom"
    assert body["availableFrom"] == "2024-01-01"
    assert body["availableTo"] is None
    assert body["address"] == {"businessName": None, "address1": "1 High Street", "address2": None, "address3": None,
                               "town": "London", "county": None, "postcode": "EC1A 1BB", "country": "GB"}
    assert body["siBccEmailAddress"] == "bcc@example.com"
    assert body["swiftCode"] is None
    assert body["version"] == 1
    assert len(body["locator"]) == 26
    assert response.headers["location"] == f"/v1/contract-owners/{body['id']}"
    assert response.headers["etag"] == '"1"'
    fetched = client.get(f"/v1/contract-owners/{body['id']}", headers=auth)
    assert fetched.status_code == 200
    assert fetched.json() == body


def test_create_with_every_field_round_trips(client, auth):
    full = contract_owner_body(
        availableTo="2030-12-31", address=FULL_ADDRESS, coBccEmailAddress="co@example.com",
        companyRegistrationNumber="CompanyReg123", bankAccountName="Acme Telecom Ltd", bankAccountNumber="12345678",
        bankSortCode="123456", swiftCode="DEUTDEFFXXX", iban="GB29NWBK60161331926819",
        customerServiceEmail="help@example.com", customerServiceTelephoneNumber="020 7946 0958",
        customerServiceWebSite="https://www.example.com/support", emailBillingFromAddress="billing@example.com",
        invoiceCombiningType="COMBINED",
    )
    response = client.post("/v1/contract-owners", json=full, headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    for name, value in full.items():
        assert body[name] == value, name


def test_empty_customer_service_email_and_telephone_are_accepted(client, auth):
    # Seed 001 patterns start with (^$)|...: an empty string is allowed.
    owner = create_contract_owner(client, auth, customerServiceEmail="", customerServiceTelephoneNumber="")
    assert owner["customerServiceEmail"] == ""
    assert owner["customerServiceTelephoneNumber"] == ""


@pytest.mark.parametrize(("path", "value", "field"), [
    ("name", "", "name"),
    ("name", "x" * 256, "name"),
    ("name", MISSING, "name"),
    ("availableFrom", MISSING, "availableFrom"),
    ("availableFrom", "2024-13-01", "availableFrom"),
    ("availableTo", "2023-12-31", "availableTo"),
    ("siBccEmailAddress", MISSING, "siBccEmailAddress"),
    ("siBccEmailAddress", "not-an-email", "siBccEmailAddress"),
    ("siBccEmailAddress", "a@localhost", "siBccEmailAddress"),
    ("coBccEmailAddress", "co@", "coBccEmailAddress"),
    ("customerServiceEmail", "help.example.com", "customerServiceEmail"),
    ("taxRegistrationNumber", MISSING, "taxRegistrationNumber"),
    ("taxRegistrationNumber", "", "taxRegistrationNumber"),
    ("companyRegistrationNumber", "REG-123", "companyRegistrationNumber"),
    ("bankAccountNumber", "1234-5678", "bankAccountNumber"),
    ("bankSortCode", "12-34-56", "bankSortCode"),
    ("swiftCode", "DEUTDEF", "swiftCode"),
    ("swiftCode", "DEUTDEFFXXXX", "swiftCode"),
    ("swiftCode", "deutdeffxxx", "swiftCode"),
    ("iban", "GB2", "iban"),
    ("iban", "G" * 35, "iban"),
    ("iban", "GB29 NWBK 6016", "iban"),
    ("customerServiceTelephoneNumber", "123", "customerServiceTelephoneNumber"),
    ("invoiceCombiningType", "x" * 51, "invoiceCombiningType"),
    ("address", MISSING, "address"),
    ("address.address1", MISSING, "address.address1"),
    ("address.address1", "", "address.address1"),
    ("address.address1", "x" * 101, "address.address1"),
    ("address.town", MISSING, "address.town"),
    ("address.town", "x" * 51, "address.town"),
    ("address.postcode", MISSING, "address.postcode"),
    ("address.postcode", "x" * 21, "address.postcode"),
    ("address.postcode", "EC1A#1BB", "address.postcode"),
    ("address.country", MISSING, "address.country"),
    ("address.country", "ZZ", "address.country"),
    ("address.country", "gb", "address.country"),
    ("address.country", "GBR", "address.country"),
    ("address.county", "x" * 31, "address.county"),
    ("address.businessName", "x" * 101, "address.businessName"),
    ("address.address2", "x" * 101, "address.address2"),
    ("address.floor", "2", "address.floor"),
    ("colour", "blue", "colour"),
])
def test_each_broken_rule_is_400_naming_the_field(client, auth, path, value, field):
    response = client.post("/v1/contract-owners", json=_with(contract_owner_body(), path, value), headers=auth)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "Bad Request"
    assert body["errors"][0]["field"] == field
    assert client.head("/v1/contract-owners", headers=auth).status_code == 404


def test_available_to_may_equal_available_from(client, auth):
    owner = create_contract_owner(client, auth, availableFrom="2024-05-01", availableTo="2024-05-01")
    assert owner["availableTo"] == "2024-05-01"


def test_json_patch_changes_nested_address_fields(client, auth):
    owner = create_contract_owner(client, auth)
    response = _patch(client, auth, owner["id"], [
        {"op": "replace", "path": "/address/town", "value": "Manchester"},
        {"op": "add", "path": "/address/county", "value": "Greater Manchester"},
        {"op": "replace", "path": "/address/postcode", "value": "M1 1AE"},
    ])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["address"]["town"] == "Manchester"
    assert body["address"]["county"] == "Greater Manchester"
    assert body["address"]["address1"] == "1 High Street"
    assert body["version"] == owner["version"] + 1
    assert response.headers["etag"] == f'"{body["version"]}"'
    removed = _patch(client, auth, owner["id"], [{"op": "remove", "path": "/address/county"}])
    assert removed.status_code == 200, removed.text
    assert removed.json()["address"]["county"] is None
    assert client.get(f"/v1/contract-owners/{owner['id']}", headers=auth).json() == removed.json()


def test_json_patch_with_an_invalid_nested_field_is_400_and_changes_nothing(client, auth):
    owner = create_contract_owner(client, auth)
    response = _patch(client, auth, owner["id"], [
        {"op": "replace", "path": "/address/town", "value": "Paris"},
        {"op": "replace", "path": "/address/country", "value": "XX"},
    ])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "address.country"
    assert client.get(f"/v1/contract-owners/{owner['id']}", headers=auth).json() == owner


def test_json_patch_validates_the_whole_document(client, auth):
    owner = create_contract_owner(client, auth)
    removed = _patch(client, auth, owner["id"], [{"op": "remove", "path": "/address/town"}])
    assert removed.status_code == 400
    assert removed.json()["errors"][0]["field"] == "address.town"
    required = _patch(client, auth, owner["id"], [{"op": "remove", "path": "/siBccEmailAddress"}])
    assert required.status_code == 400
    assert required.json()["errors"][0]["field"] == "siBccEmailAddress"
    unknown = _patch(client, auth, owner["id"], [{"op": "add", "path": "/colour", "value": "blue"}])
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "colour"


def test_json_patch_checks_available_to_against_the_stored_available_from(client, auth):
    owner = create_contract_owner(client, auth, availableFrom="2024-06-01")
    response = _patch(client, auth, owner["id"], [{"op": "add", "path": "/availableTo", "value": "2024-05-31"}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "availableTo"
    later = _patch(client, auth, owner["id"], [{"op": "replace", "path": "/availableTo", "value": "2025-01-01"}])
    assert later.status_code == 200
    moved = _patch(client, auth, owner["id"], [{"op": "replace", "path": "/availableFrom", "value": "2025-01-02"}])
    assert moved.status_code == 400
    assert moved.json()["errors"][0]["field"] == "availableTo"


@pytest.mark.parametrize("path", ["/id", "/locator", "/uuid", "/version", "/createdAt", "/updatedAt"])
def test_json_patch_of_a_read_only_path_is_refused(client, auth, path):
    owner = create_contract_owner(client, auth)
    response = _patch(client, auth, owner["id"], [{"op": "replace", "path": path, "value": "2"}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == path.lstrip("/")
    assert client.get(f"/v1/contract-owners/{owner['id']}", headers=auth).json() == owner


def test_json_patch_with_a_stale_if_match_is_412(client, auth):
    owner = create_contract_owner(client, auth)
    operations = [{"op": "replace", "path": "/name", "value": "Renamed"}]
    assert _patch(client, auth, owner["id"], operations, **{"If-Match": '"7"'}).status_code == 412
    assert _patch(client, auth, owner["id"], operations, **{"If-Match": '"1"'}).status_code == 200


def test_delete_is_409_while_a_customer_references_it_and_204_when_not(client, auth):
    owner = create_contract_owner(client, auth)
    customer = create_customer(client, auth, contractOwnerId=owner["id"])
    refused = client.delete(f"/v1/contract-owners/{owner['id']}", headers=auth)
    assert refused.status_code == 409
    assert "customers" in refused.json()["message"]
    assert client.get(f"/v1/contract-owners/{owner['id']}", headers=auth).status_code == 200
    assert client.delete(f"/v1/customers/{customer['id']}", headers=auth).status_code == 204
    assert client.delete(f"/v1/contract-owners/{owner['id']}", headers=auth).status_code == 204
    assert client.get(f"/v1/contract-owners/{owner['id']}", headers=auth).status_code == 404


def test_delete_of_an_unreferenced_contract_owner_is_204(client, auth):
    owner = create_contract_owner(client, auth)
    assert client.delete(f"/v1/contract-owners/{owner['id']}", headers=auth).status_code == 204
    assert client.delete(f"/v1/contract-owners/{owner['id']}", headers=auth).status_code == 404


def test_list_filters_sorts_and_projects(client, auth):
    early = create_contract_owner(client, auth, name="Early Owner", availableFrom="2023-01-01")
    late = create_contract_owner(client, auth, name="Late Owner", availableFrom="2025-01-01")
    create_contract_owner(client, auth, name="Other", availableFrom="2024-01-01")
    listing = client.get("/v1/contract-owners", params={"name": "like:owner", "sort": "availableFrom:desc"},
                         headers=auth)
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()] == [late["id"], early["id"]]
    assert listing.headers["X-Total-Count"] == "2"
    dated = client.get("/v1/contract-owners", params={"availableFrom": "gt:2024-06-01"}, headers=auth)
    assert [row["id"] for row in dated.json()] == [late["id"]]
    on_or_after = client.get("/v1/contract-owners", params={"availableFrom": "gtn:2024-01-01"}, headers=auth)
    assert on_or_after.headers["X-Total-Count"] == "2"
    projected = client.get("/v1/contract-owners", params={"fields": "id,name", "id": str(early["id"])}, headers=auth)
    assert projected.json() == [{"id": early["id"], "name": "Early Owner"}]
    paged = client.get("/v1/contract-owners", params={"pageSize": 1, "page": 2, "sort": "id"}, headers=auth)
    assert len(paged.json()) == 1
    assert paged.headers["X-Total-Count"] == "3"
    assert 'rel="next"' in paged.headers["Link"]


@pytest.mark.parametrize("params", [
    {"sort": "iban"}, {"fields": "id,colour"}, {"availableFrom": "01/01/2024"}, {"id": "abc"}, {"pageSize": "0"},
])
def test_bad_query_parameters_are_400(client, auth, params):
    response = client.get("/v1/contract-owners", params=params, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == next(iter(params))


def test_head_answers_the_count_or_404(client, auth):
    assert client.head("/v1/contract-owners", headers=auth).status_code == 404
    create_contract_owner(client, auth, name="Acme")
    found = client.head("/v1/contract-owners", params={"name": "Acme"}, headers=auth)
    assert found.status_code == 200
    assert found.headers["X-Total-Count"] == "1"
    missing = client.head("/v1/contract-owners", params={"name": "Nobody"}, headers=auth)
    assert missing.status_code == 404
    assert missing.headers["X-Total-Count"] == "0"


def test_unknown_contract_owner_is_404(client, auth):
    assert client.get("/v1/contract-owners/999999", headers=auth).status_code == 404
    assert client.get("/v1/contract-owners/99999999999999999999", headers=auth).status_code in (400, 404)
    assert _patch(client, auth, 999999, [{"op": "replace", "path": "/name", "value": "x"}]).status_code == 404
    assert client.delete("/v1/contract-owners/999999", headers=auth).status_code == 404


def test_another_tenant_never_sees_or_touches_a_contract_owner(client, auth, other_auth):
    owner = create_contract_owner(client, auth)
    path = f"/v1/contract-owners/{owner['id']}"
    assert client.get(path, headers=other_auth).status_code == 404
    assert _patch(client, other_auth, owner["id"], [{"op": "replace", "path": "/name", "value": "Mine"}]
                  ).status_code == 404
    assert client.delete(path, headers=other_auth).status_code == 404
    listing = client.get("/v1/contract-owners", headers=other_auth)
    assert listing.json() == []
    assert listing.headers["X-Total-Count"] == "0"
    assert client.head("/v1/contract-owners", params={"id": str(owner["id"])}, headers=other_auth).status_code == 404
    assert client.get(path, headers=auth).json() == owner


def test_a_customers_token_cannot_use_contract_owners(client, settings, tenant_id, auth):
    owner = create_contract_owner(client, auth)
    customers_only = bearer(settings, tenant_id, "customers.*")
    path = f"/v1/contract-owners/{owner['id']}"
    assert client.post("/v1/contract-owners", json=contract_owner_body(), headers=customers_only).status_code == 403
    assert _patch(client, customers_only, owner["id"], [{"op": "replace", "path": "/name", "value": "x"}]
                  ).status_code == 403
    assert client.delete(path, headers=customers_only).status_code == 403
    assert client.get(path, headers=customers_only).status_code == 403
    assert client.get("/v1/contract-owners", headers=customers_only).status_code == 403


def test_admin_read_alone_can_read_but_not_write(client, settings, tenant_id, auth):
    owner = create_contract_owner(client, auth)
    read_only = bearer(settings, tenant_id, "admin.read")
    path = f"/v1/contract-owners/{owner['id']}"
    assert client.get(path, headers=read_only).status_code == 200
    forbidden = client.post("/v1/contract-owners", json=contract_owner_body(), headers=read_only)
    assert forbidden.status_code == 403
    assert "admin.write" in forbidden.json()["message"]
    assert _patch(client, read_only, owner["id"], [{"op": "replace", "path": "/name", "value": "x"}]
                  ).status_code == 403
    assert client.delete(path, headers=read_only).status_code == 403
    assert client.get("/v1/contract-owners", headers=read_only).status_code == 403  # listing needs admin.list
    lister = bearer(settings, tenant_id, "admin.list")
    assert client.get("/v1/contract-owners", headers=lister).status_code == 200
    assert client.head("/v1/contract-owners", headers=lister).status_code == 200
    deleter = bearer(settings, tenant_id, "admin.delete")
    assert client.delete(path, headers=deleter).status_code == 204


def test_idempotency_key_replays_the_created_contract_owner(client, auth):
    headers = {**auth, "Idempotency-Key": "owner-1"}
    first = client.post("/v1/contract-owners", json=contract_owner_body(), headers=headers)
    second = client.post("/v1/contract-owners", json=contract_owner_body(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["location"] == first.headers["location"]
    assert client.get("/v1/contract-owners", headers=auth).headers["X-Total-Count"] == "1"
    other = client.post("/v1/contract-owners", json=contract_owner_body(name="Other"), headers=headers)
    assert other.status_code == 400
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"


def test_openapi_documents_every_admin_and_site_operation(client):
    spec = client.get("/openapi.json").json()
    operation_ids = []
    for path, operations in spec["paths"].items():
        if not path.startswith(("/v1/contract-owners", "/v1/billing-cycles", "/v1/sites")):
            continue
        for method, operation in operations.items():
            operation_ids.append(operation["operationId"])
            assert operation["tags"], (method, path)
            assert operation["summary"] and "\n" not in operation["summary"], (method, path)
            if method != "head":
                assert {"401", "403"} <= set(operation["responses"]), (method, path)
            if method in ("get", "patch", "delete") and "{" in path:
                assert "404" in operation["responses"], (method, path)
            if method in ("post", "patch"):
                assert "400" in operation["responses"], (method, path)
    assert len(operation_ids) == 3 * 6
    assert len(set(operation_ids)) == len(operation_ids)
    schemas = spec["components"]["schemas"]
    create = schemas["ContractOwnerCreate"]["properties"]
    assert create["swiftCode"]["anyOf"][0]["pattern"] == "^[0-9A-Z]*$"
    assert all("examples" in create[name] for name in ("name", "availableFrom", "taxRegistrationNumber"))
