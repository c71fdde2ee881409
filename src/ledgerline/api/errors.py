"""Maps every error to the envelope of the surface the request came through."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from http import HTTPStatus

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledgerline.api.surface import operation_overrides
from ledgerline.errors import FieldError, Forbidden, LedgerlineError, Unauthorized, field_message
from ledgerline.kit.idempotency import IdempotentReplay

log = logging.getLogger("ledgerline.errors")


@dataclass
class ErrorInfo:
    status: int
    message: str
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return HTTPStatus(self.status).phrase


def _render(request: Request, info: ErrorInfo, *, domain_names: bool = False, names_field: bool = False) -> Response:
    """The error in the envelope of the surface the request came through. Field names a service
    raised (domain names) become the surface's wire names here, and nowhere else."""
    surface = request.app.state.surfaces.for_path(request.url.path)
    if info.status == 422:
        info.status = surface.validation_status
    if domain_names and info.errors:
        overrides = operation_overrides(request)
        info.errors = [FieldError(surface.field_names.wire(item.field, overrides), item.message)
                       for item in info.errors]
        if names_field:
            info.message = field_message(info.errors[0].field, info.errors[0].message)
    response = surface.render_error(info)
    response.headers.update(info.headers)
    return response


def _field_name(loc: tuple) -> str:
    parts = [str(part) for part in loc[1:]] if loc and loc[0] in ("body", "query", "path", "header") else [str(p) for p in loc]
    return ".".join(parts) or str(loc[0] if loc else "body")


def _from_validation(exc: RequestValidationError) -> ErrorInfo:
    errors = exc.errors()
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "malformed JSON")
            return ErrorInfo(400, f"Malformed JSON body: {reason}", [FieldError("body", f"malformed JSON: {reason}")])
    fields = [FieldError(_field_name(tuple(error.get("loc", ()))), error.get("msg", "invalid")) for error in errors]
    # Parameters (query, path, headers) are a bad request; a body that breaks a rule is 422.
    in_body = any(tuple(error.get("loc", ()))[:1] == ("body",) for error in errors)
    first = fields[0]
    return ErrorInfo(422 if in_body else 400, f"Validation failed for field '{first.field}': {first.message}", fields)


def _from_ledgerline(exc: LedgerlineError) -> ErrorInfo:
    info = ErrorInfo(exc.status_code, exc.message, list(exc.errors))
    if isinstance(exc, Unauthorized):
        description = exc.message.replace('"', "'")
        info.headers["WWW-Authenticate"] = f'Bearer error="{exc.error}", error_description="{description}"'
    elif isinstance(exc, Forbidden):
        info.headers["WWW-Authenticate"] = f'Bearer error="insufficient_scope", scope="{exc.scope or ""}"'
    return info


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LedgerlineError)
    async def _ledgerline(request: Request, exc: LedgerlineError) -> Response:
        return _render(request, _from_ledgerline(exc), domain_names=not exc.wire_named, names_field=exc.names_field)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return _render(request, _from_validation(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = {404: "No such resource or route", 405: "Method not allowed on this resource"}.get(
            exc.status_code, str(exc.detail))
        info = ErrorInfo(exc.status_code, message, headers=dict(exc.headers or {}))
        return _render(request, info)

    @app.exception_handler(IdempotentReplay)
    async def _replay(request: Request, exc: IdempotentReplay) -> Response:
        headers = {**exc.headers, "Idempotent-Replayed": "true"}
        return Response(exc.body, status_code=exc.status_code, headers=headers, media_type="application/json")

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> Response:
        return _render(request, ErrorInfo(409, "The resource was modified concurrently; fetch it and retry"))

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> Response:
        log.info("integrity error mapped to 409: %s", exc.orig)
        return _render(request, ErrorInfo(409, "The request conflicts with existing data (a unique value is taken "
                                                "or a referenced record changed)"))

    @app.exception_handler(OperationalError)
    async def _operational(request: Request, exc: OperationalError) -> Response:
        log.warning("database unavailable or busy: %s", exc.orig)
        return _render(request, ErrorInfo(503, "The database is busy or unavailable; retry shortly",
                                          headers={"Retry-After": "1"}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _render(request, ErrorInfo(500, "Internal server error"))
