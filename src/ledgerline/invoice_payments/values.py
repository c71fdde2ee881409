"""The domain values the invoice payment use cases take and return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerline.kit.refs import InvoiceRef
from ledgerline.models.enums import BillRunType, PaymentMethod, PaymentStatus


@dataclass(frozen=True)
class NewInvoicePayment:
    """What a provider (or a person) said about one invoice's payment. ``amount`` is signed, in major units
    of the invoice's currency: negative is money returned to the customer."""

    invoice: InvoiceRef
    bill_run_type: BillRunType
    amount: Decimal
    payment_method: PaymentMethod
    third_party_status: str | None
    description: str | None = None


@dataclass(frozen=True)
class InvoicePaymentView:
    """One row with what it stands for now: the status of the payment its money posted (CANCELLED once that
    payment was cancelled) and how much of that payment refunds have returned since."""

    row: Mapping[str, Any]
    payment_status: PaymentStatus | None
    refunded_minor: int

    @property
    def id(self) -> int:
        return self.row["id"]

    @property
    def settled(self) -> bool:
        """True while the row's money counts: its payment is posted, or it returned money by a refund."""
        return self.payment_status is PaymentStatus.POSTED or self.row["refund_id"] is not None

    @property
    def net_minor(self) -> int:
        """The row's amount less what refunds took back of its payment's money."""
        return self.row["amount_minor"] - self.refunded_minor
