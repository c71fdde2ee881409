"""The planning rules of spent credit and redeemed gift certificates, without a database."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerline.errors import Conflict, InvalidRequest
from ledgerline.kit.money import Money
from ledgerline.models.enums import CreditType, GiftCertificateStatus, InvoiceStatus, JournalKind
from ledgerline.payments.planning import (
    CertificateSnapshot, CustomerSnapshot, InvoiceSnapshot, LiveAllocation, LiveDistribution, LiveRedemption, Redeem,
    SpendCredit, plan_cancellation, plan_posting,
)

TODAY = dt.date(2026, 12, 1)


def customer(credit: int = 0) -> CustomerSnapshot:
    return CustomerSnapshot(id=1, currency="GBP", credit_minor=credit, settings_version=1)


def invoice(invoice_id: int, day: int, outstanding: int) -> InvoiceSnapshot:
    return InvoiceSnapshot(invoice_id, f"INV-{invoice_id}", 1, InvoiceStatus.POSTED, dt.date(2026, 1, day),
                           outstanding, outstanding)


def gift(balance: int, **extra) -> CertificateSnapshot:
    values = {"id": 7, "code": "G", "currency": "GBP", "balance_minor": balance, "status": GiftCertificateStatus.ACTIVE,
              **extra}
    return CertificateSnapshot(**values)


def post(cash: int = 0, *, credit: int = 0, invoices=(), intended=(), spends=(), redemptions=(), tolerance: int = 0):
    return plan_posting(customer=customer(credit), open_invoices=list(invoices), intended=list(intended),
                        amount=Money(cash, "GBP"), tolerance=Money(tolerance, "GBP"), spends=list(spends),
                        redemptions=list(redemptions), today=TODAY)


def refused(call) -> tuple[str, str]:  # noqa: ANN001
    with pytest.raises(InvalidRequest) as error:
        call()
    return error.value.errors[0].field, error.value.errors[0].message


def test_spent_credit_settles_intended_then_oldest_first_before_the_cash():
    plan = post(1500, credit=4000, invoices=[invoice(1, 5, 1000), invoice(2, 1, 2000), invoice(3, 3, 3000)],
                intended=[1], spends=[SpendCredit("credit_applied[0].amount", 2500)])
    (spent,) = plan.distributions
    assert spent.targets == ((1, 1000), (2, 1500))
    assert [(a.invoice_id, a.amount.minor) for a in plan.allocations] == [(2, 500), (3, 1000)]
    assert plan.credit_spent_minor == 2500 and plan.customer_credit_delta == -2500
    # balance: 4000 credit - 6000 owed = -2000, plus 1500 cash = -500
    assert plan.balance_after.minor == -500
    assert [(line.kind, line.credit, line.outstanding) for line in spent.lines] == [
        (JournalKind.CREDIT_DISTRIBUTED, -1000, -1000), (JournalKind.CREDIT_DISTRIBUTED, -1500, -1500)]


def test_a_redeemed_certificate_brings_money_in_then_distributes_it():
    plan = post(invoices=[invoice(1, 1, 3000)],
                redemptions=[Redeem("gift_certificates[0].amount", "G", 2000, gift(5000))])
    (redeemed,) = plan.distributions
    assert redeemed.certificate_id == 7 and redeemed.targets == ((1, 2000),)
    assert [(l.kind, l.balance, l.credit) for l in redeemed.lines][0] == (JournalKind.GIFT_REDEEMED, 2000, 2000)
    assert plan.gift_redeemed_minor == 2000 and plan.customer_credit_delta == 0
    assert plan.credits == () and plan.balance_after.minor == -1000   # no cash: no payment credit


def test_cash_keeps_its_tolerance_after_what_credit_settled():
    plan = post(950, credit=1000, invoices=[invoice(1, 1, 2000)], intended=[1], tolerance=100,
                spends=[SpendCredit("credit_applied[0].amount", 1000)])
    assert [(w.invoice_id, w.amount.minor) for w in plan.write_offs] == [(1, 50)]
    assert [c.type for c in plan.credits] == [CreditType.PAYMENT, CreditType.SUBPAYMENT, CreditType.SHORTFALL_WRITE_OFF]


@pytest.mark.parametrize(("spends", "field", "words"), [
    ([SpendCredit("credit_applied[0].amount", 1001)], "credit_applied[0].amount", "available credit (10.00)"),
    ([SpendCredit("credit_applied[0].amount", 600), SpendCredit("credit_applied[1].amount", 401)],
     "credit_applied[1].amount", "available credit (4.00)"),
    ([SpendCredit("credit_applied[0].amount", 0)], "credit_applied[0].amount", "greater than zero"),
    ([SpendCredit("credit_applied[0].amount", 300, source=(5, 200))], "credit_applied[0].amount", "credit 5 (2.00)"),
    ([SpendCredit("credit_applied[0].amount", 150, source=(5, 200)),
      SpendCredit("credit_applied[1].amount", 60, source=(5, 200))], "credit_applied[1].amount", "credit 5 (0.50)"),
])
def test_never_more_than_the_available_credit_nor_what_is_left_of_a_named_one(spends, field, words):
    got_field, message = refused(lambda: post(credit=1000, invoices=[invoice(1, 1, 5000)], spends=spends))
    assert got_field == field and words in message


def test_money_that_is_not_cash_must_find_an_invoice_to_settle():
    field, message = refused(lambda: post(credit=5000, invoices=[invoice(1, 1, 1000)],
                                          spends=[SpendCredit("credit_applied[0].amount", 800)],
                                          redemptions=[Redeem("gift_certificates[0].amount", "G", 300, gift(500))]))
    assert field == "gift_certificates[0].amount" and "(2.00)" in message


@pytest.mark.parametrize(("certificate", "amount", "field", "words"), [
    (None, 100, "gift_certificates[0].code", "no gift certificate"),
    (gift(500, status=GiftCertificateStatus.INACTIVE), 100, "gift_certificates[0].code", "not active"),
    (gift(500, expires_on=TODAY - dt.timedelta(days=1)), 100, "gift_certificates[0].code", "expired on 2026-11-30"),
    (gift(500, currency="EUR"), 100, "gift_certificates[0].code", "in EUR"),
    (gift(500, customer_id=2), 100, "gift_certificates[0].code", "another customer"),
    (gift(500), 501, "gift_certificates[0].amount", "balance (5.00)"),
])
def test_a_certificate_is_redeemed_within_its_rules(certificate, amount, field, words):
    got_field, message = refused(lambda: post(invoices=[invoice(1, 1, 5000)], redemptions=[
        Redeem("gift_certificates[0].amount", "G", amount, certificate)]))
    assert got_field == field and words in message


def test_a_certificate_is_good_on_its_expiry_day_and_for_its_own_customer():
    plan = post(invoices=[invoice(1, 1, 5000)], redemptions=[
        Redeem("gift_certificates[0].amount", "G", 500, gift(500, expires_on=TODAY, customer_id=1))])
    assert plan.gift_redeemed_minor == 500


def test_cancelling_returns_spent_credit_and_restores_certificates():
    plan = plan_cancellation(
        customer_id=1, payment_id=9, currency="GBP", amount_minor=500, unallocated_minor=0,
        allocations=[LiveAllocation(20, 1, 500)], shortfalls=[], invoices=[invoice(1, 1, 0)],
        distributions=[LiveDistribution(30, 1, 1000), LiveDistribution(31, 1, 400)],
        redemptions=[LiveRedemption(40, 7, 31, 400)], customer_credit_minor=0)
    assert [(c.id, c.outstanding_minor) for c in plan.invoices] == [(1, 1900)]
    assert plan.customer_credit_delta == 1000 and plan.restored_certificates == ((7, 400),)
    assert plan.reversed_redemptions == (40,)
    kinds = [line.kind for line in plan.journal]
    assert kinds == [JournalKind.CREDIT_RETURNED, JournalKind.CREDIT_RETURNED, JournalKind.GIFT_RESTORED,
                     JournalKind.ALLOCATION_REVERSED, JournalKind.PAYMENT_CANCELLED]


def test_cancelling_is_refused_when_the_credit_it_left_is_gone():
    with pytest.raises(Conflict):
        plan_cancellation(customer_id=1, payment_id=9, currency="GBP", amount_minor=500, unallocated_minor=500,
                          allocations=[], shortfalls=[], invoices=[], customer_credit_minor=499)


@settings(max_examples=150, deadline=None)
@given(owed=st.lists(st.integers(1, 5000), min_size=1, max_size=5), cash=st.integers(0, 8000),
       credit=st.integers(0, 6000), spend=st.integers(1, 6000), redeem=st.integers(0, 4000))
def test_the_journal_of_a_plan_moves_balance_credit_and_invoices_as_the_plan_says(owed, cash, credit, spend, redeem):
    invoices = [invoice(n + 1, n + 1, minor) for n, minor in enumerate(owed)]
    redemptions = [Redeem("gift_certificates[0].amount", "G", redeem, gift(redeem))] if redeem else []
    try:
        plan = post(cash, credit=credit, invoices=invoices, spends=[SpendCredit("credit_applied[0].amount", spend)],
                    redemptions=redemptions)
    except InvalidRequest:
        assert spend > credit or spend + redeem > sum(owed)
        return
    lines = [line for d in plan.distributions for line in d.lines] + list(plan.journal)
    assert sum(line.credit for line in lines) == plan.customer_credit_delta
    assert sum(line.balance for line in lines) == cash + redeem
    outstanding = defaultdict(int)
    for line in lines:
        if line.invoice_id is not None:
            outstanding[line.invoice_id] += line.outstanding
    assert {c.id: c.outstanding_minor for c in plan.invoices} == {
        i.id: i.outstanding_minor + outstanding[i.id] for i in invoices if outstanding[i.id]}
    assert plan.balance_after.minor == credit - sum(owed) + cash + redeem
    assert all(c.outstanding_minor >= 0 for c in plan.invoices)
