"""What posting or cancelling a payment changes, worked out from a locked snapshot. Pure: no I/O.

The service loads the snapshot (the customer, then its invoices, locked), asks these functions for a
plan, and applies it with a handful of multi-row statements; the answer is read off the plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

from ledgerline.errors import Conflict, InvalidRequest
from ledgerline.invoices.service import payment_status_of
from ledgerline.ledger.journal import JournalLine
from ledgerline.kit.money import Money
from ledgerline.models.enums import (
    BillRunType, CreditState, CreditType, GiftCertificateStatus, InvoicePaymentStatus, InvoiceStatus, JournalKind,
)
from ledgerline.payments.allocation import Allocation, OpenInvoice, allocate, oldest_first


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
class CertificateSnapshot:
    """A gift certificate as a redemption finds it, locked."""

    id: int
    code: str
    currency: str
    balance_minor: int
    status: GiftCertificateStatus
    expires_on: dt.date | None = None
    customer_id: int | None = None


@dataclass(frozen=True)
class SpendCredit:
    """Customer credit a payment spends: ``field`` names its amount in the request; ``source`` is the credit
    named to draw from (its id) with what is left of it, or None for the customer's credit at large."""

    field: str
    amount_minor: int
    source: tuple[int, int] | None = None


@dataclass(frozen=True)
class Redeem:
    """A gift certificate a payment redeems (``None``: no certificate has the code)."""

    field: str
    code: str
    amount_minor: int
    certificate: CertificateSnapshot | None


@dataclass(frozen=True)
class Distribution:
    """Money that is not cash spread over invoices by one ``creditDistribution`` credit: customer credit spent
    (``certificate_id`` None) or a gift certificate redeemed. ``lines`` are its journal lines (the apply step
    writes the payment's and the credit's ids into them); ``parent_credit_id`` is the credit drawn from."""

    amount_minor: int
    targets: tuple[tuple[int, int], ...]   # (invoice id, amount), in the order settled
    lines: tuple[JournalLine, ...]
    certificate_id: int | None = None
    code: str | None = None
    parent_credit_id: int | None = None


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
    distributions: tuple[Distribution, ...] = ()

    @property
    def credit_spent_minor(self) -> int:
        return sum(d.amount_minor for d in self.distributions if d.certificate_id is None)

    @property
    def gift_redeemed_minor(self) -> int:
        return sum(d.amount_minor for d in self.distributions if d.certificate_id is not None)

    @property
    def customer_credit_delta(self) -> int:
        """Unallocated cash joins the customer's credit; spent credit leaves it (redeemed gift money passes
        through it: in, then distributed)."""
        return self.credit.minor - self.credit_spent_minor


def check_credit(customer: CustomerSnapshot, spends: Sequence[SpendCredit]) -> None:
    """Never more than the customer's available credit, nor than what is left of a credit named (422 naming
    the amount of the application that goes beyond it)."""
    available = customer.credit_minor
    left: dict[int, int] = {}
    for spend in spends:
        if spend.amount_minor <= 0:
            raise InvalidRequest.for_field(spend.field, "must be greater than zero")
        if spend.amount_minor > available:
            raise InvalidRequest.for_field(spend.field, f"must not exceed the customer's available credit "
                                                        f"({Money(available, customer.currency).amount})")
        if spend.source is not None:
            credit_id, source_left = spend.source
            source_left = left.get(credit_id, source_left)
            if spend.amount_minor > source_left:
                raise InvalidRequest.for_field(spend.field, f"must not exceed what is left of credit {credit_id} "
                                                            f"({Money(source_left, customer.currency).amount})")
            left[credit_id] = source_left - spend.amount_minor
        available -= spend.amount_minor


def check_redemptions(customer: CustomerSnapshot, redemptions: Sequence[Redeem], *, today: dt.date) -> None:
    """Each certificate redeemed exists, is ACTIVE, unexpired (its expiry day included), in the payment's currency,
    of this customer when it names one, and holds the amount (a code named twice draws on one balance)."""
    left: dict[int, int] = {}
    for redeem in redemptions:
        certificate, code_field = redeem.certificate, redeem.field.rsplit(".", 1)[0] + ".code"
        if certificate is None:
            raise InvalidRequest.for_field(code_field, f"no gift certificate has the code {redeem.code!r}")
        if certificate.status is not GiftCertificateStatus.ACTIVE:
            raise InvalidRequest.for_field(code_field, f"gift certificate {redeem.code!r} is not active")
        if certificate.expires_on is not None and today > certificate.expires_on:
            raise InvalidRequest.for_field(code_field, f"gift certificate {redeem.code!r} expired on "
                                                       f"{certificate.expires_on.isoformat()}")
        if certificate.currency != customer.currency:
            raise InvalidRequest.for_field(code_field, f"gift certificate {redeem.code!r} is in "
                                                       f"{certificate.currency}, the payment in {customer.currency}")
        if certificate.customer_id is not None and certificate.customer_id != customer.id:
            raise InvalidRequest.for_field(code_field, f"gift certificate {redeem.code!r} belongs to another customer")
        if redeem.amount_minor <= 0:
            raise InvalidRequest.for_field(redeem.field, "must be greater than zero")
        balance = left.get(certificate.id, certificate.balance_minor)
        if redeem.amount_minor > balance:
            raise InvalidRequest.for_field(redeem.field, f"must not exceed the certificate's balance "
                                                         f"({Money(balance, certificate.currency).amount})")
        left[certificate.id] = balance - redeem.amount_minor


def distribute(*, customer_id: int, currency: str, order: Sequence[InvoiceSnapshot], owed: dict[int, int],
               spends: Sequence[SpendCredit] = (), redemptions: Sequence[Redeem] = ()) -> list[Distribution]:
    """Spread the money that is not cash over the invoices in ``order`` (what each still owes in ``owed``, which
    this draws down): credit applications first, then certificates, each in the order given. Money that no invoice
    is left to take is refused (422 naming the amount): spent credit or a redeemed certificate must settle something."""
    line = partial(JournalLine, customer_id=customer_id, currency=currency)
    distributions = []
    sources = [(spend.field, spend.amount_minor, None, None, spend.source) for spend in spends]
    sources += [(redeem.field, redeem.amount_minor, redeem.certificate.id if redeem.certificate else None,
                 redeem.code, None) for redeem in redemptions]
    for field, amount, certificate_id, code, source in sources:
        remaining, targets = amount, []
        for invoice in order:
            take = min(remaining, owed.get(invoice.id, 0))
            if take > 0:
                targets.append((invoice.id, take))
                owed[invoice.id] -= take
                remaining -= take
            if remaining == 0:
                break
        if remaining:
            left = Money(amount - remaining, currency).amount
            raise InvalidRequest.for_field(field, f"must not exceed what the customer's invoices still owe after "
                                                  f"what is applied before it ({left})")
        lines = [line(JournalKind.GIFT_REDEEMED, balance=amount, credit=amount)] if certificate_id is not None else []
        lines += [line(JournalKind.CREDIT_DISTRIBUTED, credit=-minor, outstanding=-minor, invoice_id=invoice_id)
                  for invoice_id, minor in targets]
        distributions.append(Distribution(amount, tuple(targets), tuple(lines), certificate_id, code,
                                          None if source is None else source[0]))
    return distributions


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
                 intended: Sequence[int], amount: Money, tolerance: Money, spends: Sequence[SpendCredit] = (),
                 redemptions: Sequence[Redeem] = (), today: dt.date | None = None) -> PostingPlan:
    """Allocate ``amount`` over the customer's open invoices (DESIGN "Allocation"), and everything that
    follows from it: invoices' new outstanding and status, journal lines, credits, the balance after.

    Customer credit spent (``spends``) and gift certificates redeemed (``redemptions``) settle the invoices
    first, in the same order (intended, then oldest first), each by a ``creditDistribution`` credit; the cash
    ``amount`` (which may then be zero) follows them by the usual rule, its remainder becoming credit."""
    by_id = {invoice.id: invoice for invoice in open_invoices}
    intended_invoices = [by_id[i] for i in dict.fromkeys(intended) if i in by_id]
    owed = {invoice.id: invoice.outstanding_minor for invoice in open_invoices}
    distributions: list[Distribution] = []
    if spends or redemptions:
        check_credit(customer, spends)
        check_redemptions(customer, redemptions, today=today or dt.date.today())
        seen = {invoice.id for invoice in intended_invoices}
        order = intended_invoices + [i for i in oldest_first(open_invoices) if i.id not in seen]  # type: ignore[arg-type]
        distributions = distribute(customer_id=customer.id, currency=amount.currency, order=order, owed=owed,
                                   spends=spends, redemptions=redemptions)

    def open_(invoice: InvoiceSnapshot) -> OpenInvoice:
        return OpenInvoice(invoice.id, invoice.issue_date, Money(owed[invoice.id], amount.currency))

    allocation = allocate(amount, intended=[open_(invoice) for invoice in intended_invoices],
                          others=[open_(invoice) for invoice in open_invoices], tolerance=tolerance)
    deltas: dict[int, int] = {}
    for distribution in distributions:
        for invoice_id, minor in distribution.targets:
            deltas[invoice_id] = deltas.get(invoice_id, 0) - minor
    # The payment's id is not known yet: the apply step writes it into every line.
    line = partial(JournalLine, customer_id=customer.id, currency=amount.currency)
    journal = [line(JournalKind.PAYMENT_POSTED, balance=amount.minor, credit=amount.minor)]
    # A payment of no cash (credit or certificates alone) has no payment credit.
    credits = [CreditLine(CreditType.PAYMENT, CreditState.POSTED, amount.minor)] if amount.is_positive else []
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
    plan = PostingPlan(
        currency=amount.currency, allocations=tuple(allocation.allocations),
        write_offs=tuple(allocation.shortfall_write_offs), credit=allocation.credit,
        invoices=_changes(by_id, deltas), journal=tuple(journal), credits=tuple(credits),
        balance_after=Money(0, amount.currency), distributions=tuple(distributions))
    return replace(plan, balance_after=Money(customer.credit_minor + plan.customer_credit_delta - owed_after,
                                             amount.currency))


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
class LiveDistribution:
    """One target of a live creditDistribution credit of the payment."""

    credit_id: int
    invoice_id: int
    amount_minor: int


@dataclass(frozen=True)
class LiveRedemption:
    id: int
    certificate_id: int
    credit_id: int
    amount_minor: int


@dataclass(frozen=True)
class CancellationPlan:
    invoices: tuple[InvoiceChange, ...]
    reversed_allocations: tuple[int, ...]
    reversed_shortfall_credits: tuple[int, ...]
    journal: tuple[JournalLine, ...]
    customer_credit_delta: int = 0
    reversed_redemptions: tuple[int, ...] = ()
    restored_certificates: tuple[tuple[int, int], ...] = ()  # (certificate id, amount given back)


def plan_cancellation(*, customer_id: int, payment_id: int, currency: str, amount_minor: int,
                      unallocated_minor: int, allocations: Sequence[LiveAllocation],
                      shortfalls: Sequence[LiveShortfall], invoices: Sequence[InvoiceSnapshot],
                      distributions: Sequence[LiveDistribution] = (), redemptions: Sequence[LiveRedemption] = (),
                      customer_credit_minor: int | None = None) -> CancellationPlan:
    """Reverse a posted payment: its allocations, shortfall write-offs and credit distributions reopen the
    invoices, its unallocated credit leaves the customer while the credit it spent comes back, the gift
    certificates it redeemed get their money back, and the journal records each step (same lines, opposite
    signs). 409 when the customer no longer has the credit the payment left (it was spent or refunded)."""
    by_id = {invoice.id: invoice for invoice in invoices}
    line = partial(JournalLine, customer_id=customer_id, currency=currency, payment_id=payment_id)
    deltas: dict[int, int] = {}
    journal: list[JournalLine] = []
    for distribution in distributions:
        deltas[distribution.invoice_id] = deltas.get(distribution.invoice_id, 0) + distribution.amount_minor
        journal.append(line(JournalKind.CREDIT_RETURNED, credit=distribution.amount_minor,
                            outstanding=distribution.amount_minor, invoice_id=distribution.invoice_id,
                            credit_id=distribution.credit_id))
    for redemption in redemptions:
        journal.append(line(JournalKind.GIFT_RESTORED, balance=-redemption.amount_minor,
                            credit=-redemption.amount_minor, credit_id=redemption.credit_id))
    credit_delta = (-unallocated_minor + sum(d.amount_minor for d in distributions)
                    - sum(r.amount_minor for r in redemptions))
    if customer_credit_minor is not None and customer_credit_minor + credit_delta < 0:
        raise Conflict(f"payment {payment_id}'s credit has been used; it cannot be cancelled")
    restored: dict[int, int] = {}
    for redemption in redemptions:
        restored[redemption.certificate_id] = restored.get(redemption.certificate_id, 0) + redemption.amount_minor
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
        customer_credit_delta=credit_delta, reversed_redemptions=tuple(r.id for r in redemptions),
        restored_certificates=tuple(sorted(restored.items())))
