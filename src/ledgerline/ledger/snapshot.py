"""What a money movement reads under its locks, as pure values: plans take these and return new ones.

The repositories read them with Core (no ORM hydration) after locking the rows, customer first;
planning functions never touch the database, and the apply step writes what the plan left them at.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from ledgerline.errors import InvalidRequest
from ledgerline.kit.money import Money, MoneyError
from ledgerline.models.enums import BillRunType, InvoicePaymentStatus, InvoiceStatus


@dataclass(frozen=True)
class CustomerMoney:
    """A locked customer: its currency, unallocated credit and what its posted invoices owe."""

    id: int
    locator: str
    currency: str
    credit_minor: int
    settings_version: int = 0
    owed_minor: int = 0  # outstanding of its posted invoices, read after the lock

    @property
    def credit(self) -> Money:
        return Money(self.credit_minor, self.currency)

    @property
    def balance(self) -> Money:
        """DESIGN "Balances": unallocated credit minus what posted invoices owe (negative = debt)."""
        return Money(self.credit_minor - self.owed_minor, self.currency)

    def money(self, amount: Decimal, *, field: str) -> Money:
        """An amount of a request in the customer's currency, exact (422 naming the field when it does not fit)."""
        try:
            return Money.of(amount, self.currency)
        except MoneyError as exc:
            raise InvalidRequest.for_field(field, str(exc)) from None

    def moved(self, *, credit: int = 0, owed: int = 0) -> CustomerMoney:
        return replace(self, credit_minor=self.credit_minor + credit, owed_minor=self.owed_minor + owed)


@dataclass(frozen=True)
class InvoiceMoney:
    """A locked invoice's money."""

    id: int
    locator: str
    customer_id: int
    bill_run_type: BillRunType
    status: InvoiceStatus
    currency: str
    total_minor: int
    outstanding_minor: int
    refunded_minor: int = 0
    written_off_minor: int = 0
    issue_date: dt.date | None = None

    @property
    def outstanding(self) -> Money:
        return Money(self.outstanding_minor, self.currency)

    @property
    def payment_status(self) -> InvoicePaymentStatus:
        # Imported here: invoices' service reaches the repositories that build these values.
        from ledgerline.invoices.service import payment_status_of

        return payment_status_of(self.status, self.total_minor, self.outstanding_minor,
                                 refunded_minor=self.refunded_minor, written_off_minor=self.written_off_minor)

    def moved(self, *, outstanding: int = 0, refunded: int = 0, written_off: int = 0) -> InvoiceMoney:
        return replace(self, outstanding_minor=self.outstanding_minor + outstanding,
                       refunded_minor=self.refunded_minor + refunded,
                       written_off_minor=self.written_off_minor + written_off)

    def columns(self) -> dict[str, object]:
        """The stored money columns as this value has them (what the apply step writes)."""
        return {"outstanding_minor": self.outstanding_minor, "refunded_minor": self.refunded_minor,
                "written_off_minor": self.written_off_minor, "payment_status": self.payment_status}
