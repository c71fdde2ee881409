"""The journal: every money movement appends entries in the same transaction that moves it.

Three running totals are kept per entry: the customer's balance (negative = debt), the
customer's unallocated credit, and an invoice's outstanding amount. ``verify`` proves that
the stored figures equal what the journal adds up to.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ledgerline.ledger import repository
from ledgerline.models import JournalEntry
from ledgerline.models.enums import JournalKind


def record(session: Session, *, tenant_id: uuid.UUID, customer_id: int, currency: str, kind: JournalKind,
           balance: int = 0, credit: int = 0, outstanding: int = 0, invoice_id: int | None = None,
           payment_id: int | None = None, adjustment_id: int | None = None, refund_id: int | None = None,
           credit_id: int | None = None) -> None:
    session.add(JournalEntry(
        tenant_id=tenant_id, customer_id=customer_id, currency=currency, kind=kind, balance_delta=balance,
        credit_delta=credit, outstanding_delta=outstanding, invoice_id=invoice_id, payment_id=payment_id,
        adjustment_id=adjustment_id, refund_id=refund_id, credit_id=credit_id,
    ))


def invoice_posted(session: Session, *, tenant_id: uuid.UUID, customer_id: int, invoice_id: int, currency: str,
                   total_minor: int) -> None:
    record(session, tenant_id=tenant_id, customer_id=customer_id, currency=currency,
           kind=JournalKind.INVOICE_POSTED, balance=-total_minor, outstanding=total_minor, invoice_id=invoice_id)


def invoice_cancelled(session: Session, *, tenant_id: uuid.UUID, customer_id: int, invoice_id: int, currency: str,
                      outstanding_minor: int) -> None:
    record(session, tenant_id=tenant_id, customer_id=customer_id, currency=currency,
           kind=JournalKind.INVOICE_CANCELLED, balance=outstanding_minor, outstanding=-outstanding_minor,
           invoice_id=invoice_id)


@dataclass(frozen=True)
class Mismatch:
    what: str
    identifier: int
    stored: int
    journal: int

    def __str__(self) -> str:
        return f"{self.what} {self.identifier}: stored {self.stored}, journal says {self.journal}"


def verify(session: Session, tenant_id: uuid.UUID | None = None) -> Sequence[Mismatch]:
    """Every customer's credit and balance and every invoice's outstanding, recomputed from the journal;
    refunds against their journal entries (a bounced provider refund reversed exactly once); what invoices say was refunded and written off against the
    allocations and credits behind it; the subpayment credits against the allocations they mirror; credit
    distributions (spent credit, redeemed certificates) against their targets and journal lines; and gift
    certificates' balances against their redemptions, each redemption against its journal lines."""
    mismatches = [Mismatch("invoice outstanding", *row) for row in repository.invoice_mismatches(session, tenant_id)]
    mismatches += [Mismatch("customer credit", *row) for row in repository.credit_mismatches(session, tenant_id)]
    mismatches += [Mismatch("customer balance", *row) for row in repository.balance_mismatches(session, tenant_id)]
    mismatches += [Mismatch("refund journal", *row) for row in repository.refund_mismatches(session, tenant_id)]
    mismatches += [Mismatch("refund reversal", *row)
                   for row in repository.refund_reversal_mismatches(session, tenant_id)]
    mismatches += [Mismatch("invoice refunded", *row)
                   for row in repository.invoice_refunded_mismatches(session, tenant_id)]
    mismatches += [Mismatch("invoice written off", *row)
                   for row in repository.invoice_written_off_mismatches(session, tenant_id)]
    mismatches += [Mismatch("invoice subpayments", *row) for row in repository.subpayment_mismatches(session, tenant_id)]
    mismatches += [Mismatch("credit distribution targets", *row)
                   for row in repository.distribution_target_mismatches(session, tenant_id)]
    mismatches += [Mismatch("credit distribution journal", *row)
                   for row in repository.distribution_journal_mismatches(session, tenant_id)]
    mismatches += [Mismatch("gift certificate balance", *row)
                   for row in repository.certificate_balance_mismatches(session, tenant_id)]
    mismatches += [Mismatch("gift certificate redemption", *row)
                   for row in repository.redemption_journal_mismatches(session, tenant_id)]
    return mismatches
