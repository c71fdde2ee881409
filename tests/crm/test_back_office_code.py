"""Seed 004: a payment's back office code is settable (through /v1 PATCH, in any state) and unique per
financial transaction type."""

from __future__ import annotations

from tests.crm.conftest import create, data, get

PATCH = {"Content-Type": "application/json-patch+json"}


def patch_code(client, auth, payment_id: int, code: str):
    return client.patch(f"/v1/payments/{payment_id}", json=[{"op": "add", "path": "/backOfficeCode", "value": code}],
                        headers={**auth, **PATCH})


def test_a_posted_payment_takes_a_back_office_code_and_nothing_else(client, world):
    payment = create(client, world)
    response = patch_code(client, world.auth, payment["id"], "BO-42")
    assert response.status_code == 200, response.text
    assert response.json()["backOfficeCode"] == "BO-42" and response.json()["status"] == "POSTED"
    assert data(get(client, "payments/show", world.auth, payment_identifier="back_office_code=BO-42"))["id"] == \
        payment["id"]
    refused = client.patch(f"/v1/payments/{payment['id']}", json=[{"op": "add", "path": "/notes", "value": "x"}],
                           headers={**world.auth, **PATCH})
    assert refused.status_code == 409 and "back office code excepted" in refused.json()["message"]


def test_a_back_office_code_is_unique_per_type(client, world):
    first, second = create(client, world), create(client, world, life_cycle_state="DRAFT")
    assert patch_code(client, world.auth, first["id"], "BO-1").status_code == 200
    taken = patch_code(client, world.auth, second["id"], "BO-1")
    assert taken.status_code == 409 and "BO-1" in taken.json()["message"]
    card = client.post("/v1/financial-transaction-types", json={
        "name": "Card payment", "alternativeCode": "CARD", "classification": "PAYMENT"}, headers=world.auth).json()
    third = create(client, world, type_identifier={"id": card["id"]})
    assert patch_code(client, world.auth, third["id"], "BO-1").status_code == 200
