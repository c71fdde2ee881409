"""A customer's contract owner and billing cycle: they must exist in the tenant; the only one is the default."""

from __future__ import annotations

import pytest

from tests.factories import create_billing_cycle, create_contract_owner, create_customer

JSON_PATCH = {"Content-Type": "application/json-patch+json"}


def test_without_contract_owners_or_billing_cycles_the_references_are_null(client, auth):
    customer = create_customer(client, auth)
    assert customer["contractOwnerId"] is None
    assert customer["billingCycleId"] is None


def test_the_tenants_only_contract_owner_and_billing_cycle_are_the_defaults(client, auth):
    owner = create_contract_owner(client, auth)
    cycle = create_billing_cycle(client, auth)
    customer = create_customer(client, auth)
    assert customer["contractOwnerId"] == owner["id"]
    assert customer["billingCycleId"] == cycle["id"]


def test_with_several_contract_owners_or_billing_cycles_there_is_no_default(client, auth):
    create_contract_owner(client, auth, name="First")
    create_contract_owner(client, auth, name="Second")
    only_cycle = create_billing_cycle(client, auth)
    customer = create_customer(client, auth)
    assert customer["contractOwnerId"] is None
    assert customer["billingCycleId"] == only_cycle["id"]
    create_billing_cycle(client, auth, name="Weekly", periodUnit="WEEK")
    assert create_customer(client, auth)["billingCycleId"] is None


def test_another_tenants_contract_owner_is_never_a_default(client, auth, other_auth):
    create_contract_owner(client, other_auth)
    create_billing_cycle(client, other_auth)
    customer = create_customer(client, auth)
    assert customer["contractOwnerId"] is None
    assert customer["billingCycleId"] is None
    mine = create_contract_owner(client, auth)
    assert create_customer(client, auth)["contractOwnerId"] == mine["id"]


def test_an_explicit_reference_wins_over_the_default(client, auth):
    create_contract_owner(client, auth, name="Default")
    create_contract_owner(client, auth, name="Chosen")
    chosen = client.get("/v1/contract-owners", params={"name": "Chosen"}, headers=auth).json()[0]
    customer = create_customer(client, auth, contractOwnerId=chosen["id"])
    assert customer["contractOwnerId"] == chosen["id"]


@pytest.mark.parametrize("field", ["contractOwnerId", "billingCycleId"])
def test_an_unknown_reference_is_400_naming_the_field(client, auth, field):
    response = client.post("/v1/customers", json={"name": "X", "currency": "GBP", field: 999999}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_another_tenants_references_are_400(client, auth, other_auth):
    owner = create_contract_owner(client, other_auth)
    cycle = create_billing_cycle(client, other_auth)
    for field, value in (("contractOwnerId", owner["id"]), ("billingCycleId", cycle["id"])):
        response = client.post("/v1/customers", json={"name": "X", "currency": "GBP", field: value}, headers=auth)
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == field
    assert client.get("/v1/customers", headers=auth).headers["X-Total-Count"] == "0"


def test_patching_a_reference_checks_it_exists_in_the_tenant(client, auth, other_auth):
    customer = create_customer(client, auth)
    theirs = create_contract_owner(client, other_auth)
    mine = create_billing_cycle(client, auth)
    path = f"/v1/customers/{customer['id']}"
    refused = client.patch(path, json=[{"op": "replace", "path": "/contractOwnerId", "value": theirs["id"]}],
                           headers={**auth, **JSON_PATCH})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "contractOwnerId"
    accepted = client.patch(path, json=[{"op": "replace", "path": "/billingCycleId", "value": mine["id"]}],
                            headers={**auth, **JSON_PATCH})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["billingCycleId"] == mine["id"]
