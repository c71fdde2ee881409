"""Posting and cancelling plans, worked out without a database."""

from __future__ import annotations

import datetime as dt

from ledgerline.kit.money import Money
from ledgerline.models.enums import CreditType, InvoicePaymentStatus, InvoiceStatus, JournalKind
from ledgerline.payments.planning import (
    CustomerSnapshot, InvoiceSnapshot, LiveAllocation, LiveShortfall, plan_cancellation, plan_posting,
)

CUSTOMER = CustomerSnapshot(id=1, currency="GBP", credit_minor=0, settings_version=1)


def invoice(invoice_id: int, day: int, outstanding: int, total: int | None = None) -> InvoiceSnapshot:
    return InvoiceSnapshot(invoice_id, f"INV-{invoice_id}", 1, InvoiceStatus.POSTED, dt.date(2026, 1, day),
                           total or outstanding, outstanding)


def test_posting_pays_oldest_first_and_keeps_the_rest_as_credit():
    plan = plan_posting(customer=CUSTOMER, open_invoices=[invoice(2, 1, 1000), invoice(1, 2, 3000)], intended=[],
                        amount=Money(5000, "GBP"), tolerance=Money.zero("GBP"))
    assert [(a.invoice_id, a.amount.minor) for a in plan.allocations] == [(2, 1000), (1, 3000)]
    assert plan.credit.minor == 1000 and plan.balance_after.minor == 1000
    assert {change.id: change.payment_status for change in plan.invoices} == {
        2: InvoicePaymentStatus.PAID, 1: InvoicePaymentStatus.PAID}


def test_posting_journals_the_payment_then_each_allocation():
    plan = plan_posting(customer=CUSTOMER, open_invoices=[invoice(1, 1, 1000)], intended=[],
                        amount=Money(400, "GBP"), tolerance=Money.zero("GBP"))
    assert [(line.kind, line.balance, line.credit, line.outstanding) for line in plan.journal] == [
        (JournalKind.PAYMENT_POSTED, 400, 400, 0), (JournalKind.ALLOCATION, 0, -400, -400)]
    assert plan.invoices[0].payment_status is InvoicePaymentStatus.PARTIALLY_PAID
    assert plan.balance_after.minor == -600


def test_posting_writes_a_payment_credit_with_a_subpayment_per_invoice_and_a_shortfall_write_off():
    plan = plan_posting(customer=CUSTOMER, open_invoices=[invoice(1, 1, 1000), invoice(2, 2, 500)], intended=[2, 1],
                        amount=Money(1450, "GBP"), tolerance=Money(100, "GBP"))
    assert [(c.type, c.amount_minor, c.invoice_id) for c in plan.credits] == [
        (CreditType.PAYMENT, 1450, None), (CreditType.SUBPAYMENT, 500, 2), (CreditType.SUBPAYMENT, 950, 1),
        (CreditType.SHORTFALL_WRITE_OFF, 50, 1)]
    assert [change.outstanding_minor for change in plan.invoices] == [0, 0]
    assert plan.balance_after.minor == 0  # the shortfall was written off, not owed


def test_posting_counts_what_the_customer_owed_and_held_before():
    customer = CustomerSnapshot(id=1, currency="GBP", credit_minor=300, settings_version=1)
    plan = plan_posting(customer=customer, open_invoices=[invoice(1, 1, 1000, total=2000)], intended=[],
                        amount=Money(200, "GBP"), tolerance=Money.zero("GBP"))
    assert plan.balance_after.minor == 300 - 800


def test_cancelling_reopens_invoices_and_reverses_in_the_journal():
    invoices = [InvoiceSnapshot(1, "INV-1", 1, InvoiceStatus.POSTED, dt.date(2026, 1, 1), 1000, 0),
                InvoiceSnapshot(2, "INV-2", 1, InvoiceStatus.POSTED, dt.date(2026, 1, 2), 500, 0)]
    plan = plan_cancellation(customer_id=1, payment_id=3, currency="GBP", amount_minor=1500, unallocated_minor=50,
                             invoices=invoices,
                             allocations=[LiveAllocation(7, 1, 950), LiveAllocation(8, 2, 500)],
                             shortfalls=[LiveShortfall(9, 1, 50)])
    assert {c.id: (c.outstanding_minor, c.payment_status) for c in plan.invoices} == {
        1: (1000, InvoicePaymentStatus.UNPAID), 2: (500, InvoicePaymentStatus.UNPAID)}
    assert plan.reversed_allocations == (7, 8) and plan.reversed_shortfall_credits == (9,)
    assert [line.kind for line in plan.journal] == [JournalKind.ALLOCATION_REVERSED, JournalKind.ALLOCATION_REVERSED,
                                                    JournalKind.SHORTFALL_WRITE_OFF, JournalKind.PAYMENT_CANCELLED]
    assert [line.credit_id for line in plan.journal] == [None, None, 9, None]
    assert {(line.customer_id, line.payment_id, line.currency) for line in plan.journal} == {(1, 3, "GBP")}
    assert sum(line.balance for line in plan.journal) == -1500 - 50
    assert plan.customer_credit_delta == -50
