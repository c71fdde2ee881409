"""A manual change of a customer's balance, planned on the locked customer. Pure: no I/O.

A credit (positive amount) becomes customer credit, like an overpayment. A debit takes what it can
from the customer's credit; the rest becomes a posted ADHOC invoice, so the debt is an invoice that
payments settle oldest first like any other. Either way the balance moves by exactly the amount.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ledgerline.kit.money import Money
from ledgerline.ledger.journal import JournalLine
from ledgerline.ledger.snapshot import CustomerMoney, InvoiceMoney
from ledgerline.models.enums import BillRunType, InvoiceStatus, JournalKind


@dataclass(frozen=True)
class Adjustment:
    """An adjustment as stored and rendered, with the ADHOC invoice a debit posted (``id`` is None until the
    plan is applied, as is the invoice's)."""

    number: str
    locator: str
    customer_id: int
    currency: str
    amount_minor: int
    credit_used_minor: int
    resulting_balance_minor: int
    created_at: dt.datetime
    description: str | None = None
    created_by: str | None = None
    invoice: InvoiceMoney | None = None
    id: int | None = None

    @property
    def invoice_id(self) -> int | None:
        return None if self.invoice is None else self.invoice.id

    @property
    def balance_after(self) -> Money:
        return Money(self.resulting_balance_minor, self.currency)


@dataclass(frozen=True)
class AdjustmentPlan:
    """What an adjustment changes: the customer after it, the credit it used, what a debit leaves to an invoice
    and the journal lines of the adjustment itself (the invoice's posting is journaled with the invoice)."""

    amount: Money
    customer: CustomerMoney
    credit_used: Money
    invoiced: Money
    lines: tuple[JournalLine, ...] = field(default=())

    @property
    def moves_credit(self) -> bool:
        return any(line.credit for line in self.lines)

    def invoice_line(self, invoice_id: int) -> JournalLine:
        return JournalLine(JournalKind.INVOICE_POSTED, self.customer.id, self.customer.currency,
                           balance=-self.invoiced.minor, outstanding=self.invoiced.minor, invoice_id=invoice_id)

    def invoice(self, *, locator: str, today: dt.date) -> InvoiceMoney | None:
        """The posted ADHOC invoice carrying what credit did not cover (its id comes when it is inserted)."""
        if not self.invoiced.is_positive:
            return None
        minor = self.invoiced.minor
        return InvoiceMoney(id=0, locator=locator, customer_id=self.customer.id, bill_run_type=BillRunType.ADHOC,
                            status=InvoiceStatus.POSTED, currency=self.customer.currency, total_minor=minor,
                            outstanding_minor=minor, issue_date=today)


def plan_adjustment(customer: CustomerMoney, amount: Money) -> AdjustmentPlan:
    """A credit (positive) becomes customer credit; a debit takes what it can from the credit and invoices the
    rest. 0 is within the documented range (-100000..100000, issue 15): recorded, it moves nothing."""
    if amount.is_zero:
        return AdjustmentPlan(amount, customer, Money.zero(amount.currency), Money.zero(amount.currency), ())
    if amount.is_positive:
        line = JournalLine(JournalKind.BALANCE_ADJUSTMENT, customer.id, customer.currency, balance=amount.minor,
                           credit=amount.minor)
        return AdjustmentPlan(amount, customer.moved(credit=amount.minor), Money.zero(amount.currency),
                              Money.zero(amount.currency), (line,))
    debit = -amount.minor
    used = min(customer.credit_minor, debit)
    lines = () if not used else (JournalLine(JournalKind.BALANCE_ADJUSTMENT, customer.id, customer.currency,
                                             balance=-used, credit=-used),)
    return AdjustmentPlan(amount, customer.moved(credit=-used, owed=debit - used), Money(used, amount.currency),
                          Money(debit - used, amount.currency), lines)
