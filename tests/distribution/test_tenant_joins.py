"""The captured-SQL check itself: a join across tenants is reported, a join within one tenant is not."""

from __future__ import annotations

import pytest

from tests.distribution.tenant_joins import cross_tenant_problems, might_join, parameter_template


def problems(sql: str) -> tuple[str, ...]:
    return cross_tenant_problems(sql, "postgres")


def test_a_join_on_ids_alone_is_reported_naming_the_tables():
    (problem,) = problems("SELECT p.id FROM payments AS p JOIN customers ON customers.id = p.customer_id "
                          "WHERE p.tenant_id = 't1'")
    assert problem.startswith("tenant tables customers, p are not tied to one tenant in: SELECT p.id FROM payments")


def test_a_join_that_equates_tenant_ids_is_fine():
    assert problems("SELECT p.id FROM payments AS p JOIN customers ON customers.tenant_id = p.tenant_id "
                    "AND customers.id = p.customer_id WHERE p.tenant_id = 't1'") == ()


def test_both_tables_filtered_by_the_same_tenant_is_fine_and_by_two_tenants_is_reported():
    sql = ("SELECT p.id FROM payments AS p, customers WHERE customers.id = p.customer_id "
           "AND p.tenant_id = %(a)s AND customers.tenant_id = %(b)s")
    assert might_join(sql)
    assert cross_tenant_problems(sql, "postgres", {"a": "t1", "b": "t1"}) == ()
    assert len(cross_tenant_problems(sql, "postgres", {"a": "t1", "b": "t2"})) == 1


def test_positional_parameters_are_told_apart_by_position():
    sql = ("SELECT p.id FROM payments AS p JOIN customers ON customers.id = p.customer_id "
           "WHERE p.tenant_id = ? AND customers.tenant_id = ? AND p.notes LIKE 'x%%'")
    assert parameter_template(sql)[1] == ("0", "1")
    assert cross_tenant_problems(sql, "sqlite", ("t1", "t1")) == ()
    assert len(cross_tenant_problems(sql, "sqlite", ("t1", "t2"))) == 1


@pytest.mark.parametrize("tie, reported", [("", True), (" AND credits.tenant_id = p.tenant_id", False)])
def test_a_correlated_subquery_must_tie_its_table_to_the_outer_one(tie: str, reported: bool):
    sql = (f"SELECT p.id FROM payments AS p WHERE p.tenant_id = 't1' AND EXISTS "
           f"(SELECT 1 FROM credits WHERE credits.payment_id = p.id{tie})")
    assert bool(problems(sql)) is reported


@pytest.mark.parametrize("inner, reported", [
    ("SELECT customer_id, sum(amount_minor) AS s FROM journal_entries GROUP BY customer_id", True),
    ("SELECT customer_id, sum(amount_minor) AS s FROM journal_entries WHERE tenant_id = 't1' GROUP BY customer_id",
     False),
    ("SELECT tenant_id, customer_id, sum(amount_minor) AS s FROM journal_entries GROUP BY tenant_id, customer_id",
     True),  # selects tenant_id but the join does not use it
])
def test_a_derived_table_is_tied_by_its_tenant_filter(inner: str, reported: bool):
    sql = f"SELECT c.id, j.s FROM customers AS c LEFT JOIN ({inner}) AS j ON j.customer_id = c.id WHERE c.tenant_id = 't1'"
    assert bool(problems(sql)) is reported


def test_a_derived_table_joined_on_the_tenant_id_it_selects_is_fine():
    assert problems("SELECT c.id FROM customers AS c JOIN (SELECT tenant_id, customer_id FROM journal_entries) AS j "
                    "ON j.tenant_id = c.tenant_id AND j.customer_id = c.id") == ()


def test_values_and_reference_tables_need_no_tenant():
    assert problems("UPDATE payments SET amount_minor = v.a FROM (VALUES (1, 2)) AS v(id, a) "
                    "WHERE payments.id = v.id") == ()
    assert problems("SELECT users.id FROM users JOIN tenants ON tenants.id = users.tenant_id") == ()


@pytest.mark.parametrize("condition, reported", [
    ("credit_targets.credit_id IN (SELECT credits.id FROM credits WHERE credits.type = 'writeOff')", True),
    ("credit_targets.credit_id IN (SELECT credits.id FROM credits WHERE credits.tenant_id = 't1')", False),
    ("(credit_targets.tenant_id, credit_targets.credit_id) IN (SELECT credits.tenant_id, credits.id FROM credits)",
     False),
    ("credit_targets.credit_id IN ('1', '2')", False),
])
def test_a_semi_join_must_keep_to_the_tenant(condition: str, reported: bool):
    sql = f"SELECT credit_targets.id FROM credit_targets WHERE credit_targets.tenant_id = 't1' AND {condition}"
    found = problems(sql)
    assert bool(found) is reported
    assert all("the semi-join credit_targets.credit_id IN (SELECT credits.id" in problem for problem in found)
