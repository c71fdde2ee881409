"""The /v1 (Elevate) error envelope: {"error", "message", "errors": [{"field", "message"}]}."""

from __future__ import annotations

from fastapi import Response

from ledgerline.api.errors import ErrorInfo
from ledgerline.api.wire import WireJSONResponse


def render_error(info: ErrorInfo) -> Response:
    body = {
        "error": info.reason,
        "message": info.message,
        "errors": [{"field": item.field, "message": item.message} for item in info.errors],
    }
    return WireJSONResponse(body, status_code=info.status)
