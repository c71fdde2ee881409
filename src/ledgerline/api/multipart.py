"""multipart/form-data in and out: bounded request bodies, parsed forms, encoded answers, Accept.

Uploads are the one kind of request whose body can be large: the routes that take them raise
the body limit every route applies (``api/wire.py``) to theirs.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from python_multipart.multipart import parse_options_header
from starlette.datastructures import UploadFile

from ledgerline.api.wire import NUL_MESSAGE, WireRoute, nul_path
from ledgerline.auth import Principal, current_principal
from ledgerline.config import Settings
from ledgerline.errors import FieldError, InvalidRequest, UnsupportedMediaType
from ledgerline.kit.idempotency import IdempotencyGuard, guard_request

FORM_DATA = "multipart/form-data"
# Issue 15: seed 001's bracketed field names (subBrand[name], patch[0][op]) work in a URL-encoded form too.
URLENCODED = "application/x-www-form-urlencoded"
FORM_TYPES = (FORM_DATA, URLENCODED)

# Per form: text parts are field values (the largest a JSON document of every field), files
# are few. Starlette answers 400 beyond these.
MAX_TEXT_PART_BYTES = 128 * 1024
MAX_FORM_FIELDS = 500
MAX_FORM_FILES = 4


# --- bounded request bodies -------------------------------------------------------

def body_limited_route(limit_of: Callable[[Settings], int]) -> type[WireRoute]:
    """A route class whose request bodies may hold at most ``limit_of(settings)`` bytes."""

    class BodyLimitedRoute(WireRoute):
        @staticmethod
        def body_limit(settings: Settings) -> int:
            return limit_of(settings)

    return BodyLimitedRoute


# --- parsing a form ------------------------------------------------------------------

@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content_type: str | None
    data: bytes


FormValue = str | UploadedFile


@dataclass(frozen=True)
class ParsedForm:
    """The parts of a multipart/form-data body, in the order sent."""

    parts: list[tuple[str, FormValue]]

    def names(self) -> list[str]:
        return [name for name, _ in self.parts]

    async def fingerprint(self) -> bytes:
        """What identifies the form's content for Idempotency-Key: not the random boundary."""
        canonical = [[name, value] if isinstance(value, str) else
                     [name, {"filename": value.filename, "sha256": hashlib.sha256(value.data).hexdigest()}]
                     for name, value in self.parts]
        return json.dumps(canonical, ensure_ascii=False).encode()


def media_type_of(request: Request) -> str:
    media_type, _ = parse_options_header(request.headers.get("content-type", ""))
    return media_type.decode("latin-1").lower()


def unsupported_media_type(request: Request, *accepted: str) -> UnsupportedMediaType:
    problem = f"{request.headers.get('content-type') or '(none)'} is not supported; send {' or '.join(accepted)}"
    return UnsupportedMediaType(f"Content-Type {problem}", errors=[FieldError("Content-Type", problem)])


async def read_form(request: Request) -> ParsedForm:
    """The request's multipart/form-data or URL-encoded body (415 for any other media type)."""
    if media_type_of(request) not in FORM_TYPES:
        raise unsupported_media_type(request, *FORM_TYPES)
    form = await request.form(max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS,
                              max_part_size=MAX_TEXT_PART_BYTES)
    try:
        parts: list[tuple[str, FormValue]] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                value = UploadedFile(filename=value.filename or "", content_type=value.content_type,
                                     data=await value.read())
            elif nul_path([name, value]) is not None:
                raise InvalidRequest.for_field(name, NUL_MESSAGE)
            parts.append((name, value))
        return ParsedForm(parts)
    finally:
        await form.close()


FormDep = Annotated[ParsedForm, Depends(read_form)]


async def form_idempotency_guard(
    request: Request, principal: Annotated[Principal, Depends(current_principal)], form: FormDep,
) -> IdempotencyGuard:
    """Idempotency-Key for multipart POSTs: a retry with a new boundary is still the same request."""
    return await guard_request(request, principal, form.fingerprint)


FormIdempotencyDep = Annotated[IdempotencyGuard, Depends(form_idempotency_guard)]


# --- answering with a form -----------------------------------------------------------

@dataclass(frozen=True)
class FormPart:
    name: str
    content_type: str
    content: bytes
    filename: str | None = None


def encode_form_data(parts: Sequence[FormPart]) -> tuple[bytes, str]:
    """A multipart/form-data body (RFC 7578) and its Content-Type with the boundary."""
    boundary = secrets.token_hex(16)
    while any(boundary.encode() in part.content for part in parts):  # never inside a part
        boundary = secrets.token_hex(16)
    chunks = []
    for part in parts:
        disposition = f'form-data; name="{part.name}"' + (f'; filename="{part.filename}"' if part.filename else "")
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {part.content_type}\r\n\r\n"
        chunks += [head.encode(), part.content, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"{FORM_DATA}; boundary={boundary}"


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def acceptable_media_type(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the Accept header ranks highest (as ``preferred_media_type``), or None when
    Accept refuses every one of them (quality 0 or not named)."""
    best = preferred_media_type(accept, offered)
    return best if _quality_of(accept, best) > 0 else None


def _ranges(accept: str | None) -> list[tuple[str, float]]:
    ranges = []
    for item in (accept or "*/*").split(","):
        media, *params = item.split(";")
        if media.strip():
            ranges.append((media.strip().lower(), _quality(params)))
    return ranges or [("*/*", 1.0)]


def _quality_of(accept: str | None, media_type: str) -> float:
    ranges = _ranges(accept)
    major = media_type.split("/")[0] + "/*"
    for candidate in (media_type, major, "*/*"):
        matching = [q for media, q in ranges if media == candidate]
        if matching:
            return max(matching)
    return 0.0


def preferred_media_type(accept: str | None, offered: Sequence[str]) -> str:
    """The offered media type the Accept header ranks highest; the first offered on a tie or no header.

    Each offered type takes the quality of the most specific range that matches it
    (``type/subtype`` over ``type/*`` over ``*/*``), as RFC 9110 section 12.5.1 says.
    """
    return max(offered, key=lambda media_type: (_quality_of(accept, media_type), -offered.index(media_type)))
