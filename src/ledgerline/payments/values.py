"""The domain values payment use cases take and return. No wire format: every surface builds these."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ledgerline.invoices.values import BillCheckDigits
from ledgerline.kit.money import Money
from ledgerline.kit.refs import BillRef, CustomerRef, InvoiceRef
from ledgerline.models.enums import BillRunType, PaymentMethod, PaymentStatus

# Seed 004's user-defined fields of a payment.
USER_FIELDS = ([f"udf_string_{n}" for n in range(1, 9)] + [f"udf_float_{n}" for n in range(1, 5)]
               + [f"udf_date_{n}" for n in range(1, 5)])


@dataclass(frozen=True)
class Tender:
    """One way the money was handed over; a payment's tenders add up to its amount."""

    method: PaymentMethod
    amount: Decimal
    processor: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class CreditApplication:
    """Customer credit (unallocated money of earlier payments or credit adjustments) spent by a payment.

    ``credit`` names one credit to draw from; ``None`` draws from the customer's available credit, oldest
    first. Never more than what is available (else a validation error naming the field)."""

    amount: Decimal
    credit: str | None = None


@dataclass(frozen=True)
class GiftCertificateRedemption:
    """A gift certificate redeemed by a payment: drawn down by ``amount``, within its balance, currency and
    expiry; restored when the payment is cancelled."""

    code: str
    amount: Decimal


@dataclass(frozen=True)
class PaymentDetails:
    """What a payment records beside its money. ``transaction_type`` and ``category`` are reference data
    ids (the tenant's default PAYMENT type when no type is named)."""

    received_on: dt.date | None = None
    notes: str | None = None
    reference_number: str | None = None
    back_office_code: str | None = None
    received_by_user: str | None = None
    received_by_unit: str | None = None
    transaction_type: int | None = None
    category: int | None = None
    custom_attributes: tuple[Mapping[str, Any], ...] = ()
    user_fields: Mapping[str, Any] = field(default_factory=dict)
    third_party_status: str | None = None


@dataclass(frozen=True)
class NewPayment:
    """A payment to record: a DRAFT, or POSTED at once (``post``), which allocates it.

    ``amount`` is in the customer's currency, in major units, exact."""

    customer: CustomerRef
    amount: Decimal
    payment_method: PaymentMethod
    post: bool = False
    intended_invoices: tuple[InvoiceRef, ...] = ()
    intended_bills: tuple[BillRef, ...] = ()
    tenders: tuple[Tender, ...] | None = None
    details: PaymentDetails = field(default_factory=PaymentDetails)
    # Seed 004: the check digits repeated for each intended bill, in the same order; None checks none
    # (a surface whose payments name bills without them).
    intended_bill_check_digits: tuple[BillCheckDigits, ...] | None = None
    # Money that is not new cash: spent credit and redeemed certificates, applied beside the tenders
    # (``amount`` counts the tenders only; the payment's total applied adds these).
    credit_applied: tuple[CreditApplication, ...] = ()
    gift_certificates: tuple[GiftCertificateRedemption, ...] = ()
    # Allocate only to invoices of this bill run type (Elevate's billRunType); the rest is customer credit.
    bill_run_type: BillRunType | None = None


@dataclass(frozen=True)
class Cancellation:
    """Why a posted payment is cancelled (seed 004); type and category default as documented."""

    notes: str | None = None
    issue_reason: str | None = None
    transaction_type: int | None = None
    category: int | None = None


@dataclass(frozen=True)
class AllocationLine:
    """Money of the payment applied to one invoice (or written off on it, for a shortfall)."""

    invoice_id: int
    invoice_number: str
    amount: Money


@dataclass(frozen=True)
class AppliedCredit:
    """Customer credit a payment spent: one ``creditDistribution`` credit (id, locator) and the invoices it
    settled; ``source_credit_id`` is the payment credit it was drawn from when the request named one."""

    credit_id: int
    locator: str
    amount: Money
    source_credit_id: int | None
    invoices: tuple[AllocationLine, ...]


@dataclass(frozen=True)
class AppliedCertificate:
    """A gift certificate a payment redeemed: the code, the amount drawn from its balance, and the
    ``creditDistribution`` credit that spread that money over the invoices."""

    code: str
    certificate_id: int
    amount: Money
    credit_id: int
    locator: str
    invoices: tuple[AllocationLine, ...]


@dataclass(frozen=True)
class RecordedPayment:
    """What a payment use case leaves: everything any surface renders, without reading it again.

    ``payment`` and ``cancellation`` are rows (column name -> value). ``allocations`` are the live
    ones (of the cash); ``first_invoice`` is the first invoice the payment ever paid (id, number).
    ``balance_after`` is the customer's balance right after the change (negative = debt) where the use
    case knows it. ``credit_applied`` and ``gift_certificate_applied`` are the live credit distributions of
    the customer credit it spent and of the certificates it redeemed (empty once it is cancelled); the
    payment row's ``credit_applied_minor`` and ``gift_applied_minor`` keep their totals.
    """

    payment: Mapping[str, Any]
    allocations: tuple[AllocationLine, ...] = ()
    write_offs: tuple[AllocationLine, ...] = ()
    cancellation: Mapping[str, Any] | None = None
    balance_after: Money | None = None
    first_invoice: tuple[int, str] | None = None
    credit_applied: tuple[AppliedCredit, ...] = ()
    gift_certificate_applied: tuple[AppliedCertificate, ...] = ()

    @property
    def total_applied(self) -> Money:
        """The cash and the money that is not: what the payment put towards the customer's invoices and credit."""
        row = self.payment
        return Money(row["amount_minor"] + row.get("credit_applied_minor", 0) + row.get("gift_applied_minor", 0),
                     row["currency"])

    @property
    def id(self) -> int:
        return self.payment["id"]

    @property
    def credit(self) -> Money:
        return Money(self.payment["unallocated_minor"], self.payment["currency"])


@dataclass(frozen=True)
class InvoiceSummary:
    """An invoice a payment was applied to, as it stands now (Exsited's ``invoices[]`` of a payment)."""

    id: int
    number: str
    issue_date: dt.date
    due_date: dt.date
    total: Money
    outstanding: Money


@dataclass(frozen=True)
class PaymentRelations:
    """What payments point at, for a surface that renders each payment whole (seed 004's payment object).

    Rows (column name -> value) by id; payment methods by the PaymentMethod, users by username; bills with
    the sums of their posted invoices (``total_minor``, ``outstanding_minor``, latest ``due_date``);
    ``bills_paid`` per payment id: the bills (id, number) of the invoices it pays now."""

    customers: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    transaction_types: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    categories: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    payment_methods: Mapping[PaymentMethod, Mapping[str, Any]] = field(default_factory=dict)
    users: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    rejection_reasons: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    invoices: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    bills: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    bills_paid: Mapping[int, tuple[tuple[int, str], ...]] = field(default_factory=dict)


class TransactionKind(str, enum.Enum):
    """What a row of a customer's payments list is: a payment (money in), or a refund or a balance adjustment."""

    PAYMENT = "PAYMENT"
    REFUND = "REFUND"
    ADJUSTMENT = "ADJUSTMENT"


@dataclass(frozen=True)
class CustomerTransaction:
    """One row of a customer's payments list: a posted (or since cancelled) payment, a refund or a balance
    adjustment. ``id`` is the payment's, the refund's or the adjustment's, as ``kind`` says. ``amount_minor``
    is signed by the effect on the customer's balance (a refund is negative); a debit lowers the balance.
    ``invoice`` is the first invoice a payment paid, the invoice a refund returned money of, or the invoice
    carrying a negative adjustment's debt (id, number); ``balance_after_minor`` is the customer's balance
    right after the transaction."""

    kind: TransactionKind
    id: int
    customer_id: int
    currency: str
    amount_minor: int
    is_debit: bool
    cancelled: bool
    payment_method: PaymentMethod | None
    occurred_on: dt.date
    description: str | None
    reference: str | None
    invoice: tuple[int, str] | None
    bill_run_type: BillRunType | None
    balance_after_minor: int | None

    @classmethod
    def of_payment(cls, recorded: RecordedPayment, bill_run_type: BillRunType | None = None) -> CustomerTransaction:
        """A payment just recorded, as its row of the list will show it (with the bill run type it was for)."""
        payment = recorded.payment
        return cls(
            kind=TransactionKind.PAYMENT, id=payment["id"], customer_id=payment["customer_id"],
            currency=payment["currency"], amount_minor=payment["amount_minor"], is_debit=False,
            cancelled=payment["status"] is PaymentStatus.CANCELLED, payment_method=payment["payment_method"],
            occurred_on=payment["received_on"], description=payment["notes"], reference=payment["reference_number"],
            invoice=recorded.first_invoice, bill_run_type=bill_run_type,
            balance_after_minor=recorded.balance_after.minor if recorded.balance_after is not None else None)
