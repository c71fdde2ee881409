"""Identifier objects: flattened in GET, nested in POST; exactly one semi-optional field, matching one entity."""

from __future__ import annotations

import pytest

from tests.crm.conftest import create, create_customer, data, error, get, post, show

PATCH = {"Content-Type": "application/json-patch+json"}


def set_back_office_code(client, auth, payment_id: int, code: str):
    return client.patch(f"/v1/payments/{payment_id}", json=[{"op": "add", "path": "/backOfficeCode", "value": code}],
                        headers={**auth, **PATCH})


def _draft_with_codes(client, world, suffix: str) -> dict:
    payment = create(client, world, life_cycle_state="DRAFT")
    client.patch(f"/v1/payments/{payment['id']}", json=[
        {"op": "add", "path": "/referenceNumber", "value": f"REF-{suffix}"},
        {"op": "add", "path": "/backOfficeCode", "value": f"BO-{suffix}"}], headers={**world.auth, **PATCH})
    return payment


def test_a_payment_is_found_by_each_of_its_identifiers_flattened(client, world):
    payment = _draft_with_codes(client, world, "9")
    for flat in (f"id={payment['id']}", f"number={payment['number']}", "reference_number=REF-9",
                 "back_office_code=BO-9"):
        assert data(get(client, "payments/show", world.auth, payment_identifier=flat))["id"] == payment["id"], flat


@pytest.mark.parametrize("field", ["id", "number", "reference_number", "back_office_code"])
def test_a_payment_is_found_by_each_of_its_identifiers_nested(client, world, field):
    payment = _draft_with_codes(client, world, "7")
    value = {"id": payment["id"], "number": payment["number"], "reference_number": "REF-7",
             "back_office_code": "BO-7"}[field]
    posted = data(post(client, "payments/post", world.auth, payment_identifier={field: value}))
    assert (posted["id"], posted["life_cycle_state"]) == (payment["id"], "POSTED")


@pytest.mark.parametrize("value", ["", "id", "id=", "colour=red", "id=abc", "id=0", "number"])
def test_a_malformed_flattened_identifier_is_invalid_identifier(client, world, value):
    status = error(get(client, "payments/show", world.auth, payment_identifier=value), 400, "INVALID_IDENTIFIER")
    assert "payment_identifier" in status["message"] + (status["description"] or "")


def test_two_flattened_fields_are_invalid_identifier(client, world):
    payment = create(client, world)
    response = client.get("/crmapi/rest/v2/payments/show", params=[
        ("token", world.auth["Authorization"][7:]), ("payment_identifier", f"id={payment['id']}"),
        ("payment_identifier", f"number={payment['number']}")])
    assert "payment_identifier" in error(response, 400, "INVALID_IDENTIFIER")["message"]


@pytest.mark.parametrize(("identifier", "words"), [
    ({}, "exactly one"), ({"id": 1, "number": "PAY-0000001"}, "not 2"), ({"colour": "red"}, "colour"),
    ({"id": "abc"}, "id"), ("PAY-1", "payment_identifier")])
def test_a_nested_identifier_needs_exactly_one_known_field(client, world, identifier, words):
    status = error(post(client, "payments/post", world.auth, payment_identifier=identifier), 400, "INVALID_IDENTIFIER")
    assert "payment_identifier" in status["description"] and words in status["description"]


def test_a_missing_identifier_is_a_validation_error_naming_it(client, world):
    status = error(post(client, "payments/post", world.auth), 400, "INVALID_IDENTIFIER")
    assert "payment_identifier" in status["description"]


def test_the_subject_matching_nothing_is_not_found(client, world):
    status = error(get(client, "payments/show", world.auth, payment_identifier="number=PAY-9999999"), 404, "NOT_FOUND")
    assert "payment_identifier.number" in status["description"]
    error(post(client, "payments/post", world.auth, payment_identifier={"id": 999999}), 404, "NOT_FOUND")


@pytest.mark.parametrize(("field", "identifier"), [
    ("accounts_receivable_identifier", {"number": "CUS-9999999"}),
    ("type_identifier", {"name": "Nope"}),
    ("payment_method_identifier", {"alternative_code": "NOPE"}),
    ("category_identifier", {"code": "NOPE"}),
    ("received_by_user", {"username": "nobody"}),
    ("invoices_to_pay_set", [{"invoice_identifier": {"number": "INV-9999999"}}]),
    ("bills_to_pay_set", [{"bill_identifier": {"number": "BILL-9999999"}}]),
])
def test_a_reference_matching_nothing_is_invalid_identifier_naming_it(client, world, field, identifier):
    status = error(post(client, "payments/create", world.auth, **world.create_body(**{field: identifier})), 400,
                   "INVALID_IDENTIFIER")
    assert field in status["description"]


def test_a_name_shared_by_two_accounts_receivable_is_ambiguous(client, world):
    create_customer(client, world.auth, name="Acme Ltd")  # the world's customer has this name too
    status = error(post(client, "payments/create", world.auth, **world.create_body(
        accounts_receivable_identifier={"name": "Acme Ltd"})), 400, "INVALID_IDENTIFIER")
    assert "accounts_receivable_identifier.name" in status["description"] and "several" in status["description"]
    error(get(client, "payments/list", world.auth, accounts_receivable_identifier="name=Acme Ltd"), 400,
          "INVALID_IDENTIFIER")
    unique = create_customer(client, world.auth, name="Unique plc")
    assert data(post(client, "payments/create", world.auth, **world.create_body(
        accounts_receivable_identifier={"name": "Unique plc"})))["life_cycle_state"] == "POSTED"
    assert unique


def test_a_back_office_code_used_by_two_types_is_ambiguous(client, world):
    other = client.post("/v1/financial-transaction-types", json={
        "name": "Card payment", "alternativeCode": "CARD", "classification": "PAYMENT"}, headers=world.auth).json()
    first = create(client, world)
    second = create(client, world, type_identifier={"id": other["id"]})
    assert set_back_office_code(client, world.auth, first["id"], "BO-1").status_code == 200
    assert set_back_office_code(client, world.auth, second["id"], "BO-1").status_code == 200
    status = error(get(client, "payments/show", world.auth, payment_identifier="back_office_code=BO-1"), 400,
                   "INVALID_IDENTIFIER")
    assert "several" in status["description"]


def test_accounts_receivable_by_id_number_and_name(client, world):
    for identifier in ({"id": world.customer["id"]}, {"number": world.customer["number"]}, {"name": "Acme Ltd"}):
        payment = create(client, world, accounts_receivable_identifier=identifier)
        assert show(client, world.auth, payment)["accounts_receivable"]["id"] == world.customer["id"]


def test_reference_data_by_each_identifier(client, world):
    category = client.post("/v1/financial-transaction-categories", json={"name": "Retail", "code": "RETAIL"},
                           headers=world.auth).json()
    methods = client.get("/v1/payment-methods", params={"method": "BACS"}, headers=world.auth).json()
    payment = create(client, world, type_identifier={"name": "Payment"},
                     category_identifier={"code": "RETAIL"}, payment_method_identifier={"id": methods[0]["id"]})
    full = show(client, world.auth, payment)
    assert full["category"] == {"id": category["id"], "name": "Retail", "code": "RETAIL", "description": None}
    assert full["payment_method"]["alternative_code"] == "BACS"
    payment = create(client, world, category_identifier={"name": "Retail"},
                     payment_method_identifier={"name": methods[0]["name"]})
    assert show(client, world.auth, payment)["payment_method"]["id"] == methods[0]["id"]


def test_a_payment_method_alternative_code_can_be_changed_and_used(client, world):
    method = client.get("/v1/payment-methods", params={"method": "PAYPAL"}, headers=world.auth).json()[0]
    changed = client.patch(f"/v1/payment-methods/{method['id']}",
                           json=[{"op": "replace", "path": "/alternativeCode", "value": "PP"}],
                           headers={**world.auth, **PATCH})
    assert changed.status_code == 200, changed.text
    payment = create(client, world, payment_method_identifier={"alternative_code": "PP"})
    assert show(client, world.auth, payment)["payment_method"]["alternative_code"] == "PP"


def test_units_are_not_supported(client, world):
    status = error(post(client, "payments/create", world.auth, **world.create_body(
        received_by_unit={"name": "Head office"})), 400, "INVALID_IDENTIFIER")
    assert "received_by_unit" in status["description"]


def test_other_tenants_entities_match_nothing(client, world, other_auth):
    payment = create(client, world)
    error(get(client, "payments/show", other_auth, payment_identifier=f"id={payment['id']}"), 404, "NOT_FOUND")
    error(get(client, "payments/list", other_auth, accounts_receivable_identifier=f"id={world.customer['id']}"),
          400, "INVALID_IDENTIFIER")
