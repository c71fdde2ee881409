"""Query strings are checked against the parameters the route declares.

FastAPI ignores a query parameter it does not know and keeps the last of a repeated one, so
``?customerId=5`` on an operation without that filter would list every row, and
``?status=PAID&status=UNPAID`` one status silently. Under a surface that opts in:

- a parameter some operation of the surface declares, but not this one, is a 400 naming it (a
  filter meant for another resource never lists everything);
- a parameter no operation of the surface declares (a cache buster ``_=1700000000``, a client's
  tracking tag) is harmless and ignored (issue 15);
- a single-valued parameter given twice, or a NUL character (PostgreSQL cannot compare text with
  one), is a 400 naming it.
"""

from __future__ import annotations

from collections import Counter

from fastapi import Request
from fastapi.dependencies.models import Dependant
from pydantic.alias_generators import to_camel

from ledgerline.api.wire import NUL_MESSAGE
from ledgerline.errors import BadRequest, FieldError


def _query_parameters(dependant: Dependant) -> tuple[frozenset[str], frozenset[str]]:
    """The names of the route's query parameters, and those of them that may repeat (lists)."""
    names: set[str] = set()
    repeatable: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        for field in current.query_params:
            names.add(field.alias)
            annotation = getattr(field.field_info, "annotation", None)
            if getattr(annotation, "__origin__", None) in (list, tuple, set, frozenset):
                repeatable.add(field.alias)
        pending.extend(current.dependencies)
    return frozenset(names), frozenset(repeatable)


def _declared(route: object) -> tuple[frozenset[str], frozenset[str]]:
    declared = getattr(route, "_ledgerline_query_parameters", None)
    if declared is None:
        declared = _query_parameters(route.dependant)  # type: ignore[attr-defined]
        route._ledgerline_query_parameters = declared  # type: ignore[attr-defined]  # computed once per route
    return declared


def _surface_parameters(request: Request, prefix: str) -> frozenset[str]:
    """Every query parameter some operation under ``prefix`` declares, as the OpenAPI document lists them
    (computed once per app)."""
    cache = request.app.state._state.setdefault("ledgerline_surface_parameters", {})
    names = cache.get(prefix)
    if names is None:
        names = frozenset(
            parameter["name"]
            for path, operations in request.app.openapi().get("paths", {}).items() if path.startswith(prefix + "/")
            for operation in operations.values() if isinstance(operation, dict)
            for parameter in operation.get("parameters", ()) if parameter.get("in") == "query")
        cache[prefix] = names
    return names


async def reject_unknown_query_parameters(request: Request) -> None:
    """Router dependency: 400 for a query parameter meant for another operation or a repeated single-valued
    one; one that no operation of the surface takes is ignored (async: CPU only, no worker-thread hop)."""
    route = request.scope.get("route")
    if getattr(route, "dependant", None) is None:
        return
    names, repeatable = _declared(route)
    prefix = "/" + request.url.path.strip("/").split("/")[0]
    counts = Counter(name for name, _ in request.query_params.multi_items())
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            raise BadRequest(f"Invalid parameter '{name}': {NUL_MESSAGE}", errors=[FieldError(name, NUL_MESSAGE)])
    for name, count in counts.items():
        if name not in names:
            if name not in _surface_parameters(request, prefix):
                continue  # no operation knows it: harmless
            allowed = ", ".join(sorted(names)) or "none"
            raise BadRequest(f"Invalid parameter '{name}': not a parameter of this operation; it takes: "
                             f"{allowed}", errors=[FieldError(name, "not a parameter of this operation")])
        if count > 1 and name not in repeatable:
            raise BadRequest(f"Invalid parameter '{name}': given {count} times; it takes one value",
                             errors=[FieldError(name, f"given {count} times; it takes one value")])


MAX_ID = 2**63 - 1


async def check_path_ids(request: Request) -> None:
    """Router dependency: an id in the path (``{customer_id}``, documented ``customerId``) is an int64 of at
    least 1; anything else is a 400 naming it as documented (issue 15)."""
    for name, raw in request.path_params.items():
        if not name.endswith("_id"):
            continue
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 19 and 1 <= int(raw) <= MAX_ID):
            wire = to_camel(name)
            message = f"'{raw}' is not an identifier (an integer from 1 to {MAX_ID})"
            raise BadRequest(f"Invalid parameter '{wire}': {message}", errors=[FieldError(wire, message)])
