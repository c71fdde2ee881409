"""Admin entity queries, shared by every entity through its ``AdminEntity`` declaration."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from ledgerline.admin.entity import AdminEntity
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.repository import count_matching, fetch_page
from ledgerline.models import InvoiceMarketingInfo
from ledgerline.models.base import TenantScoped


def _in_tenant(entity: AdminEntity, tenant_id: uuid.UUID) -> Select:
    return select(entity.model).where(entity.model.tenant_id == tenant_id)


def page_of(session: Session, entity: AdminEntity, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return fetch_page(session, _in_tenant(entity, tenant_id), entity.columns, criteria)


def count_of(session: Session, entity: AdminEntity, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return count_matching(session, _in_tenant(entity, tenant_id), entity.columns, criteria)


def exists_in_tenant(session: Session, model: type[TenantScoped], tenant_id: uuid.UUID, entity_id: int) -> bool:
    if not -(2**63) <= entity_id < 2**63:
        return False
    clause = (model.tenant_id == tenant_id) & (model.id == entity_id)
    return bool(session.execute(select(exists().where(clause))).scalar())


def marketing_slots_in_use(session: Session, tenant_id: uuid.UUID, invoice_template_id: int) -> dict[str, int]:
    """Slot name -> the id of an invoice marketing info that fills it, for one invoice template."""
    stmt = select(InvoiceMarketingInfo.id, InvoiceMarketingInfo.slots).where(
        InvoiceMarketingInfo.tenant_id == tenant_id, InvoiceMarketingInfo.invoice_template_id == invoice_template_id)
    return {slot["slot_name"]: info_id for info_id, slots in session.execute(stmt) for slot in slots}
