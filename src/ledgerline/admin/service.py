"""Creating, changing and deleting admin entities: references, uniqueness and rules first, then the write.

Every check runs before the first attribute is set, so a refused change leaves nothing
half-written; the request's transaction makes the write itself atomic.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic.alias_generators import to_camel
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from ledgerline.admin import preview, repository, rules
from ledgerline.admin.entities import (
    BILLING_CYCLES, CONTRACT_OWNERS, INVOICE_MARKETING_INFO, INVOICE_TEMPLATES, SUB_BRANDS,
)
from ledgerline.admin.entity import AdminEntity
from ledgerline.errors import Conflict, InvalidRequest, not_found
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.repository import get_scoped, id_holding, tables_referencing
from ledgerline.models import BillingCycle, ContractOwner, InvoiceTemplate
from ledgerline.models.base import TenantScoped
from ledgerline.sub_brands import repository as sub_brands


def get(session: Session, entity: AdminEntity, *, tenant_id: uuid.UUID, entity_id: int,
        for_update: bool = False) -> Any:
    row = get_scoped(session, entity.model, tenant_id, entity_id, for_update=for_update)
    if row is None:
        raise not_found(entity.label.capitalize(), entity_id)
    return row


def list_rows(session: Session, entity: AdminEntity, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.page_of(session, entity, tenant_id, criteria)


def count_rows(session: Session, entity: AdminEntity, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.count_of(session, entity, tenant_id, criteria)


def _check(session: Session, entity: AdminEntity, *, tenant_id: uuid.UUID, entity_id: int | None,
           state: Mapping[str, Any], changed: set[str]) -> None:
    for attribute, target in entity.references.items():
        value = state.get(attribute)
        if attribute in changed and value is not None and not repository.exists_in_tenant(
                session, target.model, tenant_id, value):
            raise InvalidRequest.for_field(to_camel(attribute), f"{target.label} {value} does not exist")
    for group in entity.unique:
        if changed & set(group):
            values = {name: state.get(name) for name in group}
            holder = id_holding(session, entity.model, tenant_id, values, other_than=entity_id)
            if holder is not None:
                described = " and ".join(f"{to_camel(name)} {value!s}" for name, value in values.items())
                raise Conflict(f"{entity.label} {holder} already has {described}")
    for rule in entity.rules:
        rule(session, {**state, "tenant_id": tenant_id, "id": entity_id})


def create(session: Session, entity: AdminEntity, *, tenant_id: uuid.UUID, values: Mapping[str, Any]) -> Any:
    _check(session, entity, tenant_id=tenant_id, entity_id=None, state=values, changed=set(values))
    row = entity.model(tenant_id=tenant_id, **values)
    session.add(row)
    session.flush()
    return row


def _state(row: TenantScoped) -> dict[str, Any]:
    return {attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs}


def update(session: Session, entity: AdminEntity, *, row: TenantScoped, changes: Mapping[str, Any]) -> Any:
    _check(session, entity, tenant_id=row.tenant_id, entity_id=row.id, state={**_state(row), **changes},
           changed=set(changes))
    for attribute, value in changes.items():
        setattr(row, attribute, value)
    session.flush()
    return row


def delete(session: Session, entity: AdminEntity, *, row: TenantScoped) -> None:
    tables = tables_referencing(session, type(row).__table__, row.tenant_id, row.id)
    if tables:
        referenced_by = ", ".join(name.replace("_", " ") for name in tables)
        raise Conflict(f"{entity.label} {row.id} is still referenced by {referenced_by}")
    session.delete(row)
    session.flush()


# --- invoice previews --------------------------------------------------------------------

def _render_preview(session: Session, template: InvoiceTemplate, *, sub_brand_id: int | None,
                    slots: Sequence[Mapping[str, Any]]) -> str:
    has_logo = sub_brand_id is not None and sub_brands.logo_of(session, template.tenant_id, sub_brand_id) is not None
    return preview.render_invoice_preview(
        template_name=template.name, page_size=template.page_size.value, template_slots=template.marketing_slots,
        filled_slots=slots, logo_url=preview.sub_brand_logo_url(sub_brand_id) if has_logo else None)


def _existing(session: Session, entity: AdminEntity, *, tenant_id: uuid.UUID, entity_id: int, field: str) -> Any:
    """An entity a request body names: a missing one is the body's fault (422 naming the field), not a 404."""
    row = get_scoped(session, entity.model, tenant_id, entity_id)
    if row is None:
        raise InvalidRequest.for_field(field, f"{entity.label} {entity_id} does not exist")
    return row


def preview_marketing_info(session: Session, *, tenant_id: uuid.UUID, marketing_info_id: int) -> str:
    """The stored marketing info, shown on an invoice of fake data in its template's slots."""
    info = _existing(session, INVOICE_MARKETING_INFO, tenant_id=tenant_id, entity_id=marketing_info_id,
                     field="invoice_marketing_info_id")
    template = get(session, INVOICE_TEMPLATES, tenant_id=tenant_id, entity_id=info.invoice_template_id)
    return _render_preview(session, template, sub_brand_id=info.sub_brand_id, slots=info.slots)


def preview_trial_marketing_info(session: Session, *, tenant_id: uuid.UUID, invoice_template_id: int,
                                 sub_brand_id: int | None, slots: Sequence[Mapping[str, Any]]) -> str:
    """Marketing info that is not saved, checked as a create would be, then shown as above."""
    template = _existing(session, INVOICE_TEMPLATES, tenant_id=tenant_id, entity_id=invoice_template_id,
                         field="invoice_template_id")
    if sub_brand_id is not None:
        _existing(session, SUB_BRANDS, tenant_id=tenant_id, entity_id=sub_brand_id, field="sub_brand_id")
    rules.marketing_slots_fit_the_template(
        session, {"tenant_id": tenant_id, "invoice_template_id": template.id, "slots": slots})
    return _render_preview(session, template, sub_brand_id=sub_brand_id, slots=slots)


# --- contract owners and billing cycles by name (their domain tests and callers use these) ---

def get_contract_owner(session: Session, *, tenant_id: uuid.UUID, contract_owner_id: int,
                       for_update: bool = False) -> ContractOwner:
    return get(session, CONTRACT_OWNERS, tenant_id=tenant_id, entity_id=contract_owner_id, for_update=for_update)


def create_contract_owner(session: Session, *, tenant_id: uuid.UUID, **values: Any) -> ContractOwner:
    return create(session, CONTRACT_OWNERS, tenant_id=tenant_id, values=values)


def update_contract_owner(session: Session, *, contract_owner: ContractOwner,
                          changes: dict[str, Any]) -> ContractOwner:
    return update(session, CONTRACT_OWNERS, row=contract_owner, changes=changes)


def delete_contract_owner(session: Session, *, contract_owner: ContractOwner) -> None:
    delete(session, CONTRACT_OWNERS, row=contract_owner)


def get_billing_cycle(session: Session, *, tenant_id: uuid.UUID, billing_cycle_id: int,
                      for_update: bool = False) -> BillingCycle:
    return get(session, BILLING_CYCLES, tenant_id=tenant_id, entity_id=billing_cycle_id, for_update=for_update)


def create_billing_cycle(session: Session, *, tenant_id: uuid.UUID, **values: Any) -> BillingCycle:
    return create(session, BILLING_CYCLES, tenant_id=tenant_id, values=values)


def update_billing_cycle(session: Session, *, billing_cycle: BillingCycle, changes: dict[str, Any]) -> BillingCycle:
    return update(session, BILLING_CYCLES, row=billing_cycle, changes=changes)


def delete_billing_cycle(session: Session, *, billing_cycle: BillingCycle) -> None:
    delete(session, BILLING_CYCLES, row=billing_cycle)
