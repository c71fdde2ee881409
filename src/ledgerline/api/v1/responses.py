"""Rendering /v1 answers: one resource, bare-array pages with X-Total-Count and Link, HEAD."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ledgerline.api.wire import WireJSONResponse, dumps
from ledgerline.errors import PreconditionFailed
from ledgerline.kit.idempotency import IdempotencyGuard
from ledgerline.kit.listing import Page


def to_wire(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="python", by_alias=True)


def etag(version: int) -> str:
    return f'"{version}"'


def render(model: BaseModel, *, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return WireJSONResponse(to_wire(model), status_code=status_code, headers=headers)


def render_resource(model: BaseModel, *, status_code: int = 200) -> Response:
    version = getattr(model, "version", None)
    return render(model, status_code=status_code, headers={"ETag": etag(version)} if version is not None else None)


def render_recorded(session: Session, guard: IdempotencyGuard, model: BaseModel, *, status_code: int = 200,
                    location: str | None = None) -> Response:
    """The resource, recorded for Idempotency-Key replays in the same transaction as the work."""
    body = dumps(to_wire(model))
    headers: dict[str, str] = {}
    if location:
        headers["Location"] = location
    if getattr(model, "version", None) is not None:
        headers["ETag"] = etag(model.version)  # type: ignore[attr-defined]
    guard.complete(session, status_code, body, headers)
    return Response(body, status_code=status_code, headers=headers, media_type="application/json")


def record_answer(session: Session, guard: IdempotencyGuard, document: Any, *, status_code: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    """A wire document already built, recorded for Idempotency-Key replays in the work's transaction."""
    body = dumps(document)
    headers = headers or {}
    guard.complete(session, status_code, body, headers)
    return Response(body, status_code=status_code, headers=headers, media_type="application/json")


def render_created(request: Request, session: Session, guard: IdempotencyGuard, model: BaseModel,
                   *, location: str | None = None) -> Response:
    """201 with Location; the body is recorded for Idempotency-Key replays."""
    return render_recorded(session, guard, model, status_code=201, location=location)


def _link_header(request: Request, page: Page) -> str:
    query = page.query
    last = max(1, -(-page.total // query.page_size))
    params = dict(request.query_params)

    def url(number: int) -> str:
        return str(request.url.replace(query=urlencode({**params, "page": number, "pageSize": query.page_size})))

    links = [f'<{url(1)}>; rel="first"']
    if query.page > 1:
        links.append(f'<{url(min(query.page - 1, last))}>; rel="prev"')
    if query.page < last:
        links.append(f'<{url(query.page + 1)}>; rel="next"')
    links.append(f'<{url(last)}>; rel="last"')
    return ", ".join(links)


def render_page(request: Request, page: Page, schema: type[BaseModel]) -> Response:
    # A schema with ``wire`` builds its document directly (hot lists); others validate, then dump.
    wire = getattr(schema, "wire", None)
    rows = ([wire(item) for item in page.items] if wire is not None
            else [to_wire(schema.of(item)) for item in page.items])  # type: ignore[attr-defined]
    if page.query.fields is not None:
        rows = [{name: row.get(name) for name in page.query.fields} for row in rows]
    headers = {"X-Total-Count": str(page.total), "Link": _link_header(request, page)}
    return WireJSONResponse(rows, headers=headers)


def render_head(total: int) -> Response:
    """HEAD on a collection: 200 with X-Total-Count when something matches, else 404."""
    return Response(status_code=200 if total else 404, headers={"X-Total-Count": str(total)})


def check_if_match(request: Request, current_version: int) -> None:
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return
    accepted = {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")}
    if str(current_version) not in accepted:
        raise PreconditionFailed(
            f"If-Match {header} does not match the current version {etag(current_version)}"
        )
