"""How a payment's money is spread over a customer's invoices. Pure: no I/O.

DESIGN "Allocation": the intended invoices first, in the order given, then the
customer's other unpaid posted invoices oldest first (issue date, then id);
what is left is customer credit. An intended invoice left short by no more
than the currency's tolerance is settled by a shortfall write-off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from ledgerline.kit.money import Money, MoneyError
from ledgerline.observability.metrics import timed_allocation


@dataclass(frozen=True)
class OpenInvoice:
    id: int
    issue_date: dt.date
    outstanding: Money


@dataclass(frozen=True)
class Allocation:
    invoice_id: int
    amount: Money


@dataclass(frozen=True)
class AllocationPlan:
    allocations: list[Allocation]
    credit: Money
    shortfall_write_offs: list[Allocation] = field(default_factory=list)

    @property
    def allocated(self) -> Money:
        total = Money.zero(self.credit.currency)
        for allocation in self.allocations:
            total = total + allocation.amount
        return total


def oldest_first(invoices: Sequence[OpenInvoice]) -> list[OpenInvoice]:
    return sorted(invoices, key=lambda invoice: (invoice.issue_date, invoice.id))


@timed_allocation  # ledgerline_allocation_duration_seconds; the rule itself stays pure
def allocate(
    amount: Money,
    *,
    intended: Sequence[OpenInvoice] = (),
    others: Sequence[OpenInvoice] = (),
    tolerance: Money | None = None,
) -> AllocationPlan:
    if amount.is_negative:
        raise MoneyError("a payment allocates a positive amount")
    tolerance = tolerance or Money.zero(amount.currency)
    remaining = amount
    allocations: list[Allocation] = []
    left_short: list[tuple[OpenInvoice, Money]] = []
    intended_ids = {invoice.id for invoice in intended}
    others_in_order = oldest_first([invoice for invoice in others if invoice.id not in intended_ids])
    seen: set[int] = set()
    for position, invoice in enumerate([*intended, *others_in_order]):
        if invoice.id in seen or not invoice.outstanding.is_positive:
            continue
        seen.add(invoice.id)
        applied = remaining.min(invoice.outstanding)
        if applied.is_positive:
            allocations.append(Allocation(invoice.id, applied))
            remaining = remaining - applied
        if position < len(intended):
            left_short.append((invoice, invoice.outstanding - applied))
    write_offs = [
        Allocation(invoice.id, short)
        for invoice, short in left_short
        if short.is_positive and short <= tolerance and remaining.is_zero
    ]
    return AllocationPlan(allocations=allocations, credit=remaining, shortfall_write_offs=write_offs)
