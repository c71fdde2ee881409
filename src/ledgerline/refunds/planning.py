"""How a refund takes money back, planned on a locked snapshot. Pure: no I/O.

Against an invoice a refund takes back what live payment allocations put on it, newest payment first,
and reopens the invoice by that much. Against the customer it takes back unallocated payment money
(its credit), newest payment first; an adjustment may have used credit too, so both bounds apply.
Never more than was collected and not yet refunded (DESIGN "Refunds").

A refund a payment provider pays out can bounce (or its funds come back): ``plan_refund_reversal``
then restores what the refund took back, draw by draw.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from ledgerline.errors import InvalidRequest
from ledgerline.kit.money import Money
from ledgerline.ledger.journal import JournalLine
from ledgerline.ledger.snapshot import CustomerMoney, InvoiceMoney
from ledgerline.models.enums import BillRunType, InvoiceStatus, JournalKind, PaymentMethod, ThirdPartyRefundStatus

T = TypeVar("T")


def draw(amount_minor: int, sources: Sequence[tuple[T, int]]) -> list[tuple[T, int]]:
    """Take ``amount_minor`` from the sources in the order given, each up to what it has available.

    The caller has checked that the sources hold enough."""
    taken: list[tuple[T, int]] = []
    remaining = amount_minor
    for source, available in sources:
        if remaining == 0:
            break
        take = min(remaining, available)
        if take > 0:
            taken.append((source, take))
            remaining -= take
    if remaining:
        raise ValueError(f"the sources hold {amount_minor - remaining}, not {amount_minor}")
    return taken


@dataclass(frozen=True)
class Source:
    """Money a refund can take back, newest payment first: a live allocation of a payment to the invoice
    (``allocation_id`` set), or the payment's unallocated money (customer credit)."""

    payment_id: int
    available_minor: int
    payment_refunded_minor: int
    payment_unallocated_minor: int
    provider_collected: bool
    allocation_id: int | None = None
    allocation_refunded_minor: int = 0


@dataclass(frozen=True)
class Taken:
    source: Source
    amount_minor: int


@dataclass(frozen=True)
class RefundRecord:
    """A refund as stored and rendered (``id`` is None until the plan is applied)."""

    number: str
    locator: str
    customer_id: int
    invoice_id: int | None
    bill_run_type: BillRunType | None
    currency: str
    amount_minor: int
    payment_method: PaymentMethod
    description: str | None
    created_by: str | None
    created_at: dt.datetime
    # Money goes back outside Ledgerline unless a provider that collected it pays the refund out (then the
    # provider's first status, e.g. CREATED).
    third_party_refund_status: ThirdPartyRefundStatus = ThirdPartyRefundStatus.MANUALLY_REFUNDED
    error_info: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class RefundPlan:
    """What a refund changes: the customer and invoice after it, the money taken from each source, the
    journal line (its refund id is filled in when applied), and the refund itself once its method is known."""

    amount: Money
    customer: CustomerMoney
    invoice: InvoiceMoney | None
    taken: tuple[Taken, ...]
    lines: tuple[JournalLine, ...]
    record: RefundRecord | None = None

    @property
    def provider_collected(self) -> bool:
        """True when a payment provider collected any of the money taken back."""
        return any(taken.source.provider_collected for taken in self.taken)

    def allocations_after(self) -> dict[int, int]:
        """Refunded amount of each allocation drawn on, after the refund."""
        return {t.source.allocation_id: t.source.allocation_refunded_minor + t.amount_minor
                for t in self.taken if t.source.allocation_id is not None}

    def payments_after(self) -> dict[int, dict[str, int]]:
        """Refunded and unallocated amounts of each payment drawn on, after the refund (credit refunds take
        from the unallocated part; invoice refunds leave it as it was)."""
        after: dict[int, dict[str, int]] = {}
        for t in self.taken:
            source = t.source
            values = after.setdefault(source.payment_id, {"refunded_minor": source.payment_refunded_minor,
                                                          "unallocated_minor": source.payment_unallocated_minor})
            values["refunded_minor"] += t.amount_minor
            if source.allocation_id is None:
                values["unallocated_minor"] -= t.amount_minor
        return after

    def recorded_as(self, record: RefundRecord) -> RefundPlan:
        return replace(self, record=record)

    def draws(self) -> tuple[Draw, ...]:
        """What the refund took from each source: what a reversal gives back."""
        return tuple(Draw(t.source.payment_id, t.amount_minor, t.source.allocation_id) for t in self.taken)


def _check_within(amount: Money, refundable_minor: int, what: str) -> None:
    if amount.minor > refundable_minor:
        limit = Money(refundable_minor, amount.currency).amount
        raise InvalidRequest.for_field("amount", f"must not exceed {limit}, the amount {what} collected and not "
                                                 "yet refunded")


def plan_invoice_refund(amount: Money, *, customer: CustomerMoney, invoice: InvoiceMoney,
                        sources: Sequence[Source]) -> RefundPlan:
    """Takes the refund from the invoice's live allocations (given newest payment first) and reopens it."""
    _check_within(amount, sum(source.available_minor for source in sources), f"invoice {invoice.id}")
    taken = draw(amount.minor, [(source, source.available_minor) for source in sources])
    line = JournalLine(JournalKind.REFUND, customer.id, customer.currency, balance=-amount.minor,
                       outstanding=amount.minor, invoice_id=invoice.id)
    return RefundPlan(amount=amount, customer=customer.moved(owed=amount.minor),
                      invoice=invoice.moved(outstanding=amount.minor, refunded=amount.minor),
                      taken=tuple(Taken(source, minor) for source, minor in taken), lines=(line,))


def plan_credit_refund(amount: Money, *, customer: CustomerMoney, sources: Sequence[Source]) -> RefundPlan:
    """Takes the refund from the customer's unallocated payment money (given newest payment first)."""
    refundable = min(customer.credit_minor, sum(source.available_minor for source in sources))
    _check_within(amount, refundable, f"of customer {customer.id}'s credit")
    taken = draw(amount.minor, [(source, source.available_minor) for source in sources])
    line = JournalLine(JournalKind.REFUND, customer.id, customer.currency, balance=-amount.minor,
                       credit=-amount.minor)
    return RefundPlan(amount=amount, customer=customer.moved(credit=-amount.minor), invoice=None,
                      taken=tuple(Taken(source, minor) for source, minor in taken), lines=(line,))


def needs_last_method(requested: PaymentMethod | None, plan: RefundPlan) -> bool:
    """Elevate: a blank method, or money a provider collected, goes back by the customer's last successful
    payment's method."""
    return requested is None or plan.provider_collected


def refund_method(requested: PaymentMethod | None, last: PaymentMethod | None, *, plan: RefundPlan,
                  customer_id: int) -> tuple[PaymentMethod, bool]:
    """The refund's method, and whether it is the one the request named (the tenant must allow that one)."""
    if needs_last_method(requested, plan) and last is not None:
        return last, False
    if requested is None:
        raise InvalidRequest.for_field("method", f"customer {customer_id} has no successful payment to take the "
                                                 "method from; name one")
    return requested, True


# --- reversal: a provider's refund bounced ---------------------------------------------------------

# The provider statuses that say the refunded money came back (or never left): the refund is reversed.
RETURNED_STATUSES = frozenset({ThirdPartyRefundStatus.BOUNCED, ThirdPartyRefundStatus.FUNDS_RETURNED,
                               ThirdPartyRefundStatus.CANCELLED})


@dataclass(frozen=True)
class Draw:
    """What a refund took from one source: from the payment's allocation ``allocation_id`` to the refunded
    invoice, or (no allocation) from the payment's unallocated money."""

    payment_id: int
    amount_minor: int
    allocation_id: int | None = None

    def to_json(self) -> dict[str, int | None]:
        return {"paymentId": self.payment_id, "allocationId": self.allocation_id, "amountMinor": self.amount_minor}

    @classmethod
    def from_json(cls, value: dict[str, int | None]) -> Draw:
        return cls(int(value["paymentId"]), int(value["amountMinor"]),  # type: ignore[arg-type]
                   None if value.get("allocationId") is None else int(value["allocationId"]))  # type: ignore[arg-type]


@dataclass(frozen=True)
class DrawnNow:
    """A drawn source as it stands now (locked): its payment's refunded and unallocated amounts and, for an
    allocation, what refunds took from it and whether it is still live."""

    draw: Draw
    payment_refunded_minor: int
    payment_unallocated_minor: int
    allocation_refunded_minor: int = 0
    allocation_live: bool = True


@dataclass(frozen=True)
class ReversalPlan:
    """What reversing a refund changes: the customer and invoice after it, the allocations' and payments'
    refunded (and unallocated) amounts after it, and the REFUND_REVERSED journal line."""

    refund_id: int
    amount: Money
    customer: CustomerMoney
    invoice: InvoiceMoney | None
    allocations: dict[int, int]
    payments: dict[int, dict[str, int]]
    lines: tuple[JournalLine, ...]

    @property
    def back_on_invoice_minor(self) -> int:
        """How much of the money settles the refunded invoice again (the rest is customer credit)."""
        return -sum(line.outstanding for line in self.lines)


def plan_refund_reversal(*, refund_id: int, amount: Money, customer: CustomerMoney, invoice: InvoiceMoney | None,
                         drawn: Sequence[DrawnNow]) -> ReversalPlan:
    """Gives back what the refund took: each payment's refunded amount goes down by its draw. Money drawn from
    an allocation settles the invoice again as far as it is still open (a payment may have settled the
    reopened invoice meanwhile, or it was cancelled); what it cannot take back, and money drawn from
    unallocated payment money, is the payment's unallocated money again: customer credit."""
    if sum(each.draw.amount_minor for each in drawn) != amount.minor:
        raise ValueError(f"refund {refund_id}'s draws do not add up to its amount {amount.minor}")
    open_minor = invoice.outstanding_minor if invoice is not None and invoice.status is InvoiceStatus.POSTED else 0
    allocations: dict[int, int] = {}
    payments: dict[int, dict[str, int]] = {}
    back_total = 0
    for each in drawn:
        draw = each.draw
        back = 0
        if draw.allocation_id is not None:
            refunded = allocations.get(draw.allocation_id, each.allocation_refunded_minor)
            if each.allocation_live:
                back = min(draw.amount_minor, open_minor, refunded)
            allocations[draw.allocation_id] = refunded - back
        open_minor -= back
        back_total += back
        values = payments.setdefault(draw.payment_id, {"refunded_minor": each.payment_refunded_minor,
                                                       "unallocated_minor": each.payment_unallocated_minor})
        values["refunded_minor"] -= draw.amount_minor
        values["unallocated_minor"] += draw.amount_minor - back
        if values["refunded_minor"] < 0:
            raise ValueError(f"payment {draw.payment_id} has less refunded than refund {refund_id} took from it")
    credit = amount.minor - back_total
    line = JournalLine(JournalKind.REFUND_REVERSED, customer.id, customer.currency, balance=amount.minor,
                       credit=credit, outstanding=-back_total, invoice_id=None if invoice is None else invoice.id,
                       refund_id=refund_id)
    return ReversalPlan(
        refund_id=refund_id, amount=amount, customer=customer.moved(credit=credit, owed=-back_total),
        invoice=None if invoice is None else invoice.moved(outstanding=-back_total, refunded=-back_total),
        allocations=allocations, payments=payments, lines=(line,))
