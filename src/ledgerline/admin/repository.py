"""Contract owner and billing cycle queries."""

from __future__ import annotations

import uuid

from sqlalchemy import Table, exists, select
from sqlalchemy.orm import Session

from ledgerline.kit.listing import Filter, FilterKind, Listing, ListQuery, Page
from ledgerline.kit.repository import count_matching, fetch_page
from ledgerline.models import Base, BillingCycle, ContractOwner
from ledgerline.models.enums import PeriodUnit

CONTRACT_OWNER_LISTING = Listing(
    sortable={
        "id": ContractOwner.id, "name": ContractOwner.name, "availableFrom": ContractOwner.available_from,
        "createdAt": ContractOwner.created_at,
    },
    filters=[
        Filter("id", FilterKind.ID, ContractOwner.id, "Filter by contract owner identifier"),
        Filter("name", FilterKind.STRING, ContractOwner.name, "Filter by name"),
        Filter("availableFrom", FilterKind.DATE, ContractOwner.available_from, "Filter by first available date"),
        Filter("createdAt", FilterKind.DATE, ContractOwner.created_at, "Filter by creation date"),
    ],
    fields=(
        "id", "locator", "uuid", "name", "availableFrom", "availableTo", "address", "siBccEmailAddress",
        "coBccEmailAddress", "taxRegistrationNumber", "companyRegistrationNumber", "bankAccountName",
        "bankAccountNumber", "bankSortCode", "swiftCode", "iban", "customerServiceEmail",
        "customerServiceTelephoneNumber", "customerServiceWebSite", "emailBillingFromAddress",
        "invoiceCombiningType", "version", "createdAt", "updatedAt",
    ),
    tiebreak=ContractOwner.id,
)

BILLING_CYCLE_LISTING = Listing(
    sortable={
        "id": BillingCycle.id, "name": BillingCycle.name, "periodUnit": BillingCycle.period_unit,
        "createdAt": BillingCycle.created_at,
    },
    filters=[
        Filter("id", FilterKind.ID, BillingCycle.id, "Filter by billing cycle identifier"),
        Filter("name", FilterKind.STRING, BillingCycle.name, "Filter by name"),
        Filter("periodUnit", FilterKind.ENUM, BillingCycle.period_unit, "Filter by period unit", enum_type=PeriodUnit),
        Filter("currencyCode", FilterKind.STRING, BillingCycle.currency_code, "Filter by ISO 4217 currency"),
        Filter("createdAt", FilterKind.DATE, BillingCycle.created_at, "Filter by creation date"),
    ],
    fields=(
        "id", "locator", "uuid", "name", "startDayOfPeriod", "wholePeriod", "lengthOfPeriod", "periodUnit",
        "currencyCode", "defaultInvoiceDate", "completionType", "autoCloseEnabled", "autoCloseDays",
        "billingCycleRules", "version", "createdAt", "updatedAt",
    ),
    tiebreak=BillingCycle.id,
)


def _contract_owners(tenant_id: uuid.UUID):
    return select(ContractOwner).where(ContractOwner.tenant_id == tenant_id)


def page_of_contract_owners(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    return fetch_page(session, _contract_owners(tenant_id), CONTRACT_OWNER_LISTING, query)


def count_contract_owners(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> int:
    return count_matching(session, _contract_owners(tenant_id), CONTRACT_OWNER_LISTING, query)


def _billing_cycles(tenant_id: uuid.UUID):
    return select(BillingCycle).where(BillingCycle.tenant_id == tenant_id)


def page_of_billing_cycles(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    return fetch_page(session, _billing_cycles(tenant_id), BILLING_CYCLE_LISTING, query)


def count_billing_cycles(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> int:
    return count_matching(session, _billing_cycles(tenant_id), BILLING_CYCLE_LISTING, query)


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
