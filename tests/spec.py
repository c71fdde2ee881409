"""The application's own OpenAPI document, for suites that cover every operation generically."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from ledgerline.app import create_app
from tests.conftest import make_settings

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head")

# No database: the document depends on the routes only.
SPEC: dict[str, Any] = create_app(make_settings(), database=object()).openapi()  # type: ignore[arg-type]


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) for every operation of the document."""
    return [(method.upper(), path, item[method]) for path, item in SPEC["paths"].items()
            for method in HTTP_METHODS if method in item]


def secured(operation: dict[str, Any]) -> bool:
    return bool(operation.get("security"))


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = SPEC
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def parameters(operation: dict[str, Any], where: str) -> list[dict[str, Any]]:
    return [parameter for parameter in operation.get("parameters", []) if parameter["in"] == where]


def is_list(method: str, operation: dict[str, Any]) -> bool:
    """A GET whose answer is a collection: a bare array (/v1), an object holding ``items`` (Socotra) or
    ``pagination`` (Exsited, also inside its ``invoice``/``account`` wrapper)."""
    if method != "GET":
        return False
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    schema = resolve(next(iter(content.values()), {}).get("schema", {}))
    properties = schema.get("properties", {})
    wrapped = [resolve(each) for each in properties.values()] if len(properties) == 1 else []
    return (schema.get("type") == "array" or "items" in properties or "pagination" in properties
            or any("pagination" in each.get("properties", {}) for each in wrapped))


def filled_path(path: str, operation: dict[str, Any], values: dict[str, Any] | None = None) -> str:
    """``path`` with each parameter given: from ``values``, else 1 for integers and an example otherwise."""
    values = values or {}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return str(values[name])
        parameter = next((p for p in parameters(operation, "path") if p["name"] == name), {})
        schema = resolve(parameter.get("schema", {}))
        examples = schema.get("examples") or [parameter.get("example", 1)]
        return "1" if schema.get("type") == "integer" else str(examples[0])

    return re.sub(r"\{([^}]+)\}", value, path)


def body_media_types(operation: dict[str, Any]) -> list[str]:
    return list(operation.get("requestBody", {}).get("content", {}))


def envelope_problems(path: str, status: int, body: Any) -> list[str]:
    """What is wrong with an error body for the surface ``path`` belongs to (DESIGN.md section 4)."""
    if path.startswith("/v1/"):
        if not isinstance(body, dict) or set(body) != {"error", "message", "errors"}:
            return [f"not the /v1 envelope: {body!r}"]
        problems = [] if body["message"] else ["empty message"]
        if body["error"] != HTTPStatus(status).phrase:
            problems.append(f"error {body['error']!r} is not the reason phrase of {status}")
        return problems + [f"bad field error {error!r}" for error in body["errors"]
                           if not isinstance(error, dict) or set(error) != {"field", "message"}]
    if path.startswith("/billing/"):  # Socotra: problem+json
        ok = isinstance(body, dict) and body.get("status") == status and bool(body.get("title"))
        return [] if ok else [f"not problem+json with status {status}: {body!r}"]
    if path.startswith("/api/"):  # Exsited (/api/v3, the SDK's /api/v2 paths, /api/v1/oauth2/token)
        errors = body.get("errors") if isinstance(body, dict) else None
        ok = isinstance(errors, list) and errors and all(isinstance(e, dict) and e.get("message") for e in errors)
        return [] if ok else [f"not the Exsited envelope: {body!r}"]
    if path.startswith("/crmapi/"):  # CRM.COM
        code = body.get("status", {}).get("code") if isinstance(body, dict) else None
        return [] if code not in (None, "OK") else [f"not the CRM.COM error envelope: {body!r}"]
    return []
