"""/v1/credits: every credit (seed 002's model, Elevate conventions), write-offs and their reversal."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import Field

from ledgerline.api.v1.responses import render_created, render_head, render_page, render_recorded, render_resource
from ledgerline.api.v1.schemas import (
    Amount, ReferenceId, Timestamp, WireInput, WireModel, error_responses, major, minor_from_wire,
)
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.credits import repository, service
from ledgerline.credits.service import CreditView
from ledgerline.db import SessionDep
from ledgerline.errors import InvalidRequest
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.kit.listing import ListQuery
from ledgerline.models.enums import CreditState, CreditType

router = APIRouter(tags=["credits"], route_class=WireRoute)

CreditId = Annotated[int, Path(description="Credit identifier", examples=[1])]
CreditListQuery = Annotated[ListQuery, Depends(repository.CREDIT_LISTING.query_dependency())]
CreditFilterQuery = Annotated[ListQuery, Depends(repository.CREDIT_LISTING.query_dependency(paged=False))]
LIMIT = Decimal("100000")


class CreditTarget(WireModel):
    invoice_id: int = Field(examples=[1])
    invoice_locator: str
    amount_in_major_currency: Amount


class Credit(WireModel):
    id: int = Field(examples=[1])
    locator: str
    credit_type: CreditType = Field(examples=["writeOff"])
    credit_state: CreditState = Field(examples=["posted"])
    customer_id: int = Field(examples=[1])
    account_locator: str = Field(description="The customer's locator")
    payment_id: int | None = Field(description="The payment a payment, subpayment or shortfall credit comes from")
    parent_credit_id: int | None
    parent_credit_locator: str | None
    currency: str = Field(examples=["GBP"])
    amount_in_major_currency: Amount
    description: str | None
    created_by: str | None
    created_at: Timestamp
    realized_at: Timestamp | None
    reversed_at: Timestamp | None
    reversal_reason: str | None
    targets: list[CreditTarget] = Field(description="The invoices the credit settles, and how much of each")

    @classmethod
    def of(cls, view: CreditView) -> "Credit":
        credit = view.credit
        return cls(
            id=credit.id, locator=credit.locator, credit_type=credit.type, credit_state=credit.state,
            customer_id=credit.customer_id, account_locator=view.account_locator, payment_id=credit.payment_id,
            parent_credit_id=credit.parent_id, parent_credit_locator=view.parent_locator, currency=credit.currency,
            amount_in_major_currency=major(credit.amount_minor, credit.currency), description=credit.description,
            created_by=credit.created_by, created_at=credit.created_at, realized_at=credit.realized_at,
            reversed_at=credit.reversed_at, reversal_reason=credit.reversal_reason,
            targets=[CreditTarget(invoice_id=target.invoice_id, invoice_locator=locator,
                                  amount_in_major_currency=major(target.amount_minor, credit.currency))
                     for target, locator in view.targets])


class WriteOffTargetInput(WireInput):
    invoice_id: ReferenceId
    amount_in_major_currency: Decimal | None = Field(
        default=None, ge=Decimal("0.01"), le=LIMIT, examples=[10.00],
        description="0.01..100000, at most what the invoice owes; omitted: all that it owes")


class WriteOffCreate(WireInput):
    credit_type: CreditType = Field(default=CreditType.WRITE_OFF, examples=["writeOff"],
                                    description="Only writeOff credits are created directly")
    customer_id: ReferenceId | None = Field(default=None, description="Defaults to the first target's customer")
    description: str | None = Field(default=None, max_length=255, examples=["Uncollectible"])
    targets: list[WriteOffTargetInput] = Field(min_length=1, max_length=100,
                                               description="Invoices of one customer, settled in this order")


class CreditReversal(WireInput):
    reason: str = Field(min_length=1, max_length=255, examples=["Written off in error"])


@router.get("/credits", response_model=list[Credit], responses=error_responses(400), summary="List credits")
def list_credits(request: Request, session: SessionDep, query: CreditListQuery,
                 principal: Annotated[Principal, Depends(require("credits.list"))]) -> Response:
    return render_page(request, service.list_credits(session, tenant_id=principal.tenant_id, query=query), Credit)


@router.head("/credits", responses={**error_responses(400), 404: {"description": "No credit matches"}},
             summary="Check whether credits matching the filters exist")
def credits_exist(session: SessionDep, query: CreditFilterQuery,
                  principal: Annotated[Principal, Depends(require("credits.list"))]) -> Response:
    return render_head(service.count_credits(session, tenant_id=principal.tenant_id, query=query))


@router.post("/credits", status_code=201, response_model=Credit, responses=error_responses(400, 409, 422),
             summary="Write off invoices (a writeOff credit)")
def create_credit(request: Request, body: WriteOffCreate, session: SessionDep, guard: IdempotencyDep,
                  principal: Annotated[Principal, Depends(require("credits.write", "admin.write"))]) -> Response:
    if body.credit_type is not CreditType.WRITE_OFF:
        raise InvalidRequest.for_field("creditType", "only writeOff credits are created directly; payments, "
                                                     "subpayments and shortfall write-offs come from payments")
    tenant_id = principal.tenant_id
    currency = service.currency_of_write_off(session, tenant_id=tenant_id, customer_id=body.customer_id,
                                             first_invoice_id=body.targets[0].invoice_id)
    targets = [service.WriteOffTarget(
        target.invoice_id,
        None if target.amount_in_major_currency is None else
        minor_from_wire(f"targets[{position}].amountInMajorCurrency", target.amount_in_major_currency, currency))
        for position, target in enumerate(body.targets)]
    credit = service.write_off(session, tenant_id=tenant_id, targets=targets, customer_id=body.customer_id,
                               description=body.description, created_by=principal.subject)
    view = service.get_credit(session, tenant_id=tenant_id, credit_id=credit.id)
    return render_created(request, session, guard, Credit.of(view), location=f"/v1/credits/{credit.id}")


@router.get("/credits/{credit_id}", response_model=Credit, responses=error_responses(400, 404),
            summary="Get a credit")
def get_credit(credit_id: CreditId, session: SessionDep,
               principal: Annotated[Principal, Depends(require("credits.read"))]) -> Response:
    return render_resource(Credit.of(service.get_credit(session, tenant_id=principal.tenant_id, credit_id=credit_id)))


@router.post("/credits/{credit_id}/reverse", response_model=Credit, responses=error_responses(400, 404, 409, 422),
             summary="Reverse a write-off: its invoices owe again what it settled")
def reverse_credit(credit_id: CreditId, body: CreditReversal, session: SessionDep, guard: IdempotencyDep,
                   principal: Annotated[Principal, Depends(require("credits.write", "admin.write"))]) -> Response:
    tenant_id = principal.tenant_id
    service.reverse_credit(session, tenant_id=tenant_id, credit_id=credit_id, reason=body.reason)
    return render_recorded(session, guard, Credit.of(service.get_credit(session, tenant_id=tenant_id,
                                                                        credit_id=credit_id)))
