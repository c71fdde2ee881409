"""Admin entity queries, shared by every entity through its ``AdminEntity`` declaration."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, Table, exists, select
from sqlalchemy.orm import Session

from ledgerline.admin.entity import AdminEntity
from ledgerline.kit.listing import ListQuery, Page
from ledgerline.kit.repository import count_matching, fetch_page
from ledgerline.models import Base, InvoiceMarketingInfo
from ledgerline.models.base import TenantScoped


def _in_tenant(entity: AdminEntity, tenant_id: uuid.UUID) -> Select:
    return select(entity.model).where(entity.model.tenant_id == tenant_id)


def page_of(session: Session, entity: AdminEntity, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    return fetch_page(session, _in_tenant(entity, tenant_id), entity.listing, query)


def count_of(session: Session, entity: AdminEntity, tenant_id: uuid.UUID, query: ListQuery) -> int:
    return count_matching(session, _in_tenant(entity, tenant_id), entity.listing, query)


def exists_in_tenant(session: Session, model: type[TenantScoped], tenant_id: uuid.UUID, entity_id: int) -> bool:
    if not -(2**63) <= entity_id < 2**63:
        return False
    clause = (model.tenant_id == tenant_id) & (model.id == entity_id)
    return bool(session.execute(select(exists().where(clause))).scalar())


def id_holding(session: Session, model: type[TenantScoped], tenant_id: uuid.UUID, values: Mapping[str, Any], *,
               other_than: int | None) -> int | None:
    """The id of another row of the tenant with exactly these attribute values, if there is one."""
    stmt = select(model.id).where(model.tenant_id == tenant_id,
                                  *(getattr(model, name) == value for name, value in values.items()))
    if other_than is not None:
        stmt = stmt.where(model.id != other_than)
    return session.execute(stmt.limit(1)).scalar_one_or_none()


def marketing_slots_in_use(session: Session, tenant_id: uuid.UUID, invoice_template_id: int) -> dict[str, int]:
    """Slot name -> the id of an invoice marketing info that fills it, for one invoice template."""
    stmt = select(InvoiceMarketingInfo.id, InvoiceMarketingInfo.slots).where(
        InvoiceMarketingInfo.tenant_id == tenant_id, InvoiceMarketingInfo.invoice_template_id == invoice_template_id)
    return {slot["slot_name"]: info_id for info_id, slots in session.execute(stmt) for slot in slots}


def tables_referencing(session: Session, target: Table, tenant_id: uuid.UUID, entity_id: int) -> list[str]:
    """Names of the tables with a row whose foreign key points at ``entity_id`` of ``target``.

    The referencing tables are read from the metadata rather than listed here, so a
    table added later (sub-brands, payment providers, ...) blocks deletion too
    without this module having to know about it.
    """
    found = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is not target:
                continue
            clause = fk.parent == entity_id
            if "tenant_id" in table.c:
                clause = (table.c.tenant_id == tenant_id) & clause  # lead with the tenant: indexed lookups
            if session.execute(select(exists().where(clause))).scalar():
                found.append(table.name)
                break
    return found
