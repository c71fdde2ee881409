"""/v1/credits: every credit (seed 002's model, Elevate conventions), write-offs and their reversal."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import Field

from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource
from ledgerline.api.v1.responses import render_created, render_recorded, render_resource, render_head, render_page
from ledgerline.api.v1.schemas import (
    Amount, ReferenceId, Timestamp, WireInput, WireModel, error_responses, major, minor_from_wire,
)
from ledgerline.api.tenancy import TenantDep
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.credits import repository, service
from ledgerline.credits.service import CreditView
from ledgerline.db import SessionDep
from ledgerline.errors import InvalidRequest
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.kit.refs import CreditRef, CustomerRef, InvoiceRef
from ledgerline.models.enums import CreditState, CreditType

router = APIRouter(tags=["credits"], route_class=WireRoute)

CreditId = Annotated[int, Path(description="Credit identifier", examples=[1])]
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


LISTING = Listing(
    repository.CREDIT_COLUMNS,
    sortable=("id", "amountInMajorCurrency", "createdAt"),
    filters=[
        Filter("id", "Filter by credit identifier"),
        Filter("customerId", "Filter by customer"),
        Filter("paymentId", "Filter by the payment a credit comes from"),
        Filter("creditType", "Filter by credit type", attribute="type"),
        Filter("creditState", "Filter by credit state", attribute="state"),
        Filter("amountInMajorCurrency", "Filter by amount"),
        Filter("createdAt", "Filter by creation date"),
    ],
    fields=("id", "locator", "creditType", "creditState", "customerId", "accountLocator", "paymentId",
            "parentCreditId", "parentCreditLocator", "currency", "amountInMajorCurrency", "description", "createdBy",
            "createdAt", "realizedAt", "reversedAt", "reversalReason", "targets"),
)
Resource("/credits", "credit", "credits", Credit, LISTING, service.list_credits, service.count_credits,
         scope_group="credits").add_routes(router)


@router.post("/credits", status_code=201, response_model=Credit, responses=error_responses(400, 409),
             summary="Write off invoices (a writeOff credit)")
def create_credit(request: Request, body: WriteOffCreate, session: SessionDep, guard: IdempotencyDep, tenant: TenantDep,
                  principal: Annotated[Principal, Depends(require("credits.write", "admin.write"))]) -> Response:
    if body.credit_type is not CreditType.WRITE_OFF:
        raise InvalidRequest.for_field("credit_type", "only writeOff credits are created directly; payments, "
                                                      "subpayments and shortfall write-offs come from payments")
    new = service.NewWriteOff(
        targets=tuple(service.WriteOffTarget(InvoiceRef(id=target.invoice_id), target.amount_in_major_currency)
                      for target in body.targets),
        customer=None if body.customer_id is None else CustomerRef(id=body.customer_id), description=body.description)
    view = service.write_off(session, tenant=tenant, new=new, actor=principal.subject).credit
    return render_created(request, session, guard, Credit.of(view), location=f"/v1/credits/{view.credit.id}")


@router.get("/credits/{credit_id}", response_model=Credit, responses=error_responses(400, 404),
            summary="Get a credit")
def get_credit(credit_id: CreditId, session: SessionDep,
               principal: Annotated[Principal, Depends(require("credits.read"))]) -> Response:
    return render_resource(Credit.of(service.get_credit(session, tenant_id=principal.tenant_id, credit_id=credit_id)))


@router.post("/credits/{credit_id}/reverse", response_model=Credit, responses=error_responses(400, 404, 409),
             summary="Reverse a write-off: its invoices owe again what it settled")
def reverse_credit(credit_id: CreditId, body: CreditReversal, session: SessionDep, guard: IdempotencyDep,
                   tenant: TenantDep,
                   principal: Annotated[Principal, Depends(require("credits.write", "admin.write"))]) -> Response:
    reversed_ = service.reverse_write_off(session, tenant=tenant, credit=CreditRef(id=credit_id), reason=body.reason,
                                          actor=principal.subject)
    return render_recorded(session, guard, Credit.of(reversed_.credit))
