"""/v1/payments, pay-invoice and pay-bill (seed 004's life cycle in the Elevate style)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import BaseModel, Field
from pydantic.alias_generators import to_camel
from sqlalchemy.orm import Session

from ledgerline.api.v1.patching import JSON_PATCH_BODY, PatchOperation, patched_input
from ledgerline.api.tenancy import TenantDep
from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource
from ledgerline.api.v1.responses import check_if_match, etag, record_answer
from ledgerline.api.v1.schemas import ELEVATE_TIMESTAMP, Amount, Timestamp, WireInput, WireModel, error_responses
from ledgerline.api.wire import WireJSONResponse, WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.invoices.values import BillCheckDigits
from ledgerline.kit.idempotency import IdempotencyDep, IdempotencyGuard
from ledgerline.kit.money import to_major
from ledgerline.kit.refs import BillRef, CustomerRef, InvoiceRef, PaymentRef
from ledgerline.models.enums import PaymentMethod, PaymentStatus
from ledgerline.payments import repository, service
from ledgerline.payments.values import Cancellation as CancellationValue
from ledgerline.payments.values import NewPayment, PaymentDetails as PaymentDetailsValue, RecordedPayment
from ledgerline.payments.values import Tender as TenderValue

router = APIRouter(tags=["payments"], route_class=WireRoute)

PaymentId = Annotated[int, Path(description="Payment identifier", examples=[1])]
MAX_AMOUNT = Decimal("9999999999.99")

UdfNumber = Annotated[Amount, Field(max_digits=30, decimal_places=10)]
UDF_FIELDS = ([f"udf_string_{n}" for n in range(1, 9)] + [f"udf_float_{n}" for n in range(1, 5)]
              + [f"udf_date_{n}" for n in range(1, 5)])


class Tender(WireModel):
    method: PaymentMethod
    processor: str | None = Field(default=None, max_length=100)
    reference: str | None = Field(default=None, max_length=100)
    amount_in_major_currency: Amount


class TenderInput(WireInput):
    method: PaymentMethod
    processor: str | None = Field(default=None, max_length=100)
    reference: str | None = Field(default=None, max_length=100)
    amount_in_major_currency: Decimal = Field(gt=0, le=MAX_AMOUNT, examples=[25.00])


class CustomAttribute(WireInput):
    name: str = Field(min_length=1, max_length=100, examples=["channel"])
    value: str | None = Field(default=None, max_length=1000, examples=["web"])


class Allocation(WireModel):
    invoice_id: int
    amount_in_major_currency: Amount


class Cancellation(WireModel):
    id: int
    number: str = Field(examples=["PCN-0000001"])
    type_id: int = Field(description="Its financial transaction type (PAYMENT_CANCELLATION)")
    category_id: int | None
    posted_on: dt.date
    amount_in_major_currency: Amount
    notes: str | None
    issue_reason: str | None


class UdfFields(BaseModel):
    """Seed 004's user-defined fields, shared by payments and the bodies that create them."""

    udf_string_1: str | None = Field(default=None, max_length=255)
    udf_string_2: str | None = Field(default=None, max_length=255)
    udf_string_3: str | None = Field(default=None, max_length=255)
    udf_string_4: str | None = Field(default=None, max_length=255)
    udf_string_5: str | None = Field(default=None, max_length=255)
    udf_string_6: str | None = Field(default=None, max_length=255)
    udf_string_7: str | None = Field(default=None, max_length=255)
    udf_string_8: str | None = Field(default=None, max_length=255)
    # Seed 004 calls these "Float"; they are exact decimals (30 digits, 10 after the point).
    udf_float_1: UdfNumber | None = Field(default=None, description="User-defined number, kept exact")
    udf_float_2: UdfNumber | None = None
    udf_float_3: UdfNumber | None = None
    udf_float_4: UdfNumber | None = None
    udf_date_1: dt.date | None = None
    udf_date_2: dt.date | None = None
    udf_date_3: dt.date | None = None
    udf_date_4: dt.date | None = None


class Payment(UdfFields, WireModel):
    id: int = Field(examples=[1])
    locator: str
    uuid: uuid.UUID
    number: str = Field(examples=["PAY-0000001"])
    customer_id: int
    currency: str = Field(examples=["GBP"])
    amount_in_major_currency: Amount
    unallocated_in_major_currency: Amount = Field(description="The part kept as customer credit")
    status: PaymentStatus
    payment_method: PaymentMethod
    type_id: int = Field(description="The financial transaction type (classified PAYMENT)", examples=[1])
    category_id: int | None = Field(description="The financial transaction category", examples=[1])
    tenders: list[Tender]
    reference_number: str | None
    back_office_code: str | None
    received_on: dt.date
    issued_on: dt.date
    posted_on: dt.date | None
    notes: str | None
    rejection_reason: str | None
    rejection_reason_id: int | None
    received_by_user: str | None
    received_by_unit: str | None
    invoices_to_pay: list[int]
    bills_to_pay: list[int]
    allocations: list[Allocation]
    cancellation: Cancellation | None
    custom_attributes: list[dict[str, Any]]
    third_party_status: str | None
    version: int
    created_by: str | None
    updated_by: str | None
    created_at: Timestamp
    updated_at: Timestamp

    @staticmethod
    def wire(recorded: RecordedPayment) -> dict[str, Any]:
        """The /v1 document of a payment, built straight from its row (no validate-then-dump: hot path)."""
        return payment_wire(recorded)


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime(ELEVATE_TIMESTAMP)


def payment_wire(recorded: RecordedPayment) -> dict[str, Any]:
    payment, currency = recorded.payment, recorded.payment["currency"]
    cancellation = recorded.cancellation
    document = {
        "id": payment["id"], "locator": payment["locator"], "uuid": str(payment["uuid"]), "number": payment["number"],
        "customerId": payment["customer_id"], "currency": currency,
        "amountInMajorCurrency": to_major(payment["amount_minor"], currency),
        "unallocatedInMajorCurrency": to_major(payment["unallocated_minor"], currency),
        "status": payment["status"].value, "paymentMethod": payment["payment_method"].value,
        "typeId": payment["type_id"], "categoryId": payment["category_id"],
        "tenders": [{"method": t["method"], "processor": t.get("processor"), "reference": t.get("reference"),
                     "amountInMajorCurrency": to_major(int(t["amountMinor"]), currency)} for t in payment["tenders"]],
        "referenceNumber": payment["reference_number"], "backOfficeCode": payment["back_office_code"],
        "receivedOn": payment["received_on"].isoformat(), "issuedOn": payment["issued_on"].isoformat(),
        "postedOn": payment["posted_on"].isoformat() if payment["posted_on"] else None,
        "notes": payment["notes"], "rejectionReason": payment["rejection_reason"],
        "rejectionReasonId": payment["rejection_reason_id"], "receivedByUser": payment["received_by_user"],
        "receivedByUnit": payment["received_by_unit"], "invoicesToPay": list(payment["invoices_to_pay"]),
        "billsToPay": list(payment["bills_to_pay"]),
        "allocations": [{"invoiceId": a.invoice_id, "amountInMajorCurrency": a.amount.amount}
                        for a in recorded.allocations],
        "cancellation": None if cancellation is None else {
            "id": cancellation["id"], "number": cancellation["number"], "typeId": cancellation["type_id"],
            "categoryId": cancellation["category_id"], "postedOn": cancellation["posted_on"].isoformat(),
            "amountInMajorCurrency": to_major(cancellation["amount_minor"], currency),
            "notes": cancellation["notes"], "issueReason": cancellation["issue_reason"]},
        "customAttributes": list(payment["custom_attributes"]), "thirdPartyStatus": payment["third_party_status"],
        "version": payment["version"], "createdBy": payment["created_by"], "updatedBy": payment["updated_by"],
        "createdAt": _timestamp(payment["created_at"]), "updatedAt": _timestamp(payment["updated_at"]),
    }
    for name, wire_name in _UDF_WIRE.items():
        value = payment[name]
        document[wire_name] = value.isoformat() if isinstance(value, dt.date) else value
    return document


_UDF_WIRE = {name: to_camel(name) for name in UDF_FIELDS}


class PaymentDetails(UdfFields, WireInput):
    """Fields every way of creating a payment accepts."""

    received_on: dt.date | None = Field(default=None, description="Defaults to today (UTC)")
    notes: str | None = Field(default=None, max_length=2000, examples=["Paid at the counter"])
    reference_number: str | None = Field(default=None, max_length=100, examples=["REF-42"])
    back_office_code: str | None = Field(default=None, max_length=100, examples=["BO-42"])
    received_by_user: str | None = Field(default=None, max_length=100)
    received_by_unit: str | None = Field(default=None, max_length=100)
    type_id: int | None = Field(default=None, examples=[1],
                                description="A financial transaction type classified PAYMENT; the tenant's default "
                                "PAYMENT type when left out")
    category_id: int | None = Field(default=None, examples=[1], description="A financial transaction category")
    custom_attributes: list[CustomAttribute] = Field(default_factory=list, max_length=50)

    def details(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in (
            "received_on", "notes", "reference_number", "back_office_code", "received_by_user", "received_by_unit",
            "type_id", "category_id", *UDF_FIELDS)}
        values["custom_attributes"] = [attribute.model_dump() for attribute in self.custom_attributes]
        return values


class PaymentCreate(PaymentDetails):
    customer_id: int = Field(examples=[1])
    amount_in_major_currency: Decimal = Field(gt=0, le=MAX_AMOUNT, examples=[120.50])
    payment_method: PaymentMethod = Field(examples=["CHEQUE"])
    status: PaymentStatus = Field(default=PaymentStatus.DRAFT, description="DRAFT (default) or POSTED")
    invoices_to_pay: list[int] = Field(default_factory=list, max_length=1000,
                                       description="Invoices to pay first, in this order")
    bills_to_pay: list[int] = Field(default_factory=list, max_length=1000)
    tenders: list[TenderInput] | None = Field(default=None, max_length=20,
                                              description="Defaults to one tender of the whole amount")


class PaymentUpdate(PaymentDetails):
    """What a JSON Patch may change on a DRAFT payment."""

    customer_id: int
    amount_in_major_currency: Decimal = Field(gt=0, le=MAX_AMOUNT, examples=[120.50])
    payment_method: PaymentMethod
    invoices_to_pay: list[int] = Field(default_factory=list, max_length=1000)
    bills_to_pay: list[int] = Field(default_factory=list, max_length=1000)


# Read-only beside the common ones: set by the life cycle or derived.
_PAYMENT_READ_ONLY = ("/customerId", "/currency", "/unallocatedInMajorCurrency", "/status", "/tenders",
                      "/issuedOn", "/postedOn", "/rejectionReason", "/rejectionReasonId", "/allocations",
                      "/cancellation",
                      "/thirdPartyStatus", "/createdBy", "/updatedBy")
_PAYMENT_FIELD_ATTRIBUTES = {"amountInMajorCurrency": "amount", "paymentMethod": "payment_method",
                             "invoicesToPay": "invoices_to_pay", "billsToPay": "bills_to_pay",
                             "customAttributes": "custom_attributes"}


class PayInvoice(PaymentDetails):
    payment_method: PaymentMethod = Field(examples=["BACS"])


class PayBill(PayInvoice):
    """Each check digit is required when the bill has it."""

    bill_number_check_digit: int | None = Field(default=None, ge=0, le=99, examples=[7])
    accounts_receivable_check_digit: int | None = Field(default=None, ge=0, le=99, examples=[3])
    bill_amount_check_digit: int | None = Field(default=None, ge=0, le=99, examples=[9])


class Rejection(WireInput):
    """A rejection reason entry, a free-text reason, or both (the text defaults to the entry's name)."""

    rejection_reason_id: int | None = Field(default=None, examples=[1])
    reason: str | None = Field(default=None, min_length=1, max_length=255, examples=["Cheque bounced"])


class CancellationRequest(WireInput):
    notes: str | None = Field(default=None, max_length=2000)
    issue_reason: str | None = Field(default=None, max_length=255, examples=["Customer dispute"])
    type_id: int | None = Field(default=None, examples=[2], description="A financial transaction type classified "
                                "PAYMENT_CANCELLATION; the tenant's default one when left out")
    category_id: int | None = Field(default=None, description="Defaults to the payment's category")


def _details(body: "PaymentDetails", third_party_status: str | None = None) -> PaymentDetailsValue:
    return PaymentDetailsValue(
        received_on=body.received_on, notes=body.notes, reference_number=body.reference_number,
        back_office_code=body.back_office_code, received_by_user=body.received_by_user,
        received_by_unit=body.received_by_unit, transaction_type=body.type_id, category=body.category_id,
        custom_attributes=tuple(attribute.model_dump() for attribute in body.custom_attributes),
        user_fields={name: getattr(body, name) for name in UDF_FIELDS}, third_party_status=third_party_status)


def render_payment(recorded: RecordedPayment, *, status_code: int = 200) -> Response:
    return WireJSONResponse(payment_wire(recorded), status_code=status_code,
                            headers={"ETag": etag(recorded.payment["version"])})


def recorded_payment(session: Session, guard: IdempotencyGuard, recorded: RecordedPayment, *,
                     status_code: int = 200) -> Response:
    headers = {"ETag": etag(recorded.payment["version"])}
    if status_code == 201:
        headers["Location"] = f"/v1/payments/{recorded.id}"
    return record_answer(session, guard, payment_wire(recorded), status_code=status_code, headers=headers)


LISTING = Listing(
    repository.PAYMENT_COLUMNS,
    sortable=("id", "number", "status", "amountInMajorCurrency", "receivedOn", "postedOn", "createdAt"),
    filters=[
        Filter("id", "Filter by payment identifier"),
        Filter("customerId", "Filter by customer"),
        Filter("status", "Filter by life-cycle status"),
        Filter("paymentMethod", "Filter by payment method"),
        Filter("typeId", "Filter by financial transaction type"),
        Filter("categoryId", "Filter by financial transaction category"),
        Filter("number", "Filter by payment number"),
        Filter("referenceNumber", "Filter by reference number"),
        Filter("backOfficeCode", "Filter by back office code"),
        Filter("currency", "Filter by ISO 4217 currency"),
        Filter("receivedOn", "Filter by received date"),
        Filter("postedOn", "Filter by posted date"),
        Filter("createdAt", "Filter by creation date"),
        Filter("amountInMajorCurrency", "Filter by amount"),
    ],
    fields=(
        "id", "locator", "uuid", "number", "customerId", "currency", "amountInMajorCurrency",
        "unallocatedInMajorCurrency", "status", "paymentMethod", "typeId", "categoryId", "tenders", "referenceNumber",
        "backOfficeCode", "receivedOn", "issuedOn", "postedOn", "notes", "rejectionReason", "rejectionReasonId",
        "receivedByUser", "receivedByUnit",
        "invoicesToPay", "billsToPay", "allocations", "cancellation", "customAttributes", "thirdPartyStatus",
        "udfString1", "udfString2", "udfString3", "udfString4", "udfString5", "udfString6", "udfString7",
        "udfString8", "udfFloat1", "udfFloat2", "udfFloat3", "udfFloat4", "udfDate1", "udfDate2", "udfDate3",
        "udfDate4", "version", "createdBy", "updatedBy", "createdAt", "updatedAt",
    ),
)
Resource("/payments", "payment", "payments", Payment, LISTING, service.list_payments, service.count_payments,
         scope_group="payments").add_routes(router)


@router.post("/payments", status_code=201, response_model=Payment, responses=error_responses(400, 409),
             summary="Create a payment, DRAFT or POSTED (posting allocates it)")
def create_payment(body: PaymentCreate, session: SessionDep, guard: IdempotencyDep, tenant: TenantDep,
                   principal: Annotated[Principal, Depends(require("payments.write"))]) -> Response:
    tenders = None if body.tenders is None else tuple(
        TenderValue(method=tender.method, amount=tender.amount_in_major_currency, processor=tender.processor,
               reference=tender.reference) for tender in body.tenders)
    recorded = service.record_payment(session, tenant=tenant, actor=principal.subject, new=NewPayment(
        customer=CustomerRef(id=body.customer_id), amount=body.amount_in_major_currency,
        payment_method=body.payment_method, post=body.status is PaymentStatus.POSTED,
        intended_invoices=tuple(InvoiceRef(id=each) for each in body.invoices_to_pay),
        intended_bills=tuple(BillRef(id=each) for each in body.bills_to_pay), tenders=tenders,
        details=_details(body)))
    return recorded_payment(session, guard, recorded, status_code=201)


@router.get("/payments/{payment_id}", response_model=Payment, responses=error_responses(400, 404),
            summary="Get a payment with its allocations and cancellation")
def get_payment(payment_id: PaymentId, session: SessionDep,
                principal: Annotated[Principal, Depends(require("payments.read"))]) -> Response:
    return render_payment(service.payment(session, tenant_id=principal.tenant_id, payment=PaymentRef(id=payment_id)))


@router.patch("/payments/{payment_id}", response_model=Payment,
              responses=error_responses(400, 404, 409, 412), summary="Update a DRAFT payment with JSON Patch")
def patch_payment(request: Request, payment_id: PaymentId, session: SessionDep, tenant: TenantDep,
                  operations: Annotated[list[PatchOperation], Body(**JSON_PATCH_BODY)],
                  principal: Annotated[Principal, Depends(require("payments.write"))]) -> Response:
    current = service.payment(session, tenant_id=tenant.tenant_id, payment=PaymentRef(id=payment_id))
    check_if_match(request, current.payment["version"])
    patched, changed = patched_input(payment_wire(current), operations, PaymentUpdate, read_only=_PAYMENT_READ_ONLY)
    values = patched.details()  # type: ignore[attr-defined]
    values.update(amount=patched.amount_in_major_currency,  # type: ignore[attr-defined]
                  payment_method=patched.payment_method, invoices_to_pay=patched.invoices_to_pay,  # type: ignore[attr-defined]
                  bills_to_pay=patched.bills_to_pay)  # type: ignore[attr-defined]
    wire_to_attribute = {**{to_camel(name): name for name in values}, **_PAYMENT_FIELD_ATTRIBUTES}
    changes = {wire_to_attribute[name]: values[wire_to_attribute[name]] for name in changed if name in wire_to_attribute}
    recorded = service.update_draft_payment(session, tenant=tenant, payment=PaymentRef(id=payment_id),
                                            changes=changes, actor=principal.subject)
    return render_payment(recorded)


@router.post("/payments/{payment_id}/post", response_model=Payment, responses=error_responses(400, 404, 409),
             summary="Post a DRAFT payment, allocating it")
def post_payment(payment_id: PaymentId, session: SessionDep, guard: IdempotencyDep, tenant: TenantDep,
                 principal: Annotated[Principal, Depends(require("payments.write"))]) -> Response:
    recorded = service.post_payment(session, tenant=tenant, payment=PaymentRef(id=payment_id), actor=principal.subject)
    return recorded_payment(session, guard, recorded)


@router.post("/payments/{payment_id}/reject", response_model=Payment,
             responses=error_responses(400, 404, 409), summary="Reject a DRAFT payment with a reason")
def reject_payment(payment_id: PaymentId, body: Rejection, session: SessionDep, guard: IdempotencyDep,
                   tenant: TenantDep, principal: Annotated[Principal, Depends(require("payments.write"))]) -> Response:
    recorded = service.reject_payment(session, tenant=tenant, payment=PaymentRef(id=payment_id), reason=body.reason,
                                      reason_id=body.rejection_reason_id, actor=principal.subject)
    return recorded_payment(session, guard, recorded)


@router.post("/payments/{payment_id}/cancel", response_model=Payment,
             responses=error_responses(400, 404, 409),
             summary="Cancel a POSTED payment: a posted Payment Cancellation reverses its allocations")
def cancel_payment(payment_id: PaymentId, session: SessionDep, guard: IdempotencyDep, tenant: TenantDep,
                   principal: Annotated[Principal, Depends(require("payments.write"))],
                   body: Annotated[CancellationRequest | None, Body(examples=[{"issueReason": "Customer dispute"}])] = None) -> Response:
    body = body or CancellationRequest()
    recorded = service.cancel_payment(
        session, tenant=tenant, payment=PaymentRef(id=payment_id), actor=principal.subject,
        cancellation=CancellationValue(notes=body.notes, issue_reason=body.issue_reason, transaction_type=body.type_id,
                                       category=body.category_id))
    return recorded_payment(session, guard, recorded)


@router.post("/invoices/{invoice_id}/pay", status_code=201, response_model=Payment,
             responses=error_responses(400, 404, 409),
             summary="Pay exactly what an invoice still owes with a posted payment")
def pay_invoice(invoice_id: Annotated[int, Path(description="Invoice identifier", examples=[1])], body: PayInvoice,
                session: SessionDep, guard: IdempotencyDep, tenant: TenantDep,
                principal: Annotated[Principal, Depends(require("payments.write"))]) -> Response:
    recorded = service.pay_invoice(session, tenant=tenant, invoice=InvoiceRef(id=invoice_id),
                                   payment_method=body.payment_method, details=_details(body), actor=principal.subject)
    return recorded_payment(session, guard, recorded, status_code=201)


@router.post("/bills/{bill_id}/pay", status_code=201, response_model=Payment,
             responses=error_responses(400, 404, 409),
             summary="Pay exactly what a bill still owes with a posted payment")
def pay_bill(bill_id: Annotated[int, Path(description="Bill identifier", examples=[1])], body: PayBill,
             session: SessionDep, guard: IdempotencyDep, tenant: TenantDep,
             principal: Annotated[Principal, Depends(require("payments.write"))]) -> Response:
    recorded = service.pay_bill(session, tenant=tenant, bill=BillRef(id=bill_id), payment_method=body.payment_method,
                                check_digits=BillCheckDigits(body.bill_number_check_digit, body.accounts_receivable_check_digit,
                                                             body.bill_amount_check_digit),
                                details=_details(body), actor=principal.subject)
    return recorded_payment(session, guard, recorded, status_code=201)
