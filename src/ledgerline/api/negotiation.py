"""Accept: an operation answers 406 when the client accepts none of the media types it answers in.

What an operation answers in is read off the route once: the content types its 2xx responses declare,
plus ``application/json`` unless its response class is a bare ``Response`` (which declares its own). An
operation whose success has no body (HEAD, 204, a bare 200) has nothing to negotiate. Error bodies
keep the surface's envelope whatever Accept says (Elevate lists 406 among its status codes).
"""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.datastructures import DefaultPlaceholder

from ledgerline.api.multipart import acceptable_media_type
from ledgerline.errors import FieldError, NotAcceptable

JSON = "application/json"


def answered_media_types(route: object) -> tuple[str, ...]:
    cached = getattr(route, "_ledgerline_answers", None)
    if cached is not None:
        return cached
    methods = getattr(route, "methods", set()) or set()
    status_code = getattr(route, "status_code", None) or 200
    types: list[str] = []
    if methods != {"HEAD"} and status_code != 204:
        for code, response in (getattr(route, "responses", None) or {}).items():
            if str(code).startswith("2"):
                types += [media for media in (response.get("content") or {}) if media not in types]
        response_class = getattr(route, "response_class", None)
        if isinstance(response_class, DefaultPlaceholder):
            response_class = response_class.value
        if response_class is not Response and JSON not in types:
            types.insert(0, JSON)
    answers = tuple(types)
    route._ledgerline_answers = answers  # type: ignore[attr-defined]  # computed once per route
    return answers


async def require_acceptable(request: Request) -> None:
    """Router dependency: 406 when Accept refuses every media type the operation answers in."""
    accept = request.headers.get("accept")
    if accept is None or not accept.strip():
        return
    offered = answered_media_types(request.scope.get("route"))
    if offered and acceptable_media_type(accept, offered) is None:
        problem = f"{accept} names no media type this operation answers in; it answers {', '.join(offered)}"
        raise NotAcceptable(f"Not acceptable: {problem}", errors=[FieldError("Accept", problem)])
