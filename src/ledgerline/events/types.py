"""The event types Ledgerline records, and what each carries as ``data`` (the resource as /v1 renders it)."""

from __future__ import annotations

# type -> (the resource in ``data``, when it is recorded)
EVENT_TYPES: dict[str, tuple[str, str]] = {
    "customer.created": ("customer", "a customer is created"),
    "invoice.posted": ("invoice", "an invoice is posted (created POSTED, posted, or by closing its bill run)"),
    "invoice.paid": ("invoice", "a payment settles what an invoice owed (outstanding 0; a summary of the invoice, "
                                "see below)"),
    "invoice.cancelled": ("invoice", "an invoice is cancelled"),
    "payment.posted": ("payment", "a payment is posted and allocated"),
    "payment.rejected": ("payment", "a draft payment is rejected"),
    "payment.cancelled": ("payment", "a posted payment is cancelled"),
    "refund.created": ("refund", "a refund is recorded"),
    "refund.updated": ("refund", "a refund changes state (recorded by payment providers)"),
    "credit.created": ("credit", "a write-off credit is created"),
    "credit.reversed": ("credit", "a write-off credit is reversed"),
    "collection.failed": ("payment", "a provider's collection failed (recorded by payment providers)"),
    "mandate.updated": ("mandate", "a direct-debit mandate changed (recorded by payment providers)"),
}

ALL = "*"


def resource_of(event_type: str) -> str:
    known = EVENT_TYPES.get(event_type)
    return known[0] if known is not None else event_type.split(".", 1)[0]


def is_known(event_type: str) -> bool:
    return event_type in EVENT_TYPES
