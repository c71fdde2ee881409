"""Operating Ledgerline: Prometheus metrics, structured request logs, and their wiring into the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Response

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ledgerline.config import Settings
    from ledgerline.db import Database

router = APIRouter(tags=["operations"])


@router.get("/metrics", summary="Prometheus metrics (text exposition format)", include_in_schema=False)
def metrics_endpoint() -> Response:
    from ledgerline.observability import metrics

    body, content_type = metrics.render()
    return Response(body, media_type=content_type)


def install(app: FastAPI, settings: Settings) -> None:
    """The request middleware, ``GET /metrics`` and the log handler, as the settings say."""
    from ledgerline.observability import logs, metrics
    from ledgerline.observability.middleware import ObservabilityMiddleware

    logs.configure(settings.log_format, settings.log_level)
    if settings.metrics_enabled:
        app.include_router(router)
    if settings.metrics_enabled or settings.log_requests:
        app.add_middleware(ObservabilityMiddleware, log_requests=settings.log_requests)


def observe_database(database: Database | None) -> None:
    """Pool gauges for the database's engines (the request pool and, on PostgreSQL, the numbering pool)."""
    from ledgerline.db import numbering_engine
    from ledgerline.observability import metrics

    if database is None:
        return
    metrics.observe_pool(database.engine, "main")
    numbering = numbering_engine(database.engine)
    if numbering is not None:
        metrics.observe_pool(numbering, "numbering")


def shutdown() -> None:
    from ledgerline.observability import metrics

    metrics.worker_exited()
