from __future__ import annotations

import datetime as dt

import pytest

from ledgerline.models import BillRun
from ledgerline.models.enums import BillRunType
from tests.conftest import bearer
from tests.factories import create_billing_cycle, create_customer

JSON_PATCH = {"Content-Type": "application/json-patch+json"}
MINIMAL = {"name": "Monthly on the 1st", "periodUnit": "MONTH"}


def _patch(client, auth, cycle_id, operations, **headers):
    return client.patch(f"/v1/billing-cycles/{cycle_id}", json=operations, headers={**auth, **JSON_PATCH, **headers})


def test_create_with_the_minimal_body_applies_the_defaults(client, auth):
    response = client.post("/v1/billing-cycles", json=MINIMAL, headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert {key: body[key] for key in ("name", "startDayOfPeriod", "wholePeriod", "lengthOfPeriod", "periodUnit",
                                       "currencyCode", "defaultInvoiceDate", "completionType", "autoCloseEnabled",
                                       "autoCloseDays", "billingCycleRules", "version")} == {
        "name": "Monthly on the 1st", "startDayOfPeriod": 1, "wholePeriod": True, "lengthOfPeriod": 1,
        "periodUnit": "MONTH", "currencyCode": None, "defaultInvoiceDate": None, "completionType": None,
        "autoCloseEnabled": False, "autoCloseDays": None, "billingCycleRules": [], "version": 1,
    }
    assert response.headers["location"] == f"/v1/billing-cycles/{body['id']}"
    assert client.get(f"/v1/billing-cycles/{body['id']}", headers=auth).json() == body


def test_create_with_every_field_round_trips(client, auth):
    full = {
        "name": "Fortnightly", "startDayOfPeriod": 15, "wholePeriod": False, "lengthOfPeriod": 2,
        "periodUnit": "WEEK", "currencyCode": "EUR", "defaultInvoiceDate": 28, "completionType": "AUTOMATIC",
        "autoCloseEnabled": True, "autoCloseDays": 5,
        "billingCycleRules": [{"type": "PRORATE", "ratio": 0.5, "limits": [1, 2.25]}, {"type": "ROUND"}],
    }
    response = client.post("/v1/billing-cycles", json=full, headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    for name, value in full.items():
        assert body[name] == value, name
    assert client.get(f"/v1/billing-cycles/{body['id']}", headers=auth).json() == body


@pytest.mark.parametrize(("overrides", "field"), [
    ({"startDayOfPeriod": 0}, "startDayOfPeriod"),
    ({"startDayOfPeriod": 32}, "startDayOfPeriod"),
    ({"lengthOfPeriod": 0}, "lengthOfPeriod"),
    ({"lengthOfPeriod": 2**40}, "lengthOfPeriod"),
    ({"periodUnit": "FORTNIGHT"}, "periodUnit"),
    ({"periodUnit": None}, "periodUnit"),
    ({"currencyCode": "XYZ"}, "currencyCode"),
    ({"name": ""}, "name"),
    ({"name": "x" * 256}, "name"),
    ({"defaultInvoiceDate": 0}, "defaultInvoiceDate"),
    ({"defaultInvoiceDate": 32}, "defaultInvoiceDate"),
    ({"autoCloseDays": -1}, "autoCloseDays"),
    ({"autoCloseEnabled": True}, "autoCloseDays"),
    ({"wholePeriod": "sometimes"}, "wholePeriod"),
    ({"billingCycleRules": [1, 2]}, "billingCycleRules.0"),
    ({"billingCycleRules": {"type": "PRORATE"}}, "billingCycleRules"),
    ({"completionType": "x" * 51}, "completionType"),
    ({"colour": "blue"}, "colour"),
])
def test_each_broken_rule_is_400_naming_the_field(client, auth, overrides, field):
    response = client.post("/v1/billing-cycles", json={**MINIMAL, **overrides}, headers=auth)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == field
    assert client.head("/v1/billing-cycles", headers=auth).status_code == 404


def test_a_rule_number_too_large_to_store_is_400(client, auth):
    body = b'{"name": "Huge", "periodUnit": "MONTH", "billingCycleRules": [{"n": 1e400}]}'
    response = client.post("/v1/billing-cycles", content=body, headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "billingCycleRules"


def test_missing_period_unit_is_400(client, auth):
    response = client.post("/v1/billing-cycles", json={"name": "No unit"}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "periodUnit"


def test_json_patch_updates_fields_and_rules(client, auth):
    cycle = create_billing_cycle(client, auth, billingCycleRules=[{"type": "PRORATE"}])
    response = _patch(client, auth, cycle["id"], [
        {"op": "replace", "path": "/startDayOfPeriod", "value": 15},
        {"op": "add", "path": "/billingCycleRules/-", "value": {"type": "ROUND", "places": 2.5}},
        {"op": "replace", "path": "/billingCycleRules/0/type", "value": "FULL"},
    ])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["startDayOfPeriod"] == 15
    assert body["billingCycleRules"] == [{"type": "FULL"}, {"type": "ROUND", "places": 2.5}]
    assert body["version"] == 2


@pytest.mark.parametrize(("operation", "field"), [
    ({"op": "replace", "path": "/startDayOfPeriod", "value": 32}, "startDayOfPeriod"),
    ({"op": "replace", "path": "/startDayOfPeriod", "value": 0}, "startDayOfPeriod"),
    ({"op": "replace", "path": "/autoCloseEnabled", "value": True}, "autoCloseDays"),
    ({"op": "replace", "path": "/periodUnit", "value": "DECADE"}, "periodUnit"),
    ({"op": "replace", "path": "/id", "value": 3}, "id"),
    ({"op": "replace", "path": "/createdAt", "value": "2020-01-01 00:00:00"}, "createdAt"),
])
def test_json_patch_that_breaks_a_rule_is_400_and_changes_nothing(client, auth, operation, field):
    cycle = create_billing_cycle(client, auth)
    response = _patch(client, auth, cycle["id"], [operation])
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == field
    assert client.get(f"/v1/billing-cycles/{cycle['id']}", headers=auth).json() == cycle


def test_delete_is_409_while_a_customer_references_it_and_204_when_not(client, auth):
    cycle = create_billing_cycle(client, auth)
    customer = create_customer(client, auth, billingCycleId=cycle["id"])
    refused = client.delete(f"/v1/billing-cycles/{cycle['id']}", headers=auth)
    assert refused.status_code == 409
    assert "customers" in refused.json()["message"]
    assert client.delete(f"/v1/customers/{customer['id']}", headers=auth).status_code == 204
    assert client.delete(f"/v1/billing-cycles/{cycle['id']}", headers=auth).status_code == 204
    assert client.get(f"/v1/billing-cycles/{cycle['id']}", headers=auth).status_code == 404


def test_delete_is_409_while_a_bill_run_references_it(client, auth, session, tenant_id):
    cycle = create_billing_cycle(client, auth)
    run = BillRun(tenant_id=tenant_id, type=BillRunType.NORMAL, billing_cycle_id=cycle["id"],
                  run_date=dt.date(2024, 1, 31))
    session.add(run)
    session.flush()
    refused = client.delete(f"/v1/billing-cycles/{cycle['id']}", headers=auth)
    assert refused.status_code == 409
    assert "bill runs" in refused.json()["message"]
    session.delete(run)
    session.flush()
    assert client.delete(f"/v1/billing-cycles/{cycle['id']}", headers=auth).status_code == 204


def test_list_filters_and_sorts(client, auth):
    monthly = create_billing_cycle(client, auth, name="Monthly", currencyCode="GBP")
    weekly = create_billing_cycle(client, auth, name="Weekly", periodUnit="WEEK")
    yearly = create_billing_cycle(client, auth, name="Yearly", periodUnit="YEAR", currencyCode="GBP")
    by_unit = client.get("/v1/billing-cycles", params={"periodUnit": "in:WEEK,YEAR", "sort": "name:desc"}, headers=auth)
    assert [row["id"] for row in by_unit.json()] == [yearly["id"], weekly["id"]]
    by_currency = client.get("/v1/billing-cycles", params={"currencyCode": "GBP"}, headers=auth)
    assert [row["id"] for row in by_currency.json()] == [monthly["id"], yearly["id"]]
    assert client.get("/v1/billing-cycles", params={"periodUnit": "DECADE"}, headers=auth).status_code == 400
    assert client.get("/v1/billing-cycles", params={"sort": "currencyCode"}, headers=auth).status_code == 400


def test_head_answers_the_count_or_404(client, auth):
    assert client.head("/v1/billing-cycles", headers=auth).status_code == 404
    create_billing_cycle(client, auth)
    found = client.head("/v1/billing-cycles", headers=auth)
    assert found.status_code == 200
    assert found.headers["X-Total-Count"] == "1"
    assert client.head("/v1/billing-cycles", params={"periodUnit": "DAY"}, headers=auth).status_code == 404


def test_another_tenant_never_sees_or_touches_a_billing_cycle(client, auth, other_auth):
    cycle = create_billing_cycle(client, auth)
    path = f"/v1/billing-cycles/{cycle['id']}"
    assert client.get(path, headers=other_auth).status_code == 404
    assert _patch(client, other_auth, cycle["id"], [{"op": "replace", "path": "/name", "value": "Mine"}]
                  ).status_code == 404
    assert client.delete(path, headers=other_auth).status_code == 404
    listing = client.get("/v1/billing-cycles", headers=other_auth)
    assert listing.json() == []
    assert listing.headers["X-Total-Count"] == "0"
    assert client.head("/v1/billing-cycles", headers=other_auth).status_code == 404
    assert client.get(path, headers=auth).json() == cycle


def test_scopes_guard_billing_cycles(client, settings, tenant_id, auth):
    cycle = create_billing_cycle(client, auth)
    path = f"/v1/billing-cycles/{cycle['id']}"
    customers_only = bearer(settings, tenant_id, "customers.*")
    assert client.post("/v1/billing-cycles", json=MINIMAL, headers=customers_only).status_code == 403
    assert _patch(client, customers_only, cycle["id"], [{"op": "replace", "path": "/name", "value": "x"}]
                  ).status_code == 403
    assert client.delete(path, headers=customers_only).status_code == 403
    read_only = bearer(settings, tenant_id, "admin.read")
    assert client.get(path, headers=read_only).status_code == 200
    assert client.post("/v1/billing-cycles", json=MINIMAL, headers=read_only).status_code == 403
    assert _patch(client, read_only, cycle["id"], [{"op": "replace", "path": "/name", "value": "x"}]
                  ).status_code == 403
    assert client.delete(path, headers=read_only).status_code == 403
    writer = bearer(settings, tenant_id, "admin.write")
    assert client.post("/v1/billing-cycles", json=MINIMAL, headers=writer).status_code == 201
    assert client.delete(path, headers=writer).status_code == 403  # deleting needs admin.delete
    admin = bearer(settings, tenant_id, "admin.*")
    assert client.delete(path, headers=admin).status_code == 204


def test_idempotency_key_replays_the_created_billing_cycle(client, auth):
    headers = {**auth, "Idempotency-Key": "cycle-1"}
    first = client.post("/v1/billing-cycles", json=MINIMAL, headers=headers)
    second = client.post("/v1/billing-cycles", json=MINIMAL, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert client.get("/v1/billing-cycles", headers=auth).headers["X-Total-Count"] == "1"
