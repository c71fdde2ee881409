"""Building blocks of the /v1 (Elevate) wire format: camelCase, exact amounts, Elevate timestamps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic.alias_generators import to_camel

# The wire types every surface shares; /v1 modules import them from here along with its own.
from ledgerline.api.wire import Amount, CurrencyCode, ReferenceId, StrictInput  # noqa: F401
from ledgerline.errors import InvalidRequest
from ledgerline.kit.money import MoneyError, to_major, to_minor

ELEVATE_TIMESTAMP = "%Y-%m-%d %H:%M:%S"


def _elevate_timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime(ELEVATE_TIMESTAMP)


# Rendered as Elevate does ("2023-10-05 16:40:04", UTC); accepted as ISO 8601.
Timestamp = Annotated[
    dt.datetime,
    PlainSerializer(_elevate_timestamp, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["2023-10-05 16:40:04"]}),
]

class WireModel(BaseModel):
    """/v1 documents: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class WireInput(StrictInput, WireModel):
    """/v1 request bodies: camelCase, and unknown fields refused so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorItem(BaseModel):
    field: str = Field(examples=["currency"])
    message: str = Field(examples=["unknown ISO 4217 currency code 'XYZ'"])


class ErrorBody(BaseModel):
    """The /v1 error envelope."""

    error: str = Field(examples=["Bad Request"])
    message: str = Field(examples=["Validation failed for field 'currency'"])
    errors: list[ErrorItem] = Field(default_factory=list)


_ERROR_TEXT = {
    400: "Bad request: a parameter or the body is malformed or breaks a field or domain rule (each field is named)",
    401: "Missing, invalid or expired bearer token",
    403: "The token lacks the scope this operation needs",
    404: "No such resource in your tenant",
    409: "Conflict with the resource's current state",
    412: "If-Match does not match the resource's current version",
    413: "The request body is larger than the limit; it was not read",
    415: "Unsupported media type",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the error codes an operation can answer."""
    return {code: {"model": ErrorBody, "description": _ERROR_TEXT[code]} for code in (401, 403, *codes)}


def minor_from_wire(field: str, amount: Decimal, currency: str) -> int:
    try:
        return to_minor(amount, currency)
    except MoneyError as exc:
        error = InvalidRequest.for_field(field, str(exc))
        error.wire_named = True
        raise error from None


def major(minor: int, currency: str) -> Decimal:
    return to_major(minor, currency)
