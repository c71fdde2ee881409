"""Query strings are checked against the parameters the route declares.

FastAPI ignores a query parameter it does not know and keeps the last of a repeated one, so
``?customerID=5`` (a typo) would list every customer and ``?status=PAID&status=UNPAID`` one
status silently. Under a surface that opts in, both are a 400 naming the parameter, and so is a
NUL character (PostgreSQL cannot compare text with one).
"""

from __future__ import annotations

from collections import Counter

from fastapi import Request
from fastapi.dependencies.models import Dependant

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


async def reject_unknown_query_parameters(request: Request) -> None:
    """Router dependency: 400 for an undeclared query parameter or a repeated single-valued one (async:
    CPU only, no worker-thread hop)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    declared = getattr(route, "_ledgerline_query_parameters", None)
    if declared is None:
        declared = _query_parameters(dependant)
        route._ledgerline_query_parameters = declared  # type: ignore[union-attr]  # computed once per route
    names, repeatable = declared
    counts = Counter(name for name, _ in request.query_params.multi_items())
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            raise BadRequest(f"Invalid parameter '{name}': {NUL_MESSAGE}", errors=[FieldError(name, NUL_MESSAGE)])
    for name, count in counts.items():
        if name not in names:
            allowed = ", ".join(sorted(names)) or "none"
            raise BadRequest(f"Invalid parameter '{name}': unknown query parameter; this operation takes: {allowed}",
                             errors=[FieldError(name, "unknown query parameter")])
        if count > 1 and name not in repeatable:
            raise BadRequest(f"Invalid parameter '{name}': given {count} times; it takes one value",
                             errors=[FieldError(name, f"given {count} times; it takes one value")])
