"""/v1/bill-runs."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import Field

from ledgerline.api.v1.patching import JSON_PATCH_BODY, PatchOperation, patched_input
from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource
from ledgerline.api.v1.responses import check_if_match, render_created, render_recorded, render_resource
from ledgerline.api.v1.schemas import Amount, Timestamp, WireInput, WireModel, error_responses, major
from ledgerline.api.wire import WireJSONResponse, WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.invoices import repository, service
from ledgerline.invoices.repository import CustomerValue as CustomerValueRow
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.models import BillRun as BillRunEntity
from ledgerline.models.enums import BillRunStatus, BillRunType

router = APIRouter(tags=["bill-runs"], route_class=WireRoute)

BillRunId = Annotated[int, Path(description="Bill run identifier", examples=[1])]


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


class BillRun(WireModel):
    id: int = Field(examples=[1])
    locator: str = Field(description="ULID locator", examples=["01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])
    uuid: uuid.UUID
    type: BillRunType
    status: BillRunStatus
    run_date: dt.date = Field(examples=["2024-05-31"])
    billing_cycle_id: int | None = Field(examples=[1])
    description: str | None = Field(examples=["May 2024 billing"])
    closed_at: Timestamp | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, entity: BillRunEntity) -> "BillRun":
        return cls(
            id=entity.id, locator=entity.locator, uuid=entity.uuid, type=entity.type, status=entity.status,
            run_date=entity.run_date, billing_cycle_id=entity.billing_cycle_id, description=entity.description,
            closed_at=entity.closed_at, version=entity.version, created_at=entity.created_at,
            updated_at=entity.updated_at,
        )


class BillRunCreate(WireInput):
    type: BillRunType = Field(default=BillRunType.NORMAL, examples=["NORMAL"])
    run_date: dt.date = Field(default_factory=_today, description="Defaults to today (UTC)", examples=["2024-05-31"])
    billing_cycle_id: int | None = Field(default=None, description="A billing cycle of the tenant", examples=[1])
    description: str | None = Field(default=None, max_length=255, examples=["May 2024 billing"])


class BillRunUpdate(WireInput):
    """Only the description of a bill run can change."""

    description: str | None = Field(default=None, max_length=255, examples=["May 2024 billing (rerun)"])


class CustomerValue(WireModel):
    customer_id: int = Field(examples=[1])
    currency: str = Field(examples=["GBP"])
    value_in_major_currency: Amount = Field(description="Total of the customer's DRAFT invoices in the run")

    @classmethod
    def of(cls, row: CustomerValueRow) -> "CustomerValue":
        return cls(customer_id=row.customer_id, currency=row.currency,
                   value_in_major_currency=major(row.value_minor, row.currency))


_READ_ONLY = ("/type", "/status", "/runDate", "/billingCycleId", "/closedAt")

ReadPrincipal = Annotated[Principal, Depends(require("invoices.read"))]
WritePrincipal = Annotated[Principal, Depends(require("invoices.write"))]


LISTING = Listing(
    repository.BILL_RUN_COLUMNS,
    sortable=("id", "type", "status", "runDate", "createdAt"),
    filters=[
        Filter("id", "Filter by bill run identifier"),
        Filter("type", "Filter by bill run type"),
        Filter("status", "Filter by status"),
        Filter("runDate", "Filter by run date"),
        Filter("billingCycleId", "Filter by billing cycle"),
        Filter("createdAt", "Filter by creation date"),
    ],
    fields=("id", "locator", "uuid", "type", "status", "runDate", "billingCycleId", "description", "closedAt",
            "version", "createdAt", "updatedAt"),
)
Resource("/bill-runs", "bill_run", "bill_runs", BillRun, LISTING, service.list_bill_runs, service.count_bill_runs,
         scope_group="invoices").add_routes(router)


@router.post("/bill-runs", status_code=201, response_model=BillRun, responses=error_responses(400, 409),
             summary="Open a bill run")
def create_bill_run(request: Request, body: BillRunCreate, session: SessionDep, guard: IdempotencyDep,
                    principal: WritePrincipal) -> Response:
    run = service.create_bill_run(session, tenant_id=principal.tenant_id, type=body.type, run_date=body.run_date,
                                  billing_cycle_id=body.billing_cycle_id, description=body.description)
    return render_created(request, session, guard, BillRun.of(run), location=f"/v1/bill-runs/{run.id}")


@router.get("/bill-runs/{bill_run_id}", response_model=BillRun, responses=error_responses(400, 404),
            summary="Get a bill run")
def get_bill_run(bill_run_id: BillRunId, session: SessionDep, principal: ReadPrincipal) -> Response:
    return render_resource(BillRun.of(service.get_bill_run(session, tenant_id=principal.tenant_id,
                                                           bill_run_id=bill_run_id)))


@router.patch("/bill-runs/{bill_run_id}", response_model=BillRun,
              responses=error_responses(400, 404, 409, 412),
              summary="Update a bill run's description with JSON Patch")
def patch_bill_run(request: Request, bill_run_id: BillRunId, session: SessionDep,
                   operations: Annotated[list[PatchOperation], Body(**JSON_PATCH_BODY)],
                   principal: WritePrincipal) -> Response:
    run = service.get_bill_run(session, tenant_id=principal.tenant_id, bill_run_id=bill_run_id, for_update=True)
    check_if_match(request, run.version)
    patched, _ = patched_input(BillRun.of(run), operations, BillRunUpdate, read_only=_READ_ONLY)
    run = service.update_bill_run(session, bill_run=run, description=patched.description)  # type: ignore[attr-defined]
    return render_resource(BillRun.of(run))


@router.post("/bill-runs/{bill_run_id}/close", response_model=BillRun,
             responses=error_responses(400, 404, 409),
             summary="Close an OPEN bill run, posting all of its DRAFT invoices")
def close_bill_run(bill_run_id: BillRunId, session: SessionDep, guard: IdempotencyDep,
                   principal: WritePrincipal) -> Response:
    run = service.close_bill_run(session, tenant_id=principal.tenant_id, bill_run_id=bill_run_id)
    return render_recorded(session, guard, BillRun.of(run))


@router.get("/bill-runs/{bill_run_id}/customer-values", response_model=list[CustomerValue],
            responses=error_responses(400, 404),
            summary="Per customer, the value of the bill run's DRAFT invoices")
def list_bill_run_customer_values(bill_run_id: BillRunId, session: SessionDep,
                                  principal: ReadPrincipal) -> Response:
    rows = service.bill_run_customer_values(session, tenant_id=principal.tenant_id, bill_run_id=bill_run_id)
    return WireJSONResponse([CustomerValue.of(row).model_dump(mode="python", by_alias=True) for row in rows])
