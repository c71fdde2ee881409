"""/v1/invoice-payments (NORMAL invoices) and /v1/adhoc-invoice-payments (ADHOC invoices), Elevate style.

Seed 000: "an event related to an invoice payment (a manual payment, a successful submission to a third
party payment provider, or an update received back)". Each row is one such event with its own id; only a
collected status moves money (invoice_payments/service.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import Field

from ledgerline.api.v1.customer_payments import currency_id
from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource
from ledgerline.api.v1.responses import render_recorded, render_resource
from ledgerline.api.v1.schemas import Amount, WireInput, WireModel, error_responses, major
from ledgerline.api.surface import wire_fields
from ledgerline.api.tenancy import TenantDep
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.invoice_payments import repository, service
from ledgerline.invoice_payments.values import InvoicePaymentView, NewInvoicePayment
from ledgerline.kit.idempotency import IdempotencyDep, IdempotencyGuard
from ledgerline.kit.refs import InvoiceRef
from ledgerline.models.enums import BillRunType, PaymentMethod, PaymentStatus, ThirdPartyPaymentStatus
from ledgerline.tenants.context import TenantContext

router = APIRouter(tags=["invoice payments"], route_class=WireRoute)
adhoc_router = APIRouter(tags=["adhoc invoice payments"], route_class=WireRoute)

LIMIT = Decimal("100000")

InvoicePaymentId = Annotated[int, Path(description="The invoice payment's own identifier (not the payment's)",
                                       examples=[1])]

ReadPrincipal = Annotated[Principal, Depends(require("payments.read"))]
WritePrincipal = Annotated[Principal, Depends(require("payments.write"))]

_ROW_SHOWN = (
    "Each row is one recorded event with **its own `id`**; `customerPaymentId` is the payment its collected "
    "money posted (null when it moved no money in). Rows are never removed: when that payment is cancelled the "
    "row stays, with `settled` false and `customerPaymentStatus` CANCELLED. `amountInMajorCurrency` is the "
    "amount recorded **net of refunds**: what refunds have since returned of that payment's money (against this "
    "or another invoice, or from its credit) is `refundedAmountInMajorCurrency`, so the recorded amount is their "
    "sum. A negative amount is money returned to the customer (`refundId` names the refund). `settled` says "
    "whether the row's money counts now. `metaData` is always null; `errorInfo` is what a provider reported.")

_CREATE_RULES = (
    "Records what the provider (or a person) said about the invoice's payment, as a new row. **Only a "
    "collected `thirdPartyPaymentStatus` moves money**: MANUALLY_PAID (the default: money taken outside a "
    "payment provider), CONFIRMED and PAID_OUT. Then a positive amount posts a payment meant for the invoice: it "
    "pays the invoice first, then the customer's other unpaid posted invoices oldest first, and any rest is "
    "customer credit (a shortfall within the tenant's tolerance is written off); the invoice must be POSTED with "
    "something outstanding (else 409). Every other status (FAILED, CANCELLED, NEW, CREATED, SUBMITTED, "
    "PENDING_*, CHARGED_BACK, ...) records the row and **settles nothing**: the invoice's outstanding amount and "
    "the customer's balance do not change, and such money is never the \"last successful payment\" a refund "
    "takes its method from; the invoice must be POSTED (else 409). "
    "`amountInMajorCurrency` is -100000..100000, not 0, with at most the currency's decimal places. **A "
    "negative amount is money returned**: with a collected status, REFUNDED or PARTIALLY_REFUNDED it is refunded "
    "against the invoice through /v1/refunds' rules (taken back from the invoice's payments newest first, never "
    "more than they put on it and was not refunded yet, else 400; the invoice reopens by that much). In the "
    "ledger it is a REFUND journal entry and a /v1/refunds row (method as /v1/refunds chooses it), and the "
    "customer's balance falls by the amount; with any other status it moves nothing. The invoice must exist in "
    "your tenant and be of the list's bill run type (else 400 naming the field). Honours `Idempotency-Key`. ")


class _InvoicePaymentFields(WireModel):
    id: int = Field(description="The invoice payment's own identifier (not the payment's)", examples=[1])
    third_party_payment_status: str | None = Field(examples=["MANUALLY_PAID"])
    amount_in_major_currency: Amount = Field(description="The amount recorded, net of refunds; negative is money "
                                                         "returned")
    refunded_amount_in_major_currency: Amount = Field(
        description="What refunds have returned of the row's payment since; amount + refunded = the amount "
                    "recorded", examples=[0])
    settled: bool = Field(description="Whether the row's money counts now: a collected status whose payment is "
                                      "still posted, or money returned", examples=[True])
    currency_id: int | None = Field(description="ISO 4217 numeric code", examples=[826])
    description: str | None = Field(examples=["Paid at the counter"])
    meta_data: dict[str, Any] | None = Field(default=None, description="Always null", examples=[None])
    error_info: str | None = Field(default=None, description="What a payment provider reported", examples=[None])
    payment_method: PaymentMethod
    payment_date: dt.date
    customer_payment_type: str = Field(examples=["CUSTOMER"])
    customer_payment_id: int | None = Field(
        description="The payment the row's collected money posted; null when it moved no money in", examples=[1])
    customer_payment_status: PaymentStatus | None = Field(
        description="That payment's status now (CANCELLED once it was cancelled)", examples=["POSTED"])
    refund_id: int | None = Field(description="For money returned: the refund that returned it", examples=[None])


def _common(view: InvoicePaymentView) -> dict[str, Any]:
    row = view.row
    return {
        "id": row["id"], "third_party_payment_status": row["third_party_status"],
        "amount_in_major_currency": major(view.net_minor, row["currency"]),
        "refunded_amount_in_major_currency": major(view.refunded_minor, row["currency"]),
        "settled": view.settled, "currency_id": currency_id(row["currency"]), "description": row["description"],
        "meta_data": None, "error_info": row["error_info"], "payment_method": row["payment_method"],
        "payment_date": row["paid_on"], "customer_payment_type": "CUSTOMER", "customer_payment_id": row["payment_id"],
        "customer_payment_status": view.payment_status, "refund_id": row["refund_id"],
    }


class InvoicePayment(_InvoicePaymentFields):
    generated_invoice_id: int = Field(description="The NORMAL invoice paid", examples=[10])

    @classmethod
    def of(cls, view: InvoicePaymentView) -> "InvoicePayment":
        return cls(generated_invoice_id=view.row["invoice_id"], **_common(view))


class AdhocInvoicePayment(_InvoicePaymentFields):
    generated_adhoc_invoice_id: int = Field(description="The ADHOC invoice paid", examples=[11])

    @classmethod
    def of(cls, view: InvoicePaymentView) -> "AdhocInvoicePayment":
        return cls(generated_adhoc_invoice_id=view.row["invoice_id"], **_common(view))


class _PaymentOfInvoice(WireInput):
    third_party_payment_status: ThirdPartyPaymentStatus = Field(
        default=ThirdPartyPaymentStatus.MANUALLY_PAID, examples=["MANUALLY_PAID"],
        description="What the provider said. Only MANUALLY_PAID (the default), CONFIRMED and PAID_OUT move money; "
                    "any other status is recorded and settles nothing")
    amount_in_major_currency: Decimal = Field(
        ge=-LIMIT, le=LIMIT, examples=[50.00],
        description="-100000..100000, not 0, at most the currency's decimal places; negative is money returned")
    description: str | None = Field(default=None, max_length=255, examples=["Paid at the counter"])
    payment_method: PaymentMethod = Field(examples=["CHEQUE"])


class InvoicePaymentCreate(_PaymentOfInvoice):
    generated_invoice_id: int = Field(description="A NORMAL invoice of your tenant", examples=[10])


class AdhocInvoicePaymentCreate(_PaymentOfInvoice):
    generated_adhoc_invoice_id: int = Field(description="An ADHOC invoice of your tenant", examples=[11])


def _create(session: SessionDep, guard: IdempotencyGuard, principal: Principal, tenant: TenantContext,
            body: _PaymentOfInvoice, *, invoice_id: int, bill_run_type: BillRunType,
            schema: type[InvoicePayment] | type[AdhocInvoicePayment], collection: str) -> Response:
    view = service.record_invoice_payment(session, tenant=tenant, actor=principal.subject, new=NewInvoicePayment(
        invoice=InvoiceRef(id=invoice_id), bill_run_type=bill_run_type, amount=body.amount_in_major_currency,
        payment_method=body.payment_method, third_party_status=body.third_party_payment_status.value,
        description=body.description))
    return render_recorded(session, guard, schema.of(view), status_code=201,
                           location=f"/v1/{collection}/{view.id}")


def _listing(invoice_filter: str, bill_run_filter: str, invoice_kind: str) -> Listing:
    return Listing(
        repository.COLUMNS,
        sortable=("id", "paymentDate", invoice_filter),
        filters=[
            Filter(bill_run_filter, f"Filter by the {invoice_kind}'s bill run"),
            Filter("customerPaymentType", "Only CUSTOMER exists"),
            Filter("customerPaymentId", "Filter by the payment the row's money posted"),
            Filter(invoice_filter, f"Filter by {invoice_kind}"),
        ],
        fields=("id", invoice_filter, "thirdPartyPaymentStatus", "amountInMajorCurrency",
                "refundedAmountInMajorCurrency", "settled", "currencyId", "description", "metaData", "errorInfo",
                "paymentMethod", "paymentDate", "customerPaymentType", "customerPaymentId", "customerPaymentStatus",
                "refundId"),
        attributes={"paymentDate": "paid_on", invoice_filter: "invoice_id", bill_run_filter: "bill_run_id",
                    "customerPaymentType": "payment_type", "customerPaymentId": "payment_id"},
    )


def _resource(path: str, schema: type, invoice_filter: str, bill_run_filter: str, invoice_kind: str,
              bill_run_type: BillRunType) -> Resource:
    many = path.strip("/").replace("-", "_")
    return Resource(
        path, many.removesuffix("s"), many, schema, _listing(invoice_filter, bill_run_filter, invoice_kind),
        partial(service.list_invoice_payments, bill_run_type=bill_run_type),
        partial(service.count_invoice_payments, bill_run_type=bill_run_type),
        scope_group="payments", no_match="No row matches", descriptions={"list": _ROW_SHOWN},
        summaries={"list": f"List the payment events of {bill_run_type.value} invoices",
                   "head": f"Check whether {many.replace('_', ' ')} matching the filters exist"})


# --- /v1/invoice-payments (NORMAL invoices) -----------------------------------------------------

_resource("/invoice-payments", InvoicePayment, "generatedInvoiceId", "billRunId", "invoice",
          BillRunType.NORMAL).add_routes(router)


@router.post("/invoice-payments", status_code=201, response_model=InvoicePayment,
             responses=error_responses(400, 409),
             summary="Record a NORMAL invoice's payment (collected money settles it)",
             description=_CREATE_RULES + _ROW_SHOWN)
@wire_fields(invoice="generatedInvoiceId", method="paymentMethod")
def create_invoice_payment(body: InvoicePaymentCreate, session: SessionDep, guard: IdempotencyDep,
                           tenant: TenantDep, principal: WritePrincipal) -> Response:
    return _create(session, guard, principal, tenant, body, invoice_id=body.generated_invoice_id,
                   bill_run_type=BillRunType.NORMAL, schema=InvoicePayment, collection="invoice-payments")


@router.get("/invoice-payments/{invoice_payment_id}", response_model=InvoicePayment,
            responses=error_responses(400, 404), summary="Get a NORMAL invoice's payment event",
            description="404 unless the row is one of a NORMAL invoice in your tenant. " + _ROW_SHOWN)
def get_invoice_payment(invoice_payment_id: InvoicePaymentId, session: SessionDep,
                        principal: ReadPrincipal) -> Response:
    view = service.get_invoice_payment(session, tenant_id=principal.tenant_id, bill_run_type=BillRunType.NORMAL,
                                       row_id=invoice_payment_id)
    return render_resource(InvoicePayment.of(view))


# --- /v1/adhoc-invoice-payments (ADHOC invoices) ------------------------------------------------

_resource("/adhoc-invoice-payments", AdhocInvoicePayment, "generatedAdhocInvoiceId", "adhocBillRunId",
          "adhoc invoice", BillRunType.ADHOC).add_routes(adhoc_router)


@adhoc_router.post("/adhoc-invoice-payments", status_code=201, response_model=AdhocInvoicePayment,
                   responses=error_responses(400, 409),
                   summary="Record an ADHOC invoice's payment (collected money settles it)",
                   description=_CREATE_RULES + _ROW_SHOWN)
@wire_fields(invoice="generatedAdhocInvoiceId", method="paymentMethod")
def create_adhoc_invoice_payment(body: AdhocInvoicePaymentCreate, session: SessionDep, guard: IdempotencyDep,
                                 tenant: TenantDep, principal: WritePrincipal) -> Response:
    return _create(session, guard, principal, tenant, body, invoice_id=body.generated_adhoc_invoice_id,
                   bill_run_type=BillRunType.ADHOC, schema=AdhocInvoicePayment, collection="adhoc-invoice-payments")


@adhoc_router.get("/adhoc-invoice-payments/{adhoc_invoice_payment_id}", response_model=AdhocInvoicePayment,
                  responses=error_responses(400, 404), summary="Get an ADHOC invoice's payment event",
                  description="404 unless the row is one of an ADHOC invoice in your tenant. " + _ROW_SHOWN)
def get_adhoc_invoice_payment(adhoc_invoice_payment_id: InvoicePaymentId, session: SessionDep,
                              principal: ReadPrincipal) -> Response:
    view = service.get_invoice_payment(session, tenant_id=principal.tenant_id, bill_run_type=BillRunType.ADHOC,
                                       row_id=adhoc_invoice_payment_id)
    return render_resource(AdhocInvoicePayment.of(view))
