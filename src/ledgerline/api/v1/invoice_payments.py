"""/v1/invoice-payments (NORMAL invoices) and /v1/adhoc-invoice-payments (ADHOC invoices), Elevate style.

Both are views of the one payments entity: a row is a payment as applied to one invoice (a live
allocation), its id is the payment id, and creating one posts a payment intended for the invoice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import Field

from ledgerline.api.v1.customer_payments import currency_id
from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource
from ledgerline.api.v1.responses import render_recorded, render_resource
from ledgerline.api.v1.schemas import Amount, WireInput, WireModel, error_responses, major, minor_from_wire
from ledgerline.api.surface import wire_fields
from ledgerline.api.tenancy import TenantDep
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.errors import InvalidRequest
from ledgerline.kit.idempotency import IdempotencyDep, IdempotencyGuard
from ledgerline.models.enums import BillRunType, PaymentMethod, ThirdPartyPaymentStatus
from ledgerline.payments import repository, service
from ledgerline.kit.refs import InvoiceRef
from ledgerline.payments.service import InvoicePaymentView
from ledgerline.payments.values import PaymentDetails
from ledgerline.tenants.context import TenantContext

router = APIRouter(tags=["invoice payments"], route_class=WireRoute)
adhoc_router = APIRouter(tags=["adhoc invoice payments"], route_class=WireRoute)

LIMIT = Decimal("100000")

InvoicePaymentId = Annotated[int, Path(description="The payment identifier (customerPaymentId)", examples=[1])]

ReadPrincipal = Annotated[Principal, Depends(require("payments.read"))]
WritePrincipal = Annotated[Principal, Depends(require("payments.write"))]

_AMOUNT_SHOWN = (
    "`amountInMajorCurrency` is the amount this payment applied to this invoice (its live allocation), not "
    "necessarily the whole payment: any remainder went to the customer's other unpaid invoices oldest first "
    "or became credit. A row is one live allocation, so a payment that paid several invoices of this type is "
    "listed once per invoice, and a cancelled payment (its allocations reversed) is no longer listed. "
    "`id` is the payment id; `metaData` and `errorInfo` are always null. "
    "`thirdPartyPaymentStatus` is null for payments created elsewhere without one.")

_CREATE_RULES = (
    "Posts a payment intended for the invoice: it pays the invoice first, then the customer's other unpaid "
    "posted invoices oldest first, and any rest is kept as customer credit; a shortfall within the tenant's "
    "tolerance for the currency is written off. The invoice must exist in your tenant and be of the right "
    "bill run type (else 400 naming the field), and must be POSTED with something outstanding (else 409). "
    "`amountInMajorCurrency` is documented as -100000..100000; 0 is refused, and a **negative amount is "
    "refused with 400**: refunds are made through /v1/refunds, not by a negative payment. "
    "`thirdPartyPaymentStatus` defaults to MANUALLY_PAID (money taken outside a payment provider). "
    "Honours `Idempotency-Key`. The answer is the new payment as applied to this invoice. ")

class InvoicePayment(WireModel):
    id: int = Field(description="The payment identifier", examples=[1])
    generated_invoice_id: int = Field(description="The NORMAL invoice paid", examples=[10])
    third_party_payment_status: str | None = Field(examples=["MANUALLY_PAID"])
    amount_in_major_currency: Amount = Field(description="The amount this payment applied to this invoice")
    currency_id: int | None = Field(description="ISO 4217 numeric code", examples=[826])
    description: str | None = Field(examples=["Paid at the counter"])
    meta_data: dict[str, Any] | None = Field(default=None, description="Always null", examples=[None])
    error_info: str | None = Field(default=None, description="Always null", examples=[None])
    payment_method: PaymentMethod
    payment_date: dt.date
    customer_payment_type: str = Field(examples=["CUSTOMER"])
    customer_payment_id: int = Field(description="The payment identifier", examples=[1])

    @classmethod
    def of(cls, view: InvoicePaymentView) -> "InvoicePayment":
        return cls(generated_invoice_id=view.invoice_id, **_common(view))


class AdhocInvoicePayment(WireModel):
    id: int = Field(description="The payment identifier", examples=[1])
    generated_adhoc_invoice_id: int = Field(description="The ADHOC invoice paid", examples=[11])
    third_party_payment_status: str | None = Field(examples=["MANUALLY_PAID"])
    amount_in_major_currency: Amount = Field(description="The amount this payment applied to this invoice")
    currency_id: int | None = Field(description="ISO 4217 numeric code", examples=[826])
    description: str | None = Field(examples=["Paid at the counter"])
    meta_data: dict[str, Any] | None = Field(default=None, description="Always null", examples=[None])
    error_info: str | None = Field(default=None, description="Always null", examples=[None])
    payment_method: PaymentMethod
    payment_date: dt.date
    customer_payment_type: str = Field(examples=["CUSTOMER"])
    customer_payment_id: int = Field(description="The payment identifier", examples=[1])

    @classmethod
    def of(cls, view: InvoicePaymentView) -> "AdhocInvoicePayment":
        return cls(generated_adhoc_invoice_id=view.invoice_id, **_common(view))


def _common(view: InvoicePaymentView) -> dict[str, Any]:
    payment = view.payment
    return {
        "id": payment["id"], "third_party_payment_status": payment["third_party_status"],
        "amount_in_major_currency": major(view.amount_minor, payment["currency"]),
        "currency_id": currency_id(payment["currency"]), "description": payment["notes"], "meta_data": None,
        "error_info": None, "payment_method": payment["payment_method"], "payment_date": payment["received_on"],
        "customer_payment_type": "CUSTOMER", "customer_payment_id": payment["id"],
    }


class _PaymentOfInvoice(WireInput):
    third_party_payment_status: ThirdPartyPaymentStatus = Field(
        default=ThirdPartyPaymentStatus.MANUALLY_PAID, examples=["MANUALLY_PAID"],
        description="Defaults to MANUALLY_PAID (money taken outside a payment provider)")
    amount_in_major_currency: Decimal = Field(
        ge=-LIMIT, le=LIMIT, examples=[50.00],
        description="-100000..100000, not 0, at most the currency's decimal places; negative amounts are "
                    "refused (refunds are made through /v1/refunds)")
    description: str | None = Field(default=None, max_length=255, examples=["Paid at the counter"])
    payment_method: PaymentMethod = Field(examples=["CHEQUE"])


class InvoicePaymentCreate(_PaymentOfInvoice):
    generated_invoice_id: int = Field(description="A NORMAL invoice of your tenant", examples=[10])


class AdhocInvoicePaymentCreate(_PaymentOfInvoice):
    generated_adhoc_invoice_id: int = Field(description="An ADHOC invoice of your tenant", examples=[11])


def _check_amount(amount: Decimal) -> None:
    if amount == 0:
        raise InvalidRequest.for_field("amountInMajorCurrency", "must not be 0")
    if amount < 0:
        raise InvalidRequest.for_field(
            "amountInMajorCurrency",
            "a negative amount is a refund; refunds are made through /v1/refunds, not by a negative payment")


def _create(session: SessionDep, guard: IdempotencyGuard, principal: Principal, tenant: TenantContext,
            body: _PaymentOfInvoice, *, invoice_id: int, bill_run_type: BillRunType,
            schema: type[InvoicePayment] | type[AdhocInvoicePayment], collection: str) -> Response:
    _check_amount(body.amount_in_major_currency)
    view = service.pay_invoice_of_type(
        session, tenant=tenant, invoice=InvoiceRef(id=invoice_id), bill_run_type=bill_run_type,
        amount=body.amount_in_major_currency, payment_method=body.payment_method, actor=principal.subject,
        details=PaymentDetails(notes=body.description, third_party_status=body.third_party_payment_status.value))
    return render_recorded(session, guard, schema.of(view), status_code=201,
                           location=f"/v1/{collection}/{view.payment['id']}")


# --- /v1/invoice-payments (NORMAL invoices) -----------------------------------------------------


def _listing(invoice_filter: str, bill_run_filter: str, invoice_kind: str) -> Listing:
    return Listing(
        repository.INVOICE_PAYMENT_COLUMNS,
        sortable=("id", "paymentDate", invoice_filter),
        filters=[
            Filter(bill_run_filter, f"Filter by the {invoice_kind}'s bill run"),
            Filter("customerPaymentType", "Only CUSTOMER exists"),
            Filter("customerPaymentId", "Filter by payment identifier"),
            Filter(invoice_filter, f"Filter by {invoice_kind}"),
        ],
        fields=("id", invoice_filter, "thirdPartyPaymentStatus", "amountInMajorCurrency", "currencyId",
                "description", "metaData", "errorInfo", "paymentMethod", "paymentDate", "customerPaymentType",
                "customerPaymentId"),
        attributes={"id": "payment_id", "paymentDate": "received_on", invoice_filter: "invoice_id",
                    bill_run_filter: "bill_run_id", "customerPaymentType": "payment_type",
                    "customerPaymentId": "payment_id"},
    )


def _resource(path: str, schema: type, invoice_filter: str, bill_run_filter: str, invoice_kind: str,
              bill_run_type: BillRunType) -> Resource:
    many = path.strip("/").replace("-", "_")
    return Resource(
        path, many.removesuffix("s"), many, schema, _listing(invoice_filter, bill_run_filter, invoice_kind),
        partial(service.list_invoice_payments, bill_run_type=bill_run_type),
        partial(service.count_invoice_payments, bill_run_type=bill_run_type),
        scope_group="payments", no_match="No row matches", descriptions={"list": _AMOUNT_SHOWN},
        summaries={"list": f"List payments as applied to {bill_run_type.value} invoices",
                   "head": f"Check whether {many.replace('_', ' ')} matching the filters exist"})


_resource("/invoice-payments", InvoicePayment, "generatedInvoiceId", "billRunId", "invoice",
          BillRunType.NORMAL).add_routes(router)


@router.post("/invoice-payments", status_code=201, response_model=InvoicePayment,
             responses=error_responses(400, 409), summary="Pay a NORMAL invoice with a posted payment",
             description=_CREATE_RULES + _AMOUNT_SHOWN)
@wire_fields(invoice="generatedInvoiceId")
def create_invoice_payment(body: InvoicePaymentCreate, session: SessionDep, guard: IdempotencyDep,
                           tenant: TenantDep, principal: WritePrincipal) -> Response:
    return _create(session, guard, principal, tenant, body, invoice_id=body.generated_invoice_id,
                   bill_run_type=BillRunType.NORMAL, schema=InvoicePayment,
                   collection="invoice-payments")


@router.get("/invoice-payments/{payment_id}", response_model=InvoicePayment, responses=error_responses(400, 404),
            summary="Get a payment as applied to a NORMAL invoice",
            description="404 unless the payment has a live allocation to a NORMAL invoice. When it paid several, "
                        "the invoice it was meant for is shown (else the first it paid). " + _AMOUNT_SHOWN)
def get_invoice_payment(payment_id: InvoicePaymentId, session: SessionDep, principal: ReadPrincipal) -> Response:
    view = service.get_invoice_payment(session, tenant_id=principal.tenant_id, bill_run_type=BillRunType.NORMAL,
                                       payment_id=payment_id)
    return render_resource(InvoicePayment.of(view))


# --- /v1/adhoc-invoice-payments (ADHOC invoices) ------------------------------------------------


_resource("/adhoc-invoice-payments", AdhocInvoicePayment, "generatedAdhocInvoiceId", "adhocBillRunId",
          "adhoc invoice", BillRunType.ADHOC).add_routes(adhoc_router)


@adhoc_router.post("/adhoc-invoice-payments", status_code=201, response_model=AdhocInvoicePayment,
                   responses=error_responses(400, 409), summary="Pay an ADHOC invoice with a posted payment",
                   description=_CREATE_RULES + _AMOUNT_SHOWN)
@wire_fields(invoice="generatedAdhocInvoiceId")
def create_adhoc_invoice_payment(body: AdhocInvoicePaymentCreate, session: SessionDep, guard: IdempotencyDep,
                                 tenant: TenantDep, principal: WritePrincipal) -> Response:
    return _create(session, guard, principal, tenant, body, invoice_id=body.generated_adhoc_invoice_id,
                   bill_run_type=BillRunType.ADHOC, schema=AdhocInvoicePayment,
                   collection="adhoc-invoice-payments")


@adhoc_router.get("/adhoc-invoice-payments/{payment_id}", response_model=AdhocInvoicePayment,
                  responses=error_responses(400, 404), summary="Get a payment as applied to an ADHOC invoice",
                  description="404 unless the payment has a live allocation to an ADHOC invoice. When it paid "
                              "several, the invoice it was meant for is shown (else the first it paid). "
                              + _AMOUNT_SHOWN)
def get_adhoc_invoice_payment(payment_id: InvoicePaymentId, session: SessionDep,
                              principal: ReadPrincipal) -> Response:
    view = service.get_invoice_payment(session, tenant_id=principal.tenant_id, bill_run_type=BillRunType.ADHOC,
                                       payment_id=payment_id)
    return render_resource(AdhocInvoicePayment.of(view))
