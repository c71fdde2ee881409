"""/v1/customers."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import Field

from ledgerline.api.v1.patching import JSON_PATCH_BODY, PatchOperation, patched_input
from ledgerline.api.v1.responses import check_if_match, render_created, render_head, render_page, render_resource
from ledgerline.api.v1.schemas import Amount, CurrencyCode, Timestamp, WireInput, WireModel, error_responses, major, minor_from_wire
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.customers import repository, service
from ledgerline.db import SessionDep
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.kit.listing import ListQuery
from ledgerline.models import Customer as CustomerEntity
from ledgerline.models.enums import CustomerStatus

router = APIRouter(tags=["customers"], route_class=WireRoute)

CustomerId = Annotated[int, Path(description="Customer identifier", examples=[1])]
CustomerListQuery = Annotated[ListQuery, Depends(repository.CUSTOMER_LISTING.query_dependency())]
CustomerFilterQuery = Annotated[ListQuery, Depends(repository.CUSTOMER_LISTING.query_dependency(paged=False))]


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


@router.get("/customers", response_model=list[Customer], responses=error_responses(400),
            summary="List customers")
def list_customers(request: Request, session: SessionDep, query: CustomerListQuery,
                   principal: Annotated[Principal, Depends(require("customers.list"))]) -> Response:
    return render_page(request, repository.page_of_customers(session, principal.tenant_id, query), Customer)


@router.head("/customers", responses={**error_responses(400), 404: {"description": "No customer matches"}},
             summary="Check whether customers matching the filters exist")
def customers_exist(session: SessionDep, query: CustomerFilterQuery,
                    principal: Annotated[Principal, Depends(require("customers.list"))]) -> Response:
    return render_head(repository.count_customers(session, principal.tenant_id, query))


@router.post("/customers", status_code=201, response_model=Customer, responses=error_responses(400, 409, 422),
             summary="Create a customer")
def create_customer(request: Request, body: CustomerCreate, session: SessionDep, guard: IdempotencyDep,
                    principal: Annotated[Principal, Depends(require("customers.write"))]) -> Response:
    customer = service.create_customer(session, tenant_id=principal.tenant_id, **body.attributes(body.currency))
    return render_created(request, session, guard, Customer.of(customer), location=f"/v1/customers/{customer.id}")


@router.get("/customers/{customer_id}", response_model=Customer, responses=error_responses(404),
            summary="Get a customer")
def get_customer(customer_id: CustomerId, session: SessionDep,
                 principal: Annotated[Principal, Depends(require("customers.read"))]) -> Response:
    return render_resource(Customer.of(service.get_customer(session, tenant_id=principal.tenant_id,
                                                            customer_id=customer_id)))


@router.patch("/customers/{customer_id}", response_model=Customer,
              responses=error_responses(400, 404, 409, 412, 422), summary="Update a customer with JSON Patch")
def patch_customer(request: Request, customer_id: CustomerId, session: SessionDep,
                   operations: Annotated[list[PatchOperation], Body(**JSON_PATCH_BODY)],
                   principal: Annotated[Principal, Depends(require("customers.write"))]) -> Response:
    customer = service.get_customer(session, tenant_id=principal.tenant_id, customer_id=customer_id, for_update=True)
    check_if_match(request, customer.version)
    patched, changed = patched_input(Customer.of(customer), operations, CustomerCreate)
    currency = patched.currency  # type: ignore[attr-defined]
    attributes = patched.attributes(currency)  # type: ignore[attr-defined]
    changes = {_CUSTOMER_ATTRIBUTES[name]: attributes[_CUSTOMER_ATTRIBUTES[name]] for name in changed}
    customer = service.update_customer(session, customer=customer, changes=changes)
    return render_resource(Customer.of(customer))


@router.delete("/customers/{customer_id}", status_code=204, responses=error_responses(404, 409),
               summary="Delete a customer that has no invoices or sites")
def delete_customer(customer_id: CustomerId, session: SessionDep,
                    principal: Annotated[Principal, Depends(require("customers.delete"))]) -> Response:
    customer = service.get_customer(session, tenant_id=principal.tenant_id, customer_id=customer_id)
    service.delete_customer(session, customer=customer)
    return Response(status_code=204)
