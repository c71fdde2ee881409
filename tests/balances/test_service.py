"""Balances: a customer's credit status (debt against its credit threshold) and balance summary.

The pure rules run without a database; the queries run on every backend of tests/conftest.py, with the
money moved over HTTP as a client would and the service read on the test's session.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from ledgerline.balances import service as balances
from ledgerline.balances.repository import CreditFigures
from ledgerline.errors import NotFound
from ledgerline.kit.criteria import Above, Criteria, Criterion, Equals, OneOf, Sort
from ledgerline.kit.money import Money
from tests.factories import create_bill_run, create_customer, create_invoice


# --- pure rules: no database -----------------------------------------------------------------------

@pytest.mark.parametrize(("debt", "threshold", "expected"), [
    (6000, 10000, Decimal("60.00")),
    (1, 3, Decimal("33.33")),
    (2, 3, Decimal("66.67")),
    (1, 20000, Decimal("0.00")),  # 0.005 % rounds half to even: down
    (3, 20000, Decimal("0.02")),  # 0.015 % rounds half to even: up
    (-3, 20000, Decimal("-0.02")),
    (-1, 20000, Decimal("0.00")),  # never "-0.00"
    (-3000, 10000, Decimal("-30.00")),
    (25000, 10000, Decimal("250.00")),
    (10**17 + 1, 10**15, Decimal("10000.00")),
    (500, 0, Decimal("0.00")),  # no threshold to measure against: 0, never null (issue 15)
])
def test_percentage_difference_rounds_half_even_exactly(debt, threshold, expected):
    result = balances.percentage_difference(debt, threshold)
    assert result == expected
    assert str(result) == str(expected)

def test_credit_status_of_takes_the_debt_off_the_threshold_in_the_customers_currency():
    status = balances.credit_status_of(CreditFigures(7, "Acme", "EUR", 10000, 7500, 1234))
    assert (status.customer_id, status.credit_threshold, status.bill_amount) == (
        7, Money(10000, "EUR"), Money(7500, "EUR"))
    assert status.value_difference == Money(2500, "EUR")
    assert status.percentage_difference == Decimal("75.00")
    assert status.open_bill_run_value == Money(1234, "EUR")


def test_credit_beyond_what_is_owed_is_a_negative_debt_that_widens_the_difference():
    status = balances.credit_status_of(CreditFigures(7, "Acme", "GBP", 10000, -2000, 0))
    assert status.bill_amount == Money(-2000, "GBP")
    assert status.value_difference == Money(12000, "GBP")
    assert status.percentage_difference == Decimal("-20.00")


def test_a_customer_without_a_threshold_has_percentage_zero_and_a_difference():
    status = balances.credit_status_of(CreditFigures(7, "Acme", "JPY", 0, 500, 0))
    assert status.percentage_difference == Decimal("0.00")
    assert status.value_difference == Money(-500, "JPY")


@pytest.mark.parametrize(("methods", "summary_type"), [([], "NONE"), (["BACS"], "SINGLE"),
                                                        (["BACS", "CHEQUE"], "MULTIPLE")])
def test_summary_type_follows_how_many_methods_paid(methods, summary_type):
    zero = Money(0, "GBP")
    assert balances.BalanceSummary(1, zero, zero, zero, methods).summary_type == summary_type


# --- services against the database ----------------------------------------------------------------

def pay(client, auth, customer_id: int, amount: str, method: str = "CHEQUE", status: str = "POSTED") -> dict:
    response = client.post("/v1/payments", json={"customerId": customer_id, "amountInMajorCurrency": amount,
                                                  "paymentMethod": method, "status": status}, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def figures(page) -> dict[int, tuple[Money, Money, Money, Decimal | None, Money]]:
    return {s.customer_id: (s.credit_threshold, s.bill_amount, s.value_difference, s.percentage_difference,
                            s.open_bill_run_value) for s in page.items}


@pytest.fixture
def ledger(client, auth) -> list[int]:
    """Five customers with different figures: debt, more credit than debt, nothing, drafts, no threshold."""
    owing, in_credit, idle, drafting, unlimited = (
        create_customer(client, auth, name=name, creditThreshold=threshold)["id"]
        for name, threshold in (("Owing", "100.00"), ("In credit", "50.00"), ("Idle", "10.00"),
                                ("Drafting", "200.00"), ("Unlimited", "0.00")))
    create_invoice(client, auth, owing, status="POSTED", totalInMajorCurrency="80.00")
    pay(client, auth, owing, "20.00")
    pay(client, auth, in_credit, "30.00")
    create_invoice(client, auth, in_credit, status="POSTED", totalInMajorCurrency="10.00")  # the credit stays
    run = create_bill_run(client, auth)
    create_invoice(client, auth, drafting, billRunId=run["id"], totalInMajorCurrency="45.00")
    create_invoice(client, auth, drafting, totalInMajorCurrency="43.21")  # a draft in no run counts nowhere
    create_invoice(client, auth, unlimited, status="POSTED", totalInMajorCurrency="5.00")
    return [owing, in_credit, idle, drafting, unlimited]


def test_debt_is_what_posted_invoices_owe_less_credit_and_only_open_run_drafts_are_its_value(session, tenant_id, ledger):
    owing, in_credit, idle, drafting, unlimited = ledger
    found = figures(balances.credit_status_page(session, tenant_id=tenant_id, criteria=Criteria()))
    gbp = lambda minor: Money(minor, "GBP")  # noqa: E731
    assert found == {
        owing: (gbp(10000), gbp(6000), gbp(4000), Decimal("60.00"), gbp(0)),
        in_credit: (gbp(5000), gbp(-2000), gbp(7000), Decimal("-40.00"), gbp(0)),
        idle: (gbp(1000), gbp(0), gbp(1000), Decimal("0.00"), gbp(0)),
        drafting: (gbp(20000), gbp(0), gbp(20000), Decimal("0.00"), gbp(4500)),
        unlimited: (gbp(0), gbp(500), gbp(-500), Decimal("0.00"), gbp(0)),
    }


@pytest.mark.parametrize("query", [
    Criteria(sorts=(Sort("bill_amount", True),)),
    Criteria(sorts=(Sort("percentage_difference"),)),
    Criteria(where=(Criterion("percentage_difference", Above(Decimal(-1000))),), sorts=(Sort("customer_id"),)),
], ids=["sorted-by-a-figure", "sorted-by-percentage", "filtered-by-percentage"])
def test_a_query_that_needs_every_figure_computes_the_same_figures(session, tenant_id, ledger, query):
    page_first = figures(balances.credit_status_page(session, tenant_id=tenant_id, criteria=Criteria()))
    every_figure = figures(balances.credit_status_page(session, tenant_id=tenant_id, criteria=query))
    assert every_figure == page_first


def test_a_later_page_has_the_right_customers_and_figures(session, tenant_id, ledger):
    query = Criteria(sorts=(Sort("customer_id"),), offset=2, limit=2)
    page = balances.credit_status_page(session, tenant_id=tenant_id, criteria=query)
    assert [s.customer_id for s in page.items] == sorted(ledger)[2:4]
    assert page.total == 5
    whole = figures(balances.credit_status_page(session, tenant_id=tenant_id, criteria=Criteria()))
    assert figures(page) == {key: whole[key] for key in sorted(ledger)[2:4]}


@pytest.mark.parametrize(("where", "expected"), [
    (lambda ledger: (), 5),
    (lambda ledger: (Criterion("percentage_difference", Above(Decimal(0))),), 1),
    (lambda ledger: (Criterion("percentage_difference", Equals(Decimal(0))),), 3),
    (lambda ledger: (Criterion("customer_id", OneOf((ledger[0], ledger[1]))),), 2),
], ids=["everyone", "above-zero", "exactly-zero", "two-customers"])
def test_count_agrees_with_the_page_total(session, tenant_id, ledger, where, expected):
    query = Criteria(where=where(ledger))
    assert balances.count_credit_status(session, tenant_id=tenant_id, criteria=query) == expected
    assert balances.credit_status_page(session, tenant_id=tenant_id, criteria=query).total == expected


def test_another_tenants_customers_are_not_in_the_page(session, ledger):
    page = balances.credit_status_page(session, tenant_id=uuid.uuid4(), criteria=Criteria())
    assert (page.items, page.total) == ([], 0)


def test_summary_of_a_customer_that_never_paid(session, tenant_id, client, auth):
    customer = create_customer(client, auth)["id"]
    create_invoice(client, auth, customer, status="POSTED", totalInMajorCurrency="12.34")
    summary = balances.balance_summary(session, tenant_id=tenant_id, customer_id=customer)
    assert summary.balance == Money(-1234, "GBP")
    assert (summary.total_payments, summary.total_payments_since_last_invoice) == (Money(0, "GBP"),) * 2
    assert (summary.payment_methods, summary.summary_type) == ([], "NONE")


def test_summary_counts_posted_payments_only_and_lists_methods_most_recent_first(session, tenant_id, client,
                                                                                   auth):
    customer = create_customer(client, auth)["id"]
    create_invoice(client, auth, customer, status="POSTED", totalInMajorCurrency="100.00")
    pay(client, auth, customer, "10.00", method="CHEQUE")
    pay(client, auth, customer, "20.00", method="BACS")
    pay(client, auth, customer, "30.00", method="CHEQUE")
    pay(client, auth, customer, "40.00", method="PAYPAL", status="DRAFT")
    cancelled = pay(client, auth, customer, "50.00", method="STRIPE")
    assert client.post(f"/v1/payments/{cancelled['id']}/cancel", headers=auth).status_code == 200
    summary = balances.balance_summary(session, tenant_id=tenant_id, customer_id=customer)
    assert summary.total_payments == Money(6000, "GBP")
    assert summary.balance == Money(-4000, "GBP")
    assert (summary.payment_methods, summary.summary_type) == (["CHEQUE", "BACS"], "MULTIPLE")


def test_payments_since_the_last_invoice_are_those_after_its_posting(session, tenant_id, client, auth):
    customer = create_customer(client, auth)["id"]
    pay(client, auth, customer, "10.00")
    create_invoice(client, auth, customer, status="POSTED", totalInMajorCurrency="100.00")
    pay(client, auth, customer, "25.00")
    summary = balances.balance_summary(session, tenant_id=tenant_id, customer_id=customer)
    assert summary.total_payments == Money(3500, "GBP")
    assert summary.total_payments_since_last_invoice == Money(2500, "GBP")


def test_summary_of_an_unknown_or_foreign_customer_is_not_found(session, tenant_id, client, auth, other_auth):
    foreign = create_customer(client, other_auth)["id"]
    for customer_id in (foreign, foreign + 1000):
        with pytest.raises(NotFound):
            balances.balance_summary(session, tenant_id=tenant_id, customer_id=customer_id)
