"""/v1/customer-balance-adjustments (Elevate Payment API)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import Field

from ledgerline.adjustments import repository, service
from ledgerline.api.v1.customer_payments import currency_id
from ledgerline.api.v1.responses import render_created, render_head, render_page, render_resource
from ledgerline.api.v1.schemas import Amount, Timestamp, WireInput, WireModel, error_responses, major, minor_from_wire
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.kit.listing import ListQuery
from ledgerline.models import CustomerBalanceAdjustment as AdjustmentEntity
from ledgerline.customers.service import currency_of_customer

router = APIRouter(tags=["customer balance adjustments"], route_class=WireRoute)

AdjustmentId = Annotated[int, Path(description="Adjustment identifier", examples=[1])]
AdjustmentListQuery = Annotated[ListQuery, Depends(repository.ADJUSTMENT_LISTING.query_dependency())]
AdjustmentFilterQuery = Annotated[ListQuery, Depends(repository.ADJUSTMENT_LISTING.query_dependency(paged=False))]
LIMIT = Decimal("100000")


class Adjustment(WireModel):
    id: int = Field(examples=[1])
    locator: str
    number: str = Field(examples=["ADJ-0000001"])
    customer_id: int = Field(examples=[1])
    currency: str = Field(examples=["GBP"])
    currency_id: int | None = Field(description="ISO 4217 numeric code", examples=[826])
    amount_in_major_currency: Amount = Field(description="Positive credits the customer, negative debits")
    credit_used_in_major_currency: Amount = Field(description="Of a debit: the part taken from the customer's credit")
    invoice_id: int | None = Field(description="Of a debit: the posted ADHOC invoice carrying what credit did not cover")
    resulting_customer_balance: Amount = Field(description="The balance right after the adjustment (negative = debt)")
    description: str | None
    created_by: str | None
    created_at: Timestamp

    @classmethod
    def of(cls, adjustment: AdjustmentEntity) -> "Adjustment":
        currency = adjustment.currency
        return cls(
            id=adjustment.id, locator=adjustment.locator, number=adjustment.number,
            customer_id=adjustment.customer_id, currency=currency, currency_id=currency_id(currency),
            amount_in_major_currency=major(adjustment.amount_minor, currency),
            credit_used_in_major_currency=major(adjustment.credit_used_minor, currency),
            invoice_id=adjustment.invoice_id,
            resulting_customer_balance=major(adjustment.resulting_balance_minor, currency),
            description=adjustment.description, created_by=adjustment.created_by, created_at=adjustment.created_at)


class AdjustmentCreate(WireInput):
    customer_id: int = Field(examples=[1])
    amount_in_major_currency: Decimal = Field(ge=-LIMIT, le=LIMIT, examples=[-25.00],
                                              description="-100000..100000, not zero; negative = debit")
    description: str | None = Field(default=None, max_length=255, examples=["Goodwill credit"])


@router.get("/customer-balance-adjustments", response_model=list[Adjustment], responses=error_responses(400),
            summary="List customer balance adjustments")
def list_customer_balance_adjustments(request: Request, session: SessionDep, query: AdjustmentListQuery,
                                      principal: Annotated[Principal, Depends(require("payments.list"))]) -> Response:
    return render_page(request, repository.ADJUSTMENTS.page(session, principal.tenant_id, query), Adjustment)


@router.head("/customer-balance-adjustments",
             responses={**error_responses(400), 404: {"description": "No adjustment matches"}},
             summary="Check whether adjustments matching the filters exist")
def customer_balance_adjustments_exist(session: SessionDep, query: AdjustmentFilterQuery,
                                       principal: Annotated[Principal, Depends(require("payments.list"))]) -> Response:
    return render_head(repository.ADJUSTMENTS.count(session, principal.tenant_id, query))


@router.post("/customer-balance-adjustments", status_code=201, response_model=Adjustment,
             responses=error_responses(400, 422),
             summary="Credit (positive) or debit (negative) a customer's balance")
def create_customer_balance_adjustment(request: Request, body: AdjustmentCreate, session: SessionDep,
                                       guard: IdempotencyDep,
                                       principal: Annotated[Principal, Depends(require("payments.write"))]
                                       ) -> Response:
    tenant_id = principal.tenant_id
    currency = currency_of_customer(session, tenant_id=tenant_id, customer_id=body.customer_id)
    adjustment = service.adjust_balance(
        session, tenant_id=tenant_id, customer_id=body.customer_id,
        amount_minor=minor_from_wire("amountInMajorCurrency", body.amount_in_major_currency, currency),
        description=body.description, created_by=principal.subject)
    return render_created(request, session, guard, Adjustment.of(adjustment),
                          location=f"/v1/customer-balance-adjustments/{adjustment.id}")


@router.get("/customer-balance-adjustments/{adjustment_id}", response_model=Adjustment,
            responses=error_responses(400, 404), summary="Get a customer balance adjustment")
def get_customer_balance_adjustment(adjustment_id: AdjustmentId, session: SessionDep,
                                    principal: Annotated[Principal, Depends(require("payments.read"))]) -> Response:
    return render_resource(Adjustment.of(service.get_adjustment(session, tenant_id=principal.tenant_id,
                                                                adjustment_id=adjustment_id)))
