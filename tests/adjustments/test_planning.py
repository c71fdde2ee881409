"""Balance adjustment planning on the locked customer, without a database."""

from __future__ import annotations

import datetime as dt


from ledgerline.adjustments.planning import plan_adjustment
from ledgerline.kit.money import Money
from ledgerline.ledger.snapshot import CustomerMoney
from ledgerline.models.enums import BillRunType, InvoicePaymentStatus, InvoiceStatus, JournalKind


def customer(credit: int = 0, owed: int = 0) -> CustomerMoney:
    return CustomerMoney(id=7, locator="C", currency="GBP", credit_minor=credit, owed_minor=owed)


def gbp(minor: int) -> Money:
    return Money(minor, "GBP")


def test_a_credit_becomes_customer_credit():
    plan = plan_adjustment(customer(owed=3_000), gbp(1_250))
    assert (plan.customer.credit_minor, plan.customer.balance) == (1_250, gbp(-1_750))
    assert (plan.credit_used, plan.invoiced) == (gbp(0), gbp(0)) and plan.moves_credit
    assert [(line.kind, line.balance, line.credit) for line in plan.lines] == [(JournalKind.BALANCE_ADJUSTMENT,
                                                                               1_250, 1_250)]
    assert plan.invoice(locator="I", today=dt.date(2026, 12, 1)) is None


def test_a_debit_uses_credit_first_and_the_rest_becomes_a_posted_adhoc_invoice():
    plan = plan_adjustment(customer(credit=1_500), gbp(-2_000))
    assert (plan.credit_used, plan.invoiced) == (gbp(1_500), gbp(500))
    assert (plan.customer.credit_minor, plan.customer.owed_minor, plan.customer.balance) == (0, 500, gbp(-500))
    assert [(line.balance, line.credit) for line in plan.lines] == [(-1_500, -1_500)]
    invoice = plan.invoice(locator="I", today=dt.date(2026, 12, 1))
    assert (invoice.bill_run_type, invoice.status, invoice.total_minor, invoice.outstanding_minor) == (
        BillRunType.ADHOC, InvoiceStatus.POSTED, 500, 500)
    assert invoice.payment_status is InvoicePaymentStatus.UNPAID
    line = plan.invoice_line(41)
    assert (line.kind, line.balance, line.outstanding, line.invoice_id) == (JournalKind.INVOICE_POSTED, -500, 500, 41)


def test_a_debit_the_credit_covers_posts_no_invoice_and_one_without_credit_moves_none():
    covered = plan_adjustment(customer(credit=700), gbp(-700))
    assert covered.invoiced == gbp(0) and covered.customer.balance == gbp(0)
    uncovered = plan_adjustment(customer(), gbp(-700))
    assert uncovered.lines == () and not uncovered.moves_credit and uncovered.customer.balance == gbp(-700)


def test_zero_is_within_the_documented_range_and_moves_nothing():
    # Vendor notes: amountInMajorCurrency -100000..100000, a range that holds 0 (issue 15).
    plan = plan_adjustment(customer(credit=700), gbp(0))
    assert plan.lines == () and not plan.moves_credit and plan.invoiced == gbp(0) and plan.credit_used == gbp(0)
    assert plan.customer.balance == customer(credit=700).balance
