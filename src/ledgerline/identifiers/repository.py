"""Which of a tenant's rows hold an identifier value (SQL for identifiers/service.py)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


def ids_holding(session: Session, model: type[Any], tenant_id: uuid.UUID, column: str, value: object,
                *, limit: int = 2) -> list[int]:
    """Ids of the tenant's rows whose ``column`` equals ``value``: at most ``limit`` (two tell "several")."""
    if column == "id" and not (isinstance(value, int) and -(2**63) <= value < 2**63):
        return []
    stmt = (select(model.id).where(model.tenant_id == tenant_id, getattr(model, column) == value)
            .order_by(model.id).limit(limit))
    return list(session.execute(stmt).scalars())


def row_of(session: Session, model: type[Any], tenant_id: uuid.UUID, entity_id: int) -> Any:
    return session.execute(select(model).where(model.tenant_id == tenant_id, model.id == entity_id)).scalar_one()
