"""Wire plumbing shared by every surface: exact-decimal JSON in and out."""

from __future__ import annotations

import contextlib
import datetime as dt
import email.message
import enum
import json
import uuid
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

import simplejson
from fastapi import Request, Response, params
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.types import Message, Receive

from ledgerline.config import Settings
from ledgerline.errors import BadRequest, FieldError, InvalidRequest, PayloadTooLarge, UnsupportedMediaType

MAX_JSON_DEPTH = 64


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


class WireRoute(APIRoute):
    """Routes whose JSON bodies are parsed with exact decimals, and whose bodies are bounded.

    A body beyond ``body_limit`` is refused with 413 up front (``Content-Length``) or, when it
    is streamed without one, as soon as the bytes read pass the limit: the rest is never read.
    """

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
                # Parsed here too, so that a rule loads() enforces is a 422 (FastAPI would make it a 400);
                # malformed JSON is left to FastAPI, which reports it as such.
                with contextlib.suppress(json.JSONDecodeError):
                    await wire.json()
            return await handler(wire)

        return route_handler
