"""The OpenAPI document is complete enough for clean generated SDKs, and the docs work offline."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledgerline.app import create_app
from ledgerline.config import Settings

# The provider webhooks authenticate by their HMAC signature (tests/security/test_webhooks.py).
NO_AUTH = {"/healthz", "/readyz", "/v1/authenticate", "/api/v1/oauth2/token",
           "/crmapi/rest/v2/authentication/token", "/v1/payment-provider-webhooks/{providerId}"}
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture(scope="module")
def docs_client() -> TestClient:
    # No database: the document and the docs pages depend on the routes only.
    settings = Settings(_env_file=None, environment="test", jwt_secret="x" * 40, database_url="sqlite://")
    return TestClient(create_app(settings, database=object()))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def spec(docs_client) -> dict[str, Any]:
    response = docs_client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(spec: dict[str, Any]):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    seen = set()
    while "$ref" in schema:
        ref = schema["$ref"]
        assert ref not in seen, ref
        seen.add(ref)
        node: Any = spec
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def has_example(spec: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> bool:
    """An example for this schema can be read off the document without inventing one."""
    assert depth < 20, "schema nested too deeply"
    schema = resolve(spec, schema)
    if any(key in schema for key in ("example", "examples", "enum", "const", "default")):
        return True
    for combinator in ("anyOf", "oneOf", "allOf"):
        branches = [branch for branch in schema.get(combinator, []) if branch.get("type") != "null"]
        if branches:
            return all(has_example(spec, branch, depth + 1) for branch in branches)
    if schema.get("type") == "array":
        return has_example(spec, schema.get("items", {}), depth + 1)
    properties = schema.get("properties", {})
    if properties:
        # Every property a client must send has an example (or the schema has a whole one).
        needed = schema.get("required") or list(properties)[:1]
        return all(has_example(spec, properties[name], depth + 1) for name in needed)
    return False


def test_the_document_is_openapi_3_with_the_bearer_scheme(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Ledgerline"
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def test_operation_ids_exist_and_are_unique(spec):
    ids = [operation.get("operationId") for _, _, operation in operations(spec)]
    assert all(ids), [f"{m} {p}" for p, m, o in operations(spec) if not o.get("operationId")]
    duplicates = [name for name, count in Counter(ids).items() if count > 1]
    assert duplicates == []
    # camelCase, as SDK generators turn them into method names
    assert [name for name in ids if not re.fullmatch(r"[a-z][A-Za-z0-9]*", name)] == []


def test_every_operation_has_a_tag_and_a_summary(spec):
    missing = [f"{method.upper()} {path}" for path, method, operation in operations(spec)
               if not operation.get("tags") or not operation.get("summary", "").strip()]
    assert missing == []


def test_every_authenticated_operation_documents_401_403_and_another_4xx(spec):
    missing = []
    for path, method, operation in operations(spec):
        if path in NO_AUTH:
            continue
        codes = set(operation.get("responses", {}))
        other_4xx = {code for code in codes if code.startswith("4") and code not in ("401", "403")}
        if not {"401", "403"} <= codes or not other_4xx:
            missing.append(f"{method.upper()} {path}: {sorted(codes)}")
    assert missing == []


def test_bearer_security_applies_to_every_v1_billing_and_crm_operation_but_login(spec):
    for path, method, operation in operations(spec):
        if path.startswith(("/v1/", "/billing/", "/api/", "/crmapi/")) and path not in NO_AUTH:
            assert operation.get("security") == [{"bearerAuth": []}], f"{method} {path}"
        else:
            assert "security" not in operation, f"{method} {path}"


def test_login_documents_its_failures(spec):
    responses = spec["paths"]["/v1/authenticate"]["post"]["responses"]
    assert {"200", "401", "400"} <= set(responses)
    token = resolve(spec, responses["200"]["content"]["application/json"]["schema"])
    assert set(token["properties"]) == {"token", "username"}


def test_errors_are_documented_with_the_v1_envelope(spec):
    """FastAPI's default 400 ({"detail": [...]}) is never sent under /v1, so it is never documented."""
    wrong = []
    for path, method, operation in operations(spec):
        if not path.startswith("/v1/"):
            continue
        for code, response in operation.get("responses", {}).items():
            if code.startswith(("4", "5")) and "content" in response:
                schema = response["content"]["application/json"]["schema"]
                if schema.get("$ref") != "#/components/schemas/ErrorBody":
                    wrong.append(f"{method.upper()} {path} {code}")
    assert wrong == []


def test_every_request_body_has_an_example(spec):
    missing = []
    for path, method, operation in operations(spec):
        for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
            if "example" in content or "examples" in content:
                continue
            if not has_example(spec, content.get("schema", {})):
                missing.append(f"{method.upper()} {path} ({media_type})")
    assert missing == []


def test_every_query_and_path_parameter_has_an_example(spec):
    missing = []
    for path, method, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            if parameter["in"] not in ("query", "path"):
                continue
            if "example" in parameter or "examples" in parameter:
                continue
            if not has_example(spec, parameter.get("schema", {})):
                missing.append(f"{method.upper()} {path} {parameter['name']}")
    assert missing == []


def test_every_query_parameter_is_described(spec):
    missing = [f"{method.upper()} {path} {parameter['name']}" for path, method, operation in operations(spec)
               for parameter in operation.get("parameters", [])
               if parameter["in"] == "query" and not parameter.get("description")]
    assert missing == []


def test_lists_document_the_paging_parameters_as_the_seed_does(spec):
    parameters = {p["name"]: p for p in spec["paths"]["/v1/customers"]["get"]["parameters"]}
    assert parameters["page"]["schema"]["minimum"] == 1
    assert (parameters["pageSize"]["schema"]["minimum"], parameters["pageSize"]["schema"]["maximum"]) == (1, 1000)
    assert {"sort", "fields", "name", "creditThreshold", "createdAt", "status"} <= set(parameters)


# --- the documentation pages --------------------------------------------------------------


ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(docs_client, page):
    response = docs_client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert not re.search(r"https?://", html), re.findall(r"https?://[^\s\"'<>]+", html)
    assets = ASSET.findall(html)
    assert assets, "the page references its scripts and styles"
    for asset in assets:
        assert asset.startswith("/"), asset
        served = docs_client.get(asset)
        assert served.status_code == 200, asset
        assert served.content, asset
    assert "/openapi.json" in html


def test_swagger_oauth2_redirect_page_is_served(docs_client):
    assert docs_client.get("/docs/oauth2-redirect").status_code == 200


def test_head_operations_document_headers_not_a_body(spec):
    """A HEAD answer has no body; its count is the X-Total-Count header (found by the fuzz suite)."""
    heads = [(path, item["head"]) for path, item in spec["paths"].items() if "head" in item]
    assert heads
    for path, operation in heads:
        for code, response in operation["responses"].items():
            assert "content" not in response, f"HEAD {path} {code}"
        assert "X-Total-Count" in operation["responses"]["200"]["headers"], path


def test_every_v1_operation_documents_400_and_413_when_it_takes_a_body(spec):
    """Malformed JSON and unknown or repeated query parameters are a 400 on any /v1 operation."""
    missing = [f"{method.upper()} {path}" for path, method, operation in operations(spec)
               if path.startswith("/v1/") and "400" not in operation["responses"]]
    assert missing == []
    # and every body is bounded (413)
    assert [f"{method.upper()} {path}" for path, method, operation in operations(spec)
            if "requestBody" in operation and "413" not in operation["responses"]] == []


def test_lists_that_take_fields_document_projected_rows(spec, docs_client):
    """``fields=id,name`` answers rows of two fields; the document allows them (found by the fuzz suite)."""
    lists = [(path, operation) for path, method, operation in operations(spec) if method == "get"
             and any(parameter["name"] == "fields" for parameter in operation.get("parameters", []))]
    assert lists
    for path, operation in lists:
        items = operation["responses"]["200"]["content"]["application/json"]["schema"]["items"]
        full, projected = (resolve(spec, branch) for branch in items["anyOf"])
        assert full.get("required"), path
        assert "required" not in projected and projected["properties"] == full["properties"], path


def test_seed000_v1_documents_no_422(spec):
    """Elevate's documented status codes have no 422: no /v1 operation documents one."""
    documented = [(method, path) for path, method, operation in operations(spec)
                  if path.startswith("/v1/") and "422" in operation.get("responses", {})]
    assert documented == []


def test_component_schema_names_are_unique_across_surfaces(spec):
    """Two surfaces' models of one name get module-qualified names, which generated clients refuse
    ("duplicate models"): every surface names its own (CrmInvoice, ExsitedTokenRequest, ...)."""
    assert [name for name in spec["components"]["schemas"] if "__" in name] == []
