"""Domain values events carry where the use case holds no full resource."""

from __future__ import annotations

from dataclasses import dataclass

from ledgerline.models.enums import InvoicePaymentStatus, InvoiceStatus


@dataclass(frozen=True)
class PaidInvoice:
    """An invoice a payment has just settled, as the payment's locked snapshot knows it (invoice.paid)."""

    id: int
    number: str
    customer_id: int
    currency: str
    status: InvoiceStatus
    total_minor: int
    outstanding_minor: int
    payment_status: InvoicePaymentStatus
    payment_id: int
