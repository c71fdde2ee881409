"""Customer and site queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ledgerline.kit.bulk import update_models
from ledgerline.kit.listing import Filter, FilterKind, Listing, ListQuery, Page
from ledgerline.kit.refs import CustomerRef
from ledgerline.kit.repository import count_matching, fetch_page, ref_clause
from ledgerline.ledger.snapshot import CustomerMoney
from ledgerline.models import (
    Bill, BillingCycle, ContractOwner, ContractOwnerSubBrand, Customer, Invoice, Site, Tenant,
)
from ledgerline.models.enums import CustomerStatus, SiteStatus

CUSTOMER_LISTING = Listing(
    sortable={
        "id": Customer.id, "name": Customer.name, "number": Customer.number, "status": Customer.status,
        "currency": Customer.currency, "creditThreshold": Customer.credit_threshold_minor,
        "createdAt": Customer.created_at, "updatedAt": Customer.updated_at,
    },
    filters=[
        Filter("id", FilterKind.ID, Customer.id, "Filter by customer identifier"),
        Filter("name", FilterKind.STRING, Customer.name, "Filter by name"),
        Filter("number", FilterKind.STRING, Customer.number, "Filter by customer number"),
        Filter("referenceNumber", FilterKind.STRING, Customer.reference_number, "Filter by reference number"),
        Filter("currency", FilterKind.STRING, Customer.currency, "Filter by ISO 4217 currency"),
        Filter("status", FilterKind.ENUM, Customer.status, "Filter by life-cycle status", enum_type=CustomerStatus),
        Filter("contractOwnerId", FilterKind.ID, Customer.contract_owner_id, "Filter by contract owner"),
        Filter("billingCycleId", FilterKind.ID, Customer.billing_cycle_id, "Filter by billing cycle"),
        Filter("subBrandId", FilterKind.ID, Customer.sub_brand_id, "Filter by contract-owner sub-brand"),
        Filter("creditThreshold", FilterKind.AMOUNT, Customer.credit_threshold_minor, "Filter by credit threshold",
               currency_column=Customer.currency),
        Filter("createdAt", FilterKind.DATE, Customer.created_at, "Filter by creation date"),
    ],
    fields=(
        "id", "locator", "uuid", "number", "name", "currency", "creditThreshold", "contractOwnerId",
        "billingCycleId", "subBrandId", "status", "referenceNumber", "version", "createdAt", "updatedAt",
    ),
    tiebreak=Customer.id,
)

SITE_LISTING = Listing(
    sortable={"id": Site.id, "name": Site.name, "customerId": Site.customer_id, "status": Site.status,
              "createdAt": Site.created_at},
    filters=[
        Filter("id", FilterKind.ID, Site.id, "Filter by site identifier"),
        Filter("customerId", FilterKind.ID, Site.customer_id, "Filter by customer"),
        Filter("name", FilterKind.STRING, Site.name, "Filter by name"),
        Filter("reference", FilterKind.STRING, Site.reference, "Filter by reference"),
        Filter("status", FilterKind.ENUM, Site.status, "Filter by status", enum_type=SiteStatus),
        Filter("createdAt", FilterKind.DATE, Site.created_at, "Filter by creation date"),
    ],
    fields=("id", "locator", "uuid", "customerId", "name", "reference", "status", "address", "version",
            "createdAt", "updatedAt"),
    tiebreak=Site.id,
)


def _customers(tenant_id: uuid.UUID):
    return select(Customer).where(Customer.tenant_id == tenant_id)


def page_of_customers(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    return fetch_page(session, _customers(tenant_id), CUSTOMER_LISTING, query)


def count_customers(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> int:
    return count_matching(session, _customers(tenant_id), CUSTOMER_LISTING, query)


def _sites(tenant_id: uuid.UUID):
    return select(Site).where(Site.tenant_id == tenant_id)


def page_of_sites(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    return fetch_page(session, _sites(tenant_id), SITE_LISTING, query)


def count_sites(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> int:
    return count_matching(session, _sites(tenant_id), SITE_LISTING, query)


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
