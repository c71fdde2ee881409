"""Seed 004's payment objects as this surface renders them: the full one (show, list, get_latest) and the
short one (the POSTs). Dates are ``yyyy-MM-dd``, timestamps ISO 8601 (UTC), amounts exact decimals in the
payment's currency. What Ledgerline does not model is always ``null`` (an object) or ``[]`` (a set):
voucher, card, payment_preference, accounting_period_information, received_by_unit,
received_by_business_unit, products_to_pay_set, and the units and business units of log_information.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pycountry
from pydantic import BaseModel, Field

from ledgerline.api.crm.envelope import Status
from ledgerline.api.wire import Amount
from ledgerline.kit.money import to_major
from ledgerline.models.enums import PaymentStatus
from ledgerline.payments.values import USER_FIELDS, PaymentRelations, RecordedPayment

ONE = Decimal("1")


def _day(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()


def _timestamp(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.timezone.utc).isoformat()


def currency_rate_period(currency: str, since: dt.date | None) -> dict[str, Any]:
    """Ledgerline keeps every amount in its customer's currency: the period is that currency at rate 1.
    The currency's id is its ISO 4217 numeric code; no symbols are known (null)."""
    known = pycountry.currencies.get(alpha_3=currency)
    return {
        "id": None, "rate": ONE, "inverse_rate": ONE, "from_date": _day(since), "to_date": None,
        "currency": {"id": int(known.numeric) if known else None, "code": currency, "prefix_symbol": None,
                     "suffix_symbol": None, "life_cycle_state": "EFFECTIVE",
                     "integer_part_name": known.name if known else None, "decimal_part_name": None},
    }


def short_payment(payment: Mapping[str, Any]) -> dict[str, Any]:
    """Seed 004's short payment object."""
    return {
        "id": payment["id"], "number": payment["number"], "reference_number": payment["reference_number"],
        "life_cycle_state": payment["status"].value, "issued_on": _day(payment["issued_on"]),
        "posted_on": _day(payment["posted_on"]), "payment_amount": to_major(payment["amount_minor"], payment["currency"]),
        "processed_by_payment_gateway": payment["third_party_status"] is not None,
        "payment_gateway_reference_number": None,
        "currency_rate_period": currency_rate_period(payment["currency"], payment["issued_on"]),
    }


def payment_cancellation(cancellation: Mapping[str, Any]) -> dict[str, Any]:
    """The posted Payment Cancellation (seed 004): dated the day it was posted."""
    return {
        "id": cancellation["id"], "number": cancellation["number"], "reference_number": None,
        "life_cycle_state": "POSTED", "issued_on": _day(cancellation["posted_on"]),
        "posted_on": _day(cancellation["posted_on"]),
        "payment_amount": to_major(cancellation["amount_minor"], cancellation["currency"]),
        "processed_by_payment_gateway": False, "payment_gateway_reference_number": None,
    }


def _entry(row: Mapping[str, Any] | None, *names: str) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"id": row["id"], **{name: (row[name].value if hasattr(row[name], "value") else row[name])
                                for name in names}}


def _user(relations: PaymentRelations, username: str | None) -> dict[str, Any] | None:
    """A user by username (payments record who by username); one that no longer exists keeps its name."""
    if username is None:
        return None
    row = relations.users.get(username)
    return {"id": row["id"] if row else None, "username": username, "person_name": None, "email": None}


def _invoice(row: Mapping[str, Any]) -> dict[str, Any]:
    currency = row["currency"]
    outstanding = to_major(row["outstanding_minor"], currency)
    return {
        "id": row["id"], "number": row["number"], "reference_number": row["reference_number"],
        "life_cycle_state": row["status"].value, "issued_on": _day(row["issue_date"]),
        "posted_on": _day(row["posted_at"]), "due_on": _day(row["due_date"]),
        "total_amount": to_major(row["total_minor"], currency), "outstanding_amount": outstanding,
        # Nothing is counted as unsettled beyond what is outstanding (pending collections settle nothing).
        "unsettled_amount": outstanding, "currency_rate_period": currency_rate_period(currency, row["issue_date"]),
    }


def _bill(row: Mapping[str, Any]) -> dict[str, Any]:
    currency, total, outstanding = row["currency"], row["total_minor"], row["outstanding_minor"]
    if total is None:
        status = "UNSETTLED"
    else:
        status = "SETTLED" if outstanding == 0 else "UNSETTLED" if outstanding == total else "PARTIALLY_SETTLED"
    return {
        "id": row["id"], "number": row["number"], "life_cycle_state": "POSTED",
        "from_date": _day(row["period_start"]), "to_date": _day(row["period_end"]), "due_date": _day(row["due_date"]),
        "total_billed_amount": to_major(int(total or 0), currency),
        "total_amount_to_be_paid": to_major(int(outstanding or 0), currency), "bill_status": status,
        "currency": currency,
    }


def full_payment(recorded: RecordedPayment, relations: PaymentRelations) -> dict[str, Any]:
    """Seed 004's payment object, every nested object the ledger knows filled in."""
    payment = recorded.payment
    customer = relations.customers.get(payment["customer_id"])
    document = short_payment(payment)
    document.update({
        "received_on": _day(payment["received_on"]), "notes": payment["notes"],
        "back_office_code": payment["back_office_code"],
        **{name: (_day(payment[name]) if name.startswith("udf_date") else payment[name]) for name in USER_FIELDS},
        "accounts_receivable": None if customer is None else {
            "id": customer["id"], "number": customer["number"], "name": customer["name"],
            "life_cycle_state": customer["status"].value, "account_owner": None},
        "voucher": None,
        "type": _entry(relations.transaction_types.get(payment["type_id"]), "name", "alternative_code", "description",
                       "classification"),
        "category": _entry(relations.categories.get(payment["category_id"]), "name", "code", "description"),
        "payment_method": _entry(relations.payment_methods.get(payment["payment_method"]), "name", "alternative_code",
                                 "description"),
        "received_by_user": _user(relations, payment["received_by_user"]),
        "received_by_unit": None, "received_by_business_unit": None,
        "rejection_reason": _rejection_reason(payment, relations),
        "card": None, "payment_preference": None, "accounting_period_information": None,
        "invoices_to_pay_set": _invoices_to_pay(recorded, relations),
        "bills_to_pay_set": [_bill(relations.bills[bill_id]) for bill_id in payment["bills_to_pay"]
                             if bill_id in relations.bills],
        "products_to_pay_set": [],
        "bills_paid": [{"id": bill_id, "number": number} for bill_id, number in relations.bills_paid.get(payment["id"], ())],
        "payment_cancellation": None if recorded.cancellation is None else payment_cancellation(recorded.cancellation),
        "log_information": {
            "created_date": _timestamp(payment["created_at"]), "updated_date": _timestamp(payment["updated_at"]),
            "created_by_unit": None, "created_by_business_unit": None,
            "created_by_user": _user(relations, payment["created_by"]),
            "updated_by_unit": None, "updated_by_business_unit": None,
            "updated_by_user": _user(relations, payment["updated_by"]),
        },
    })
    return document


def _invoices_to_pay(recorded: RecordedPayment, relations: PaymentRelations) -> list[dict[str, Any]]:
    """The invoices the payment was meant for, then the others it pays (allocated oldest first when posted).
    ``amount_paid`` (a Ledgerline extension) is the payment's live allocation to each: 0 for a draft, and once
    cancelled (cancelling de-allocates)."""
    paid: dict[int, Decimal] = {}
    for line in recorded.allocations:
        paid[line.invoice_id] = paid.get(line.invoice_id, Decimal(0)) + line.amount.amount
    currency = recorded.payment["currency"]
    order = list(dict.fromkeys([*recorded.payment["invoices_to_pay"], *paid]))
    return [{**_invoice(relations.invoices[invoice_id]),
             "amount_paid": paid.get(invoice_id, to_major(0, currency))}
            for invoice_id in order if invoice_id in relations.invoices]


def _rejection_reason(payment: Mapping[str, Any], relations: PaymentRelations) -> dict[str, Any] | None:
    """The rejection reason entry; a reason given only as text (through /v1) has no id or code."""
    if payment["status"] is not PaymentStatus.REJECTED:
        return None
    entry = relations.rejection_reasons.get(payment["rejection_reason_id"])
    if entry is not None:
        return _entry(entry, "name", "alternative_code", "description")
    return {"id": None, "name": payment["rejection_reason"], "alternative_code": None, "description": None}


# Top-level fields of the full object, in the order rendered; fields_set names some of them.
FULL_FIELDS = (
    "id", "number", "reference_number", "life_cycle_state", "issued_on", "posted_on", "payment_amount",
    "processed_by_payment_gateway", "payment_gateway_reference_number", "currency_rate_period", "received_on",
    "notes", "back_office_code", *USER_FIELDS, "accounts_receivable", "voucher", "type", "category", "payment_method",
    "received_by_user", "received_by_unit", "received_by_business_unit", "rejection_reason", "card",
    "payment_preference", "accounting_period_information", "invoices_to_pay_set", "bills_to_pay_set",
    "products_to_pay_set", "bills_paid", "payment_cancellation", "log_information",
)


# --- the OpenAPI schemas of the documents above (every field optional: fields_set selects some) -----------

class Currency(BaseModel):
    id: int | None = Field(default=None, description="ISO 4217 numeric code", examples=[826])
    code: str | None = Field(default=None, examples=["GBP"])
    prefix_symbol: str | None = None
    suffix_symbol: str | None = None
    life_cycle_state: str | None = Field(default=None, examples=["EFFECTIVE"])
    integer_part_name: str | None = Field(default=None, examples=["Pound Sterling"])
    decimal_part_name: str | None = None


class CurrencyRatePeriod(BaseModel):
    id: int | None = None
    rate: Amount | None = Field(default=None, description="Always 1: amounts are in the customer's currency")
    inverse_rate: Amount | None = None
    from_date: dt.date | None = None
    to_date: dt.date | None = None
    currency: Currency | None = None


class ShortPayment(BaseModel):
    id: int | None = Field(default=None, examples=[1])
    number: str | None = Field(default=None, examples=["PAY-0000001"])
    reference_number: str | None = None
    life_cycle_state: PaymentStatus | None = None
    issued_on: dt.date | None = None
    posted_on: dt.date | None = None
    payment_amount: Amount | None = None
    processed_by_payment_gateway: bool | None = None
    payment_gateway_reference_number: str | None = None
    currency_rate_period: CurrencyRatePeriod | None = None


class PaymentCancellation(BaseModel):
    id: int | None = None
    number: str | None = Field(default=None, examples=["PCN-0000001"])
    reference_number: str | None = None
    life_cycle_state: str | None = Field(default=None, examples=["POSTED"])
    issued_on: dt.date | None = None
    posted_on: dt.date | None = None
    payment_amount: Amount | None = None
    processed_by_payment_gateway: bool | None = None
    payment_gateway_reference_number: str | None = None


class AccountsReceivable(BaseModel):
    id: int | None = None
    number: str | None = None
    name: str | None = None
    life_cycle_state: str | None = Field(default=None, examples=["ACTIVE"])
    account_owner: None = Field(default=None, description="Not modelled: always null")


class ReferenceEntry(BaseModel):
    id: int | None = None
    name: str | None = None
    alternative_code: str | None = None
    code: str | None = None
    description: str | None = None
    classification: str | None = None


class User(BaseModel):
    id: int | None = None
    username: str | None = None
    person_name: str | None = Field(default=None, description="Not modelled: always null")
    email: str | None = Field(default=None, description="Not modelled: always null")


class CrmInvoice(BaseModel):
    id: int | None = None
    number: str | None = None
    reference_number: str | None = None
    life_cycle_state: str | None = None
    issued_on: dt.date | None = None
    posted_on: dt.date | None = None
    due_on: dt.date | None = None
    total_amount: Amount | None = None
    outstanding_amount: Amount | None = None
    unsettled_amount: Amount | None = None
    currency_rate_period: CurrencyRatePeriod | None = None
    amount_paid: Amount | None = Field(default=None, description="Ledgerline extension: this payment's live "
                                       "allocation to the invoice")


class CrmBill(BaseModel):
    id: int | None = None
    number: str | None = None
    life_cycle_state: str | None = None
    from_date: dt.date | None = None
    to_date: dt.date | None = None
    due_date: dt.date | None = None
    total_billed_amount: Amount | None = None
    total_amount_to_be_paid: Amount | None = None
    bill_status: str | None = None
    currency: str | None = None


class BillPaid(BaseModel):
    id: int | None = None
    number: str | None = None


class LogInformation(BaseModel):
    created_date: dt.datetime | None = None
    updated_date: dt.datetime | None = None
    created_by_unit: None = None
    created_by_business_unit: None = None
    created_by_user: User | None = None
    updated_by_unit: None = None
    updated_by_business_unit: None = None
    updated_by_user: User | None = None


class FullPayment(ShortPayment):
    received_on: dt.date | None = None
    notes: str | None = None
    back_office_code: str | None = None
    udf_string_1: str | None = None
    udf_string_2: str | None = None
    udf_string_3: str | None = None
    udf_string_4: str | None = None
    udf_string_5: str | None = None
    udf_string_6: str | None = None
    udf_string_7: str | None = None
    udf_string_8: str | None = None
    udf_float_1: Amount | None = None
    udf_float_2: Amount | None = None
    udf_float_3: Amount | None = None
    udf_float_4: Amount | None = None
    udf_date_1: dt.date | None = None
    udf_date_2: dt.date | None = None
    udf_date_3: dt.date | None = None
    udf_date_4: dt.date | None = None
    accounts_receivable: AccountsReceivable | None = None
    voucher: None = Field(default=None, description="Not modelled: always null")
    type: ReferenceEntry | None = None
    category: ReferenceEntry | None = None
    payment_method: ReferenceEntry | None = None
    received_by_user: User | None = None
    received_by_unit: None = Field(default=None, description="Units are not modelled: always null")
    received_by_business_unit: None = Field(default=None, description="Not modelled: always null")
    rejection_reason: ReferenceEntry | None = None
    card: None = Field(default=None, description="Not modelled: always null")
    payment_preference: None = Field(default=None, description="Not modelled: always null")
    accounting_period_information: None = Field(default=None, description="Not modelled: always null")
    invoices_to_pay_set: list[CrmInvoice] | None = None
    bills_to_pay_set: list[CrmBill] | None = None
    products_to_pay_set: list[dict[str, Any]] | None = Field(default=None, description="Not modelled: always []")
    bills_paid: list[BillPaid] | None = None
    payment_cancellation: PaymentCancellation | None = None
    log_information: LogInformation | None = None


class PaymentEnvelope(BaseModel):
    status: Status
    data: FullPayment


class PaymentListEnvelope(BaseModel):
    status: Status
    data: list[FullPayment]


class ShortPaymentEnvelope(BaseModel):
    status: Status
    data: ShortPayment


class CancelledPayment(BaseModel):
    payment: ShortPayment
    payment_cancellation: PaymentCancellation


class CancelledPaymentEnvelope(BaseModel):
    status: Status
    data: CancelledPayment
