"""/v1/billing-cycles."""

from __future__ import annotations

import math
import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import AfterValidator, Field

from ledgerline.admin import repository, service
from ledgerline.api.v1.patching import JSON_PATCH_BODY, PatchOperation, patched_input
from ledgerline.api.v1.responses import check_if_match, render_created, render_head, render_page, render_resource
from ledgerline.api.v1.schemas import CurrencyCode, Timestamp, WireInput, WireModel, error_responses
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, SessionDep, require
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.kit.listing import ListQuery
from ledgerline.models import BillingCycle as BillingCycleEntity
from ledgerline.models.enums import PeriodUnit

router = APIRouter(tags=["billing-cycles"], route_class=WireRoute)

BillingCycleId = Annotated[int, Path(description="Billing cycle identifier", examples=[1])]
BillingCycleListQuery = Annotated[ListQuery, Depends(repository.BILLING_CYCLE_LISTING.query_dependency())]
BillingCycleFilterQuery = Annotated[ListQuery, Depends(repository.BILLING_CYCLE_LISTING.query_dependency(paged=False))]

MAX_RULES = 100


def _storable(value: Any) -> Any:
    """JSON numbers arrive as Decimal (exact parsing); the JSON column stores plain numbers."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value() and abs(value) < 10**15:
            return int(value)
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{value} is too large a number")
        return number
    if isinstance(value, dict):
        return {key: _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


Rules = Annotated[list[dict[str, Any]], Field(max_length=MAX_RULES), AfterValidator(_storable)]


class BillingCycle(WireModel):
    id: int = Field(examples=[1])
    locator: str = Field(description="ULID locator", examples=["01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])
    uuid: uuid.UUID
    name: str = Field(examples=["Monthly on the 1st"])
    start_day_of_period: int = Field(examples=[1])
    whole_period: bool
    length_of_period: int = Field(examples=[1])
    period_unit: PeriodUnit
    currency_code: str | None = Field(examples=["GBP"])
    default_invoice_date: int | None = Field(examples=[1])
    completion_type: str | None
    auto_close_enabled: bool
    auto_close_days: int | None
    billing_cycle_rules: list[dict[str, Any]]
    version: int
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, entity: BillingCycleEntity) -> "BillingCycle":
        return cls(**{name: getattr(entity, name) for name in cls.model_fields})


class BillingCycleCreate(WireInput):
    name: str = Field(min_length=1, max_length=255, examples=["Monthly on the 1st"])
    start_day_of_period: int = Field(default=1, ge=1, le=31, description="Day of the month each period starts",
                                     examples=[1])
    whole_period: bool = Field(default=True, description="Bill whole periods only", examples=[True])
    length_of_period: int = Field(default=1, ge=1, le=1000, description="Periods are this many periodUnit long",
                                  examples=[1])
    period_unit: PeriodUnit = Field(examples=["MONTH"])
    currency_code: CurrencyCode | None = Field(default=None, examples=["GBP"])
    default_invoice_date: int | None = Field(default=None, ge=1, le=31,
                                             description="Day of the month invoices are dated", examples=[1])
    completion_type: str | None = Field(default=None, max_length=50, examples=["AUTOMATIC"])
    auto_close_enabled: bool = Field(default=False, examples=[True])
    auto_close_days: int | None = Field(default=None, ge=0, le=366,
                                        description="Days after the run a bill run closes; required when "
                                        "autoCloseEnabled", examples=[5])
    billing_cycle_rules: Rules = Field(default_factory=list, examples=[[{"type": "PRORATE", "value": 1}]])

    def attributes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in type(self).model_fields}


_BILLING_CYCLE_ATTRIBUTES = {info.alias or name: name for name, info in BillingCycleCreate.model_fields.items()}


@router.get("/billing-cycles", response_model=list[BillingCycle], responses=error_responses(400),
            summary="List billing cycles")
def list_billing_cycles(request: Request, session: SessionDep, query: BillingCycleListQuery,
                        principal: Annotated[Principal, Depends(require("admin.list"))]) -> Response:
    return render_page(request, repository.page_of_billing_cycles(session, principal.tenant_id, query), BillingCycle)


@router.head("/billing-cycles", responses={**error_responses(400), 404: {"description": "No billing cycle matches"}},
             summary="Check whether billing cycles matching the filters exist")
def billing_cycles_exist(session: SessionDep, query: BillingCycleFilterQuery,
                         principal: Annotated[Principal, Depends(require("admin.list"))]) -> Response:
    return render_head(repository.count_billing_cycles(session, principal.tenant_id, query))


@router.post("/billing-cycles", status_code=201, response_model=BillingCycle,
             responses=error_responses(400, 409, 422), summary="Create a billing cycle")
def create_billing_cycle(request: Request, body: BillingCycleCreate, session: SessionDep, guard: IdempotencyDep,
                         principal: Annotated[Principal, Depends(require("admin.write"))]) -> Response:
    billing_cycle = service.create_billing_cycle(session, tenant_id=principal.tenant_id, **body.attributes())
    return render_created(request, session, guard, BillingCycle.of(billing_cycle),
                          location=f"/v1/billing-cycles/{billing_cycle.id}")


@router.get("/billing-cycles/{billing_cycle_id}", response_model=BillingCycle, responses=error_responses(400, 404),
            summary="Get a billing cycle")
def get_billing_cycle(billing_cycle_id: BillingCycleId, session: SessionDep,
                      principal: Annotated[Principal, Depends(require("admin.read"))]) -> Response:
    return render_resource(BillingCycle.of(service.get_billing_cycle(
        session, tenant_id=principal.tenant_id, billing_cycle_id=billing_cycle_id)))


@router.patch("/billing-cycles/{billing_cycle_id}", response_model=BillingCycle,
              responses=error_responses(400, 404, 409, 412, 422), summary="Update a billing cycle with JSON Patch")
def patch_billing_cycle(request: Request, billing_cycle_id: BillingCycleId, session: SessionDep,
                        operations: Annotated[list[PatchOperation], Body(**JSON_PATCH_BODY)],
                        principal: Annotated[Principal, Depends(require("admin.write"))]) -> Response:
    billing_cycle = service.get_billing_cycle(session, tenant_id=principal.tenant_id,
                                              billing_cycle_id=billing_cycle_id, for_update=True)
    check_if_match(request, billing_cycle.version)
    patched, changed = patched_input(BillingCycle.of(billing_cycle), operations, BillingCycleCreate)
    attributes = patched.attributes()  # type: ignore[attr-defined]
    changes = {_BILLING_CYCLE_ATTRIBUTES[name]: attributes[_BILLING_CYCLE_ATTRIBUTES[name]] for name in changed}
    billing_cycle = service.update_billing_cycle(session, billing_cycle=billing_cycle, changes=changes)
    return render_resource(BillingCycle.of(billing_cycle))


@router.delete("/billing-cycles/{billing_cycle_id}", status_code=204, responses=error_responses(400, 404, 409),
               summary="Delete a billing cycle that no customer or bill run references")
def delete_billing_cycle(billing_cycle_id: BillingCycleId, session: SessionDep,
                         principal: Annotated[Principal, Depends(require("admin.delete"))]) -> Response:
    billing_cycle = service.get_billing_cycle(session, tenant_id=principal.tenant_id,
                                              billing_cycle_id=billing_cycle_id)
    service.delete_billing_cycle(session, billing_cycle=billing_cycle)
    return Response(status_code=204)
