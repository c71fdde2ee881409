"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from ledgerline.api.wire import WireJSONResponse

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> Response:
    return WireJSONResponse({"status": "ok"})


@router.get("/readyz", summary="Readiness: the database answers", responses={503: {"description": "Not ready"}})
def readyz(request: Request) -> Response:
    try:
        with request.app.state.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return WireJSONResponse({"status": "unavailable", "reason": type(exc).__name__}, status_code=503)
    return WireJSONResponse({"status": "ok", "database": request.app.state.db.engine.dialect.name})
