"""/v1/customers."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import Field
from sqlalchemy.orm import Session

from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource
from ledgerline.api.v1.schemas import Amount, CurrencyCode, Timestamp, WireInput, WireModel, major, minor_from_wire
from ledgerline.api.wire import WireRoute
from ledgerline.customers import repository, service
from ledgerline.models import Customer as CustomerEntity
from ledgerline.models.enums import CustomerStatus

router = APIRouter(tags=["customers"], route_class=WireRoute)


class Customer(WireModel):
    id: int = Field(examples=[1])
    locator: str = Field(description="ULID locator", examples=["01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])
    uuid: uuid.UUID
    number: str = Field(examples=["CUS-0000001"])
    name: str = Field(examples=["Acme Ltd"])
    currency: str = Field(examples=["GBP"])
    credit_threshold: Amount
    contract_owner_id: int | None
    billing_cycle_id: int | None
    sub_brand_id: int | None
    status: CustomerStatus
    reference_number: str | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, entity: CustomerEntity) -> "Customer":
        return cls(
            id=entity.id, locator=entity.locator, uuid=entity.uuid, number=entity.number, name=entity.name,
            currency=entity.currency, credit_threshold=major(entity.credit_threshold_minor, entity.currency),
            contract_owner_id=entity.contract_owner_id, billing_cycle_id=entity.billing_cycle_id,
            sub_brand_id=entity.sub_brand_id, status=entity.status, reference_number=entity.reference_number,
            version=entity.version, created_at=entity.created_at, updated_at=entity.updated_at,
        )


class CustomerCreate(WireInput):
    name: str = Field(min_length=1, max_length=255, examples=["Acme Ltd"])
    currency: CurrencyCode
    credit_threshold: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("9999999999.99"), examples=[100])
    contract_owner_id: int | None = Field(default=None, description="Defaults to the tenant's only contract owner")
    billing_cycle_id: int | None = Field(default=None, description="Defaults to the tenant's only billing cycle")
    sub_brand_id: int | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE
    reference_number: str | None = Field(default=None, max_length=100)

    def attributes(self, currency: str) -> dict[str, Any]:
        return {
            "name": self.name, "currency": self.currency,
            "credit_threshold_minor": minor_from_wire("creditThreshold", self.credit_threshold, currency),
            "contract_owner_id": self.contract_owner_id, "billing_cycle_id": self.billing_cycle_id,
            "sub_brand_id": self.sub_brand_id, "status": self.status, "reference_number": self.reference_number,
        }


_CUSTOMER_ATTRIBUTES = {
    "name": "name", "currency": "currency", "creditThreshold": "credit_threshold_minor",
    "contractOwnerId": "contract_owner_id", "billingCycleId": "billing_cycle_id", "subBrandId": "sub_brand_id",
    "status": "status", "referenceNumber": "reference_number",
}

LISTING = Listing(
    repository.CUSTOMER_COLUMNS,
    sortable=("id", "name", "number", "status", "currency", "creditThreshold", "createdAt", "updatedAt"),
    filters=[
        Filter("id", "Filter by customer identifier"),
        Filter("name", "Filter by name"),
        Filter("number", "Filter by customer number"),
        Filter("referenceNumber", "Filter by reference number"),
        Filter("currency", "Filter by ISO 4217 currency"),
        Filter("status", "Filter by life-cycle status"),
        Filter("contractOwnerId", "Filter by contract owner"),
        Filter("billingCycleId", "Filter by billing cycle"),
        Filter("subBrandId", "Filter by contract-owner sub-brand"),
        Filter("creditThreshold", "Filter by credit threshold"),
        Filter("createdAt", "Filter by creation date"),
    ],
    fields=(
        "id", "locator", "uuid", "number", "name", "currency", "creditThreshold", "contractOwnerId",
        "billingCycleId", "subBrandId", "status", "referenceNumber", "version", "createdAt", "updatedAt",
    ),
)


def _create(session: Session, tenant_id: uuid.UUID, body: CustomerCreate) -> CustomerEntity:
    return service.create_customer(session, tenant_id=tenant_id, **body.attributes(body.currency))


def _get(session: Session, tenant_id: uuid.UUID, customer_id: int, for_update: bool) -> CustomerEntity:
    return service.get_customer(session, tenant_id=tenant_id, customer_id=customer_id, for_update=for_update)


def _update(session: Session, tenant_id: uuid.UUID, customer: CustomerEntity, patched: CustomerCreate,
            changed: set[str]) -> CustomerEntity:
    attributes = patched.attributes(patched.currency)
    changes = {_CUSTOMER_ATTRIBUTES[name]: attributes[_CUSTOMER_ATTRIBUTES[name]] for name in changed}
    return service.update_customer(session, customer=customer, changes=changes)


def _delete(session: Session, customer: CustomerEntity) -> None:
    service.delete_customer(session, customer=customer)


CUSTOMERS = Resource(
    "/customers", "customer", "customers", Customer, LISTING, service.list_customers, service.count_customers,
    scope_group="customers", get_item=_get, create_schema=CustomerCreate, create_item=_create,
    update_item=_update, delete_item=_delete,
    responses={"get": (404,), "delete": (404, 409)},
    summaries={"delete": "Delete a customer that has no invoices or sites"},
)
CUSTOMERS.add_routes(router)
