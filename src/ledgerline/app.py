"""The ASGI application factory."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline

from ledgerline import __version__
from ledgerline import observability
from ledgerline.api import health
from ledgerline.api import socotra, v1
from ledgerline.api.socotra.envelope import PROBLEM_JSON, render_error as render_problem
from ledgerline.api.errors import install_error_handlers, register_surface
from ledgerline.api.v1.envelope import render_error as render_v1_error
from ledgerline.config import Settings, get_settings
from ledgerline.db import Database, make_engine

DESCRIPTION = """
Ledgerline is a self-hostable billing and payments ledger. The `/v1` surface follows the
Elevate conventions: bare JSON arrays with `X-Total-Count` and `Link`, `page`/`pageSize`,
`sort`, `fields` and typed filters; errors as `{"error", "message", "errors": [{"field", "message"}]}`.
Authenticate with `Authorization: Bearer <JWT>`.
"""


def _operation_id(route: APIRoute) -> str:
    head, *rest = route.name.split("_")
    return head + "".join(part.capitalize() for part in rest) if rest else head


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = getattr(app.state, "db", None) is None
        if owned:
            app.state.db = Database(make_engine(settings.database_url, echo=settings.sql_echo))
        observability.observe_database(app.state.db)
        yield
        if owned:
            app.state.db.dispose()
            app.state.db = None
        observability.shutdown()

    app = FastAPIOffline(
        title="Ledgerline",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        swagger_ui_parameters={"defaultModelsExpandDepth": 0},
    )
    app.state.settings = settings
    app.state.db = database
    app.state.known_tenants = set()
    register_surface("/v1", render_v1_error)
    register_surface("/billing/", render_problem)
    install_error_handlers(app)
    app.include_router(health.router)
    observability.install(app, settings)
    app.include_router(v1.router)
    app.include_router(socotra.router)
    _document_security(app)
    return app


def _document_security(app: FastAPI) -> None:
    """Declare bearer auth in OpenAPI once, applied to every /v1 operation."""
    original = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearerAuth"] = {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        for path, operations in schema.get("paths", {}).items():
            if re.match(r"^/v1/(?!authenticate$)", path):
                for operation in operations.values():
                    operation.setdefault("security", [{"bearerAuth": []}])
            if path.startswith("/v1/") and "ErrorBody" in schema["components"].get("schemas", {}):
                for operation in operations.values():
                    _document_v1_validation(operation)
            if path.startswith("/billing/"):
                for operation in operations.values():
                    operation.setdefault("security", [{"bearerAuth": []}])
                    _document_problems(operation)
            if "head" in operations:
                _document_head(operations["head"])
            if "get" in operations:
                _document_projection(schema, operations["get"])
        _drop_unreferenced(schema, "HTTPValidationError", "ValidationError")
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _drop_unreferenced(schema: dict, *names: str) -> None:
    """Remove component schemas no operation refers to any more (in order: referrers first)."""
    components = schema.get("components", {}).get("schemas", {})
    for name in names:
        if name in components:
            rest = {key: value for key, value in schema.items() if key != "components"}
            rest["schemas"] = {key: value for key, value in components.items() if key != name}
            if f"#/components/schemas/{name}\"" not in json.dumps(rest):
                del components[name]


def _document_head(operation: dict) -> None:
    """A HEAD answer has headers only: no body is documented, and the count is a header."""
    for code, response in operation.get("responses", {}).items():
        response.pop("content", None)
        if code in ("200", "404"):
            response.setdefault("headers", {})["X-Total-Count"] = {
                "description": "How many rows match the filters", "schema": {"type": "integer", "minimum": 0}}


def _document_projection(schema: dict, operation: dict) -> None:
    """A list that takes ``fields`` answers rows of only those fields: each row is the resource or a part of it."""
    if not any(parameter.get("name") == "fields" for parameter in operation.get("parameters", [])):
        return
    for content in operation.get("responses", {}).get("200", {}).get("content", {}).values():
        items = content.get("schema", {}).get("items", {})
        ref = items.get("$ref", "")
        if not ref.startswith("#/components/schemas/"):
            continue
        name = ref.rsplit("/", 1)[1]
        components = schema["components"]["schemas"]
        if f"{name}Fields" not in components:
            partial = {key: value for key, value in components[name].items() if key != "required"}
            partial["title"] = f"{name}Fields"
            partial["description"] = f"{name} with only the fields named by the `fields` parameter"
            components[f"{name}Fields"] = partial
        content["schema"]["items"] = {"anyOf": [{"$ref": ref}, {"$ref": f"{ref}Fields"}]}


def _error_body() -> dict:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}


def _document_problems(operation: dict) -> None:
    """/billing answers errors as application/problem+json, a bad parameter as 400 (never FastAPI's 422)."""
    responses = operation.setdefault("responses", {})
    if "HTTPValidationError" in str(responses.get("422", {}).get("content", "")):
        del responses["422"]
    for code, response in responses.items():
        content = response.get("content", {})
        if code.startswith(("4", "5")) and "application/json" in content:
            response["content"] = {PROBLEM_JSON: content.pop("application/json")}


def _document_v1_validation(operation: dict) -> None:
    """Replace FastAPI's default 422 (``{"detail": [...]}``, never sent) with what /v1 answers.

    A bad query or path parameter is a 400 and a body that breaks a rule a 422, both in
    the /v1 envelope (see ``api/errors.py``).
    """
    responses = operation.setdefault("responses", {})
    if "requestBody" in operation:  # WireRoute refuses other media types and bounds the body
        responses.setdefault("413", {"description": "The body is larger than the limit (not read further)",
                                     "content": _error_body()})
        responses.setdefault("415", {"description": "The body is not JSON (Content-Type)", "content": _error_body()})
    # Any /v1 operation refuses an unknown or repeated query parameter (api/query.py) and malformed JSON.
    responses.setdefault("400", {"description": "Bad request: a parameter or the body is malformed "
                                                "(the field is named)", "content": _error_body()})
    default = responses.get("422", {})
    if "HTTPValidationError" not in str(default.get("content", "")):
        return
    del responses["422"]
    if "requestBody" in operation:
        responses["422"] = {"description": "The body breaks a field or domain rule (each field is named)",
                            "content": _error_body()}
