"""Balances: a customer's debt against its credit threshold (Elevate's customer credit status)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from ledgerline.balances import repository
from ledgerline.balances.repository import CreditFigures
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.money import Money


@dataclass(frozen=True)
class CreditStatus:
    customer_id: int
    name: str
    credit_threshold: Money
    bill_amount: Money
    value_difference: Money
    percentage_difference: Decimal
    open_bill_run_value: Money


def percentage_difference(debt_minor: int, threshold_minor: int) -> Decimal:
    """debt / threshold x 100, rounded half-even to 2 decimals with integer arithmetic only.

    A zero threshold has nothing to measure against: 0.00 (issue 15: always a number, never null).
    """
    if threshold_minor <= 0:
        return Decimal("0.00")
    hundredths, remainder = divmod(abs(debt_minor) * 10000, threshold_minor)
    if 2 * remainder > threshold_minor or (2 * remainder == threshold_minor and hundredths % 2 == 1):
        hundredths += 1
    return Decimal(-hundredths if debt_minor < 0 else hundredths).scaleb(-2)


def credit_status_of(figures: CreditFigures) -> CreditStatus:
    currency = figures.currency
    threshold = Money(figures.threshold_minor, currency)
    debt = Money(figures.debt_minor, currency)
    return CreditStatus(
        customer_id=figures.customer_id,
        name=figures.name,
        credit_threshold=threshold,
        bill_amount=debt,
        value_difference=threshold - debt,
        percentage_difference=percentage_difference(figures.debt_minor, figures.threshold_minor),
        open_bill_run_value=Money(figures.open_bill_run_value_minor, currency),
    )


def credit_status_page(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    page = repository.page_of_credit_figures(session, tenant_id, criteria)
    return Page(items=[credit_status_of(figures) for figures in page.items], total=page.total)


def count_credit_status(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.count_credit_figures(session, tenant_id, criteria)


@dataclass(frozen=True)
class BalanceSummary:
    customer_id: int
    balance: Money
    total_payments: Money
    total_payments_since_last_invoice: Money
    payment_methods: list[str]  # most recent first

    @property
    def summary_type(self) -> str:
        count = len(self.payment_methods)
        return "NONE" if count == 0 else "SINGLE" if count == 1 else "MULTIPLE"


def balance_summary(session: Session, *, tenant_id: uuid.UUID, customer_id: int) -> BalanceSummary:
    """DESIGN "Balances": unallocated credit minus what posted invoices owe (negative = debt)."""
    from ledgerline.customers.service import get_customer
    from ledgerline.ledger.repository import balance_of

    customer = get_customer(session, tenant_id=tenant_id, customer_id=customer_id)
    total, since, methods = repository.posted_payment_figures(session, tenant_id, customer_id)
    currency = customer.currency
    return BalanceSummary(
        customer_id=customer.id, balance=Money(balance_of(session, tenant_id, customer.id), currency),
        total_payments=Money(total, currency), total_payments_since_last_invoice=Money(since, currency),
        payment_methods=methods)
