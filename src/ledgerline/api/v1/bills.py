"""/v1/bills."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import Field

from ledgerline.api.v1.patching import JSON_PATCH_BODY, PatchOperation, patched_input
from ledgerline.api.v1.responses import check_if_match, render_created, render_head, render_page, render_resource
from ledgerline.api.v1.schemas import Amount, Timestamp, WireInput, WireModel, error_responses, major
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.invoices import repository, service
from ledgerline.invoices.repository import BillView
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.kit.listing import ListQuery
from ledgerline.models.enums import BillStatus

router = APIRouter(tags=["bills"], route_class=WireRoute)

BillId = Annotated[int, Path(description="Bill identifier", examples=[1])]
BillListQuery = Annotated[ListQuery, Depends(repository.BILL_LISTING.query_dependency())]
BillFilterQuery = Annotated[ListQuery, Depends(repository.BILL_LISTING.query_dependency(paged=False))]


class Bill(WireModel):
    id: int = Field(examples=[1])
    locator: str = Field(description="ULID locator", examples=["01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])
    uuid: uuid.UUID
    number: str = Field(examples=["BILL-0000001"])
    customer_id: int = Field(examples=[1])
    check_digits: str | None = Field(description="Pay-bill requests must repeat them", examples=["4471"])
    period_start: dt.date | None = Field(examples=["2024-05-01"])
    period_end: dt.date | None = Field(examples=["2024-05-31"])
    status: BillStatus = Field(description="Derived from the bill's POSTED invoices: UNSETTLED while none is "
                                           "posted or nothing is paid, SETTLED when nothing is outstanding, "
                                           "else PARTIALLY_SETTLED")
    total_in_major_currency: Amount = Field(description="Sum of the bill's POSTED invoices")
    outstanding_in_major_currency: Amount = Field(description="Outstanding on the bill's POSTED invoices")
    currency: str = Field(description="The customer's currency", examples=["GBP"])
    version: int
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, view: BillView) -> "Bill":
        bill = view.bill
        return cls(
            id=bill.id, locator=bill.locator, uuid=bill.uuid, number=bill.number, customer_id=bill.customer_id,
            check_digits=bill.check_digits, period_start=bill.period_start, period_end=bill.period_end,
            status=view.status, total_in_major_currency=major(view.total_minor, view.currency),
            outstanding_in_major_currency=major(view.outstanding_minor, view.currency), currency=view.currency,
            version=bill.version, created_at=bill.created_at, updated_at=bill.updated_at,
        )


class BillCreate(WireInput):
    customer_id: int = Field(examples=[1])
    check_digits: str | None = Field(default=None, pattern=r"^[0-9]{1,10}$", description="1 to 10 digits",
                                     examples=["4471"])
    period_start: dt.date | None = Field(default=None, examples=["2024-05-01"])
    period_end: dt.date | None = Field(default=None, description="On or after periodStart", examples=["2024-05-31"])

    def attributes(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "check_digits": self.check_digits,
                "period_start": self.period_start, "period_end": self.period_end}


_BILL_ATTRIBUTES = {"customerId": "customer_id", "checkDigits": "check_digits", "periodStart": "period_start",
                    "periodEnd": "period_end"}
_READ_ONLY = ("/status", "/totalInMajorCurrency", "/outstandingInMajorCurrency", "/currency")

ListPrincipal = Annotated[Principal, Depends(require("invoices.list"))]
ReadPrincipal = Annotated[Principal, Depends(require("invoices.read"))]
WritePrincipal = Annotated[Principal, Depends(require("invoices.write"))]
DeletePrincipal = Annotated[Principal, Depends(require("invoices.delete"))]


@router.get("/bills", response_model=list[Bill], responses=error_responses(400), summary="List bills")
def list_bills(request: Request, session: SessionDep, query: BillListQuery, principal: ListPrincipal) -> Response:
    return render_page(request, repository.page_of_bills(session, principal.tenant_id, query), Bill)


@router.head("/bills", responses={**error_responses(400), 404: {"description": "No bill matches"}},
             summary="Check whether bills matching the filters exist")
def bills_exist(session: SessionDep, query: BillFilterQuery, principal: ListPrincipal) -> Response:
    return render_head(repository.count_bills(session, principal.tenant_id, query))


@router.post("/bills", status_code=201, response_model=Bill, responses=error_responses(400, 409, 422),
             summary="Create a bill for a customer")
def create_bill(request: Request, body: BillCreate, session: SessionDep, guard: IdempotencyDep,
                principal: WritePrincipal) -> Response:
    bill = service.create_bill(session, tenant_id=principal.tenant_id, **body.attributes())
    view = service.bill_view(session, tenant_id=principal.tenant_id, bill_id=bill.id)
    return render_created(request, session, guard, Bill.of(view), location=f"/v1/bills/{bill.id}")


@router.get("/bills/{bill_id}", response_model=Bill, responses=error_responses(400, 404), summary="Get a bill")
def get_bill(bill_id: BillId, session: SessionDep, principal: ReadPrincipal) -> Response:
    return render_resource(Bill.of(service.bill_view(session, tenant_id=principal.tenant_id, bill_id=bill_id)))


@router.patch("/bills/{bill_id}", response_model=Bill, responses=error_responses(400, 404, 409, 412, 422),
              summary="Update a bill with JSON Patch")
def patch_bill(request: Request, bill_id: BillId, session: SessionDep,
               operations: Annotated[list[PatchOperation], Body(**JSON_PATCH_BODY)],
               principal: WritePrincipal) -> Response:
    tenant_id = principal.tenant_id
    bill = service.get_bill(session, tenant_id=tenant_id, bill_id=bill_id, for_update=True)
    check_if_match(request, bill.version)
    current = Bill.of(service.bill_view(session, tenant_id=tenant_id, bill_id=bill_id))
    patched, changed = patched_input(current, operations, BillCreate, read_only=_READ_ONLY)
    attributes = patched.attributes()  # type: ignore[attr-defined]
    changes = {_BILL_ATTRIBUTES[name]: attributes[_BILL_ATTRIBUTES[name]] for name in changed}
    service.update_bill(session, bill=bill, changes=changes)
    return render_resource(Bill.of(service.bill_view(session, tenant_id=tenant_id, bill_id=bill_id)))


@router.delete("/bills/{bill_id}", status_code=204, responses=error_responses(400, 404, 409),
               summary="Delete a bill that has no invoices")
def delete_bill(bill_id: BillId, session: SessionDep, principal: DeletePrincipal) -> Response:
    bill = service.get_bill(session, tenant_id=principal.tenant_id, bill_id=bill_id, for_update=True)
    service.delete_bill(session, bill=bill)
    return Response(status_code=204)
