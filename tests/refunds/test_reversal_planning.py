"""Reversing a refund a provider bounced, planned without a database: what goes back where."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ledgerline.kit.money import Money
from ledgerline.ledger.snapshot import CustomerMoney, InvoiceMoney
from ledgerline.models.enums import BillRunType, InvoicePaymentStatus, InvoiceStatus, JournalKind
from ledgerline.refunds.planning import (
    Draw, DrawnNow, Source, plan_credit_refund, plan_invoice_refund, plan_refund_reversal,
)

CUSTOMER = CustomerMoney(id=7, locator="C", currency="GBP", credit_minor=0, owed_minor=0)


def gbp(minor: int) -> Money:
    return Money(minor, "GBP")


def invoice(outstanding: int = 0, refunded: int = 0, status: InvoiceStatus = InvoiceStatus.POSTED) -> InvoiceMoney:
    return InvoiceMoney(id=3, locator="I", customer_id=7, bill_run_type=BillRunType.NORMAL, status=status,
                        currency="GBP", total_minor=10_000, outstanding_minor=outstanding, refunded_minor=refunded)


def now_of(draw: Draw, *, payment_refunded: int, unallocated: int = 0, allocation_refunded: int = 0,
           live: bool = True) -> DrawnNow:
    return DrawnNow(draw, payment_refunded, unallocated, allocation_refunded, live)


def test_reversing_an_invoice_refund_settles_the_reopened_invoice_again():
    draws = [Draw(2, 4_000, 102), Draw(1, 1_000, 101)]
    drawn = [now_of(draws[0], payment_refunded=4_000, allocation_refunded=4_000),
             now_of(draws[1], payment_refunded=1_500, allocation_refunded=1_500)]
    plan = plan_refund_reversal(refund_id=9, amount=gbp(5_000), customer=replace(CUSTOMER, owed_minor=5_000),
                                invoice=invoice(outstanding=5_000, refunded=5_500), drawn=drawn)
    assert plan.allocations == {102: 0, 101: 500}
    assert plan.payments == {2: {"refunded_minor": 0, "unallocated_minor": 0},
                             1: {"refunded_minor": 500, "unallocated_minor": 0}}
    # 500 refunded earlier was paid again since (outstanding 5_000, not 5_500): the invoice is PAID again.
    assert (plan.invoice.outstanding_minor, plan.invoice.refunded_minor) == (0, 500)
    assert plan.invoice.payment_status is InvoicePaymentStatus.PAID
    assert plan.customer.balance == gbp(0) and plan.back_on_invoice_minor == 5_000
    [line] = plan.lines
    assert (line.kind, line.balance, line.credit, line.outstanding, line.invoice_id, line.refund_id) == (
        JournalKind.REFUND_REVERSED, 5_000, 0, -5_000, 3, 9)


def test_what_the_invoice_no_longer_owes_comes_back_as_customer_credit():
    """A payment settled the reopened invoice before the refund bounced: only 1_000 is still open."""
    draw = Draw(1, 3_000, 101)
    plan = plan_refund_reversal(refund_id=9, amount=gbp(3_000), customer=replace(CUSTOMER, owed_minor=1_000),
                                invoice=invoice(outstanding=1_000, refunded=3_000),
                                drawn=[now_of(draw, payment_refunded=3_000, allocation_refunded=3_000)])
    assert plan.allocations == {101: 2_000}
    assert plan.payments == {1: {"refunded_minor": 0, "unallocated_minor": 2_000}}
    assert (plan.invoice.outstanding_minor, plan.invoice.refunded_minor) == (0, 2_000)
    assert (plan.customer.credit_minor, plan.customer.balance) == (2_000, gbp(2_000))
    [line] = plan.lines
    assert (line.balance, line.credit, line.outstanding) == (3_000, 2_000, -1_000)
    assert line.balance == line.credit - line.outstanding  # the journal's own identity


def test_reversing_a_credit_refund_gives_the_payments_their_unallocated_money_back():
    draws = [Draw(2, 500), Draw(1, 700)]
    plan = plan_refund_reversal(refund_id=9, amount=gbp(1_200), customer=replace(CUSTOMER, credit_minor=300),
                                invoice=None, drawn=[now_of(draws[0], payment_refunded=500, unallocated=0),
                                                     now_of(draws[1], payment_refunded=700, unallocated=300)])
    assert plan.allocations == {} and plan.invoice is None
    assert plan.payments == {2: {"refunded_minor": 0, "unallocated_minor": 500},
                             1: {"refunded_minor": 0, "unallocated_minor": 1_000}}
    assert plan.customer.credit_minor == 1_500
    [line] = plan.lines
    assert (line.balance, line.credit, line.outstanding, line.invoice_id) == (1_200, 1_200, 0, None)


def test_a_refund_reversed_right_after_it_was_planned_leaves_everything_as_before():
    before_invoice = invoice(outstanding=0)
    sources = [Source(payment_id=1, available_minor=10_000, payment_refunded_minor=0, payment_unallocated_minor=0,
                      provider_collected=True, allocation_id=101)]
    refunded = plan_invoice_refund(gbp(2_500), customer=CUSTOMER, invoice=before_invoice, sources=sources)
    drawn = [now_of(draw, payment_refunded=refunded.payments_after()[draw.payment_id]["refunded_minor"],
                    allocation_refunded=refunded.allocations_after()[draw.allocation_id]) for draw in refunded.draws()]
    reversed_ = plan_refund_reversal(refund_id=9, amount=gbp(2_500), customer=refunded.customer,
                                     invoice=refunded.invoice, drawn=drawn)
    assert reversed_.invoice == before_invoice and reversed_.customer == CUSTOMER
    assert reversed_.allocations == {101: 0}
    assert reversed_.payments == {1: {"refunded_minor": 0, "unallocated_minor": 0}}


def test_a_credit_refund_and_its_reversal_add_up_to_nothing():
    customer = replace(CUSTOMER, credit_minor=900)
    sources = [Source(payment_id=1, available_minor=900, payment_refunded_minor=0, payment_unallocated_minor=900,
                      provider_collected=True)]
    refunded = plan_credit_refund(gbp(400), customer=customer, sources=sources)
    after = refunded.payments_after()[1]
    reversed_ = plan_refund_reversal(refund_id=9, amount=gbp(400), customer=refunded.customer, invoice=None, drawn=[
        now_of(draw, payment_refunded=after["refunded_minor"], unallocated=after["unallocated_minor"])
        for draw in refunded.draws()])
    assert reversed_.customer == customer
    assert reversed_.payments == {1: {"refunded_minor": 0, "unallocated_minor": 900}}
    assert sum(line.balance for line in refunded.lines + reversed_.lines) == 0


def test_a_cancelled_invoice_or_a_reversed_allocation_takes_nothing_back():
    draw = Draw(1, 1_000, 101)
    plan = plan_refund_reversal(refund_id=9, amount=gbp(1_000), customer=CUSTOMER,
                                invoice=invoice(status=InvoiceStatus.CANCELLED),
                                drawn=[now_of(draw, payment_refunded=1_000, allocation_refunded=1_000)])
    assert plan.back_on_invoice_minor == 0 and plan.customer.credit_minor == 1_000
    plan = plan_refund_reversal(refund_id=9, amount=gbp(1_000), customer=CUSTOMER, invoice=invoice(outstanding=1_000),
                                drawn=[now_of(draw, payment_refunded=1_000, allocation_refunded=1_000, live=False)])
    assert plan.back_on_invoice_minor == 0 and plan.allocations == {101: 1_000}


def test_draws_that_do_not_add_up_to_the_refund_are_refused():
    with pytest.raises(ValueError, match="do not add up"):
        plan_refund_reversal(refund_id=9, amount=gbp(1_000), customer=CUSTOMER, invoice=None,
                             drawn=[now_of(Draw(1, 999), payment_refunded=999)])
    with pytest.raises(ValueError, match="less refunded"):
        plan_refund_reversal(refund_id=9, amount=gbp(1_000), customer=CUSTOMER, invoice=None,
                             drawn=[now_of(Draw(1, 1_000), payment_refunded=10)])


def test_draws_survive_their_stored_form():
    for draw in (Draw(1, 250, 101), Draw(2, 3)):
        assert Draw.from_json(draw.to_json()) == draw
