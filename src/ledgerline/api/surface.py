"""The surface contract: what each API surface (``api/<surface>/``) hands the application.

A surface is an adapter. It parses its own wire format, calls the domain's services, and renders
results and errors in its own shape. Domain errors name domain fields (``amount``,
``tenders[1].method``, ``intended_invoices[0]``); the surface's ``FieldNames`` turns them into its wire
names, in one place, when the error is rendered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response

if TYPE_CHECKING:
    from ledgerline.api.errors import ErrorInfo

_SEPARATOR = re.compile(r"(\[[^\]]*\]|\.)")
_SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
_WIRE_FIELDS = "__ledgerline_wire_fields__"


def _identity(name: str) -> str:
    return name


@dataclass(frozen=True)
class FieldNames:
    """Domain field paths to one surface's wire names, name by name (indexes and dots are kept).

    ``names`` holds the renamings; any other snake_case name goes through ``default`` (camelCase on
    /v1). A name that is not snake_case (a wire name already, ``Content-Type``) is left as it is.
    """

    names: Mapping[str, str] = field(default_factory=dict)
    default: Callable[[str], str] = _identity

    def wire(self, path: str, overrides: Mapping[str, str] | None = None) -> str:
        out = []
        for token in _SEPARATOR.split(path):  # lossless: separators are kept
            if not token or token == "." or token.startswith("["):
                out.append(token)
            elif overrides and token in overrides:
                out.append(overrides[token])
            elif token in self.names:
                out.append(self.names[token])
            else:
                out.append(self.default(token) if _SNAKE.fullmatch(token) else token)
        return "".join(out)


def wire_fields(**overrides: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Per-operation renamings, for an endpoint whose wire names differ from its surface's usual ones
    (e.g. ``@wire_fields(method="type")`` where a body calls the payment method ``type``)."""

    def mark(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        setattr(endpoint, _WIRE_FIELDS, dict(overrides))
        return endpoint

    return mark


def operation_overrides(request: Request) -> Mapping[str, str]:
    route = request.scope.get("route")
    return getattr(getattr(route, "endpoint", None), _WIRE_FIELDS, {})


def bearer_token(request: Request) -> str | None:
    """``Authorization: Bearer <token>``: how /v1 and /billing read the token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@dataclass(frozen=True)
class Surface:
    """One API surface: its base path, routes, error envelope, OpenAPI hook, token and field names."""

    name: str
    prefix: str
    router: APIRouter
    render_error: Callable[[ErrorInfo], Response]
    field_names: FieldNames = field(default_factory=FieldNames)
    read_token: Callable[[Request], str | None] = bearer_token
    # Called with each OpenAPI path of this surface and its operations, to document what it answers.
    document: Callable[[dict, str, dict], None] | None = None
    # The status a body that breaks a field or domain rule gets (services raise 422; Elevate documents 400).
    validation_status: int = 422

    def owns(self, path: str) -> bool:
        return path == self.prefix.rstrip("/") or path.startswith(self.prefix.rstrip("/") + "/")


class Surfaces:
    """The mounted surfaces, longest prefix first; a path outside all of them goes to the first."""

    def __init__(self, surfaces: list[Surface]) -> None:
        self.default = surfaces[0]
        self.all = sorted(surfaces, key=lambda surface: len(surface.prefix), reverse=True)

    def for_path(self, path: str) -> Surface:
        return next((surface for surface in self.all if surface.owns(path)), self.default)
