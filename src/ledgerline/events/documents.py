"""How a domain value becomes the /v1 document an event carries, without the domain importing a surface.

The /v1 surface registers one renderer per resource (``api/v1/events.py``): a use case hands
``events.record`` the value it already holds (a ``RecordedPayment``, a ``Customer``...) and the
renderer builds the document from it, with no read.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import simplejson

Renderer = Callable[[Any], Mapping[str, Any]]

_RENDERERS: dict[str, Renderer] = {}


def renders(resource: str) -> Callable[[Renderer], Renderer]:
    """Decorator: ``fn`` renders ``resource`` values (a second registration replaces the first)."""

    def register(fn: Renderer) -> Renderer:
        _RENDERERS[resource] = fn
        return fn

    return register


def document(resource: str, value: Any) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    renderer = _RENDERERS.get(resource)
    if renderer is None:
        raise LookupError(f"no renderer registered for {resource!r} documents; pass a Mapping or register one")
    return renderer(value)


def _default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(document: Mapping[str, Any]) -> str:
    """The document as /v1 writes JSON: exact decimals, ISO dates, compact."""
    return simplejson.dumps(document, use_decimal=True, ensure_ascii=False, separators=(",", ":"), default=_default)


def from_json(text: str) -> Any:
    return simplejson.loads(text, use_decimal=True)
