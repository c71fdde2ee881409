"""/v1/customer-payments and /v1/customer-balances (Elevate Payment API)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any

import pycountry
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field

from ledgerline.api.surface import wire_fields
from ledgerline.api.tenancy import TenantDep
from ledgerline.api.v1.listing import Filter, Listing, ListQuery, bad_parameter, parse_condition
from ledgerline.api.v1.responses import record_answer, render, render_page
from ledgerline.api.v1.schemas import Amount, WireInput, WireModel, error_responses
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.balances import service as balances
from ledgerline.db import SessionDep
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.errors import BadRequest
from ledgerline.kit.criteria import Condition, Criterion, Equals, Kind
from ledgerline.models.enums import BillRunType, PaymentMethod, PaymentStatus
from ledgerline.payments import repository, service
from ledgerline.kit.money import Money, to_major
from ledgerline.kit.refs import CustomerRef
from ledgerline.payments.service import CustomerPaymentView
from ledgerline.payments.values import NewPayment, PaymentDetails

router = APIRouter(tags=["customer payments"], route_class=WireRoute)


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

    @staticmethod
    def wire(view: CustomerPaymentView, bill_run_type: BillRunType | None = None) -> dict[str, Any]:
        """The /v1 document, built straight from the row (no validate-then-dump: hot path)."""
        payment, currency = view.payment, view.payment["currency"]
        return {
            "id": payment["id"], "customerId": payment["customer_id"],
            "amountInMajorCurrency": to_major(payment["amount_minor"], currency),
            "resultingCustomerBalance": None if view.resulting_balance_minor is None
            else to_major(view.resulting_balance_minor, currency),
            "currencyId": currency_id(currency), "description": payment["notes"],
            "reference": payment["reference_number"], "type": payment["payment_method"].value,
            "paymentDate": payment["received_on"].isoformat(), "customerPaymentType": "CUSTOMER",
            "txnType": "PAYMENT_CANCELLED" if payment["status"] is PaymentStatus.CANCELLED else "PAYMENT",
            "invoiceNumber": view.invoice[1] if view.invoice else None,
            "invoiceId": view.invoice[0] if view.invoice else None,
            "billRunType": bill_run_type.value if bill_run_type else None,
        }


class CustomerPaymentCreate(WireInput):
    customer_id: int = Field(examples=[1])
    amount_in_major_currency: Decimal = Field(ge=Decimal("0.01"), le=Decimal("9999999.99"), examples=[75.00])
    description: str | None = Field(default=None, max_length=255, examples=["Paid by phone"])
    reference: str | None = Field(default=None, max_length=100, examples=["TXN-981"])
    type: PaymentMethod = Field(examples=["CREDIT_CARD"])
    bill_run_type: BillRunType | None = Field(
        default=None, description="Pay only invoices of this bill run type (NORMAL or ADHOC), oldest first; "
                                  "the rest is customer credit")


class RepaymentPlanSummary(WireModel):
    """Ledgerline has no repayment plans yet: a customer's summary always says it has none."""

    summary_type: str = Field(description="NONE (no repayment plan), SINGLE or MULTIPLE", examples=["NONE"])
    active_plans: int = Field(description="Repayment plans in force", examples=[0])
    outstanding_in_major_currency: Amount = Field(description="Still to be repaid under them")


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
    repayment_plan_summary: RepaymentPlanSummary


def _exclude_credits(raw: str) -> Condition | None:
    # Customer payments are all credits (money in): excluding credits leaves nothing.
    return Equals(False) if raw.strip().lower() == "true" else None


# The vendor notes name a `filter` parameter on GET /v1/customer-payments without its grammar. Ledgerline's:
# `;`-separated `name=value` terms, each value in the field's own filter form; all terms must hold.
_FILTER_FIELDS: dict[str, tuple[str, Kind]] = {
    "id": ("id", Kind.ID), "paymentDate": ("received_on", Kind.DATE), "amountInMajorCurrency": ("amount", Kind.AMOUNT),
}
FILTER_GRAMMAR = ("`;`-separated `name=value` terms, all of which must hold; name is one of id (`123 | in:1,2`), "
                  "paymentDate (`yyyy-MM-dd | lt: | gt: | gtn:`) or amountInMajorCurrency (`10.00 | in:5,10 | lt: | "
                  "gt:`), e.g. `paymentDate=gtn:2026-01-01;amountInMajorCurrency=gt:10`")


def _filter_terms(raw: str) -> list[Criterion]:
    terms = []
    for term in raw.split(";"):
        if not term.strip():
            continue
        name, sep, value = (part.strip() for part in term.partition("="))
        if not sep or name not in _FILTER_FIELDS or not value:
            raise bad_parameter("filter", f"'{term.strip()}' is not name=value with name one of "
                                          f"{', '.join(_FILTER_FIELDS)}")
        attribute, kind = _FILTER_FIELDS[name]
        try:
            terms.append(Criterion(attribute, parse_condition(kind, name, value)))
        except BadRequest as exc:
            raise bad_parameter("filter", f"{name}: {exc.errors[0].message}") from None
    if not terms:
        raise bad_parameter("filter", "names no term")
    return terms


LISTING = Listing(
    repository.CUSTOMER_PAYMENT_COLUMNS,
    sortable=("id", "paymentDate", "amountInMajorCurrency"),
    filters=[
        Filter("customer_id", "The customer (required)", required=True, single=True),
        Filter("customerPaymentType", "Only CUSTOMER exists", attribute="payment_type"),
        Filter("filter", FILTER_GRAMMAR, kind=Kind.STRING, terms=_filter_terms),
        # Customer payments are never debits: excluding them changes nothing, whatever the value.
        Filter("excludeDebits", "Customer payments are never debits", kind=Kind.BOOLEAN, parse=lambda raw: None),
        Filter("excludeCredits", "true leaves nothing: customer payments are credits", attribute="is_credit",
               parse=_exclude_credits),
    ],
    fields=("id", "customerId", "amountInMajorCurrency", "resultingCustomerBalance", "currencyId", "description",
            "reference", "type", "paymentDate", "customerPaymentType", "txnType", "invoiceNumber", "invoiceId",
            "billRunType"),
    attributes={"paymentDate": "received_on"},
)
CustomerPaymentListQuery = Annotated[ListQuery, Depends(LISTING.query_dependency())]


@router.get("/customer-payments", response_model=list[CustomerPayment], responses=error_responses(400),
            summary="List a customer's payments (customer_id is required)")
def list_customer_payments(request: Request, session: SessionDep, query: CustomerPaymentListQuery,
                           principal: Annotated[Principal, Depends(require("payments.list"))]) -> Response:
    page = service.list_customer_payments(session, tenant_id=principal.tenant_id, criteria=query.criteria)
    return render_page(request, query, page, CustomerPayment)


@router.post("/customer-payments", status_code=201, response_model=CustomerPayment,
             responses=error_responses(400, 409),
             summary="Pay towards a customer's balance: unpaid invoices oldest first, the rest kept as credit")
@wire_fields(payment_method="type")
def create_customer_payment(body: CustomerPaymentCreate, session: SessionDep, guard: IdempotencyDep,
                            tenant: TenantDep,
                            principal: Annotated[Principal, Depends(require("payments.write"))]) -> Response:
    recorded = service.record_payment(session, tenant=tenant, actor=principal.subject, new=NewPayment(
        customer=CustomerRef(id=body.customer_id), amount=body.amount_in_major_currency, payment_method=body.type,
        post=True, details=PaymentDetails(notes=body.description, reference_number=body.reference),
        bill_run_type=body.bill_run_type))
    view = CustomerPaymentView(recorded.payment, recorded.balance_after.minor if recorded.balance_after else None,
                               recorded.first_invoice)
    return record_answer(session, guard, CustomerPayment.wire(view, body.bill_run_type), status_code=201,
                         headers={"Location": f"/v1/payments/{recorded.id}"})


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
                                                    summary_type=summary.summary_type),
        repayment_plan_summary=RepaymentPlanSummary(summary_type="NONE", active_plans=0,
                                                    outstanding_in_major_currency=Money.zero(summary.balance.currency).amount)))
