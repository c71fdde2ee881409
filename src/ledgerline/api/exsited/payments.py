"""Seed 003's payments: list, one, an invoice's and an account's, create against an invoice, delete.

Payments are named by number (``PAY-0000001``) or uuid. Only active payments (DRAFT, POSTED, pending
collection) exist here: a DELETE cancels a POSTED payment or rejects a DRAFT one in the ledger, after
which this surface answers 404 for it while /v1 and CRM.COM show it CANCELLED or REJECTED.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from ledgerline.api.exsited.common import (
    AccountId, ExsitedInput, ExsitedModel, InvoiceId, Pagination, PaymentId, Paging, error_responses, pagination,
    paging, ref_of,
)
from ledgerline.api.tenancy import TenantDep
from ledgerline.api.wire import WireJSONResponse, WireRoute, dumps
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.errors import InvalidRequest, not_found
from ledgerline.kit.criteria import Criteria, Criterion, OneOf
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.kit.money import Money, to_major
from ledgerline.kit.refs import CustomerRef, InvoiceRef, PaymentRef
from ledgerline.models.enums import PaymentMethod, PaymentStatus
from ledgerline.payments import service
from ledgerline.payments.values import (
    CreditApplication, GiftCertificateRedemption, InvoiceSummary, PaymentDetails, RecordedPayment, Tender,
)

router = APIRouter(tags=["payments (Exsited)"], route_class=WireRoute)

MAX_AMOUNT = Decimal("9999999999.99")
# Seed 003 says lists hold "active payments": these states; a deleted payment is CANCELLED or REJECTED.
ACTIVE = (PaymentStatus.DRAFT, PaymentStatus.POSTED, PaymentStatus.PENDING_VERIFICATION)
# status values are not documented (surface notes, point 4): the ledger's states, POSTED shown as ACTIVE.
STATUS = {PaymentStatus.POSTED: "ACTIVE", PaymentStatus.PENDING_VERIFICATION: "PENDING",
          PaymentStatus.DRAFT: "DRAFT", PaymentStatus.REJECTED: "REJECTED", PaymentStatus.CANCELLED: "CANCELLED"}
# A tender names its processor ("Cash", "Stripe"); the ledger's method is Elevate's enum. Processors not
# listed here are OTHER; an explicit ``method`` (an enum name, any case, spaces allowed) wins.
PROCESSOR_METHODS = {
    "cheque": PaymentMethod.CHEQUE, "check": PaymentMethod.CHEQUE,
    "directdebit": PaymentMethod.DIRECT_DEBIT, "dd": PaymentMethod.DIRECT_DEBIT,
    "card": PaymentMethod.CREDIT_CARD, "creditcard": PaymentMethod.CREDIT_CARD,
    "debitcard": PaymentMethod.CREDIT_CARD, "visa": PaymentMethod.CREDIT_CARD,
    "mastercard": PaymentMethod.CREDIT_CARD, "amex": PaymentMethod.CREDIT_CARD,
    "paypal": PaymentMethod.PAYPAL, "bacs": PaymentMethod.BACS, "banktransfer": PaymentMethod.BACS,
    "eft": PaymentMethod.BACS, "stripe": PaymentMethod.STRIPE, "gocardless": PaymentMethod.GO_CARDLESS,
    "ezypay": PaymentMethod.EZYPAY, "finastra": PaymentMethod.FINASTRA, "fastpay": PaymentMethod.FAST_PAY,
}

ExsitedAmount = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", examples=["10.50"],
                                     description="Exact decimal in the account's currency, as a string")]


class ExsitedPaymentApplied(ExsitedModel):
    amount: ExsitedAmount
    method: PaymentMethod
    processor: str | None = Field(examples=["Cash"])
    reference: str | None = Field(examples=["RCPT-42"])


class ExsitedCreditApplied(ExsitedModel):
    id: str | None = Field(description="The credit drawn from", examples=["01JDQ3Z6V1T8G9C6W7N5K2M4PX"])
    amount: ExsitedAmount
    code: str | None = Field(examples=["01JDQ3Z6V1T8G9C6W7N5K2M4PX"])


class ExsitedGiftCertificateApplied(ExsitedModel):
    amount: ExsitedAmount
    code: str = Field(examples=["GIFT-2026-0001"])


class ExsitedAppliedInvoice(ExsitedModel):
    applied: ExsitedAmount
    code: str = Field(description="The invoice number", examples=["INV-0000001"])
    due_date: dt.date
    issue_date: dt.date
    outstanding: ExsitedAmount
    total: ExsitedAmount


class ExsitedCustomAttribute(ExsitedModel):
    name: str = Field(examples=["channel"])
    value: Any = Field(default=None, examples=["web"])


class ExsitedPayment(ExsitedModel):
    status: str = Field(description="ACTIVE (posted), PENDING (collection pending) or DRAFT", examples=["ACTIVE"])
    id: str = Field(description="The payment number", examples=["PAY-0000001"])
    date: dt.date
    reconcile_status: str = Field(description="RECONCILED (all applied to invoices), PARTIALLY_RECONCILED or "
                                              "UNRECONCILED (none)", examples=["RECONCILED"])
    total_applied: ExsitedAmount
    note: str | None = Field(examples=["Paid at the counter"])
    payment_applied: list[ExsitedPaymentApplied]
    credit_applied: list[ExsitedCreditApplied]
    gift_certificate_applied: list[ExsitedGiftCertificateApplied]
    invoices: list[ExsitedAppliedInvoice]
    created_by: str | None = Field(examples=["llc_0123456789abcdef01234567"])
    created_on: dt.datetime
    last_updated_by: str | None
    last_updated_on: dt.datetime
    uuid: str = Field(examples=["4f0c8a52-3c1e-4d7a-9b2f-6e5d4c3b2a19"])
    version: str = Field(examples=["1"])
    custom_attributes: list[ExsitedCustomAttribute]
    custom_objects: list[dict[str, Any]] = Field(description="Always empty: Ledgerline has no custom objects")


class ExsitedPaymentBody(ExsitedModel):
    payment: ExsitedPayment


class ExsitedPaymentList(ExsitedModel):
    payments: list[ExsitedPayment]
    pagination: Pagination


class ExsitedInvoicePayments(ExsitedModel):
    invoice: ExsitedPaymentList


class ExsitedAccountPayments(ExsitedModel):
    account: ExsitedPaymentList


# --- rendering -------------------------------------------------------------------------------------

def _amount(minor: int, currency: str) -> str:
    return format(to_major(minor, currency), "f")


def _money(value: Money) -> str:
    return _amount(value.minor, value.currency)


def _spent(recorded: RecordedPayment, name: str) -> Sequence[Any]:
    """Credit spent and certificates redeemed by the payment, as the payments domain reports them (the
    credit and gift-certificate use cases add them to RecordedPayment; none before they exist)."""
    return tuple(getattr(recorded, name, ()) or ())


def payment_document(recorded: RecordedPayment, invoices: dict[int, InvoiceSummary]) -> dict[str, Any]:
    payment, currency = recorded.payment, recorded.payment["currency"]
    credits, certificates = _spent(recorded, "credit_applied"), _spent(recorded, "gift_certificate_applied")
    total = (payment["amount_minor"] + sum(each.amount.minor for each in credits)
             + sum(each.amount.minor for each in certificates))
    applied: dict[int, int] = {}
    # The cash's allocations, then what spent credit and redeemed certificates settled.
    for line in (*recorded.allocations, *(line for each in (*credits, *certificates) for line in each.invoices)):
        applied[line.invoice_id] = applied.get(line.invoice_id, 0) + line.amount.minor
    reconciled = sum(applied.values())
    return {
        "status": STATUS[payment["status"]],
        "id": payment["number"],
        "date": payment["received_on"].isoformat(),
        "reconcile_status": ("UNRECONCILED" if reconciled == 0 else
                             "RECONCILED" if reconciled >= total else "PARTIALLY_RECONCILED"),
        "total_applied": _amount(total, currency),
        "note": payment["notes"],
        "payment_applied": [{"amount": _amount(int(t["amountMinor"]), currency), "method": t["method"],
                             "processor": t.get("processor"), "reference": t.get("reference")}
                            for t in payment["tenders"]],
        # A spent credit is a creditDistribution credit: its locator is both its id and its code.
        "credit_applied": [{"id": each.locator, "amount": _money(each.amount), "code": each.locator}
                           for each in credits],
        "gift_certificate_applied": [{"amount": _money(each.amount), "code": each.code} for each in certificates],
        "invoices": [{"applied": _amount(minor, currency), "code": invoices[invoice_id].number,
                      "due_date": invoices[invoice_id].due_date.isoformat(),
                      "issue_date": invoices[invoice_id].issue_date.isoformat(),
                      "outstanding": _money(invoices[invoice_id].outstanding),
                      "total": _money(invoices[invoice_id].total)} for invoice_id, minor in applied.items()],
        "created_by": payment["created_by"],
        "created_on": payment["created_at"].isoformat(),
        "last_updated_by": payment["updated_by"],
        "last_updated_on": payment["updated_at"].isoformat(),
        "uuid": str(payment["uuid"]),
        "version": str(payment["version"]),
        "custom_attributes": [{"name": each.get("name"), "value": each.get("value")}
                              for each in payment["custom_attributes"]],
        "custom_objects": [],
    }


def _documents(session: Session, tenant_id: Any, payments: Sequence[RecordedPayment]) -> list[dict[str, Any]]:
    invoices = service.applied_invoices(session, tenant_id=tenant_id, payments=payments)
    return [payment_document(each, invoices) for each in payments]


def _active_payment(session: Session, tenant_id: Any, payment_id: str) -> RecordedPayment:
    recorded = service.payment(session, tenant_id=tenant_id, payment=ref_of(payment_id, PaymentRef))
    if recorded.payment["status"] not in ACTIVE:  # deleted here: cancelled or rejected in the ledger
        raise not_found("Payment", payment_id)
    return recorded


def _listed(request: Request, session: Session, principal: Principal, page: Paging,
            **named: Any) -> dict[str, Any]:
    criteria = page.criteria(Criteria(where=(Criterion("status", OneOf(ACTIVE)),)))
    found = service.list_payments_of(session, tenant_id=principal.tenant_id, criteria=criteria, **named)
    return {"payments": _documents(session, principal.tenant_id, found.items),
            "pagination": pagination(request, page, found.total)}


Lists = Annotated[Principal, Depends(require("payments.list", "payments.read"))]
Reads = Annotated[Principal, Depends(require("payments.read"))]
PagingDep = Annotated[Paging, Depends(paging)]


@router.get("/v3/payments", response_model=ExsitedPaymentList, responses=error_responses(), name="exsited_list_payments",
            summary="List active payments, newest first, with limit/offset paging and page links")
def list_payments(request: Request, session: SessionDep, principal: Lists, page: PagingDep) -> Response:
    return WireJSONResponse(_listed(request, session, principal, page))


@router.get("/v3/payments/{payment_id}", response_model=ExsitedPaymentBody, responses=error_responses(404),
            name="exsited_get_payment", summary="Get an active payment by number or uuid")
def get_payment(payment_id: PaymentId, session: SessionDep, principal: Reads) -> Response:
    recorded = _active_payment(session, principal.tenant_id, payment_id)
    return WireJSONResponse({"payment": _documents(session, principal.tenant_id, [recorded])[0]})


def _invoice_payments(request: Request, invoice_id: str, session: Session, principal: Principal,
                      page: Paging) -> Response:
    listed = _listed(request, session, principal, page, invoice=ref_of(invoice_id, InvoiceRef))
    return WireJSONResponse({"invoice": listed})


@router.get("/v3/invoices/{invoice_id}/payments", response_model=ExsitedInvoicePayments,
            responses=error_responses(404), name="exsited_list_invoice_payments",
            summary="List the active payments applied to an invoice (by number or uuid)")
def list_invoice_payments(request: Request, invoice_id: InvoiceId, session: SessionDep, principal: Lists,
                          page: PagingDep) -> Response:
    return _invoice_payments(request, invoice_id, session, principal, page)


@router.get("/v2/invoices/{invoice_id}/payments", response_model=ExsitedInvoicePayments,
            responses=error_responses(404), name="exsited_list_invoice_payments_v2",
            summary="List an invoice's active payments (the SDK's v2 path of the same operation)")
def list_invoice_payments_v2(request: Request, invoice_id: InvoiceId, session: SessionDep, principal: Lists,
                             page: PagingDep) -> Response:
    return _invoice_payments(request, invoice_id, session, principal, page)


@router.get("/v3/accounts/{account_id}/payments", response_model=ExsitedAccountPayments,
            responses=error_responses(404), name="exsited_list_account_payments",
            summary="List an account's (customer's) active payments, by its number or uuid")
def list_account_payments(request: Request, account_id: AccountId, session: SessionDep, principal: Lists,
                          page: PagingDep) -> Response:
    listed = _listed(request, session, principal, page, customer=ref_of(account_id, CustomerRef))
    return WireJSONResponse({"account": listed})


# --- creating ----------------------------------------------------------------------------------------

class PaymentAppliedInput(ExsitedInput):
    processor: str = Field(min_length=1, max_length=100, examples=["Cash"])
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT, examples=["25.00"])
    reference: str | None = Field(default=None, max_length=100, examples=["RCPT-42"])
    method: str | None = Field(default=None, min_length=1, max_length=40, examples=["CREDIT_CARD"],
                               description="A ledger payment method; derived from the processor when left out "
                                           "(OTHER for processors Ledgerline does not know)")


class CreditAppliedInput(ExsitedInput):
    id: str | None = Field(default=None, min_length=1, max_length=64,
                           description="The credit to draw from; the account's available credit when left out")
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT, examples=["5.00"])
    code: str | None = Field(default=None, max_length=64, description="Accepted as the SDK sends it; not used")


class GiftCertificateInput(ExsitedInput):
    code: str = Field(min_length=1, max_length=64, examples=["GIFT-2026-0001"])
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT, examples=["10.00"])


class CustomAttributeInput(ExsitedInput):
    name: str = Field(min_length=1, max_length=100, examples=["channel"])
    value: str | None = Field(default=None, max_length=1000, examples=["web"])


class PaymentInput(ExsitedInput):
    date: dt.date | None = Field(default=None, description="The payment date; today (UTC) when left out")
    note: str | None = Field(default=None, max_length=2000, examples=["Paid at the counter"])
    payment_applied: list[PaymentAppliedInput] = Field(default_factory=list, max_length=20)
    credit_applied: list[CreditAppliedInput] = Field(default_factory=list, max_length=20)
    gift_certificates: list[GiftCertificateInput] = Field(default_factory=list, max_length=20)
    custom_attributes: list[CustomAttributeInput] = Field(default_factory=list, max_length=50)


class ExsitedPaymentCreate(ExsitedInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"payment": {
        "date": "2026-12-01", "note": "Counter",
        "payment_applied": [{"processor": "Cash", "amount": "25.00", "reference": "RCPT-42"}]}}]})

    payment: PaymentInput


def _normalized(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _method(tender: PaymentAppliedInput, position: int) -> PaymentMethod:
    if tender.method is None:
        return PROCESSOR_METHODS.get(_normalized(tender.processor), PaymentMethod.OTHER)
    wanted = _normalized(tender.method)
    found = next((method for method in PaymentMethod if _normalized(method.value) == wanted), None)
    found = found or PROCESSOR_METHODS.get(wanted)
    if found is None:
        error = InvalidRequest.for_field(f"payment.payment_applied.{position}.method",
                                         f"{tender.method!r} is not a payment method; use one of "
                                         + ", ".join(method.value for method in PaymentMethod))
        error.wire_named = True
        raise error
    return found


@router.post("/v3/invoices/{invoice_id}/payments", status_code=201, response_model=ExsitedPaymentBody,
             responses=error_responses(404, 409), name="exsited_create_invoice_payment",
             summary="Record a posted payment for an invoice: the invoice first, then the oldest open ones")
def create_invoice_payment(invoice_id: InvoiceId, body: ExsitedPaymentCreate, session: SessionDep, guard: IdempotencyDep,
                           tenant: TenantDep,
                           principal: Annotated[Principal, Depends(require("payments.write"))]) -> Response:
    given = body.payment
    tenders = tuple(Tender(method=_method(each, position), amount=each.amount, processor=each.processor,
                           reference=each.reference) for position, each in enumerate(given.payment_applied))
    recorded = service.pay_invoice(
        session, tenant=tenant, invoice=ref_of(invoice_id, InvoiceRef),
        payment_method=tenders[0].method if tenders else PaymentMethod.OTHER, actor=principal.subject,
        amount=sum((each.amount for each in tenders), Decimal(0)), tenders=tenders or None,
        details=PaymentDetails(received_on=given.date, notes=given.note,
                               custom_attributes=tuple(each.model_dump() for each in given.custom_attributes)),
        credit_applied=tuple(CreditApplication(amount=each.amount, credit=each.id) for each in given.credit_applied),
        gift_certificates=tuple(GiftCertificateRedemption(code=each.code, amount=each.amount)
                                for each in given.gift_certificates))
    document = {"payment": _documents(session, tenant.tenant_id, [recorded])[0]}
    content = dumps(document)
    headers = {"Location": f"/api/v3/payments/{recorded.payment['number']}"}
    guard.complete(session, 201, content, headers)
    return Response(content, status_code=201, headers=headers, media_type="application/json")


# --- deleting ------------------------------------------------------------------------------------------

def _delete(payment_id: str, session: Session, tenant: Any, principal: Principal) -> Response:
    current = _active_payment(session, tenant.tenant_id, payment_id)
    service.void_payment(session, tenant=tenant, payment=PaymentRef(id=current.id),
                         reason="deleted through the Exsited API", actor=principal.subject)
    # No body; the Content-Type is there because the SDK (1.0.40) reads that header of every answer.
    return Response(status_code=204, headers={"Content-Type": "application/json"})


Deletes = Annotated[Principal, Depends(require("payments.delete"))]


@router.delete("/v3/payments/{payment_id}", status_code=204, responses=error_responses(404, 409),
               name="exsited_delete_payment",
               summary="Delete a payment: a POSTED one is cancelled, a DRAFT one rejected (never erased)")
def delete_payment(payment_id: PaymentId, session: SessionDep, tenant: TenantDep, principal: Deletes) -> Response:
    return _delete(payment_id, session, tenant, principal)


@router.delete("/v2/payments/{payment_id}", status_code=204, responses=error_responses(404, 409),
               name="exsited_delete_payment_v2",
               summary="Delete a payment (the SDK's v2 path of the same operation)")
def delete_payment_v2(payment_id: PaymentId, session: SessionDep, tenant: TenantDep, principal: Deletes) -> Response:
    return _delete(payment_id, session, tenant, principal)
