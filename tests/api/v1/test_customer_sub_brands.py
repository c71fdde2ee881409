"""Customers reference contract-owner sub-brands: the sub-brand must exist in the tenant."""

from __future__ import annotations

from tests.factories import create_contract_owner, create_customer, create_email_template, create_sub_brand

JSON_PATCH = {"Content-Type": "application/json-patch+json"}


def test_a_customer_takes_an_existing_sub_brand(client, auth):
    sub_brand = create_sub_brand(client, auth)
    customer = create_customer(client, auth, subBrandId=sub_brand["id"])
    assert customer["subBrandId"] == sub_brand["id"]
    listed = client.get("/v1/customers", params={"subBrandId": str(sub_brand["id"])}, headers=auth)
    assert [row["id"] for row in listed.json()] == [customer["id"]]


def test_an_unknown_or_foreign_sub_brand_is_400_naming_sub_brand_id(client, auth, other_auth):
    foreign = create_sub_brand(client, other_auth)
    for sub_brand_id in (999999, foreign["id"]):
        response = client.post("/v1/customers", json={"name": "Acme", "currency": "GBP", "subBrandId": sub_brand_id},
                               headers=auth)
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "subBrandId"
    customer = create_customer(client, auth)
    patched = client.patch(f"/v1/customers/{customer['id']}", headers={**auth, **JSON_PATCH},
                           json=[{"op": "replace", "path": "/subBrandId", "value": foreign["id"]}])
    assert patched.status_code == 400
    assert patched.json()["errors"][0]["field"] == "subBrandId"


def test_a_new_customer_of_a_contract_owner_gets_its_default_sub_brand(client, auth):
    owner = create_contract_owner(client, auth)
    template = create_email_template(client, auth)
    create_sub_brand(client, auth, owner["id"], template["id"], name="Plain")
    default = create_sub_brand(client, auth, owner["id"], template["id"], name="Default", defaultSubBrand=True)
    assert create_customer(client, auth, contractOwnerId=owner["id"])["subBrandId"] == default["id"]
    other_owner = create_contract_owner(client, auth, name="Without a default")
    assert create_customer(client, auth, contractOwnerId=other_owner["id"])["subBrandId"] is None
