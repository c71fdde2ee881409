"""Wire plumbing and types shared by every surface: exact-decimal JSON in and out (one worker thread per
request), exact amounts, ISO currency codes, reference ids and the strict input base (each surface adds
its alias generator)."""

from __future__ import annotations

import datetime as dt
import email.message
import enum
import inspect
import json
import uuid
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Annotated, Any

import simplejson
from fastapi import Request, Response, params
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, field_validator
from starlette.types import Message, Receive

from ledgerline.config import Settings
from ledgerline.db import in_request_transaction, request_session, request_transaction_for
from ledgerline.errors import BadRequest, FieldError, InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from ledgerline.kit.money import is_currency

MAX_JSON_DEPTH = 64

# A JSON number carried as an exact Decimal in both directions.
Amount = Annotated[Decimal, WithJsonSchema({"type": "number", "examples": [100.0]})]


def _iso_currency(code: str) -> str:
    if not is_currency(code):
        raise ValueError(f"'{code}' is not an ISO 4217 currency code")
    return code


CurrencyCode = Annotated[
    str, Field(min_length=3, max_length=3, description="ISO 4217 code", examples=["GBP"]),
    AfterValidator(_iso_currency),
]

# The identifier of another entity named in a body: an int64 id (a larger one could not be looked up).
ReferenceId = Annotated[int, Field(ge=1, le=2**63 - 1, examples=[1])]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(item) for item in value)
    return False


class StrictInput(BaseModel):
    """Request bodies of every surface: unknown fields refused, text stripped, NUL refused per field.
    A surface subclasses it with its alias generator (camelCase on /v1, snake_case elsewhere)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL: refuse it as a field error rather than fail at the database.
        if _has_nul(value):
            raise ValueError("must not contain the NUL character (\\u0000)")
        return value


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (uuid.UUID,)):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(content: Any) -> bytes:
    # simplejson writes Decimal as a JSON number with its exact digits; the
    # standard library would force a float or a string.
    return simplejson.dumps(
        content, use_decimal=True, ensure_ascii=False, separators=(",", ":"), default=_default
    ).encode("utf-8")


class WireJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _depth(value: Any, limit: int) -> int:
    stack = [(value, 1)]
    deepest = 0
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return deepest


NUL_MESSAGE = "must not contain the NUL character (\\u0000)"


def nul_path(value: Any, path: str = "") -> str | None:
    """The dotted path of the first key or text in ``value`` holding a NUL character, if any.

    PostgreSQL cannot store NUL in text (SQLite can): refused at the edge, it is a 4xx naming the
    field on every backend instead of a 500 on one.
    """
    stack = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return where or "body"
        elif isinstance(node, dict):
            for key, child in node.items():
                name = f"{where}.{key}" if where else str(key)
                if "\x00" in str(key):
                    return name
                stack.append((child, name))
        elif isinstance(node, list):
            stack.extend((child, f"{where}.{index}" if where else str(index)) for index, child in enumerate(node))
    return None


def loads(body: bytes) -> Any:
    """Parse a JSON body with every number that has a fraction as an exact Decimal.

    Every failure is a ``JSONDecodeError`` so that FastAPI reports it as a
    malformed body (400) rather than a generic parsing failure.
    """
    text = body.decode("utf-8", errors="replace")
    try:
        value = json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise json.JSONDecodeError(str(exc), text, 0) from None
    if _depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise json.JSONDecodeError(f"nested deeper than {MAX_JSON_DEPTH} levels", text, 0)
    if (where := nul_path(value)) is not None:
        error = InvalidRequest.for_field(where, NUL_MESSAGE)
        error.wire_named = True  # the path of a key the client sent
        raise error
    return value


class WireRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


def is_json_media_type(content_type: str) -> bool:
    """``application/json`` or any ``application/*+json`` (json-patch+json, problem+json)."""
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def _too_large(limit: int) -> PayloadTooLarge:
    message = f"the request body is larger than {limit} bytes"
    return PayloadTooLarge(f"Payload too large: {message}", errors=[FieldError("body", message)])


def _declared_length(request: Request) -> int | None:
    header = request.headers.get("content-length")
    if header is None:
        return None
    if not (header.isascii() and header.strip().isdigit()):
        raise BadRequest("Invalid Content-Length header", errors=[FieldError("Content-Length", "must be a number")])
    return int(header)


def _bounded(receive: Receive, limit: int) -> Receive:
    """``receive`` that fails with 413 once the body read so far passes ``limit``."""
    received = 0

    async def bounded_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise _too_large(limit)
        return message

    return bounded_receive


def _malformed(error: json.JSONDecodeError) -> RequestValidationError:
    """What FastAPI raises for a body it cannot parse (rendered as a 400 naming the body)."""
    return RequestValidationError([{"type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error",
                                    "input": {}, "ctx": {"error": error.msg}}], body=error.doc)


def _uses(dependant: Dependant, call: Callable[..., Any]) -> bool:
    pending = [dependant]
    while pending:
        current = pending.pop()
        if current.call is call:
            return True
        pending.extend(current.dependencies)
    return False


class WireRoute(APIRoute):
    """Routes whose JSON bodies are parsed once with exact decimals, whose bodies are bounded, and whose
    blocking work runs in one worker thread.

    A body beyond ``body_limit`` is refused with 413 up front (``Content-Length``) or, when it
    is streamed without one, as soon as the bytes read pass the limit: the rest is never read.
    A sync endpoint runs in the request's transaction (``db.in_request_transaction``): its
    claims, its body and the COMMIT in one worker thread, the one thread hop of the request.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        is_async = inspect.iscoroutinefunction(endpoint)
        super().__init__(path, endpoint if is_async else in_request_transaction(endpoint), **options)
        if is_async and _uses(self.dependant, request_session):
            raise TypeError(f"{path}: an async endpoint must not take the request's session (SessionDep); "
                            "make it a def, so that its database work and COMMIT run in the worker thread")

    @staticmethod
    def body_limit(settings: Settings) -> int:
        return settings.max_body_bytes

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_json = self.body_field is not None and not isinstance(self.body_field.field_info, params.Form)
        body_limit = self.body_limit

        async def route_handler(request: Request) -> Response:
            limit = body_limit(request.app.state.settings)
            declared = _declared_length(request)
            if declared is not None and declared > limit:
                raise _too_large(limit)
            wire = WireRequest(request.scope, _bounded(request.receive, limit))
            # Read here, so that passing the limit is a 413 (FastAPI would turn it into a 400).
            body = await wire.body()
            # FastAPI would hand a body of another media type to validation as raw bytes (a
            # confusing 422); say what is wrong instead.
            content_type = wire.headers.get("content-type", "")
            if takes_json and not is_json_media_type(content_type) and body:
                problem = f"{content_type or '(none)'} is not supported; send application/json"
                raise UnsupportedMediaType(f"Content-Type {problem}", errors=[FieldError("Content-Type", problem)])
            if takes_json and body:
                # Parsed here, once: a rule loads() enforces is a 422 (FastAPI would make it a 400), and
                # FastAPI's own request.json() gets the parsed value (WireRequest keeps it).
                try:
                    await wire.json()
                except json.JSONDecodeError as error:
                    raise _malformed(error) from None
            async with request_transaction_for(wire):
                return await handler(wire)

        return route_handler
