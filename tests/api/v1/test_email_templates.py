"""/v1/email-templates: {name, subject, body} with {{placeholder}} substitutions."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.factories import create_email_template, create_sub_brand

BASE = "/v1/email-templates"
JSON_PATCH = {"Content-Type": "application/json-patch+json"}
BODY = {"name": "Invoice email", "subject": "Invoice {{ invoiceNumber }}", "body": "Dear {{customer.name}}, {{x_1}}"}


def _patch(client, auth, template_id, operations, **headers):
    return client.patch(f"{BASE}/{template_id}", json=operations, headers={**auth, **JSON_PATCH, **headers})


def test_create_with_the_minimal_body_lists_the_placeholders(client, auth):
    response = client.post(BASE, json=BODY, headers=auth)
    assert response.status_code == 201, response.text
    template = response.json()
    assert {key: template[key] for key in BODY} == BODY
    assert template["placeholders"] == ["customer.name", "invoiceNumber", "x_1"]
    assert template["version"] == 1 and len(template["locator"]) == 26
    assert response.headers["location"] == f"{BASE}/{template['id']}"
    assert client.get(response.headers["location"], headers=auth).json() == template


def test_text_without_placeholders_is_fine(client, auth):
    template = create_email_template(client, auth, subject="Hello", body="Single { and } braces are text.")
    assert template["placeholders"] == []


@pytest.mark.parametrize(("field", "value"), [
    ("name", None), ("name", ""), ("name", "x" * 256),
    ("subject", None), ("subject", ""), ("subject", "x" * 256), ("subject", "Invoice {{"),
    ("body", None), ("body", ""), ("body", "x" * 65536), ("body", "Dear {{ customer name }}"),
    ("body", "Dear {{1st}}"), ("body", "Dear {{name}"), ("body", "{{}}"),
])
def test_each_broken_rule_is_400_naming_the_field(client, auth, field, value):
    body = {key: item for key, item in {**BODY, field: value}.items() if item is not None}
    response = client.post(BASE, json=body, headers=auth)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == field
    assert client.head(BASE, headers=auth).status_code == 404


def test_json_patch_revalidates_placeholders_and_refuses_read_only_paths(client, auth):
    template = create_email_template(client, auth)
    changed = _patch(client, auth, template["id"], [{"op": "replace", "path": "/body", "value": "Hi {{firstName}}"}],
                     **{"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.json()["placeholders"] == ["firstName", "invoiceNumber"]
    assert changed.headers["etag"] == '"2"'
    broken = _patch(client, auth, template["id"], [{"op": "replace", "path": "/subject", "value": "{{oops"}])
    assert broken.status_code == 400 and broken.json()["errors"][0]["field"] == "subject"
    for path in ("/placeholders", "/id", "/version"):
        refused = _patch(client, auth, template["id"], [{"op": "replace", "path": path, "value": []}])
        assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == path.lstrip("/")
    stale = _patch(client, auth, template["id"], [{"op": "replace", "path": "/name", "value": "x"}],
                   **{"If-Match": '"1"'})
    assert stale.status_code == 412
    assert client.get(f"{BASE}/{template['id']}", headers=auth).json() == changed.json()


def test_list_head_filters_and_sorts(client, auth):
    first = create_email_template(client, auth, name="Reminder")
    second = create_email_template(client, auth, name="Invoice")
    listing = client.get(BASE, params={"sort": "name", "fields": "id,name"}, headers=auth)
    assert listing.json() == [{"id": second["id"], "name": "Invoice"}, {"id": first["id"], "name": "Reminder"}]
    assert listing.headers["X-Total-Count"] == "2"
    assert client.get(BASE, params={"name": "like:remind"}, headers=auth).json()[0]["id"] == first["id"]
    assert client.head(BASE, params={"name": "Invoice"}, headers=auth).headers["X-Total-Count"] == "1"
    assert client.head(BASE, params={"name": "Nobody"}, headers=auth).status_code == 404
    assert client.get(BASE, params={"sort": "body"}, headers=auth).status_code == 400


def test_delete_is_409_while_a_sub_brand_uses_the_template(client, auth):
    template = create_email_template(client, auth)
    sub_brand = create_sub_brand(client, auth, email_template_id=template["id"])
    refused = client.delete(f"{BASE}/{template['id']}", headers=auth)
    assert refused.status_code == 409
    assert client.delete(f"/v1/contract-owner-sub-brands/{sub_brand['id']}", headers=auth).status_code == 200
    assert client.delete(f"{BASE}/{template['id']}", headers=auth).status_code == 204
    assert client.get(f"{BASE}/{template['id']}", headers=auth).status_code == 404


def test_another_tenant_never_sees_or_touches_a_template(client, auth, other_auth):
    template = create_email_template(client, auth)
    path = f"{BASE}/{template['id']}"
    assert client.get(path, headers=other_auth).status_code == 404
    assert _patch(client, other_auth, template["id"], [{"op": "replace", "path": "/name", "value": "x"}]
                  ).status_code == 404
    assert client.delete(path, headers=other_auth).status_code == 404
    assert client.get(BASE, headers=other_auth).json() == []
    assert client.get(path, headers=auth).json() == template


def test_scopes_admin_read_reads_admin_write_writes(client, settings, tenant_id, auth):
    template = create_email_template(client, auth)
    path = f"{BASE}/{template['id']}"
    reader = bearer(settings, tenant_id, "admin.read")
    assert client.get(path, headers=reader).status_code == 200
    assert client.post(BASE, json=BODY, headers=reader).status_code == 403
    assert _patch(client, reader, template["id"], [{"op": "replace", "path": "/name", "value": "x"}]
                  ).status_code == 403
    assert client.delete(path, headers=reader).status_code == 403
    writer = bearer(settings, tenant_id, "admin.write")
    assert client.post(BASE, json=BODY, headers=writer).status_code == 201
    assert client.get(path, headers=bearer(settings, tenant_id, "payments.*")).status_code == 403


def test_idempotency_key_replays_the_created_template(client, auth):
    headers = {**auth, "Idempotency-Key": "template-1"}
    first = client.post(BASE, json=BODY, headers=headers)
    second = client.post(BASE, json=BODY, headers=headers)
    assert first.json() == second.json() and second.headers["Idempotent-Replayed"] == "true"
