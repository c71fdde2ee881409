"""Write-offs and their reversal, planned on a locked snapshot. Pure: no I/O.

A ``writeOff`` credit settles POSTED invoices of one customer without money, in the order given, each
by at most what it owes; its reversal makes them owe again what it settled (seed 002; DESIGN "Credits").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ledgerline.errors import Conflict, InvalidRequest
from ledgerline.kit.money import Money
from ledgerline.ledger.journal import JournalLine
from ledgerline.ledger.snapshot import CustomerMoney, InvoiceMoney
from ledgerline.models.enums import CreditState, CreditType, InvoiceStatus, JournalKind


@dataclass(frozen=True)
class CreditRecord:
    """A credit as stored and rendered (``id`` is None until a plan is applied)."""

    type: CreditType
    state: CreditState
    customer_id: int
    currency: str
    amount_minor: int
    locator: str
    created_at: dt.datetime
    description: str | None = None
    created_by: str | None = None
    realized_at: dt.datetime | None = None
    reversed_at: dt.datetime | None = None
    reversal_reason: str | None = None
    payment_id: int | None = None
    parent_id: int | None = None
    id: int | None = None


@dataclass(frozen=True)
class TargetRecord:
    """An invoice a credit settles, and how much of it."""

    invoice_id: int
    amount_minor: int


@dataclass(frozen=True)
class PlannedTarget:
    """A target as the request names it (``label``), its locked invoice (None: no such invoice) and the amount
    (None: all that the invoice owes)."""

    label: str
    invoice: InvoiceMoney | None
    amount: Money | None = None


@dataclass(frozen=True)
class CreditPlan:
    """What a write-off or its reversal changes: the credit after it, its targets, the invoices after it (in
    target order), the customer after it and the journal lines (the credit id is filled in when applied)."""

    credit: CreditRecord
    targets: tuple[TargetRecord, ...]
    invoices: tuple[InvoiceMoney, ...]
    customer: CustomerMoney
    lines: tuple[JournalLine, ...]


def plan_write_off(customer: CustomerMoney, targets: Sequence[PlannedTarget], *, locator: str, now: dt.datetime,
                   description: str | None = None, created_by: str | None = None) -> CreditPlan:
    """Every target must be a POSTED invoice of the customer with at least that much outstanding (422 naming
    the target, 409 when it owes nothing)."""
    if not targets:
        raise InvalidRequest.for_field("targets", "name at least one invoice to write off")
    settled: list[tuple[InvoiceMoney, int]] = []
    for position, target in enumerate(targets):
        invoice, field = target.invoice, f"targets[{position}]"
        if invoice is None or invoice.customer_id != customer.id:
            raise InvalidRequest.for_field(f"{field}.invoice",
                                           f"invoice {target.label} is not an invoice of customer {customer.id}")
        if invoice.status is not InvoiceStatus.POSTED or invoice.outstanding_minor == 0:
            raise Conflict(f"invoice {invoice.id} is {invoice.status.value} with nothing outstanding; "
                           "nothing to write off")
        if any(invoice.id == seen.id for seen, _ in settled):
            raise InvalidRequest.for_field("targets", "each invoice may appear once")
        amount = invoice.outstanding_minor if target.amount is None else target.amount.minor
        if amount <= 0:
            raise InvalidRequest.for_field(f"{field}.amount", "must be greater than zero")
        if amount > invoice.outstanding_minor:
            raise InvalidRequest.for_field(f"{field}.amount", f"must not exceed what invoice {invoice.id} owes "
                                                              f"({invoice.outstanding.amount})")
        settled.append((invoice, amount))
    total = sum(amount for _, amount in settled)
    credit = CreditRecord(type=CreditType.WRITE_OFF, state=CreditState.POSTED, customer_id=customer.id,
                          currency=customer.currency, amount_minor=total, locator=locator, created_at=now,
                          realized_at=now, description=description, created_by=created_by)
    return CreditPlan(
        credit=credit,
        targets=tuple(TargetRecord(invoice.id, amount) for invoice, amount in settled),
        invoices=tuple(invoice.moved(outstanding=-amount, written_off=amount) for invoice, amount in settled),
        customer=customer.moved(owed=-total),
        lines=tuple(JournalLine(JournalKind.WRITE_OFF, customer.id, customer.currency, balance=amount,
                                outstanding=-amount, invoice_id=invoice.id) for invoice, amount in settled))


def check_reversible(credit: CreditRecord) -> None:
    """Only a live writeOff is reversed directly; credits that follow a payment go with the payment (409)."""
    if credit.type is not CreditType.WRITE_OFF:
        raise Conflict(f"credit {credit.id} is a {credit.type.value} credit; it follows its payment and is "
                       "reversed by cancelling the payment")
    if credit.state is CreditState.REVERSED:
        raise Conflict(f"credit {credit.id} is reversed already")


def plan_reversal(customer: CustomerMoney, credit: CreditRecord, targets: Sequence[tuple[TargetRecord, InvoiceMoney]],
                  *, reason: str, now: dt.datetime) -> CreditPlan:
    """writeOff -> reversed: each invoice owes again what the write-off settled of it."""
    check_reversible(credit)
    invoices: dict[int, InvoiceMoney] = {}
    for target, invoice in targets:
        current = invoices.get(invoice.id, invoice)
        invoices[invoice.id] = current.moved(outstanding=target.amount_minor, written_off=-target.amount_minor)
    total = sum(target.amount_minor for target, _ in targets)
    return CreditPlan(
        credit=replace(credit, state=CreditState.REVERSED, reversed_at=now, reversal_reason=reason),
        targets=tuple(target for target, _ in targets),
        invoices=tuple(invoices.values()),
        customer=customer.moved(owed=total),
        lines=tuple(JournalLine(JournalKind.WRITE_OFF_REVERSED, customer.id, credit.currency,
                                balance=-target.amount_minor, outstanding=target.amount_minor,
                                invoice_id=target.invoice_id, credit_id=credit.id) for target, _ in targets))
