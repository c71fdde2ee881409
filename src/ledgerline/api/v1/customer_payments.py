"""/v1/customer-payments and /v1/customer-balances (Elevate Payment API)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Annotated

import pycountry
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field

from ledgerline.api.v1.responses import render, render_page, render_recorded
from ledgerline.api.v1.schemas import Amount, WireInput, WireModel, error_responses, major, minor_from_wire
from ledgerline.api.v1.payments import shortfall_tolerance
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.balances import service as balances
from ledgerline.db import SessionDep
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.kit.listing import ListQuery
from ledgerline.models.enums import BillRunType, PaymentMethod, PaymentStatus
from ledgerline.payments import repository, service
from ledgerline.payments.service import CustomerPaymentView

router = APIRouter(tags=["customer payments"], route_class=WireRoute)

CustomerPaymentListQuery = Annotated[ListQuery, Depends(repository.CUSTOMER_PAYMENT_LISTING.query_dependency())]


@lru_cache(maxsize=512)
def currency_id(code: str) -> int | None:
    """Elevate identifies currencies by number: the ISO 4217 numeric code (GBP 826)."""
    currency = pycountry.currencies.get(alpha_3=code)
    return int(currency.numeric) if currency is not None else None


class CustomerPayment(WireModel):
    id: int = Field(examples=[1])
    customer_id: int = Field(examples=[1])
    amount_in_major_currency: Amount
    resulting_customer_balance: Amount | None = Field(
        description="The customer's balance right after this payment was posted (negative = debt)")
    currency_id: int | None = Field(description="ISO 4217 numeric code", examples=[826])
    description: str | None
    reference: str | None
    type: str = Field(description="The PaymentMethod", examples=["CHEQUE"])
    payment_date: dt.date
    customer_payment_type: str = Field(examples=["CUSTOMER"])
    txn_type: str = Field(description="PAYMENT, or PAYMENT_CANCELLED once cancelled", examples=["PAYMENT"])
    invoice_number: str | None = Field(description="The first invoice the payment paid")
    invoice_id: int | None
    bill_run_type: BillRunType | None

    @classmethod
    def of(cls, view: CustomerPaymentView, bill_run_type: BillRunType | None = None) -> "CustomerPayment":
        payment = view.payment
        return cls(
            id=payment.id, customer_id=payment.customer_id,
            amount_in_major_currency=major(payment.amount_minor, payment.currency),
            resulting_customer_balance=None if view.resulting_balance_minor is None
            else major(view.resulting_balance_minor, payment.currency),
            currency_id=currency_id(payment.currency), description=payment.notes,
            reference=payment.reference_number, type=payment.payment_method.value, payment_date=payment.received_on,
            customer_payment_type="CUSTOMER",
            txn_type="PAYMENT_CANCELLED" if payment.status is PaymentStatus.CANCELLED else "PAYMENT",
            invoice_number=view.invoice[1] if view.invoice else None,
            invoice_id=view.invoice[0] if view.invoice else None, bill_run_type=bill_run_type,
        )


class CustomerPaymentCreate(WireInput):
    customer_id: int = Field(examples=[1])
    amount_in_major_currency: Decimal = Field(ge=Decimal("0.01"), le=Decimal("9999999.99"), examples=[75.00])
    description: str | None = Field(default=None, max_length=255, examples=["Paid by phone"])
    reference: str | None = Field(default=None, max_length=100, examples=["TXN-981"])
    type: PaymentMethod = Field(examples=["CREDIT_CARD"])
    bill_run_type: BillRunType | None = None


class PaymentMethodSummary(WireModel):
    payment_method: PaymentMethod | None
    summary_type: str = Field(description="NONE, SINGLE or MULTIPLE", examples=["SINGLE"])


class CustomerBalance(WireModel):
    id: int = Field(description="The customer identifier", examples=[1])
    customer_id: int = Field(examples=[1])
    balance: Amount = Field(description="Negative means a debt, positive a credit")
    total_payments: Amount
    total_payments_since_last_invoice: Amount
    payment_method_summary: PaymentMethodSummary


@router.get("/customer-payments", response_model=list[CustomerPayment], responses=error_responses(400),
            summary="List a customer's payments (customer_id is required)")
def list_customer_payments(request: Request, session: SessionDep, query: CustomerPaymentListQuery,
                           principal: Annotated[Principal, Depends(require("payments.list"))]) -> Response:
    return render_page(request, service.list_customer_payments(session, tenant_id=principal.tenant_id, query=query),
                       CustomerPayment)


@router.post("/customer-payments", status_code=201, response_model=CustomerPayment,
             responses=error_responses(400, 409, 422),
             summary="Pay towards a customer's balance: unpaid invoices oldest first, the rest kept as credit")
def create_customer_payment(request: Request, body: CustomerPaymentCreate, session: SessionDep,
                            guard: IdempotencyDep,
                            principal: Annotated[Principal, Depends(require("payments.write"))]) -> Response:
    tenant_id = principal.tenant_id
    currency = service.currency_of_customer(session, tenant_id=tenant_id, customer_id=body.customer_id)
    payment = service.create_payment(
        session, tenant_id=tenant_id, customer_id=body.customer_id,
        amount_minor=minor_from_wire("amountInMajorCurrency", body.amount_in_major_currency, currency),
        payment_method=body.type, status=PaymentStatus.POSTED, notes=body.description,
        reference_number=body.reference, created_by=principal.subject,
        tolerance_minor=shortfall_tolerance(request, session, tenant_id, currency))
    view = service.posted_customer_payment_view(session, tenant_id=tenant_id, payment=payment)
    return render_recorded(session, guard, CustomerPayment.of(view, body.bill_run_type), status_code=201,
                           location=f"/v1/payments/{payment.id}")


@router.get("/customer-balances", response_model=CustomerBalance, responses=error_responses(400, 404),
            summary="A customer's balance (negative = debt) and payment totals")
def get_customer_balance(session: SessionDep,
                         customer_id: Annotated[int, Query(description="The customer", examples=[1])],
                         principal: Annotated[Principal, Depends(require("payments.read"))]) -> Response:
    summary = balances.balance_summary(session, tenant_id=principal.tenant_id, customer_id=customer_id)
    methods = summary.payment_methods
    return render(CustomerBalance(
        id=summary.customer_id, customer_id=summary.customer_id, balance=summary.balance.amount,
        total_payments=summary.total_payments.amount,
        total_payments_since_last_invoice=summary.total_payments_since_last_invoice.amount,
        payment_method_summary=PaymentMethodSummary(payment_method=methods[0] if methods else None,
                                                    summary_type=summary.summary_type)))
