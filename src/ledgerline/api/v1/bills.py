"""/v1/bills."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field
from pydantic.alias_generators import to_camel
from sqlalchemy.orm import Session

from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource
from ledgerline.api.v1.schemas import Amount, Timestamp, WireInput, WireModel, major
from ledgerline.api.wire import WireRoute
from ledgerline.invoices import repository, service
from ledgerline.invoices.repository import BillView
from ledgerline.invoices.values import CHECK_DIGIT_FIELDS, BillCheckDigits
from ledgerline.models import Bill as BillEntity
from ledgerline.models.enums import BillStatus

router = APIRouter(tags=["bills"], route_class=WireRoute)



class Bill(WireModel):
    id: int = Field(examples=[1])
    locator: str = Field(description="ULID locator", examples=["01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])
    uuid: uuid.UUID
    number: str = Field(examples=["BILL-0000001"])
    customer_id: int = Field(examples=[1])
    bill_number_check_digit: int | None = Field(description="Pay-bill requests must repeat it", examples=[7])
    accounts_receivable_check_digit: int | None = Field(description="Pay-bill requests must repeat it", examples=[3])
    bill_amount_check_digit: int | None = Field(description="Pay-bill requests must repeat it", examples=[9])
    period_start: dt.date | None = Field(examples=["2024-05-01"])
    period_end: dt.date | None = Field(examples=["2024-05-31"])
    status: BillStatus = Field(description="Derived from the bill's POSTED invoices: UNSETTLED while none is "
                                           "posted or nothing is paid, SETTLED when nothing is outstanding, "
                                           "else PARTIALLY_SETTLED")
    total_in_major_currency: Amount = Field(description="Sum of the bill's POSTED invoices")
    outstanding_in_major_currency: Amount = Field(description="Outstanding on the bill's POSTED invoices")
    currency: str = Field(description="The customer's currency", examples=["GBP"])
    version: int
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, view: BillView) -> "Bill":
        bill = view.bill
        return cls(
            id=bill.id, locator=bill.locator, uuid=bill.uuid, number=bill.number, customer_id=bill.customer_id,
            bill_number_check_digit=bill.bill_number_check_digit,
            accounts_receivable_check_digit=bill.accounts_receivable_check_digit,
            bill_amount_check_digit=bill.bill_amount_check_digit, period_start=bill.period_start, period_end=bill.period_end,
            status=view.status, total_in_major_currency=major(view.total_minor, view.currency),
            outstanding_in_major_currency=major(view.outstanding_minor, view.currency), currency=view.currency,
            version=bill.version, created_at=bill.created_at, updated_at=bill.updated_at,
        )


# Seed 004 types them "Number"; a check digit here is 0..99 (a mod-10 or a mod-97 scheme).
CheckDigit = Annotated[int, Field(ge=0, le=99, description="0 to 99; pay-bill requests must repeat it", examples=[7])]


class BillCreate(WireInput):
    customer_id: int = Field(examples=[1])
    bill_number_check_digit: CheckDigit | None = None
    accounts_receivable_check_digit: CheckDigit | None = None
    bill_amount_check_digit: CheckDigit | None = None
    period_start: dt.date | None = Field(default=None, examples=["2024-05-01"])
    period_end: dt.date | None = Field(default=None, description="On or after periodStart", examples=["2024-05-31"])

    def creation(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "period_start": self.period_start, "period_end": self.period_end,
                "check_digits": BillCheckDigits(**{name: getattr(self, name) for name in CHECK_DIGIT_FIELDS})}

    def attributes(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "period_start": self.period_start, "period_end": self.period_end,
                **{name: getattr(self, name) for name in CHECK_DIGIT_FIELDS}}


_BILL_ATTRIBUTES = {"customerId": "customer_id", "periodStart": "period_start", "periodEnd": "period_end",
                    **{to_camel(name): name for name in CHECK_DIGIT_FIELDS}}
_READ_ONLY = ("/status", "/totalInMajorCurrency", "/outstandingInMajorCurrency", "/currency")

LISTING = Listing(
    repository.BILL_COLUMNS,
    sortable=("id", "number", "customerId", "periodStart", "periodEnd", "createdAt"),
    filters=[
        Filter("id", "Filter by bill identifier"),
        Filter("customerId", "Filter by customer"),
        Filter("number", "Filter by bill number"),
        Filter("status", "Filter by settlement status"),
        Filter("periodStart", "Filter by period start"),
        Filter("periodEnd", "Filter by period end"),
        Filter("createdAt", "Filter by creation date"),
    ],
    fields=("id", "locator", "uuid", "number", "customerId", "billNumberCheckDigit",
            "accountsReceivableCheckDigit", "billAmountCheckDigit", "periodStart", "periodEnd", "status",
            "totalInMajorCurrency", "outstandingInMajorCurrency", "currency", "version", "createdAt", "updatedAt"),
)


def _get(session: Session, tenant_id: uuid.UUID, bill_id: int, for_update: bool) -> BillView | BillEntity:
    # Reads render the view at once; writes lock the bill and render its view afterwards.
    if for_update:
        return service.get_bill(session, tenant_id=tenant_id, bill_id=bill_id, for_update=True)
    return service.bill_view(session, tenant_id=tenant_id, bill_id=bill_id)


def _show(session: Session, tenant_id: uuid.UUID, row: BillView | BillEntity) -> Bill:
    return Bill.of(row if isinstance(row, BillView) else service.bill_view(session, tenant_id=tenant_id,
                                                                           bill_id=row.id))


def _update(session: Session, tenant_id: uuid.UUID, bill: BillEntity, patched: BillCreate,
            changed: set[str]) -> BillEntity:
    attributes = patched.attributes()
    changes = {_BILL_ATTRIBUTES[name]: attributes[_BILL_ATTRIBUTES[name]] for name in changed}
    return service.update_bill(session, bill=bill, changes=changes)


BILLS = Resource(
    "/bills", "bill", "bills", Bill, LISTING, service.list_bills, service.count_bills, scope_group="invoices",
    get_item=_get, show=_show, create_schema=BillCreate,
    create_item=lambda session, tenant_id, body: service.create_bill(session, tenant_id=tenant_id,
                                                                     **body.creation()),
    update_item=_update, read_only=_READ_ONLY,
    delete_item=lambda session, bill: service.delete_bill(session, bill=bill), lock_to_delete=True,
    summaries={"create": "Create a bill for a customer", "delete": "Delete a bill that has no invoices"},
)
BILLS.add_routes(router)
