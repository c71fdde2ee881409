"""Reference data use cases, and the checks payments make against it.

Entries are never deleted (posted transactions point at them); an entry that should no
longer be used is deactivated. Names and codes are unique in the tenant (409 otherwise).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from ledgerline.errors import Conflict, InvalidRequest, not_found
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.money import round_major, to_minor
from ledgerline.kit.repository import get_scoped, id_holding
from ledgerline.models import (
    FinancialTransactionCategory, FinancialTransactionType, PaymentMethodSetting, RejectionReason, ShortfallTolerance,
)
from ledgerline.models.enums import PaymentMethod, TransactionClassification
from ledgerline.models.reference import ReferenceEntry
from ledgerline.reference import defaults, repository
from ledgerline.tenants.repository import bump_settings_version

E = TypeVar("E", bound=ReferenceEntry)


@dataclass(frozen=True)
class _Kind:
    label: str
    unique: tuple[str, ...]  # attributes unique in the tenant


_KINDS: dict[type[ReferenceEntry], _Kind] = {
    FinancialTransactionType: _Kind("Financial transaction type", ("name", "alternative_code")),
    FinancialTransactionCategory: _Kind("Financial transaction category", ("name", "code")),
    RejectionReason: _Kind("Rejection reason", ("name", "alternative_code")),
    PaymentMethodSetting: _Kind("Payment method", ("name", "alternative_code")),
}


def seed_defaults(session: Session, tenant_id: uuid.UUID) -> None:
    """Give a new tenant the default types, categories, rejection reasons and payment methods."""
    session.add_all(FinancialTransactionType(tenant_id=tenant_id, name=name, alternative_code=code,
                                             classification=classification, description=description)
                    for name, code, classification, description in defaults.TRANSACTION_TYPES)
    session.add_all(FinancialTransactionCategory(tenant_id=tenant_id, name=name, code=code, description=description)
                    for name, code, description in defaults.TRANSACTION_CATEGORIES)
    session.add_all(RejectionReason(tenant_id=tenant_id, name=name, alternative_code=code, description=description)
                    for name, code, description in defaults.REJECTION_REASONS)
    session.add_all(PaymentMethodSetting(tenant_id=tenant_id, method=method, name=defaults.payment_method_name(method),
                                         alternative_code=method.value)
                    for method in PaymentMethod)
    session.flush()


def get_entry(session: Session, model: type[E], *, tenant_id: uuid.UUID, entry_id: int,
              for_update: bool = False) -> E:
    entry = get_scoped(session, model, tenant_id, entry_id, for_update=for_update)
    if entry is None:
        raise not_found(_KINDS[model].label, entry_id)
    return entry


def list_entries(session: Session, model: type[ReferenceEntry], *, tenant_id: uuid.UUID,
                 criteria: Criteria) -> Page:
    return repository.ENTRIES[model].page(session, tenant_id, criteria)


def count_entries(session: Session, model: type[ReferenceEntry], *, tenant_id: uuid.UUID,
                  criteria: Criteria) -> int:
    return repository.ENTRIES[model].count(session, tenant_id, criteria)


def _check_unique(session: Session, model: type[ReferenceEntry], tenant_id: uuid.UUID, values: Mapping[str, Any],
                  own_id: int | None = None) -> None:
    for attribute in _KINDS[model].unique:
        if attribute not in values:
            continue
        holder = id_holding(session, model, tenant_id, {attribute: values[attribute]}, other_than=own_id)
        if holder is not None:
            raise Conflict(f"{attribute.replace('_', ' ')} {values[attribute]!r} is used by entry {holder}")


def create_entry(session: Session, model: type[E], *, tenant_id: uuid.UUID, **values: Any) -> E:
    _check_unique(session, model, tenant_id, values)
    entry = model(tenant_id=tenant_id, **values)
    session.add(entry)
    bump_settings_version(session, tenant_id)  # the tenant's context (tenants/context.py) holds the entries
    session.flush()
    return entry


def update_entry(session: Session, entry: E, changes: Mapping[str, Any]) -> E:
    changes = {name: value for name, value in changes.items() if getattr(entry, name) != value}
    _check_unique(session, type(entry), entry.tenant_id, changes, own_id=entry.id)
    for name, value in changes.items():
        setattr(entry, name, value)
    if changes:
        bump_settings_version(session, entry.tenant_id)
    session.flush()
    return entry


def _usable(session: Session, model: type[E], tenant_id: uuid.UUID, entry_id: int, field: str) -> E:
    entry = get_scoped(session, model, tenant_id, entry_id)
    if entry is None:
        raise InvalidRequest.for_field(field, f"{_KINDS[model].label.lower()} {entry_id} does not exist")
    if not entry.active:
        raise InvalidRequest.for_field(field, f"{entry.name!r} is deactivated")
    return entry


def transaction_type(session: Session, *, tenant_id: uuid.UUID, type_id: int | None,
                     classification: TransactionClassification, field: str = "transaction_type") -> FinancialTransactionType:
    """The named type, which must be active and of the classification; by default the tenant's default one."""
    if type_id is None:
        chosen = repository.default_type(session, tenant_id, classification)
        if chosen is None:
            raise InvalidRequest.for_field(
                field, f"no active financial transaction type is classified {classification.value}; name one")
        return chosen
    chosen = _usable(session, FinancialTransactionType, tenant_id, type_id, field)
    if chosen.classification is not classification:
        raise InvalidRequest.for_field(
            field, f"type {type_id} is classified {chosen.classification.value}, not {classification.value}")
    return chosen


def category(session: Session, *, tenant_id: uuid.UUID, category_id: int | None,
             field: str = "category") -> FinancialTransactionCategory | None:
    if category_id is None:
        return None
    return _usable(session, FinancialTransactionCategory, tenant_id, category_id, field)


def rejection_reason(session: Session, *, tenant_id: uuid.UUID, reason_id: int,
                     field: str = "rejection_reason") -> RejectionReason:
    return _usable(session, RejectionReason, tenant_id, reason_id, field)


def check_method_enabled(session: Session, *, tenant_id: uuid.UUID, method: PaymentMethod, field: str) -> None:
    setting = repository.payment_method_setting(session, tenant_id, method)
    if setting is not None and not setting.active:
        raise InvalidRequest.for_field(field, f"payment method {method.value} is deactivated in this tenant")


# --- shortfall tolerances ---------------------------------------------------------------------

def tolerance_minor(session: Session, *, tenant_id: uuid.UUID, currency: str,
                    server_defaults: Mapping[str, Decimal]) -> int:
    """The tenant's tolerance for the currency, else the server-wide default, else none (0)."""
    own = repository.tolerance(session, tenant_id, currency)
    if own is not None:
        return own.amount_minor
    default = server_defaults.get(currency)
    return to_minor(round_major(default, currency), currency) if default is not None else 0


def tolerances(session: Session, *, tenant_id: uuid.UUID) -> Sequence[ShortfallTolerance]:
    return repository.tolerances(session, tenant_id)


def set_tolerance(session: Session, *, tenant_id: uuid.UUID, currency: str, amount_minor: int) -> ShortfallTolerance:
    if amount_minor < 0:
        raise InvalidRequest.for_field("amount", "must not be negative")
    tolerance = repository.tolerance(session, tenant_id, currency)
    if tolerance is None:
        tolerance = ShortfallTolerance(tenant_id=tenant_id, currency=currency, amount_minor=amount_minor)
        session.add(tolerance)
    tolerance.amount_minor = amount_minor
    bump_settings_version(session, tenant_id)
    session.flush()
    return tolerance


def delete_tolerance(session: Session, *, tenant_id: uuid.UUID, currency: str) -> None:
    tolerance = repository.tolerance(session, tenant_id, currency)
    if tolerance is None:
        raise not_found("Shortfall tolerance", currency)
    session.delete(tolerance)
    bump_settings_version(session, tenant_id)
    session.flush()
