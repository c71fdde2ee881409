"""The CRM.COM envelope: every answer, errors too, is ``{"status": {"code", "message", "description"}, "data"}``.

``code`` is ``OK`` on success and a stable upper-case code otherwise, beside a meaningful HTTP status
(vendor notes: clients read ``status.code`` first; anything but ``OK`` is an error).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Response
from pydantic import BaseModel, Field

from ledgerline.api.errors import ErrorInfo
from ledgerline.api.wire import dumps

OK = "OK"
INVALID_IDENTIFIER = "INVALID_IDENTIFIER"
VALIDATION_ERROR = "VALIDATION_ERROR"

# HTTP status -> status.code. Validation is 400 on this surface (a body FastAPI would answer 422 too).
CODES = {
    400: VALIDATION_ERROR, 401: "INVALID_TOKEN", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
    409: "INVALID_STATE", 412: "PRECONDITION_FAILED", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
    422: VALIDATION_ERROR, 503: "SERVICE_UNAVAILABLE", 500: "INTERNAL_ERROR",
}
_SEGMENT = re.compile(r"[.\[\]]+")
# The wire fields that are identifier objects (seed 004): problems with them are INVALID_IDENTIFIER.
_IDENTIFIER_FIELDS = {"received_by_user", "received_by_unit"}


def is_identifier_field(path: str) -> bool:
    return any(part.endswith("_identifier") or part in _IDENTIFIER_FIELDS for part in _SEGMENT.split(path))


def code_of(info: ErrorInfo) -> str:
    if info.status in (400, 422) and info.errors and is_identifier_field(info.errors[0].field):
        return INVALID_IDENTIFIER
    return CODES.get(info.status, "ERROR")


def status(code: str = OK, message: str | None = None, description: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "description": description}


def ok(data: Any) -> dict[str, Any]:
    return {"status": status(), "data": data}


def render_error(info: ErrorInfo) -> Response:
    http_status = 400 if info.status == 422 else info.status
    description = "; ".join(f"{item.field}: {item.message}" for item in info.errors) or None
    body = {"status": status(code_of(info), info.message, description), "data": None}
    return Response(dumps(body), status_code=http_status, media_type="application/json")


class Status(BaseModel):
    code: str = Field(description="OK on success; otherwise INVALID_TOKEN, INVALID_IDENTIFIER, NOT_FOUND, "
                                  "INVALID_STATE, VALIDATION_ERROR, FORBIDDEN, ...", examples=["OK"])
    message: str | None = Field(description="Why it failed (null on success)")
    description: str | None = Field(description="Each field in error and why (null on success)")


class ErrorEnvelope(BaseModel):
    """How every error is answered (``data`` is null)."""

    status: Status
    data: None = None
