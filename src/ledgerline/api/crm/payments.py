"""Seed 004's nine payment methods: show, list, get_latest, create, pay_invoice, pay_bill, post, reject, cancel.

GET methods take everything in the query (identifier objects flattened), POST methods a JSON body with
``token`` and nested identifier objects. Identifiers are resolved to ids by the domain (identifiers
service); the payments use cases do the rest. Every answer is in the envelope (api/crm/envelope.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import Field
from sqlalchemy.orm import Session

from ledgerline.api.crm import documents
from ledgerline.api.crm.envelope import ok
from ledgerline.api.crm.identifiers import (
    AccountsReceivableIdentifier, BillIdentifier, CategoryIdentifier, CrmInput, IdentifierObject, InvoiceIdentifier,
    PaymentIdentifier, PaymentMethodIdentifier, RejectionReasonIdentifier, TypeIdentifier, UnitIdentifier,
    UserIdentifier, flat_description, flat_pattern, nested, parse_flat, unsupported_unit,
)
from ledgerline.api.crm.openapi import error_responses
from ledgerline.api.tenancy import TenantDep
from ledgerline.api.wire import WireRoute, dumps
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.errors import BadRequest, FieldError
from ledgerline.identifiers import service as identifiers
from ledgerline.identifiers.service import Identifier
from ledgerline.invoices.values import BillCheckDigits
from ledgerline.kit.criteria import Criteria, Criterion, Equals, Sort
from ledgerline.kit.idempotency import IdempotencyDep, IdempotencyGuard
from ledgerline.kit.refs import BillRef, CustomerRef, InvoiceRef, PaymentRef
from ledgerline.models.enums import PaymentStatus
from ledgerline.payments import service
from ledgerline.payments.values import USER_FIELDS, Cancellation, NewPayment, PaymentDetails, RecordedPayment

router = APIRouter(prefix="/payments", tags=["payments (CRM.COM)"], route_class=WireRoute)

# Seed 004 gives list and get_latest no paging: both answer newest first (created, then id, descending),
# list at most LIST_CAP payments and get_latest at most LATEST_CAP.
LIST_CAP = 500
LATEST_CAP = 100
MAX_AMOUNT = Decimal("9999999999.99")
NEWEST_FIRST = (Sort("created_at", descending=True), Sort("id", descending=True))

Reader = Annotated[Principal, Depends(require("payments.read"))]
Writer = Annotated[Principal, Depends(require("payments.write"))]

Token = Annotated[str | None, Query(description="The token from `authentication/token` (or send "
                                                "`Authorization: Bearer`)", examples=["eyJhbGciOiJIUzI1NiJ9.e30.x"])]
FieldsSet = Annotated[str | None, Query(
    max_length=2000, description="Comma-separated top-level fields to answer (all when left out); unknown names are "
                                 "refused", examples=["id,number,life_cycle_state,payment_amount"])]


def _flat(model: type[IdentifierObject], what: str) -> Any:
    return Query(pattern=flat_pattern(model), max_length=300,
                 description=f"{what}. {flat_description(model)}",
                 examples=[f"{next(iter(model.model_fields))}=1"])


PaymentQuery = Annotated[str, _flat(PaymentIdentifier, "The payment")]
AccountsReceivableQuery = Annotated[str, _flat(AccountsReceivableIdentifier, "The accounts receivable")]
TypeQuery = Annotated[str | None, _flat(TypeIdentifier, "Only payments of this financial transaction type")]
CategoryQuery = Annotated[str | None, _flat(CategoryIdentifier, "Only payments of this category")]
MethodQuery = Annotated[str | None, _flat(PaymentMethodIdentifier, "Only payments by this payment method")]


# --- answers ---------------------------------------------------------------------------------------------

def _projected(document: dict[str, Any], fields: tuple[str, ...] | None) -> dict[str, Any]:
    return document if fields is None else {name: document[name] for name in fields}


def _fields_set(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = tuple(dict.fromkeys(name.strip() for name in value.split(",")))
    unknown = [name for name in names if name not in documents.FULL_FIELDS]
    if unknown or not names:
        message = (f"unknown field {unknown[0]!r}; fields are: {', '.join(documents.FULL_FIELDS)}" if unknown
                   else "name at least one field")
        raise BadRequest(f"fields_set: {message}", errors=[FieldError("fields_set", message)])
    return names


def _full(session: Session, principal: Principal, payments: list[RecordedPayment],
          fields: tuple[str, ...] | None) -> list[dict[str, Any]]:
    relations = service.relations(session, tenant_id=principal.tenant_id, payments=payments)
    return [_projected(documents.full_payment(each, relations), fields) for each in payments]


def _recorded(session: Session, guard: IdempotencyGuard, data: Any) -> Response:
    """The answer, recorded for Idempotency-Key replays in the work's transaction."""
    body = dumps(ok(data))
    guard.complete(session, 200, body, {})
    return Response(body, media_type="application/json")


def _json(data: Any) -> Response:
    return Response(dumps(ok(data)), media_type="application/json")


# --- GET methods -----------------------------------------------------------------------------------------

@router.get("/show", name="crm_show_payment", response_model=documents.PaymentEnvelope, responses=error_responses(404),
            summary="Show one payment (seed 004's full payment object)")
def show(session: SessionDep, principal: Reader, payment_identifier: PaymentQuery, token: Token = None,
         fields_set: FieldsSet = None) -> Response:
    fields = _fields_set(fields_set)
    payment_id = identifiers.resolve(session, tenant_id=principal.tenant_id, subject=True, field="payment",
                                     identifier=parse_flat(PaymentIdentifier, "payment_identifier", payment_identifier))
    recorded = service.payment(session, tenant_id=principal.tenant_id, payment=PaymentRef(id=payment_id))
    return _json(_full(session, principal, [recorded], fields)[0])


def _criteria(session: Session, principal: Principal, accounts_receivable: str, type_: str | None,
              category: str | None, method: str | None, limit: int) -> Criteria:
    tenant_id = principal.tenant_id
    where = [Criterion("customer_id", Equals(identifiers.resolve(
        session, tenant_id=tenant_id, field="customer",
        identifier=parse_flat(AccountsReceivableIdentifier, "accounts_receivable_identifier", accounts_receivable))))]
    if type_ is not None:
        where.append(Criterion("type_id", Equals(identifiers.resolve(
            session, tenant_id=tenant_id, field="transaction_type",
            identifier=parse_flat(TypeIdentifier, "type_identifier", type_)))))
    if category is not None:
        where.append(Criterion("category_id", Equals(identifiers.resolve(
            session, tenant_id=tenant_id, field="category",
            identifier=parse_flat(CategoryIdentifier, "category_identifier", category)))))
    if method is not None:
        where.append(Criterion("payment_method", Equals(identifiers.payment_method(
            session, tenant_id=tenant_id, field="payment_method",
            identifier=parse_flat(PaymentMethodIdentifier, "payment_method_identifier", method)))))
    return Criteria(where=tuple(where), sorts=NEWEST_FIRST, limit=limit)


@router.get("/list", name="crm_list_payments", response_model=documents.PaymentListEnvelope, responses=error_responses(),
            summary=f"List an accounts receivable's payments, newest first (at most {LIST_CAP})")
def list_payments(session: SessionDep, principal: Reader, accounts_receivable_identifier: AccountsReceivableQuery,
                  token: Token = None, type_identifier: TypeQuery = None, category_identifier: CategoryQuery = None,
                  payment_method_identifier: MethodQuery = None, fields_set: FieldsSet = None) -> Response:
    fields = _fields_set(fields_set)
    criteria = _criteria(session, principal, accounts_receivable_identifier, type_identifier, category_identifier,
                         payment_method_identifier, LIST_CAP)
    payments = service.latest_payments(session, tenant_id=principal.tenant_id, criteria=criteria)
    return _json(_full(session, principal, payments, fields))


@router.get("/get_latest", name="crm_get_latest_payments", response_model=documents.PaymentListEnvelope, responses=error_responses(),
            summary="The latest payments of an accounts receivable, newest first")
def get_latest(session: SessionDep, principal: Reader, accounts_receivable_identifier: AccountsReceivableQuery,
               number: Annotated[int, Query(ge=1, le=LATEST_CAP, examples=[5], description=(
                   f"How many payments, starting from the latest one (1 to {LATEST_CAP}); a count, not a "
                   "payment number"))],
               token: Token = None, type_identifier: TypeQuery = None, category_identifier: CategoryQuery = None,
               payment_method_identifier: MethodQuery = None, fields_set: FieldsSet = None) -> Response:
    fields = _fields_set(fields_set)
    criteria = _criteria(session, principal, accounts_receivable_identifier, type_identifier, category_identifier,
                         payment_method_identifier, number)
    payments = service.latest_payments(session, tenant_id=principal.tenant_id, criteria=criteria)
    return _json(_full(session, principal, payments, fields))


# --- POST bodies -----------------------------------------------------------------------------------------

UdfNumber = Annotated[Decimal, Field(max_digits=30, decimal_places=10)]
Notes = Annotated[str | None, Field(default=None, max_length=2000)]


class TokenBody(CrmInput):
    token: str | None = Field(default=None, max_length=8192, description="The token from `authentication/token` "
                              "(or send `Authorization: Bearer`)", examples=["eyJhbGciOiJIUzI1NiJ9.e30.x"])


class UdfBody(TokenBody):
    """Seed 004's sixteen user-defined fields."""

    udf_string_1: str | None = Field(default=None, max_length=255)
    udf_string_2: str | None = Field(default=None, max_length=255)
    udf_string_3: str | None = Field(default=None, max_length=255)
    udf_string_4: str | None = Field(default=None, max_length=255)
    udf_string_5: str | None = Field(default=None, max_length=255)
    udf_string_6: str | None = Field(default=None, max_length=255)
    udf_string_7: str | None = Field(default=None, max_length=255)
    udf_string_8: str | None = Field(default=None, max_length=255)
    # Seed 004 calls these "Float"; they are kept as exact decimals.
    udf_float_1: UdfNumber | None = None
    udf_float_2: UdfNumber | None = None
    udf_float_3: UdfNumber | None = None
    udf_float_4: UdfNumber | None = None
    udf_date_1: dt.date | None = None
    udf_date_2: dt.date | None = None
    udf_date_3: dt.date | None = None
    udf_date_4: dt.date | None = None


class ReceivedBody(UdfBody):
    """What every way of creating a payment takes beside its money."""

    accounts_receivable_identifier: AccountsReceivableIdentifier = Field(examples=[{"number": "CUS-0000001"}])
    type_identifier: TypeIdentifier = Field(description="A financial transaction type classified PAYMENT",
                                            examples=[{"alternative_code": "PAYMENT"}])
    payment_method_identifier: PaymentMethodIdentifier = Field(examples=[{"alternative_code": "CHEQUE"}])
    category_identifier: CategoryIdentifier | None = None
    received_on: dt.date | None = Field(default=None, description="Defaults to the issue date (today, UTC)")
    received_by_user: UserIdentifier | None = Field(default=None, description="Defaults to the issuing user")
    received_by_unit: UnitIdentifier | None = Field(default=None, description="Not supported: refused when given")
    notes: Notes = Field(default=None, examples=["Paid at the counter"])


class InvoiceToPay(CrmInput):
    invoice_identifier: InvoiceIdentifier = Field(examples=[{"number": "INV-0000001"}])


CheckDigit = Annotated[int | None, Field(default=None, ge=0, le=99, description="Mandatory when the bill has it")]


class CheckDigits(CrmInput):
    bill_number_check_digit: CheckDigit = None
    accounts_receivable_check_digit: CheckDigit = None
    bill_amount_check_digit: CheckDigit = None

    def value(self) -> BillCheckDigits:
        return BillCheckDigits(self.bill_number_check_digit, self.accounts_receivable_check_digit,
                               self.bill_amount_check_digit)


class BillToPay(CheckDigits):
    bill_identifier: BillIdentifier = Field(examples=[{"number": "BILL-0000001"}])


class CreatePayment(ReceivedBody):
    life_cycle_state: Literal["DRAFT", "POSTED"] = Field(examples=["POSTED"])
    payment_amount: Decimal = Field(gt=0, le=MAX_AMOUNT, examples=[120.5],
                                    description="In the accounts receivable's currency, at most its decimals")
    invoices_to_pay_set: list[InvoiceToPay] = Field(default_factory=list, max_length=1000,
                                                    description="Invoices to pay first, in this order")
    bills_to_pay_set: list[BillToPay] = Field(default_factory=list, max_length=1000,
                                              description="Then these bills' invoices, in this order")


class CrmPayInvoice(ReceivedBody):
    invoice_identifier: InvoiceIdentifier = Field(examples=[{"number": "INV-0000001"}])


class CrmPayBill(ReceivedBody, CheckDigits):
    bill_identifier: BillIdentifier = Field(examples=[{"number": "BILL-0000001"}])


class PaymentAction(TokenBody):
    payment_identifier: PaymentIdentifier = Field(examples=[{"number": "PAY-0000001"}])


class RejectPayment(PaymentAction):
    rejection_reason_identifier: RejectionReasonIdentifier = Field(
        description="Mandatory here (seed 004 leaves it unmarked): a REJECTED payment has a reason",
        examples=[{"alternative_code": "INSUFFICIENT_FUNDS"}])


class CancelPayment(PaymentAction):
    type_identifier: TypeIdentifier = Field(description="The cancellation's type, classified PAYMENT_CANCELLATION",
                                            examples=[{"alternative_code": "PAYMENT_CANCELLATION"}])
    category_identifier: CategoryIdentifier | None = Field(default=None,
                                                           description="The cancellation's; the payment's by default")
    notes: Notes = None
    issue_reason: str | None = Field(default=None, max_length=255, examples=["Customer dispute"])


def _resolve(session: Session, principal: Principal, value: IdentifierObject | None, field: str) -> int | None:
    identifier = nested(value)
    return None if identifier is None else identifiers.resolve(session, tenant_id=principal.tenant_id,
                                                               identifier=identifier, field=field)


def _details(session: Session, principal: Principal, body: ReceivedBody) -> PaymentDetails:
    if body.received_by_unit is not None:
        raise unsupported_unit("received_by_unit")
    user = nested(body.received_by_user)
    received_by = principal.subject if user is None else identifiers.username(
        session, tenant_id=principal.tenant_id, identifier=user, field="user")
    return PaymentDetails(
        received_on=body.received_on, notes=body.notes, received_by_user=received_by,
        transaction_type=_resolve(session, principal, body.type_identifier, "transaction_type"),
        category=_resolve(session, principal, body.category_identifier, "category"),
        user_fields={name: getattr(body, name) for name in USER_FIELDS})


def _customer(session: Session, principal: Principal, body: ReceivedBody) -> int:
    return identifiers.resolve(session, tenant_id=principal.tenant_id, field="customer",
                               identifier=body.accounts_receivable_identifier.identifier())


def _method(session: Session, principal: Principal, body: ReceivedBody):  # noqa: ANN202 - a PaymentMethod
    return identifiers.payment_method(session, tenant_id=principal.tenant_id, field="payment_method",
                                      identifier=body.payment_method_identifier.identifier())


def _subject(session: Session, principal: Principal, body: PaymentAction) -> PaymentRef:
    return PaymentRef(id=identifiers.resolve(session, tenant_id=principal.tenant_id, subject=True, field="payment",
                                             identifier=body.payment_identifier.identifier()))


_POST_ERRORS = error_responses(404, 409, 413, 415)


@router.post("/create", name="crm_create_payment", response_model=documents.ShortPaymentEnvelope, responses=_POST_ERRORS,
             summary="Create a payment, DRAFT or POSTED (posting allocates it)")
def create(body: CreatePayment, session: SessionDep, guard: IdempotencyDep, tenant: TenantDep,
           principal: Writer) -> Response:
    customer = _customer(session, principal, body)
    invoices = tuple(InvoiceRef(id=identifiers.resolve(session, tenant_id=tenant.tenant_id,
                                                       field=f"intended_invoices[{position}].invoice",
                                                       identifier=each.invoice_identifier.identifier()))
                     for position, each in enumerate(body.invoices_to_pay_set))
    bills = tuple(BillRef(id=identifiers.resolve(session, tenant_id=tenant.tenant_id,
                                                 field=f"intended_bills[{position}].bill",
                                                 identifier=each.bill_identifier.identifier()))
                  for position, each in enumerate(body.bills_to_pay_set))
    recorded = service.record_payment(session, tenant=tenant, actor=principal.subject, new=NewPayment(
        customer=CustomerRef(id=customer), amount=body.payment_amount, payment_method=_method(session, principal, body),
        post=body.life_cycle_state == PaymentStatus.POSTED.value, intended_invoices=invoices, intended_bills=bills,
        intended_bill_check_digits=tuple(each.value() for each in body.bills_to_pay_set),
        details=_details(session, principal, body)))
    return _recorded(session, guard, documents.short_payment(recorded.payment))


@router.post("/pay_invoice", name="crm_pay_invoice", response_model=documents.ShortPaymentEnvelope, responses=_POST_ERRORS,
             summary="Pay the whole outstanding amount of one invoice with a POSTED payment")
def pay_invoice(body: CrmPayInvoice, session: SessionDep, guard: IdempotencyDep, tenant: TenantDep,
                principal: Writer) -> Response:
    customer = _customer(session, principal, body)
    invoice = identifiers.resolve(session, tenant_id=tenant.tenant_id, field="invoice",
                                  identifier=body.invoice_identifier.identifier())
    recorded = service.pay_invoice(session, tenant=tenant, invoice=InvoiceRef(id=invoice), customer=customer,
                                   payment_method=_method(session, principal, body),
                                   details=_details(session, principal, body), actor=principal.subject)
    return _recorded(session, guard, documents.short_payment(recorded.payment))


@router.post("/pay_bill", name="crm_pay_bill", response_model=documents.ShortPaymentEnvelope, responses=_POST_ERRORS,
             summary="Pay the whole outstanding amount of one bill with a POSTED payment (check digits repeated)")
def pay_bill(body: CrmPayBill, session: SessionDep, guard: IdempotencyDep, tenant: TenantDep,
             principal: Writer) -> Response:
    customer = _customer(session, principal, body)
    bill = identifiers.resolve(session, tenant_id=tenant.tenant_id, field="bill",
                               identifier=body.bill_identifier.identifier())
    recorded = service.pay_bill(session, tenant=tenant, bill=BillRef(id=bill), customer=customer,
                                check_digits=body.value(), payment_method=_method(session, principal, body),
                                details=_details(session, principal, body), actor=principal.subject)
    return _recorded(session, guard, documents.short_payment(recorded.payment))


@router.post("/post", name="crm_post_payment", response_model=documents.ShortPaymentEnvelope, responses=_POST_ERRORS,
             summary="Post a DRAFT payment, allocating it")
def post(body: PaymentAction, session: SessionDep, guard: IdempotencyDep, tenant: TenantDep,
         principal: Writer) -> Response:
    recorded = service.post_payment(session, tenant=tenant, payment=_subject(session, principal, body),
                                    actor=principal.subject)
    return _recorded(session, guard, documents.short_payment(recorded.payment))


@router.post("/reject", name="crm_reject_payment", response_model=documents.ShortPaymentEnvelope, responses=_POST_ERRORS,
             summary="Reject a DRAFT payment with a rejection reason")
def reject(body: RejectPayment, session: SessionDep, guard: IdempotencyDep, tenant: TenantDep,
           principal: Writer) -> Response:
    payment = _subject(session, principal, body)
    reason = _resolve(session, principal, body.rejection_reason_identifier, "rejection_reason")
    recorded = service.reject_payment(session, tenant=tenant, payment=payment, reason_id=reason,
                                      actor=principal.subject)
    return _recorded(session, guard, documents.short_payment(recorded.payment))


@router.post("/cancel", name="crm_cancel_payment", response_model=documents.CancelledPaymentEnvelope, responses=_POST_ERRORS,
             summary="Cancel a POSTED payment: a posted payment cancellation reverses its allocations")
def cancel(body: CancelPayment, session: SessionDep, guard: IdempotencyDep, tenant: TenantDep,
           principal: Writer) -> Response:
    payment = _subject(session, principal, body)
    recorded = service.cancel_payment(session, tenant=tenant, payment=payment, actor=principal.subject,
                                      cancellation=Cancellation(
                                          notes=body.notes, issue_reason=body.issue_reason,
                                          transaction_type=_resolve(session, principal, body.type_identifier,
                                                                    "transaction_type"),
                                          category=_resolve(session, principal, body.category_identifier, "category")))
    if recorded.cancellation is None:  # a collection still pending is cancelled without one (DESIGN)
        data = {"payment": documents.short_payment(recorded.payment), "payment_cancellation": None}
    else:
        data = {"payment": documents.short_payment(recorded.payment),
                "payment_cancellation": documents.payment_cancellation(recorded.cancellation)}
    return _recorded(session, guard, data)
