"""/v1/customer-payments and /v1/customer-balances (Elevate Payment API)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any

import pycountry
from fastapi import APIRouter, Depends, Query, Response
from pydantic import Field

from ledgerline.api.surface import wire_fields
from ledgerline.api.tenancy import TenantDep
from ledgerline.api.v1.listing import Filter, Listing, bad_parameter, parse_condition
from ledgerline.api.v1.resource import Resource
from ledgerline.api.v1.responses import record_answer, render
from ledgerline.api.v1.schemas import Amount, WireInput, WireModel, error_responses
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.balances import service as balances
from ledgerline.db import SessionDep
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.errors import BadRequest
from ledgerline.kit.criteria import Condition, Criterion, Equals, Kind
from ledgerline.models.enums import BillRunType, PaymentMethod
from ledgerline.payments import repository, service
from ledgerline.kit.money import Money, to_major
from ledgerline.kit.refs import CustomerRef
from ledgerline.payments.values import CustomerTransaction, NewPayment, PaymentDetails, TransactionKind

router = APIRouter(tags=["customer payments"], route_class=WireRoute)


@lru_cache(maxsize=512)
def currency_id(code: str) -> int | None:
    """Elevate identifies currencies by number: the ISO 4217 numeric code (GBP 826)."""
    currency = pycountry.currencies.get(alpha_3=code)
    return int(currency.numeric) if currency is not None else None


# txnType (vendor notes name the field, no seed lists its values): a payment is a credit, PAYMENT or
# PAYMENT_CANCELLED once cancelled; refunds and balance adjustments are REFUND and ADJUSTMENT.
TXN_TYPES = {TransactionKind.PAYMENT: "PAYMENT", TransactionKind.REFUND: "REFUND",
             TransactionKind.ADJUSTMENT: "ADJUSTMENT"}

_ROWS_SHOWN = (
    "Payments (credits) beside the customer's refunds and balance adjustments (debits), one list in one order. "
    "`txnType` says what a row is: PAYMENT (PAYMENT_CANCELLED once cancelled), REFUND or ADJUSTMENT; `id` is "
    "that payment's (/v1/payments/{paymentId}), refund's (/v1/refunds/{refundId}) or adjustment's "
    "(/v1/customer-balance-adjustments/{id}) own id, so two rows of different `txnType` may share an id. "
    "`amountInMajorCurrency` is signed by the effect on the customer's balance: a payment is positive, a refund "
    "negative, an adjustment its own signed amount; a **debit** is a row that lowers the balance (a refund, a "
    "negative adjustment), every other row is a credit. `excludeDebits=true` leaves the credits, "
    "`excludeCredits=true` the debits. `resultingCustomerBalance` is the balance right after the row; "
    "`invoiceId`/`invoiceNumber` the first invoice a payment paid, the invoice a refund took money back from, or "
    "the ADHOC invoice carrying a negative adjustment's debt. A refund's `type` is its method, an adjustment's "
    "null; `reference` is a payment's alone; `paymentDate` of a refund or an adjustment is the UTC day it was "
    "made. Sorted by `id` by default; rows that tie are ordered payment, refund, adjustment.")


class CustomerPayment(WireModel):
    id: int = Field(description="The payment's, refund's or adjustment's own id, as txnType says", examples=[1])
    customer_id: int = Field(examples=[1])
    amount_in_major_currency: Amount = Field(description="Signed by the effect on the balance: a refund is negative")
    resulting_customer_balance: Amount | None = Field(
        description="The customer's balance right after this row (negative = debt)")
    currency_id: int | None = Field(description="ISO 4217 numeric code", examples=[826])
    description: str | None
    reference: str | None = Field(description="A payment's reference; null for refunds and adjustments")
    type: PaymentMethod | None = Field(description="The PaymentMethod; null for an adjustment", examples=["CHEQUE"])
    payment_date: dt.date
    customer_payment_type: str = Field(examples=["CUSTOMER"])
    txn_type: str = Field(description="PAYMENT (PAYMENT_CANCELLED once cancelled), REFUND or ADJUSTMENT",
                          examples=["PAYMENT"])
    invoice_number: str | None = Field(description="The first invoice a payment paid, a refund's or an "
                                                   "adjustment's invoice")
    invoice_id: int | None
    bill_run_type: BillRunType | None

    @staticmethod
    def wire(row: CustomerTransaction) -> dict[str, Any]:
        """The /v1 document, built straight from the row (no validate-then-dump: hot path)."""
        currency = row.currency
        return {
            "id": row.id, "customerId": row.customer_id,
            "amountInMajorCurrency": to_major(row.amount_minor, currency),
            "resultingCustomerBalance": None if row.balance_after_minor is None
            else to_major(row.balance_after_minor, currency),
            "currencyId": currency_id(currency), "description": row.description, "reference": row.reference,
            "type": row.payment_method.value if row.payment_method is not None else None,
            "paymentDate": row.occurred_on.isoformat(), "customerPaymentType": "CUSTOMER",
            "txnType": "PAYMENT_CANCELLED" if row.cancelled else TXN_TYPES[row.kind],
            "invoiceNumber": row.invoice[1] if row.invoice else None,
            "invoiceId": row.invoice[0] if row.invoice else None,
            "billRunType": row.bill_run_type.value if row.bill_run_type else None,
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


def _excluding(parameter: str, *, debits: bool) -> Callable[[str], Condition | None]:
    """excludeDebits / excludeCredits: true keeps the other side alone (``is_debit``), false keeps all."""
    def parse(raw: str) -> Condition | None:
        exclude = parse_condition(Kind.BOOLEAN, parameter, raw)
        return Equals(not debits) if exclude == Equals(True) else None
    return parse


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
        Filter("excludeDebits", "true leaves the credits: payments and positive adjustments", kind=Kind.BOOLEAN,
               attribute="is_debit", parse=_excluding("excludeDebits", debits=True)),
        Filter("excludeCredits", "true leaves the debits: refunds and negative adjustments", kind=Kind.BOOLEAN,
               attribute="is_debit", parse=_excluding("excludeCredits", debits=False)),
    ],
    fields=("id", "customerId", "amountInMajorCurrency", "resultingCustomerBalance", "currencyId", "description",
            "reference", "type", "paymentDate", "customerPaymentType", "txnType", "invoiceNumber", "invoiceId",
            "billRunType"),
    attributes={"paymentDate": "received_on"},
)

Resource(
    "/customer-payments", "customer_payment", "customer_payments", CustomerPayment, LISTING,
    service.list_customer_payments, service.count_customer_payments, scope_group="payments",
    no_match="The customer has no payment, refund or adjustment that matches", descriptions={"list": _ROWS_SHOWN},
    summaries={"list": "List a customer's payments, refunds and adjustments (customer_id is required)",
               "head": "Check whether a customer has payments, refunds or adjustments matching the filters"},
).add_routes(router)


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
    row = CustomerTransaction.of_payment(recorded, body.bill_run_type)
    return record_answer(session, guard, CustomerPayment.wire(row), status_code=201,
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
