"""What posting or cancelling a payment changes, worked out from a locked snapshot. Pure: no I/O.

The service loads the snapshot (the customer, then its invoices, locked), asks these functions for a
plan, and applies it with a handful of multi-row statements; the answer is read off the plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from ledgerline.invoices.service import payment_status_of
from ledgerline.ledger.journal import JournalLine
from ledgerline.kit.money import Money
from ledgerline.models.enums import BillRunType, CreditState, CreditType, InvoicePaymentStatus, InvoiceStatus, JournalKind
from ledgerline.payments.allocation import Allocation, OpenInvoice, allocate


@dataclass(frozen=True)
class CustomerSnapshot:
    id: int
    currency: str
    credit_minor: int
    settings_version: int


@dataclass(frozen=True)
class InvoiceSnapshot:
    id: int
    number: str
    customer_id: int
    status: InvoiceStatus
    issue_date: dt.date
    total_minor: int
    outstanding_minor: int
    refunded_minor: int = 0
    written_off_minor: int = 0
    bill_run_type: BillRunType | None = None  # read where a use case needs it


@dataclass(frozen=True)
class InvoiceChange:
    id: int
    outstanding_minor: int
    payment_status: InvoicePaymentStatus


@dataclass(frozen=True)
class CreditLine:
    """A credit the posting writes; index 0 is the payment credit, the parent of the others."""

    type: CreditType
    state: CreditState
    amount_minor: int
    invoice_id: int | None = None  # its one target


@dataclass(frozen=True)
class PostingPlan:
    currency: str
    allocations: tuple[Allocation, ...]
    write_offs: tuple[Allocation, ...]
    credit: Money                       # the payment's unallocated part, kept as customer credit
    invoices: tuple[InvoiceChange, ...]
    journal: tuple[JournalLine, ...]
    credits: tuple[CreditLine, ...]
    balance_after: Money


def _changes(invoices: dict[int, InvoiceSnapshot], deltas: dict[int, int]) -> tuple[InvoiceChange, ...]:
    changes = []
    for invoice_id, delta in deltas.items():
        invoice = invoices[invoice_id]
        outstanding = invoice.outstanding_minor + delta
        changes.append(InvoiceChange(invoice_id, outstanding, payment_status_of(
            invoice.status, invoice.total_minor, outstanding, refunded_minor=invoice.refunded_minor,
            written_off_minor=invoice.written_off_minor)))
    return tuple(changes)


def plan_posting(*, customer: CustomerSnapshot, open_invoices: Sequence[InvoiceSnapshot],
                 intended: Sequence[int], amount: Money, tolerance: Money) -> PostingPlan:
    """Allocate ``amount`` over the customer's open invoices (DESIGN "Allocation"), and everything that
    follows from it: invoices' new outstanding and status, journal lines, credits, the balance after."""
    by_id = {invoice.id: invoice for invoice in open_invoices}

    def open_(invoice: InvoiceSnapshot) -> OpenInvoice:
        return OpenInvoice(invoice.id, invoice.issue_date, Money(invoice.outstanding_minor, amount.currency))

    allocation = allocate(amount, intended=[open_(by_id[i]) for i in dict.fromkeys(intended) if i in by_id],
                          others=[open_(invoice) for invoice in open_invoices], tolerance=tolerance)
    deltas: dict[int, int] = {}
    # The payment's id is not known yet: the apply step writes it into every line.
    line = partial(JournalLine, customer_id=customer.id, currency=amount.currency)
    journal = [line(JournalKind.PAYMENT_POSTED, balance=amount.minor, credit=amount.minor)]
    credits = [CreditLine(CreditType.PAYMENT, CreditState.POSTED, amount.minor)]
    for part in allocation.allocations:
        deltas[part.invoice_id] = deltas.get(part.invoice_id, 0) - part.amount.minor
        journal.append(line(JournalKind.ALLOCATION, credit=-part.amount.minor, outstanding=-part.amount.minor,
                            invoice_id=part.invoice_id))
        credits.append(CreditLine(CreditType.SUBPAYMENT, CreditState.POSTED, part.amount.minor, part.invoice_id))
    for part in allocation.shortfall_write_offs:
        deltas[part.invoice_id] = deltas.get(part.invoice_id, 0) - part.amount.minor
        journal.append(line(JournalKind.SHORTFALL_WRITE_OFF, balance=part.amount.minor,
                            outstanding=-part.amount.minor, invoice_id=part.invoice_id))
        credits.append(CreditLine(CreditType.SHORTFALL_WRITE_OFF, CreditState.DISTRIBUTED, part.amount.minor,
                                  part.invoice_id))
    owed_after = sum(invoice.outstanding_minor for invoice in open_invoices) + sum(deltas.values())
    return PostingPlan(
        currency=amount.currency, allocations=tuple(allocation.allocations),
        write_offs=tuple(allocation.shortfall_write_offs), credit=allocation.credit,
        invoices=_changes(by_id, deltas), journal=tuple(journal), credits=tuple(credits),
        balance_after=Money(customer.credit_minor + allocation.credit.minor - owed_after, amount.currency))


@dataclass(frozen=True)
class LiveAllocation:
    id: int
    invoice_id: int
    amount_minor: int


@dataclass(frozen=True)
class LiveShortfall:
    credit_id: int
    invoice_id: int
    amount_minor: int


@dataclass(frozen=True)
class CancellationPlan:
    invoices: tuple[InvoiceChange, ...]
    reversed_allocations: tuple[int, ...]
    reversed_shortfall_credits: tuple[int, ...]
    journal: tuple[JournalLine, ...]
    customer_credit_delta: int = 0


def plan_cancellation(*, customer_id: int, payment_id: int, currency: str, amount_minor: int,
                      unallocated_minor: int, allocations: Sequence[LiveAllocation],
                      shortfalls: Sequence[LiveShortfall], invoices: Sequence[InvoiceSnapshot]) -> CancellationPlan:
    """Reverse a posted payment: its allocations and shortfall write-offs reopen the invoices, its
    credit leaves the customer, and the journal records each step (same lines, opposite signs)."""
    by_id = {invoice.id: invoice for invoice in invoices}
    line = partial(JournalLine, customer_id=customer_id, currency=currency, payment_id=payment_id)
    deltas: dict[int, int] = {}
    journal: list[JournalLine] = []
    for allocation in allocations:
        deltas[allocation.invoice_id] = deltas.get(allocation.invoice_id, 0) + allocation.amount_minor
        journal.append(line(JournalKind.ALLOCATION_REVERSED, credit=allocation.amount_minor,
                            outstanding=allocation.amount_minor, invoice_id=allocation.invoice_id))
    for shortfall in shortfalls:
        deltas[shortfall.invoice_id] = deltas.get(shortfall.invoice_id, 0) + shortfall.amount_minor
        journal.append(line(JournalKind.SHORTFALL_WRITE_OFF, balance=-shortfall.amount_minor,
                            outstanding=shortfall.amount_minor, invoice_id=shortfall.invoice_id,
                            credit_id=shortfall.credit_id))
    journal.append(line(JournalKind.PAYMENT_CANCELLED, balance=-amount_minor, credit=-amount_minor))
    return CancellationPlan(
        invoices=_changes(by_id, deltas), reversed_allocations=tuple(a.id for a in allocations),
        reversed_shortfall_credits=tuple(dict.fromkeys(s.credit_id for s in shortfalls)), journal=tuple(journal),
        customer_credit_delta=-unallocated_minor)
