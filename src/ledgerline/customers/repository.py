"""Customer and site queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ledgerline.kit.criteria import ColumnMap, amount, choice, day, ident, text
from ledgerline.kit.repository import TenantRows, count_matching, fetch_page, ref_clause
from ledgerline.models import (
    Bill, BillingCycle, ContractOwner, ContractOwnerSubBrand, Customer, Invoice, Site, Tenant,
)
from ledgerline.kit.bulk import update_models
from ledgerline.kit.refs import CustomerRef
from ledgerline.ledger.snapshot import CustomerMoney
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


# --- the money path's snapshot ----------------------------------------------------------------------

def customer_money_for_update(session: Session, tenant_id: uuid.UUID, ref: CustomerRef) -> CustomerMoney | None:
    """The customer a reference names, locked (FOR NO KEY UPDATE), with its tenant's settings version: the
    first lock of every money movement."""
    settings_version = select(Tenant.settings_version).where(Tenant.id == tenant_id).scalar_subquery()
    stmt = (select(Customer.id, Customer.locator, Customer.currency, Customer.credit_minor, settings_version)
            .where(ref_clause(Customer, tenant_id, ref)).limit(1)
            .with_for_update(key_share=True, of=Customer))
    row = session.execute(stmt).first()
    if row is None:
        return None
    return CustomerMoney(id=row[0], locator=row[1], currency=row[2], credit_minor=row[3], settings_version=row[4])


def update_customer_credit(session: Session, tenant_id: uuid.UUID, customers: Sequence[CustomerMoney]) -> None:
    """One UPDATE for the customers' credit (locked by the caller)."""
    update_models(session, Customer, tenant_id, [{"id": customer.id, "credit_minor": customer.credit_minor}
                                                 for customer in customers])
