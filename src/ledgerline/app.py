"""The ASGI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from pydantic.alias_generators import to_camel

from ledgerline import __version__, observability, read_routing
from ledgerline.api import health, sandbox_pages
from ledgerline.api import crm, exsited, socotra, v1
from ledgerline.api.errors import install_error_handlers
from ledgerline.api.surface import Surface, Surfaces
from ledgerline.auth import UserTokenVersions, VerifiedTokens
from ledgerline.config import Settings, get_settings
from ledgerline.db import Database, make_engine
from ledgerline.kit.idempotency import sweep_periodically
from ledgerline.providers.janitor import run_periodically
from ledgerline.tenants.context import TenantContexts

DESCRIPTION = """
Ledgerline is a self-hostable billing and payments ledger. The `/v1` surface follows the
Elevate conventions: bare JSON arrays with `X-Total-Count` and `Link`, `page`/`pageSize`,
`sort`, `fields` and typed filters; errors as `{"error", "message", "errors": [{"field", "message"}]}`.
Authenticate with `Authorization: Bearer <JWT>`.
"""


def _operation_id(route: APIRoute) -> str:
    head, *rest = route.name.split("_")
    return head + "".join(part.capitalize() for part in rest) if rest else head


# Every API surface the application serves, each one object (api/surface.py). The first also
# answers errors of paths outside every surface.
SURFACES: list[Surface] = [v1.SURFACE, socotra.SURFACE, exsited.SURFACE, crm.SURFACE]


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = getattr(app.state, "db", None) is None
        if owned:
            app.state.db = Database(make_engine(settings.database_url, echo=settings.sql_echo,
                                                transaction_pooler=settings.database_transaction_pooler))
        observability.observe_database(app.state.db)
        sweep = (asyncio.create_task(sweep_periodically(app.state.db, settings.idempotency_sweep_seconds))
                 if settings.idempotency_sweep_seconds else None)
        janitor = (asyncio.create_task(run_periodically(app.state.db, settings, settings.janitor_interval_seconds))
                   if settings.janitor_interval_seconds else None)
        with read_routing.lifespan(app, settings):
            yield
        if janitor is not None:
            janitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await janitor
        if sweep is not None:
            sweep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweep
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
    app.state.tenant_contexts = TenantContexts(settings.shortfall_tolerance, check_seconds=settings.cache_check_seconds)
    app.state.surfaces = Surfaces(SURFACES)
    app.state.verified_tokens = VerifiedTokens()
    app.state.user_token_versions = UserTokenVersions(check_seconds=settings.cache_check_seconds)
    install_error_handlers(app)
    read_routing.install(app, settings)
    app.include_router(health.router)
    app.include_router(sandbox_pages.router)
    observability.install(app, settings)
    for surface in SURFACES:
        app.include_router(surface.router)
    _document(app, app.state.surfaces)
    return app


def _document(app: FastAPI, surfaces: Surfaces) -> None:
    """Bearer auth declared once; each surface documents its own operations (errors, security)."""
    original = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearerAuth"] = {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        for path, operations in schema.get("paths", {}).items():
            surface = surfaces.for_path(path)
            if surface.owns(path) and surface.document is not None:
                surface.document(schema, path, operations)
            if "head" in operations:
                _document_head(operations["head"])
            if "get" in operations:
                _document_projection(schema, operations["get"])
        _drop_unreferenced(schema, "HTTPValidationError", "ValidationError")
        _name_path_parameters(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _name_path_parameters(schema: dict) -> None:
    """Path parameters as the seeds name them, for generated SDKs (issue 15): camelCase
    (``contractOwnerSubBrandId``, ``customerId``), and an id is an int64 of at least 1, as
    ``api/query.py`` checks it. The routes' own snake_case names only bind the Python arguments."""
    renamed = {}
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/v1/"):  # other surfaces name their parameters their own way (Exsited: payment_id)
            renamed[path] = operations
            continue
        names = {}
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else ():
                if parameter.get("in") != "path":
                    continue
                name = parameter["name"]
                if "_" in name:
                    names[name] = parameter["name"] = to_camel(name)
                if name.endswith("_id") or name == "id":
                    parameter["schema"] = {**parameter.get("schema", {}), "type": "integer", "format": "int64",
                                           "minimum": 1, "maximum": 2**63 - 1}
                    parameter["schema"].pop("title", None)
        renamed[re.sub(r"\{([^}]+)\}", lambda match: "{" + names.get(match[1], match[1]) + "}", path)] = operations
    schema["paths"] = renamed


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
