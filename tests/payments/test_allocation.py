"""The allocation rule, without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from ledgerline.kit.money import Money, MoneyError
from ledgerline.payments.allocation import Allocation, OpenInvoice, allocate

D1, D2, D3 = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


def gbp(amount: str) -> Money:
    return Money.of(amount, "GBP")


def invoice(invoice_id: int, issued: dt.date, outstanding: str, currency: str = "GBP") -> OpenInvoice:
    return OpenInvoice(invoice_id, issued, Money.of(outstanding, currency))


def test_oldest_invoice_is_paid_first():
    plan = allocate(gbp("50"), others=[invoice(2, D2, "40"), invoice(1, D1, "30")])
    assert plan.allocations == [Allocation(1, gbp("30")), Allocation(2, gbp("20"))]
    assert plan.credit == gbp("0")


def test_same_date_invoices_are_taken_by_id():
    plan = allocate(gbp("10"), others=[invoice(9, D1, "10"), invoice(4, D1, "10")])
    assert plan.allocations == [Allocation(4, gbp("10"))]


def test_overpayment_becomes_customer_credit():
    plan = allocate(gbp("100"), others=[invoice(1, D1, "30")])
    assert plan.allocations == [Allocation(1, gbp("30"))]
    assert plan.credit == gbp("70")


def test_intended_invoices_come_first_in_the_order_given():
    plan = allocate(gbp("50"), intended=[invoice(3, D3, "20"), invoice(2, D2, "20")],
                    others=[invoice(1, D1, "20"), invoice(2, D2, "20"), invoice(3, D3, "20")])
    assert plan.allocations == [Allocation(3, gbp("20")), Allocation(2, gbp("20")), Allocation(1, gbp("10"))]


def test_partial_payment_leaves_outstanding_and_no_credit():
    plan = allocate(gbp("12.34"), others=[invoice(1, D1, "20")])
    assert plan.allocations == [Allocation(1, gbp("12.34"))]
    assert plan.credit.is_zero


@pytest.mark.parametrize(("paid", "written_off"), [("99.00", "1.00"), ("99.01", "0.99")])
def test_shortfall_within_tolerance_is_written_off(paid, written_off):
    plan = allocate(gbp(paid), intended=[invoice(1, D1, "100")], tolerance=gbp("1.00"))
    assert plan.shortfall_write_offs == [Allocation(1, gbp(written_off))]


def test_shortfall_just_over_tolerance_stays_outstanding():
    plan = allocate(gbp("98.99"), intended=[invoice(1, D1, "100")], tolerance=gbp("1.00"))
    assert plan.shortfall_write_offs == []


def test_no_write_off_for_invoices_paid_only_by_oldest_first():
    plan = allocate(gbp("99.50"), others=[invoice(1, D1, "100")], tolerance=gbp("1.00"))
    assert plan.shortfall_write_offs == []


def test_zero_decimal_currency_allocates_whole_units():
    plan = allocate(Money.of("1000", "JPY"), others=[invoice(1, D1, "600", "JPY"), invoice(2, D2, "600", "JPY")])
    assert [a.amount.minor for a in plan.allocations] == [600, 400]


def test_three_decimal_currency_keeps_fils():
    plan = allocate(Money.of("1.005", "BHD"), others=[invoice(1, D1, "1.001", "BHD")])
    assert plan.allocations[0].amount == Money.of("1.001", "BHD")
    assert plan.credit == Money.of("0.004", "BHD")


def test_allocations_never_exceed_the_payment():
    plan = allocate(gbp("5"), others=[invoice(i, D1, "3") for i in range(1, 6)])
    assert plan.allocated + plan.credit == gbp("5")


def test_negative_payment_is_refused():
    with pytest.raises(MoneyError):
        allocate(gbp("-1"))
