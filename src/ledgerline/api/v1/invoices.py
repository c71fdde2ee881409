"""/v1/invoices."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import Field, field_validator
from sqlalchemy.orm import Session

from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource
from ledgerline.api.v1.responses import render_recorded
from ledgerline.api.v1.schemas import Amount, Timestamp, WireInput, WireModel, error_responses, major, minor_from_wire
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.invoices import repository, service
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.models import Invoice as InvoiceEntity
from ledgerline.models.enums import BillRunType, InvoicePaymentStatus, InvoiceStatus

router = APIRouter(tags=["invoices"], route_class=WireRoute)

InvoiceId = Annotated[int, Path(description="Invoice identifier", examples=[1])]

# Below ten thousand million major units: sums of many invoices stay far inside int64 minor units.
MAX_TOTAL = Decimal("10000000000")


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


class Invoice(WireModel):
    id: int = Field(examples=[1])
    locator: str = Field(description="ULID locator", examples=["01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])
    uuid: uuid.UUID
    number: str = Field(examples=["INV-0000001"])
    customer_id: int = Field(examples=[1])
    bill_run_type: BillRunType
    bill_run_id: int | None = Field(examples=[3])
    bill_id: int | None = Field(examples=[2])
    issue_date: dt.date = Field(examples=["2024-05-01"])
    due_date: dt.date = Field(examples=["2024-05-31"])
    currency: str = Field(description="The customer's currency", examples=["GBP"])
    total_in_major_currency: Amount
    outstanding_in_major_currency: Amount = Field(description="0 until the invoice is posted and once cancelled")
    status: InvoiceStatus
    payment_status: InvoicePaymentStatus = Field(description="NA while DRAFT or CANCELLED")
    reference_number: str | None
    back_office_code: str | None
    posted_at: Timestamp | None
    cancelled_at: Timestamp | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, entity: InvoiceEntity) -> "Invoice":
        return cls(
            id=entity.id, locator=entity.locator, uuid=entity.uuid, number=entity.number,
            customer_id=entity.customer_id, bill_run_type=entity.bill_run_type, bill_run_id=entity.bill_run_id,
            bill_id=entity.bill_id, issue_date=entity.issue_date, due_date=entity.due_date,
            currency=entity.currency, total_in_major_currency=major(entity.total_minor, entity.currency),
            outstanding_in_major_currency=major(entity.outstanding_minor, entity.currency),
            status=entity.status, payment_status=entity.payment_status, reference_number=entity.reference_number,
            back_office_code=entity.back_office_code, posted_at=entity.posted_at, cancelled_at=entity.cancelled_at,
            version=entity.version, created_at=entity.created_at, updated_at=entity.updated_at,
        )


class InvoiceUpdate(WireInput):
    """The writable fields of an invoice (all of them while DRAFT)."""

    customer_id: int = Field(examples=[1])
    bill_run_type: BillRunType = Field(default=BillRunType.NORMAL, examples=["NORMAL"])
    bill_run_id: int | None = Field(default=None, description="An OPEN bill run of the same type", examples=[3])
    bill_id: int | None = Field(default=None, description="A bill of the same customer", examples=[2])
    issue_date: dt.date = Field(default_factory=_today, description="Defaults to today (UTC)",
                                examples=["2024-05-01"])
    due_date: dt.date | None = Field(default=None, description="On or after issueDate; defaults to it",
                                     examples=["2024-05-31"])
    total_in_major_currency: Decimal = Field(ge=0, lt=MAX_TOTAL, examples=[120.5],
                                             description="At most the currency's decimal places")
    reference_number: str | None = Field(default=None, max_length=100, examples=["PO-4471"])
    back_office_code: str | None = Field(default=None, min_length=1, max_length=100,
                                         description="Unique per tenant", examples=["BO-2024-0001"])

    def attributes(self, currency: str) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id, "bill_run_type": self.bill_run_type, "bill_run_id": self.bill_run_id,
            "bill_id": self.bill_id, "issue_date": self.issue_date, "due_date": self.due_date or self.issue_date,
            "total_minor": minor_from_wire("totalInMajorCurrency", self.total_in_major_currency, currency),
            "reference_number": self.reference_number, "back_office_code": self.back_office_code,
        }


class InvoiceCreate(InvoiceUpdate):
    status: InvoiceStatus = Field(default=InvoiceStatus.DRAFT, description="DRAFT or POSTED", examples=["DRAFT"])

    @field_validator("status")
    @classmethod
    def _draft_or_posted(cls, value: InvoiceStatus) -> InvoiceStatus:
        if value is InvoiceStatus.CANCELLED:
            raise ValueError("an invoice is created DRAFT or POSTED")
        return value


_INVOICE_ATTRIBUTES = {
    "customerId": "customer_id", "billRunType": "bill_run_type", "billRunId": "bill_run_id", "billId": "bill_id",
    "issueDate": "issue_date", "dueDate": "due_date", "totalInMajorCurrency": "total_minor",
    "referenceNumber": "reference_number", "backOfficeCode": "back_office_code",
}
_READ_ONLY = ("/currency", "/outstandingInMajorCurrency", "/status", "/paymentStatus", "/postedAt", "/cancelledAt")

WritePrincipal = Annotated[Principal, Depends(require("invoices.write"))]

LISTING = Listing(
    repository.INVOICE_COLUMNS,
    sortable=("id", "number", "issueDate", "dueDate", "totalInMajorCurrency", "outstandingInMajorCurrency", "status",
              "createdAt"),
    filters=[
        Filter("id", "Filter by invoice identifier"),
        Filter("customerId", "Filter by customer"),
        Filter("billRunType", "Filter by bill run type"),
        Filter("billRunId", "Filter by bill run"),
        Filter("billId", "Filter by bill"),
        Filter("status", "Filter by life-cycle status"),
        Filter("paymentStatus", "Filter by payment status"),
        Filter("issueDate", "Filter by issue date"),
        Filter("dueDate", "Filter by due date"),
        Filter("number", "Filter by invoice number"),
        Filter("referenceNumber", "Filter by reference number"),
        Filter("backOfficeCode", "Filter by back-office code"),
        Filter("currency", "Filter by ISO 4217 currency"),
        Filter("totalInMajorCurrency", "Filter by total"),
        Filter("outstandingInMajorCurrency", "Filter by outstanding amount"),
    ],
    fields=(
        "id", "locator", "uuid", "number", "customerId", "billRunType", "billRunId", "billId", "issueDate",
        "dueDate", "currency", "totalInMajorCurrency", "outstandingInMajorCurrency", "status", "paymentStatus",
        "referenceNumber", "backOfficeCode", "postedAt", "cancelledAt", "version", "createdAt", "updatedAt",
    ),
)


def _get(session: Session, tenant_id: uuid.UUID, invoice_id: int, for_update: bool) -> InvoiceEntity:
    return service.get_invoice(session, tenant_id=tenant_id, invoice_id=invoice_id, for_update=for_update)


def _create(session: Session, tenant_id: uuid.UUID, body: InvoiceCreate) -> InvoiceEntity:
    customer = service.customer_for_invoice(session, tenant_id=tenant_id, customer_id=body.customer_id)
    return service.create_invoice(session, tenant_id=tenant_id, status=body.status,
                                  **body.attributes(customer.currency))


def _update(session: Session, tenant_id: uuid.UUID, invoice: InvoiceEntity, update: InvoiceUpdate,
            changed: set[str]) -> InvoiceEntity:
    if "customerId" in changed:
        # A new customer brings its currency: the same major-unit total is re-read in it.
        changed.add("totalInMajorCurrency")
    currency = invoice.currency
    if update.customer_id != invoice.customer_id:
        currency = service.customer_for_invoice(session, tenant_id=tenant_id, customer_id=update.customer_id).currency
    attributes = update.attributes(currency)
    changes = {_INVOICE_ATTRIBUTES[name]: attributes[_INVOICE_ATTRIBUTES[name]] for name in changed}
    return service.update_invoice(session, invoice=invoice, changes=changes)


INVOICES = Resource(
    "/invoices", "invoice", "invoices", Invoice, LISTING, service.list_invoices, service.count_invoices,
    scope_group="invoices", get_item=_get, create_schema=InvoiceCreate, create_item=_create,
    update_schema=InvoiceUpdate, update_item=_update, read_only=_READ_ONLY,
    delete_item=lambda session, invoice: service.delete_invoice(session, invoice=invoice), lock_to_delete=True,
    summaries={"create": "Create an invoice, DRAFT unless POSTED is asked for",
               "patch": "Update an invoice with JSON Patch (after DRAFT only its references)",
               "delete": "Delete a DRAFT invoice"},
)
INVOICES.add_routes(router)


@router.post("/invoices/{invoice_id}/post", response_model=Invoice, responses=error_responses(400, 404, 409),
             summary="Post a DRAFT invoice: its whole total becomes outstanding")
def post_invoice(invoice_id: InvoiceId, session: SessionDep, guard: IdempotencyDep,
                 principal: WritePrincipal) -> Response:
    invoice = service.post_invoice(session, tenant_id=principal.tenant_id, invoice_id=invoice_id)
    return render_recorded(session, guard, Invoice.of(invoice))


@router.post("/invoices/{invoice_id}/cancel", response_model=Invoice,
             responses=error_responses(400, 404, 409),
             summary="Cancel a DRAFT or POSTED invoice that has no money allocated")
def cancel_invoice(invoice_id: InvoiceId, session: SessionDep, guard: IdempotencyDep,
                   principal: WritePrincipal) -> Response:
    invoice = service.cancel_invoice(session, tenant_id=principal.tenant_id, invoice_id=invoice_id)
    return render_recorded(session, guard, Invoice.of(invoice))
