"""Seed 004's identifier objects: "it is mandatory to specify one of the semi-optional parameters; only one
of them is allowed". POST bodies nest them (``"payment_identifier": {"number": "PAY-1"}``); GET flattens
them into the query (``payment_identifier=number=PAY-1``). Either way they become a domain ``Identifier``.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field, ValidationError, model_validator

from ledgerline.api.wire import ReferenceId, StrictInput
from ledgerline.errors import BadRequest, FieldError
from ledgerline.identifiers.service import Identifier

Code = Annotated[str, Field(min_length=1, max_length=100)]
Name = Annotated[str, Field(min_length=1, max_length=255)]


class CrmInput(StrictInput):
    """Bodies and objects of /crmapi/rest/v2: snake_case names, unknown fields refused."""


class IdentifierObject(CrmInput):
    kind: ClassVar[str]

    @model_validator(mode="after")
    def _exactly_one(self) -> "IdentifierObject":
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        allowed = ", ".join(type(self).model_fields)
        if not given:
            raise ValueError(f"give exactly one of {allowed}")
        if len(given) > 1:
            raise ValueError(f"give exactly one of {allowed}, not {len(given)} ({', '.join(given)})")
        return self

    def identifier(self) -> Identifier:
        name = next(name for name in type(self).model_fields if getattr(self, name) is not None)
        return Identifier(self.kind, name, getattr(self, name))


class PaymentIdentifier(IdentifierObject):
    kind = "payment"
    id: ReferenceId | None = None
    number: Code | None = Field(default=None, examples=["PAY-0000001"])
    reference_number: Code | None = None
    back_office_code: Code | None = None


class AccountsReceivableIdentifier(IdentifierObject):
    kind = "customer"
    id: ReferenceId | None = None
    number: Code | None = Field(default=None, examples=["CUS-0000001"])
    name: Name | None = None


class TypeIdentifier(IdentifierObject):
    kind = "transaction_type"
    id: ReferenceId | None = None
    name: Name | None = None
    alternative_code: Code | None = Field(default=None, examples=["PAYMENT"])


class CategoryIdentifier(IdentifierObject):
    kind = "category"
    id: ReferenceId | None = None
    name: Name | None = None
    code: Code | None = None


class PaymentMethodIdentifier(IdentifierObject):
    kind = "payment_method"
    id: ReferenceId | None = None
    name: Name | None = None
    alternative_code: Code | None = Field(default=None, examples=["CHEQUE"])


class InvoiceIdentifier(IdentifierObject):
    kind = "invoice"
    id: ReferenceId | None = None
    number: Code | None = Field(default=None, examples=["INV-0000001"])
    reference_number: Code | None = None
    back_office_code: Code | None = None


class BillIdentifier(IdentifierObject):
    kind = "bill"
    id: ReferenceId | None = None
    number: Code | None = Field(default=None, examples=["BILL-0000001"])


class UserIdentifier(IdentifierObject):
    kind = "user"
    id: ReferenceId | None = None
    username: Code | None = None


class RejectionReasonIdentifier(IdentifierObject):
    kind = "rejection_reason"
    id: ReferenceId | None = None
    name: Name | None = None
    alternative_code: Code | None = None


class UnitIdentifier(CrmInput):
    """Seed 004's units: Ledgerline has no unit entity, so any unit identifier is refused (README)."""

    id: ReferenceId | None = None
    name: Name | None = None
    alternative_code: Code | None = None


def unsupported_unit(field: str) -> BadRequest:
    message = "units are not supported by Ledgerline; leave it out"
    return BadRequest(f"{field}: {message}", errors=[FieldError(field, message)])


def flat_pattern(model: type[IdentifierObject]) -> str:
    return "^(" + "|".join(model.model_fields) + ")=.+$"


def flat_description(model: type[IdentifierObject]) -> str:
    return (f"An identifier object flattened: one of `{'`, `'.join(model.model_fields)}`, `=`, then its value "
            f"(e.g. `{next(iter(model.model_fields))}=1`)")


def parse_flat(model: type[IdentifierObject], field: str, value: str | None) -> Identifier | None:
    """``name=value`` (GET's flattened identifier) as the domain identifier; a 400 naming ``field`` otherwise."""
    if value is None:
        return None
    name, separator, rest = value.partition("=")
    if not separator or name not in model.model_fields:
        allowed = ", ".join(model.model_fields)
        message = f"must be one of {allowed}, '=' and a value (e.g. {next(iter(model.model_fields))}=1)"
        raise BadRequest(f"{field}: {message}", errors=[FieldError(field, message)])
    try:
        return model.model_validate({name: rest}).identifier()
    except ValidationError as exc:
        errors = [FieldError(".".join([field, *(str(part) for part in error["loc"])]) if error["loc"] else field,
                             error["msg"]) for error in exc.errors()]
        raise BadRequest(f"{errors[0].field}: {errors[0].message}", errors=errors) from None


def nested(value: Any) -> Identifier | None:
    return None if value is None else value.identifier()
