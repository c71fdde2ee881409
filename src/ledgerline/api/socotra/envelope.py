"""The Socotra error envelope: RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

from fastapi import Response

from ledgerline.api.errors import ErrorInfo
from ledgerline.api.wire import dumps

PROBLEM_JSON = "application/problem+json"


def render_error(info: ErrorInfo) -> Response:
    body: dict = {"type": "about:blank", "title": info.reason, "status": info.status, "detail": info.message}
    if info.errors:
        body["errors"] = [{"field": item.field, "message": item.message} for item in info.errors]
    return Response(dumps(body), status_code=info.status, media_type=PROBLEM_JSON)
