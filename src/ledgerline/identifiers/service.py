"""Identifiers: an entity named by exactly one of its identifying fields, resolved to its id.

Seed 004 names every entity by an "identifier object" of semi-optional fields (a payment by id,
number, reference number or back office code; an accounts receivable by id, number or name; ...).
Some of those fields are not unique (a customer's name; a payment's back office code is unique only
per financial transaction type), so a value may name several entities: that is refused, like a value
that names none. Errors name ``field`` (a domain name; each surface renders its own).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ledgerline.errors import FieldError, InvalidRequest, NotFound
from ledgerline.identifiers import repository
from ledgerline.models import (
    Bill, Customer, FinancialTransactionCategory, FinancialTransactionType, Invoice, Payment, PaymentMethodSetting,
    RejectionReason, User,
)
from ledgerline.models.enums import PaymentMethod


@dataclass(frozen=True)
class Kind:
    label: str
    model: type[Any]
    fields: tuple[str, ...]  # the identifying fields; the first is the integer id


KINDS: dict[str, Kind] = {
    "payment": Kind("payment", Payment, ("id", "number", "reference_number", "back_office_code")),
    "customer": Kind("accounts receivable", Customer, ("id", "number", "name")),
    "transaction_type": Kind("financial transaction type", FinancialTransactionType, ("id", "name", "alternative_code")),
    "category": Kind("financial transaction category", FinancialTransactionCategory, ("id", "name", "code")),
    "payment_method": Kind("payment method", PaymentMethodSetting, ("id", "name", "alternative_code")),
    "invoice": Kind("invoice", Invoice, ("id", "number", "reference_number", "back_office_code")),
    "bill": Kind("bill", Bill, ("id", "number")),
    "user": Kind("user", User, ("id", "username")),
    "rejection_reason": Kind("rejection reason", RejectionReason, ("id", "name", "alternative_code")),
}


@dataclass(frozen=True)
class Identifier:
    """One entity of ``kind`` named by the value of one of its identifying fields."""

    kind: str
    name: str
    value: object

    def __post_init__(self) -> None:
        if self.name not in KINDS[self.kind].fields:
            raise ValueError(f"{self.kind} is not identified by {self.name}")

    def __str__(self) -> str:
        return f"{self.name} {self.value!r}" if self.name != "id" else f"id {self.value}"


def resolve(session: Session, *, tenant_id: uuid.UUID, identifier: Identifier, field: str,
            subject: bool = False) -> int:
    """The id of the one entity the identifier names.

    No entity: 404 when it is the ``subject`` of the operation (the payment shown, posted, ...), else a
    422 naming ``field`` (a reference the operation makes). Several: a 422 naming ``field``."""
    kind = KINDS[identifier.kind]
    ids = repository.ids_holding(session, kind.model, tenant_id, identifier.name, identifier.value)
    path = f"{field}.{identifier.name}"
    if not ids:
        message = f"no {kind.label} has {identifier}"
        if subject:
            raise NotFound(message, errors=[FieldError(path, message)])
        raise InvalidRequest(f"{field}: {message}", errors=[FieldError(path, message)])
    if len(ids) > 1:
        message = f"several {kind.label} entries have {identifier}; name it by {kind.fields[0]}"
        raise InvalidRequest(f"{field}: {message}", errors=[FieldError(path, message)])
    return ids[0]


def resolve_optional(session: Session, *, tenant_id: uuid.UUID, identifier: Identifier | None, field: str) -> int | None:
    return None if identifier is None else resolve(session, tenant_id=tenant_id, identifier=identifier, field=field)


def payment_method(session: Session, *, tenant_id: uuid.UUID, identifier: Identifier, field: str) -> PaymentMethod:
    """The PaymentMethod a payment-method identifier names (its tenant entry's method)."""
    entry_id = resolve(session, tenant_id=tenant_id, identifier=identifier, field=field)
    return repository.row_of(session, PaymentMethodSetting, tenant_id, entry_id).method


def username(session: Session, *, tenant_id: uuid.UUID, identifier: Identifier, field: str) -> str:
    """The username of the user an identifier names (payments record who received them by username)."""
    user_id = resolve(session, tenant_id=tenant_id, identifier=identifier, field=field)
    return repository.row_of(session, User, tenant_id, user_id).username
