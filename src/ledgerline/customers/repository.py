"""Customer and site queries."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ledgerline.kit.criteria import ColumnMap, amount, choice, day, ident, text
from ledgerline.kit.repository import TenantRows
from ledgerline.models import Bill, BillingCycle, ContractOwner, ContractOwnerSubBrand, Customer, Invoice, Site
from ledgerline.models.enums import CustomerStatus, SiteStatus

CUSTOMER_COLUMNS = ColumnMap({
    "id": ident(Customer.id),
    "name": text(Customer.name),
    "number": text(Customer.number),
    "reference_number": text(Customer.reference_number),
    "currency": text(Customer.currency),
    "status": choice(Customer.status, CustomerStatus),
    "contract_owner_id": ident(Customer.contract_owner_id),
    "billing_cycle_id": ident(Customer.billing_cycle_id),
    "sub_brand_id": ident(Customer.sub_brand_id),
    "credit_threshold": amount(Customer.credit_threshold_minor, Customer.currency),
    "created_at": day(Customer.created_at),
    "updated_at": day(Customer.updated_at),
}, tiebreak=Customer.id)

SITE_COLUMNS = ColumnMap({
    "id": ident(Site.id),
    "customer_id": ident(Site.customer_id),
    "name": text(Site.name),
    "reference": text(Site.reference),
    "status": choice(Site.status, SiteStatus),
    "created_at": day(Site.created_at),
}, tiebreak=Site.id)

CUSTOMERS = TenantRows(Customer, CUSTOMER_COLUMNS)
SITES = TenantRows(Site, SITE_COLUMNS)


def customer_has_dependents(session: Session, tenant_id: uuid.UUID, customer_id: int) -> bool:
    return bool(session.execute(select(
        exists().where(Invoice.tenant_id == tenant_id, Invoice.customer_id == customer_id)
        | exists().where(Site.tenant_id == tenant_id, Site.customer_id == customer_id)
        | exists().where(Bill.tenant_id == tenant_id, Bill.customer_id == customer_id)
    )).scalar())


def only_contract_owner_id(session: Session, tenant_id: uuid.UUID) -> int | None:
    """The tenant's default contract owner: its only one, if it has exactly one."""
    ids = session.execute(select(ContractOwner.id).where(ContractOwner.tenant_id == tenant_id).limit(2)).scalars().all()
    return ids[0] if len(ids) == 1 else None


def only_billing_cycle_id(session: Session, tenant_id: uuid.UUID) -> int | None:
    ids = session.execute(select(BillingCycle.id).where(BillingCycle.tenant_id == tenant_id).limit(2)).scalars().all()
    return ids[0] if len(ids) == 1 else None


def default_sub_brand_id(session: Session, tenant_id: uuid.UUID, contract_owner_id: int) -> int | None:
    """The contract owner's default sub-brand, which new customers of that owner get."""
    return session.execute(select(ContractOwnerSubBrand.id).where(
        ContractOwnerSubBrand.tenant_id == tenant_id, ContractOwnerSubBrand.contract_owner_id == contract_owner_id,
        ContractOwnerSubBrand.default_sub_brand.is_(True))).scalar_one_or_none()
