"""Contract owner and billing cycle rules: date ranges, auto-close, no deletion while referenced."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from ledgerline.admin import repository
from ledgerline.errors import Conflict, InvalidRequest, not_found
from ledgerline.kit.repository import get_scoped
from ledgerline.models import BillingCycle, ContractOwner


def _referenced_by(session: Session, entity: ContractOwner | BillingCycle) -> str | None:
    tables = repository.tables_referencing(session, type(entity).__table__, entity.tenant_id, entity.id)
    return ", ".join(name.replace("_", " ") for name in tables) or None


# --- contract owners -----------------------------------------------------------

def get_contract_owner(session: Session, *, tenant_id: uuid.UUID, contract_owner_id: int,
                       for_update: bool = False) -> ContractOwner:
    contract_owner = get_scoped(session, ContractOwner, tenant_id, contract_owner_id, for_update=for_update)
    if contract_owner is None:
        raise not_found("Contract owner", contract_owner_id)
    return contract_owner


def _check_availability(available_from: dt.date, available_to: dt.date | None) -> None:
    if available_to is not None and available_to < available_from:
        raise InvalidRequest.for_field(
            "availableTo", f"{available_to.isoformat()} is before availableFrom {available_from.isoformat()}")


def create_contract_owner(session: Session, *, tenant_id: uuid.UUID, available_from: dt.date,
                          available_to: dt.date | None = None, **values: Any) -> ContractOwner:
    _check_availability(available_from, available_to)
    contract_owner = ContractOwner(tenant_id=tenant_id, available_from=available_from, available_to=available_to,
                                   **values)
    session.add(contract_owner)
    session.flush()
    return contract_owner


def update_contract_owner(session: Session, *, contract_owner: ContractOwner,
                          changes: dict[str, Any]) -> ContractOwner:
    _check_availability(changes.get("available_from", contract_owner.available_from),
                        changes.get("available_to", contract_owner.available_to))
    for attribute, value in changes.items():
        setattr(contract_owner, attribute, value)
    session.flush()
    return contract_owner


def delete_contract_owner(session: Session, *, contract_owner: ContractOwner) -> None:
    referenced_by = _referenced_by(session, contract_owner)
    if referenced_by:
        raise Conflict(f"contract owner {contract_owner.id} is still referenced by {referenced_by}")
    session.delete(contract_owner)
    session.flush()


# --- billing cycles ------------------------------------------------------------

def get_billing_cycle(session: Session, *, tenant_id: uuid.UUID, billing_cycle_id: int,
                      for_update: bool = False) -> BillingCycle:
    billing_cycle = get_scoped(session, BillingCycle, tenant_id, billing_cycle_id, for_update=for_update)
    if billing_cycle is None:
        raise not_found("Billing cycle", billing_cycle_id)
    return billing_cycle


def _check_auto_close(enabled: bool, days: int | None) -> None:
    if enabled and days is None:
        raise InvalidRequest.for_field("autoCloseDays", "is required when autoCloseEnabled is true")


def create_billing_cycle(session: Session, *, tenant_id: uuid.UUID, auto_close_enabled: bool = False,
                         auto_close_days: int | None = None, **values: Any) -> BillingCycle:
    _check_auto_close(auto_close_enabled, auto_close_days)
    billing_cycle = BillingCycle(tenant_id=tenant_id, auto_close_enabled=auto_close_enabled,
                                 auto_close_days=auto_close_days, **values)
    session.add(billing_cycle)
    session.flush()
    return billing_cycle


def update_billing_cycle(session: Session, *, billing_cycle: BillingCycle, changes: dict[str, Any]) -> BillingCycle:
    _check_auto_close(changes.get("auto_close_enabled", billing_cycle.auto_close_enabled),
                      changes.get("auto_close_days", billing_cycle.auto_close_days))
    for attribute, value in changes.items():
        setattr(billing_cycle, attribute, value)
    session.flush()
    return billing_cycle


def delete_billing_cycle(session: Session, *, billing_cycle: BillingCycle) -> None:
    referenced_by = _referenced_by(session, billing_cycle)
    if referenced_by:
        raise Conflict(f"billing cycle {billing_cycle.id} is still referenced by {referenced_by}")
    session.delete(billing_cycle)
    session.flush()
