"""One error hierarchy for every surface; each surface renders it in its own envelope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class LedgerlineError(Exception):
    status_code: ClassVar[int] = 500
    # Field names of errors raised where the wire is parsed are the wire's own; those the domain raises
    # are domain names, which each surface renames (api/surface.py).
    wire_named: bool = False

    def __init__(self, message: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        # Set by for_field: the message names the first field, so a surface renaming the field
        # (domain name -> wire name) writes the message anew.
        self.names_field = False

    @classmethod
    def for_field(cls, field: str, message: str) -> Self:
        error = cls(field_message(field, message), errors=[FieldError(field, message)])
        error.names_field = True
        return error


class BadRequest(LedgerlineError):
    """Malformed request line or parameters (query strings, unparseable bodies)."""

    status_code = 400
    wire_named = True


class Unauthorized(LedgerlineError):
    status_code = 401

    def __init__(self, message: str, *, error: str = "invalid_token") -> None:
        super().__init__(message)
        # RFC 6750 error code for the WWW-Authenticate challenge.
        self.error = error


class Forbidden(LedgerlineError):
    status_code = 403

    def __init__(self, message: str, *, scope: str | None = None) -> None:
        super().__init__(message)
        self.scope = scope


class NotFound(LedgerlineError):
    status_code = 404


class Conflict(LedgerlineError):
    """State-machine violations, uniqueness and concurrent modification."""

    status_code = 409


class NotAcceptable(LedgerlineError):
    """The Accept header names no media type the operation can answer in."""

    status_code = 406
    wire_named = True


class PreconditionFailed(LedgerlineError):
    status_code = 412


class PayloadTooLarge(LedgerlineError):
    status_code = 413


class UnsupportedMediaType(LedgerlineError):
    status_code = 415


class InvalidRequest(LedgerlineError):
    """A well-formed body that breaks a field rule or a domain rule."""

    status_code = 422


def field_message(field: str, message: str) -> str:
    return f"Validation failed for field '{field}': {message}"


def not_found(entity: str, identifier: object) -> NotFound:
    return NotFound(f"{entity} {identifier} not found")
