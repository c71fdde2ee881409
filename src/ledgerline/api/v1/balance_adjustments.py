"""/v1/customer-balance-adjustments (Elevate Payment API)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import Field

from ledgerline.adjustments import repository, service
from ledgerline.api.v1.customer_payments import currency_id
from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource
from ledgerline.api.v1.responses import render_created, render_resource, render_head, render_page
from ledgerline.api.v1.schemas import Amount, Timestamp, WireInput, WireModel, error_responses, major, minor_from_wire
from ledgerline.adjustments.planning import Adjustment as AdjustmentRecord
from ledgerline.api.tenancy import TenantDep
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.kit.refs import CustomerRef
from ledgerline.models import CustomerBalanceAdjustment as AdjustmentEntity

router = APIRouter(tags=["customer balance adjustments"], route_class=WireRoute)

AdjustmentId = Annotated[int, Path(description="Adjustment identifier", examples=[1])]
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
    def of(cls, adjustment: AdjustmentEntity | AdjustmentRecord) -> "Adjustment":
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


LISTING = Listing(
    repository.ADJUSTMENT_COLUMNS,
    sortable=("id", "amountInMajorCurrency", "createdAt"),
    filters=[
        Filter("id", "Filter by adjustment identifier"),
        Filter("customerId", "Filter by customer"),
        Filter("number", "Filter by adjustment number"),
        Filter("amountInMajorCurrency", "Filter by amount (negative = debit)"),
        Filter("createdAt", "Filter by creation date"),
    ],
    fields=("id", "locator", "number", "customerId", "currency", "currencyId", "amountInMajorCurrency",
            "creditUsedInMajorCurrency", "invoiceId", "resultingCustomerBalance", "description", "createdBy",
            "createdAt"),
)
Resource("/customer-balance-adjustments", "customer_balance_adjustment", "customer_balance_adjustments", Adjustment,
         LISTING, service.list_adjustments, service.count_adjustments, scope_group="payments",
         label="customer balance adjustment", no_match="No adjustment matches",
         summaries={"head": "Check whether adjustments matching the filters exist"}).add_routes(router)


@router.post("/customer-balance-adjustments", status_code=201, response_model=Adjustment,
             responses=error_responses(400),
             summary="Credit (positive) or debit (negative) a customer's balance")
def create_customer_balance_adjustment(request: Request, body: AdjustmentCreate, session: SessionDep,
                                       guard: IdempotencyDep, tenant: TenantDep,
                                       principal: Annotated[Principal, Depends(require("payments.write"))]
                                       ) -> Response:
    new = service.NewAdjustment(customer=CustomerRef(id=body.customer_id), amount=body.amount_in_major_currency,
                                description=body.description)
    adjustment = service.adjust_balance(session, tenant=tenant, new=new, actor=principal.subject)
    return render_created(request, session, guard, Adjustment.of(adjustment),
                          location=f"/v1/customer-balance-adjustments/{adjustment.id}")


@router.get("/customer-balance-adjustments/{adjustment_id}", response_model=Adjustment,
            responses=error_responses(400, 404), summary="Get a customer balance adjustment")
def get_customer_balance_adjustment(adjustment_id: AdjustmentId, session: SessionDep,
                                    principal: Annotated[Principal, Depends(require("payments.read"))]) -> Response:
    return render_resource(Adjustment.of(service.get_adjustment(session, tenant_id=principal.tenant_id,
                                                                adjustment_id=adjustment_id)))
