"""/v1/webhook-endpoints: create (the secret shown once), get, list, PATCH, DELETE, rotate; refused input."""

from __future__ import annotations

import pytest

from tests.events.conftest import create_endpoint

PATCH = {"Content-Type": "application/json-patch+json"}


def test_create_get_list_patch_delete(client, auth):
    created = create_endpoint(client, auth, "https://example.com/hooks", description="CRM",
                              enabledEvents=["payment.posted", "invoice.paid"])
    assert created["enabledEvents"] == ["payment.posted", "invoice.paid"] and created["status"] == "ENABLED"
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    got = client.get(f"/v1/webhook-endpoints/{created['id']}", headers=auth)
    assert got.status_code == 200 and got.json() == {**created, "secret": None}
    listed = client.get("/v1/webhook-endpoints", headers=auth, params={"status": "ENABLED"})
    assert listed.status_code == 200 and [each["id"] for each in listed.json()] == [created["id"]]
    assert listed.json()[0]["secret"] is None
    assert client.head("/v1/webhook-endpoints", headers=auth).headers["X-Total-Count"] == "1"

    patched = client.patch(f"/v1/webhook-endpoints/{created['id']}", headers={**auth, **PATCH, "If-Match": '"1"'},
                           json=[{"op": "replace", "path": "/enabledEvents", "value": ["*"]},
                                 {"op": "replace", "path": "/status", "value": "DISABLED"}])
    assert patched.status_code == 200, patched.text
    assert patched.json()["enabledEvents"] == ["*"] and patched.json()["status"] == "DISABLED"
    assert patched.json()["disabledReason"] == "disabled by a client" and patched.json()["version"] == 2
    stale = client.patch(f"/v1/webhook-endpoints/{created['id']}", headers={**auth, **PATCH, "If-Match": '"1"'},
                         json=[{"op": "replace", "path": "/description", "value": "x"}])
    assert stale.status_code == 412
    secret = client.patch(f"/v1/webhook-endpoints/{created['id']}", headers={**auth, **PATCH},
                          json=[{"op": "replace", "path": "/secret", "value": "whsec_mine"}])
    assert secret.status_code == 400 and "secret" in secret.text

    assert client.delete(f"/v1/webhook-endpoints/{created['id']}", headers=auth).status_code == 204
    assert client.get(f"/v1/webhook-endpoints/{created['id']}", headers=auth).status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://example.com/x"}, "url"),
    ({"url": "not a url"}, "url"),
    ({"url": "https://example.com/" + "a" * 2100}, "url"),
    ({"url": "https://example.com/x", "enabledEvents": ["payment.exploded"]}, "enabledEvents"),
    ({"url": "https://example.com/x", "enabledEvents": []}, "enabledEvents"),
    ({"url": "https://example.com/x", "secret": "whsec_chosen"}, "secret"),
])
def test_bad_bodies_are_400_naming_the_field(client, auth, body, field):
    response = client.post("/v1/webhook-endpoints", headers=auth, json=body)
    assert response.status_code == 400, response.text
    assert field in response.text
    assert client.get("/v1/webhook-endpoints", headers=auth).json() == []


def test_rotation_answers_a_new_secret_once(client, auth):
    created = create_endpoint(client, auth, "https://example.com/hooks")
    rotated = client.post(f"/v1/webhook-endpoints/{created['id']}/rotate-secret", headers=auth)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] not in (None, created["secret"])
    assert rotated.json()["previousSecretExpiresAt"] is not None
    at_once = client.post(f"/v1/webhook-endpoints/{created['id']}/rotate-secret", headers=auth,
                          json={"previousSecretValidForHours": 0})
    assert at_once.status_code == 200 and at_once.json()["previousSecretExpiresAt"] is None
    assert client.post(f"/v1/webhook-endpoints/{created['id']}/rotate-secret", headers=auth,
                       json={"previousSecretValidForHours": 1000}).status_code == 400
    assert client.post("/v1/webhook-endpoints/999999/rotate-secret", headers=auth).status_code == 404


def test_another_tenant_sees_none_of_it(client, auth, other_auth):
    created = create_endpoint(client, auth, "https://example.com/hooks")
    assert client.get(f"/v1/webhook-endpoints/{created['id']}", headers=other_auth).status_code == 404
    assert client.get("/v1/webhook-endpoints", headers=other_auth).json() == []
    assert client.delete(f"/v1/webhook-endpoints/{created['id']}", headers=other_auth).status_code == 404
    assert client.post(f"/v1/webhook-endpoints/{created['id']}/rotate-secret", headers=other_auth).status_code == 404


def test_scopes(client, settings, tenant_id):
    from tests.conftest import bearer

    reader = bearer(settings, tenant_id, scopes="events.list events.read webhooks.read webhooks.list")
    assert client.get("/v1/events", headers=reader).status_code == 200
    assert client.get("/v1/webhook-endpoints", headers=reader).status_code == 200
    assert client.post("/v1/webhook-endpoints", headers=reader,
                       json={"url": "https://example.com/x"}).status_code == 403
    no_events = bearer(settings, tenant_id, scopes="webhooks.*")
    assert client.get("/v1/events", headers=no_events).status_code == 403
