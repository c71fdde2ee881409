"""Customer and site rules: references must exist in the tenant, currency is ISO 4217."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from ledgerline import events
from ledgerline.customers import repository
from ledgerline.errors import Conflict, InvalidRequest, not_found
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.money import is_currency
from ledgerline.kit.repository import check_references, get_scoped, next_number
from ledgerline.models import BillingCycle, ContractOwner, ContractOwnerSubBrand, Customer, Site
from ledgerline.models.enums import CustomerStatus

# The references a customer holds: attribute -> the model it names.
_REFERENCES: dict[str, type] = {
    "contract_owner_id": ContractOwner,
    "billing_cycle_id": BillingCycle,
    "sub_brand_id": ContractOwnerSubBrand,
}


def get_customer(session: Session, *, tenant_id: uuid.UUID, customer_id: int, for_update: bool = False) -> Customer:
    customer = get_scoped(session, Customer, tenant_id, customer_id, for_update=for_update)
    if customer is None:
        raise not_found("Customer", customer_id)
    return customer


def _check_currency(currency: str) -> None:
    if not is_currency(currency):
        raise InvalidRequest.for_field("currency", f"'{currency}' is not an ISO 4217 currency code")


def create_customer(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    name: str,
    currency: str,
    credit_threshold_minor: int = 0,
    contract_owner_id: int | None = None,
    billing_cycle_id: int | None = None,
    sub_brand_id: int | None = None,
    status: CustomerStatus = CustomerStatus.ACTIVE,
    reference_number: str | None = None,
) -> Customer:
    _check_currency(currency)
    if contract_owner_id is None:
        contract_owner_id = repository.only_contract_owner_id(session, tenant_id)
    if billing_cycle_id is None:
        billing_cycle_id = repository.only_billing_cycle_id(session, tenant_id)
    if sub_brand_id is None and contract_owner_id is not None:
        sub_brand_id = repository.default_sub_brand_id(session, tenant_id, contract_owner_id)
    values = dict(contract_owner_id=contract_owner_id, billing_cycle_id=billing_cycle_id, sub_brand_id=sub_brand_id)
    check_references(session, tenant_id, values, _REFERENCES)
    customer = Customer(
        tenant_id=tenant_id,
        number=next_number(session, tenant_id, "customer", "CUS"),
        name=name,
        currency=currency,
        credit_threshold_minor=credit_threshold_minor,
        status=status,
        reference_number=reference_number,
        **values,
    )
    session.add(customer)
    session.flush()
    events.record(session, tenant_id, "customer.created", customer.id, customer)
    return customer


def update_customer(session: Session, *, customer: Customer, changes: dict[str, Any]) -> Customer:
    """Apply validated attribute changes; the currency is fixed once money exists in it."""
    if "currency" in changes and changes["currency"] != customer.currency:
        _check_currency(changes["currency"])
        if repository.customer_has_dependents(session, customer.tenant_id, customer.id):
            raise Conflict("the currency of a customer with invoices cannot change")
    check_references(session, customer.tenant_id, {k: v for k, v in changes.items() if getattr(customer, k) != v},
                     _REFERENCES)
    for attribute, value in changes.items():
        setattr(customer, attribute, value)
    session.flush()
    return customer


def delete_customer(session: Session, *, customer: Customer) -> None:
    if repository.customer_has_dependents(session, customer.tenant_id, customer.id):
        raise Conflict(f"customer {customer.id} has invoices, bills or sites; terminate it instead of deleting it")
    session.delete(customer)
    session.flush()


def get_site(session: Session, *, tenant_id: uuid.UUID, site_id: int, for_update: bool = False) -> Site:
    site = get_scoped(session, Site, tenant_id, site_id, for_update=for_update)
    if site is None:
        raise not_found("Site", site_id)
    return site


def _check_site_customer(session: Session, tenant_id: uuid.UUID, customer_id: int) -> None:
    if get_scoped(session, Customer, tenant_id, customer_id) is None:
        raise InvalidRequest.for_field("customer_id", f"customer {customer_id} does not exist")


def create_site(session: Session, *, tenant_id: uuid.UUID, customer_id: int, **values: Any) -> Site:
    _check_site_customer(session, tenant_id, customer_id)
    site = Site(tenant_id=tenant_id, customer_id=customer_id, **values)
    session.add(site)
    session.flush()
    return site


def update_site(session: Session, *, site: Site, changes: dict[str, Any]) -> Site:
    if "customer_id" in changes and changes["customer_id"] != site.customer_id:
        _check_site_customer(session, site.tenant_id, changes["customer_id"])
    for attribute, value in changes.items():
        setattr(site, attribute, value)
    session.flush()
    return site


def delete_site(session: Session, *, site: Site) -> None:
    session.delete(site)
    session.flush()


def list_customers(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.CUSTOMERS.page(session, tenant_id, criteria)


def count_customers(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.CUSTOMERS.count(session, tenant_id, criteria)


def list_sites(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.SITES.page(session, tenant_id, criteria)


def count_sites(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.SITES.count(session, tenant_id, criteria)
