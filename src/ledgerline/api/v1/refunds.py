"""/v1/refunds (Elevate Payment API): money previously collected, returned to the customer."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import Field

from ledgerline.api.v1.customer_payments import currency_id
from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource
from ledgerline.api.v1.responses import render_created, render_resource, render_head, render_page
from ledgerline.api.v1.schemas import (
    Amount, ReferenceId, Timestamp, WireInput, WireModel, error_responses, major, minor_from_wire,
)
from ledgerline.api.surface import wire_fields
from ledgerline.api.tenancy import TenantDep
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.kit.refs import CustomerRef, InvoiceRef
from ledgerline.models import Refund as RefundEntity
from ledgerline.models.enums import BillRunType, PaymentMethod, ThirdPartyRefundStatus
from ledgerline.refunds import repository, service
from ledgerline.refunds.planning import RefundRecord

router = APIRouter(tags=["refunds"], route_class=WireRoute)

RefundId = Annotated[int, Path(description="Refund identifier", examples=[1])]


class Refund(WireModel):
    id: int = Field(examples=[1])
    locator: str
    number: str = Field(examples=["RFD-0000001"])
    invoice_id: int | None = Field(description="The invoice refunded; null when customer credit was refunded",
                                   examples=[1])
    customer_id: int = Field(examples=[1])
    bill_run_type: BillRunType | None = Field(examples=["NORMAL"])
    third_party_refund_status: ThirdPartyRefundStatus = Field(examples=["MANUALLY_REFUNDED"])
    description: str | None
    error_info: str | None
    payment_method: PaymentMethod = Field(examples=["CHEQUE"])
    amount_in_major_currency: Amount
    currency: str = Field(examples=["GBP"])
    currency_id: int | None = Field(description="ISO 4217 numeric code", examples=[826])
    created_by: str | None
    created_at: Timestamp

    @classmethod
    def of(cls, refund: RefundEntity | RefundRecord) -> "Refund":
        return cls(
            id=refund.id, locator=refund.locator, number=refund.number, invoice_id=refund.invoice_id,
            customer_id=refund.customer_id, bill_run_type=refund.bill_run_type,
            third_party_refund_status=refund.third_party_refund_status, description=refund.description,
            error_info=refund.error_info, payment_method=refund.payment_method,
            amount_in_major_currency=major(refund.amount_minor, refund.currency), currency=refund.currency,
            currency_id=currency_id(refund.currency), created_by=refund.created_by, created_at=refund.created_at)


class RefundCreate(WireInput):
    invoice_id: ReferenceId | None = Field(default=None, description="Refund money paid on this invoice")
    customer_id: ReferenceId | None = Field(default=None, description="Without invoiceId: refund customer credit")
    bill_run_type: BillRunType | None = Field(default=None, description="Must match the invoice's; defaults to it")
    description: str | None = Field(default=None, max_length=255, examples=["Refund of overpayment"])
    payment_method: PaymentMethod | None = Field(
        default=None, examples=["CHEQUE"],
        description="Blank, or an invoice collected by a payment provider: the method of the customer's last "
                    "successful payment")
    amount_in_major_currency: Decimal = Field(ge=Decimal("0.01"), le=Decimal("100000"), examples=[25.00],
                                              description="0.01..100000")


LISTING = Listing(
    repository.REFUND_COLUMNS,
    sortable=("id", "amountInMajorCurrency", "createdAt"),
    filters=[
        Filter("id", "Filter by refund identifier"),
        Filter("customerId", "Filter by customer"),
        Filter("invoiceId", "Filter by invoice"),
        Filter("billRunType", "Filter by bill run type"),
        Filter("amountInMajorCurrency", "Filter by amount"),
        Filter("createdAt", "Filter by creation date"),
    ],
    fields=("id", "locator", "number", "invoiceId", "customerId", "billRunType", "thirdPartyRefundStatus",
            "description", "errorInfo", "paymentMethod", "amountInMajorCurrency", "currency", "currencyId",
            "createdBy", "createdAt"),
)
Resource("/refunds", "refund", "refunds", Refund, LISTING, service.list_refunds, service.count_refunds,
         scope_group="refunds").add_routes(router)


@router.post("/refunds", status_code=201, response_model=Refund, responses=error_responses(400, 409),
             summary="Refund money paid on an invoice, or customer credit")
@wire_fields(method="paymentMethod")
def create_refund(request: Request, body: RefundCreate, session: SessionDep, guard: IdempotencyDep, tenant: TenantDep,
                  principal: Annotated[Principal, Depends(require("refunds.write"))]) -> Response:
    new = service.NewRefund(
        amount=body.amount_in_major_currency,
        invoice=None if body.invoice_id is None else InvoiceRef(id=body.invoice_id),
        customer=None if body.customer_id is None else CustomerRef(id=body.customer_id),
        bill_run_type=body.bill_run_type, method=body.payment_method, description=body.description)
    refund = service.refund(session, tenant=tenant, new=new, actor=principal.subject).refund
    return render_created(request, session, guard, Refund.of(refund), location=f"/v1/refunds/{refund.id}")


@router.get("/refunds/{refund_id}", response_model=Refund, responses=error_responses(400, 404),
            summary="Get a refund")
def get_refund(refund_id: RefundId, session: SessionDep,
               principal: Annotated[Principal, Depends(require("refunds.read"))]) -> Response:
    return render_resource(Refund.of(service.get_refund(session, tenant_id=principal.tenant_id, refund_id=refund_id)))
