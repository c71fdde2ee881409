"""Building blocks of the /v1 (Elevate) wire format: camelCase, exact amounts, Elevate timestamps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, field_validator
from pydantic.alias_generators import to_camel

from ledgerline.errors import InvalidRequest
from ledgerline.kit.money import MoneyError, is_currency, to_major, to_minor

ELEVATE_TIMESTAMP = "%Y-%m-%d %H:%M:%S"


def _elevate_timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime(ELEVATE_TIMESTAMP)


# Rendered as Elevate does ("2023-10-05 16:40:04", UTC); accepted as ISO 8601.
Timestamp = Annotated[
    dt.datetime,
    PlainSerializer(_elevate_timestamp, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["2023-10-05 16:40:04"]}),
]

# A JSON number carried as an exact Decimal in both directions.
Amount = Annotated[Decimal, WithJsonSchema({"type": "number", "examples": [100.0]})]


def _iso_currency(code: str) -> str:
    if not is_currency(code):
        raise ValueError(f"'{code}' is not an ISO 4217 currency code")
    return code


CurrencyCode = Annotated[
    str, Field(min_length=3, max_length=3, description="ISO 4217 code", examples=["GBP"]),
    AfterValidator(_iso_currency),
]


# The identifier of another entity named in a body: an int64 id (a larger one could not be looked up).
ReferenceId = Annotated[int, Field(ge=1, le=2**63 - 1, examples=[1])]


class WireModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(item) for item in value)
    return False


class WireInput(WireModel):
    """Request bodies: unknown fields are refused so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL: refuse it as a field error rather than fail at the database.
        if _has_nul(value):
            raise ValueError("must not contain the NUL character (\\u0000)")
        return value


class ErrorItem(BaseModel):
    field: str = Field(examples=["currency"])
    message: str = Field(examples=["unknown ISO 4217 currency code 'XYZ'"])


class ErrorBody(BaseModel):
    """The /v1 error envelope."""

    error: str = Field(examples=["Bad Request"])
    message: str = Field(examples=["Validation failed for field 'currency'"])
    errors: list[ErrorItem] = Field(default_factory=list)


_ERROR_TEXT = {
    400: "Bad request: a parameter is malformed (the field is named)",
    401: "Missing, invalid or expired bearer token",
    403: "The token lacks the scope this operation needs",
    404: "No such resource in your tenant",
    409: "Conflict with the resource's current state",
    412: "If-Match does not match the resource's current version",
    413: "The request body is larger than the limit; it was not read",
    415: "Unsupported media type",
    422: "The body breaks a field or domain rule (each field is named)",
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
