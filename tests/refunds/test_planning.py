"""Refund planning on a snapshot, without a database: what is taken back, from where, and what follows."""

from __future__ import annotations

import pytest

from ledgerline.errors import InvalidRequest
from ledgerline.kit.money import Money
from ledgerline.ledger.snapshot import CustomerMoney, InvoiceMoney
from ledgerline.models.enums import BillRunType, InvoicePaymentStatus, InvoiceStatus, JournalKind, PaymentMethod
from ledgerline.refunds.planning import (
    Source, needs_last_method, plan_credit_refund, plan_invoice_refund, refund_method,
)

CUSTOMER = CustomerMoney(id=7, locator="C", currency="GBP", credit_minor=0, owed_minor=0)


def gbp(minor: int) -> Money:
    return Money(minor, "GBP")


def paid_invoice(total: int = 10_000) -> InvoiceMoney:
    return InvoiceMoney(id=3, locator="I", customer_id=7, bill_run_type=BillRunType.NORMAL, status=InvoiceStatus.POSTED,
                        currency="GBP", total_minor=total, outstanding_minor=0)


def allocation(payment_id: int, available: int, *, refunded: int = 0, provider: bool = False) -> Source:
    return Source(payment_id=payment_id, available_minor=available, payment_refunded_minor=refunded,
                  payment_unallocated_minor=0, provider_collected=provider, allocation_id=100 + payment_id,
                  allocation_refunded_minor=refunded)


def test_an_invoice_refund_takes_from_the_newest_payment_first_and_reopens_the_invoice():
    sources = [allocation(2, 4_000), allocation(1, 6_000, refunded=500)]  # newest first, as locked
    plan = plan_invoice_refund(gbp(5_000), customer=CUSTOMER, invoice=paid_invoice(), sources=sources)
    assert [(taken.source.payment_id, taken.amount_minor) for taken in plan.taken] == [(2, 4_000), (1, 1_000)]
    assert plan.allocations_after() == {102: 4_000, 101: 1_500}
    assert plan.payments_after() == {2: {"refunded_minor": 4_000, "unallocated_minor": 0},
                                     1: {"refunded_minor": 1_500, "unallocated_minor": 0}}
    assert (plan.invoice.outstanding_minor, plan.invoice.refunded_minor) == (5_000, 5_000)
    assert plan.invoice.payment_status is InvoicePaymentStatus.PART_REFUNDED
    assert plan.customer.balance == gbp(-5_000) and plan.customer.credit_minor == 0
    [line] = plan.lines
    assert (line.kind, line.balance, line.credit, line.outstanding, line.invoice_id) == (
        JournalKind.REFUND, -5_000, 0, 5_000, 3)


def test_refunding_all_that_was_collected_marks_the_invoice_refunded():
    plan = plan_invoice_refund(gbp(10_000), customer=CUSTOMER, invoice=paid_invoice(),
                               sources=[allocation(1, 10_000)])
    assert plan.invoice.payment_status is InvoicePaymentStatus.REFUNDED


def test_an_invoice_refund_above_what_was_collected_names_the_amount_and_the_limit():
    with pytest.raises(InvalidRequest) as refused:
        plan_invoice_refund(gbp(1_501), customer=CUSTOMER, invoice=paid_invoice(), sources=[allocation(1, 1_500)])
    [error] = refused.value.errors
    assert error.field == "amount" and "15.00" in error.message and "invoice 3" in error.message


def test_a_credit_refund_is_bounded_by_the_credit_and_by_the_unallocated_payments():
    customer = CustomerMoney(id=7, locator="C", currency="GBP", credit_minor=3_500, owed_minor=1_000)
    sources = [Source(payment_id=9, available_minor=3_000, payment_refunded_minor=0, payment_unallocated_minor=3_000,
                      provider_collected=False)]
    with pytest.raises(InvalidRequest, match="30.00"):  # 5.00 of the credit is an adjustment, not collected money
        plan_credit_refund(gbp(3_001), customer=customer, sources=sources)
    plan = plan_credit_refund(gbp(3_000), customer=customer, sources=sources)
    assert plan.payments_after() == {9: {"refunded_minor": 3_000, "unallocated_minor": 0}}
    assert plan.allocations_after() == {} and plan.invoice is None
    assert (plan.customer.credit_minor, plan.customer.balance) == (500, gbp(-500))
    assert (plan.lines[0].balance, plan.lines[0].credit, plan.lines[0].outstanding) == (-3_000, -3_000, 0)


def test_the_method_is_the_last_payments_when_blank_or_when_a_provider_collected_the_money():
    by_hand = plan_invoice_refund(gbp(100), customer=CUSTOMER, invoice=paid_invoice(), sources=[allocation(1, 100)])
    by_provider = plan_invoice_refund(gbp(100), customer=CUSTOMER, invoice=paid_invoice(),
                                      sources=[allocation(1, 100, provider=True)])
    assert not needs_last_method(PaymentMethod.BACS, by_hand)
    assert refund_method(PaymentMethod.BACS, None, plan=by_hand, customer_id=7) == (PaymentMethod.BACS, True)
    assert needs_last_method(PaymentMethod.BACS, by_provider)
    assert refund_method(PaymentMethod.BACS, PaymentMethod.GO_CARDLESS, plan=by_provider, customer_id=7) == (
        PaymentMethod.GO_CARDLESS, False)
    assert refund_method(None, PaymentMethod.CHEQUE, plan=by_hand, customer_id=7) == (PaymentMethod.CHEQUE, False)
    with pytest.raises(InvalidRequest) as refused:
        refund_method(None, None, plan=by_hand, customer_id=7)
    assert refused.value.errors[0].field == "method"
