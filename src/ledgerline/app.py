"""The ASGI application factory."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline

from ledgerline import __version__
from ledgerline.api import health
from ledgerline.api import v1
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
        yield
        if owned:
            app.state.db.dispose()
            app.state.db = None

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
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(v1.router)
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
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
