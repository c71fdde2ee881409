"""Oversized bodies and uploads, and deeply nested JSON, on every operation that takes a body.

The deployment (see conftest) accepts bodies of at most 4 KiB, uploads included, so that going
past the limit is cheap. Each refusal is a 4xx in the /v1 envelope, and no row is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from ledgerline.api.v1.contract_owner_sub_brands import upload_body_limit
from ledgerline.api.wire import MAX_JSON_DEPTH
from tests.factories import contract_owner_body
from tests.security.conftest import Deployment
from tests.spec import body_media_types, envelope_problems, filled_path, operations

WITH_BODY = [(method, path, operation) for method, path, operation in operations() if body_media_types(operation)]
JSON_BODIES = [(method, path, operation, media_type) for method, path, operation in WITH_BODY
               for media_type in body_media_types(operation) if "json" in media_type]
UPLOADS = [(method, path, operation) for method, path, operation in WITH_BODY
           if "multipart/form-data" in body_media_types(operation)]
LIMIT = 4096


def url(deployment: Deployment, path: str, operation: dict[str, Any]) -> str:
    return filled_path(path, operation, {"tenantLocator": deployment.tenant_id})


def assert_refused(response, status: int, label: str, field: str | None = None) -> None:
    assert response.status_code == status, f"{label}: {response.status_code} {response.text[:300]}"
    path = response.request.url.path
    assert envelope_problems(path, status, response.json()) == [], label
    if field is not None and path.startswith("/v1/"):
        assert [error["field"] for error in response.json()["errors"]] == [field], f"{label}: {response.text}"


def error_message(body: dict) -> str:
    """The message of an error in any surface's envelope (/v1 ``message``, CRM.COM ``status.message``,
    Exsited's ``errors[].message``)."""
    exsited = " ".join(item.get("message", "") for item in body.get("errors", []) if isinstance(item, dict))
    return (body.get("message") or (body.get("status") or {}).get("message") or body.get("detail")
            or exsited or "")


def json_document(size: int) -> bytes:
    """A valid contract owner create body, padded with white space to ``size`` bytes."""
    document = json.dumps(contract_owner_body()).encode()
    return document[:-1] + b" " * (size - len(document)) + b"}"


def chunks(data: bytes, size: int = 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


def test_oversized_json_bodies_are_413(deployment: Deployment, record_property):
    before = deployment.row_counts()
    body = json_document(upload_body_limit(deployment.settings) + 1)  # past every route's limit
    for method, path, operation, media_type in JSON_BODIES:
        label = f"{method} {path} ({media_type})"
        headers = {**deployment.auth, "Content-Type": media_type}
        declared = deployment.client.request(method, url(deployment, path, operation), headers=headers, content=body)
        assert_refused(declared, 413, label + " with Content-Length", "body")
        streamed = deployment.client.request(method, url(deployment, path, operation), headers=headers,
                                             content=chunks(body))
        assert "content-length" not in streamed.request.headers
        assert_refused(streamed, 413, label + " streamed", "body")
    assert deployment.row_counts() == before
    record_property("requests_sent", 2 * len(JSON_BODIES))


def test_a_body_at_the_limit_is_read(deployment: Deployment):
    headers = {**deployment.auth, "Content-Type": "application/json"}
    response = deployment.client.post("/v1/contract-owners", headers=headers, content=json_document(LIMIT))
    assert response.status_code == 201, response.text


def test_the_default_limit_is_one_mebibyte(deployment: Deployment):
    headers = {**deployment.default_auth, "Content-Type": "application/json"}
    content = b'{"name": "x", "currency": "GBP"' + b" " * (1024 * 1024) + b"}"
    response = deployment.default_client.post("/v1/customers", headers=headers, content=content)
    assert_refused(response, 413, "POST /v1/customers", "body")


@pytest.mark.parametrize(("length", "status"), [("-1", 400), ("12abc", 400), (str(10**30), 413)])
def test_a_content_length_that_is_not_a_size_is_refused(deployment: Deployment, length: str, status: int):
    headers = {**deployment.auth, "Content-Type": "application/json", "Content-Length": length}
    response = deployment.client.post("/v1/customers", headers=headers, content=b"{}")
    assert response.status_code == status, response.text


def test_oversized_uploads_are_413(deployment: Deployment, record_property):
    """Upload routes take the logo limit plus room for the form fields; past that the body is not read."""
    before = deployment.row_counts()
    limit = upload_body_limit(deployment.settings)
    for method, path, operation in UPLOADS:
        part = "logo" if method == "POST" else "file"
        request = deployment.client.build_request(method, url(deployment, path, operation), headers=deployment.auth,
                                                  files={part: ("logo.png", b"\x89PNG" + b"\0" * limit, "image/png")})
        body = request.read()
        declared = deployment.client.send(request)
        assert_refused(declared, 413, f"{method} {path}", "body")
        headers = {**deployment.auth, "Content-Type": request.headers["Content-Type"]}
        streamed = deployment.client.request(method, request.url, headers=headers, content=chunks(body))
        assert_refused(streamed, 413, f"{method} {path} streamed", "body")
    assert deployment.row_counts() == before
    record_property("requests_sent", 2 * len(UPLOADS))


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_deeply_nested_json_is_400(deployment: Deployment, depth: int, record_property):
    """Through the app with the default body limit, which the deepest document fits."""
    before = deployment.row_counts()
    nested = b"[" * depth + b"]" * depth
    for method, path, operation, media_type in JSON_BODIES:
        target = filled_path(path, operation, {"tenantLocator": deployment.tenant_id})
        for document in (nested, b'{"name": ' + nested + b"}"):
            headers = {**deployment.default_auth, "Content-Type": media_type}
            response = deployment.default_client.request(method, target, content=document, headers=headers)
            assert_refused(response, 400, f"{method} {path} depth {depth}", "body")
            assert "nested" in error_message(response.json()), response.text
    assert deployment.row_counts() == before
    record_property("requests_sent", 2 * len(JSON_BODIES))
