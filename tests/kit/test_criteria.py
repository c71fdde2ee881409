"""Listing criteria in domain terms, compiled against a column map, without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ledgerline.kit.criteria import (
    Above, AnyOf, Attribute, Below, ColumnMap, Contains, Criteria, Criterion, Equals, Kind, NoneOf, OneOf, OnOrAfter,
    Sort, UnknownAttribute, amount_bound, attribute_of_column,
)
from ledgerline.kit.money import MAX_MINOR
from tests.kit.things import COLUMNS, Colour, tags, things


def sql(criteria: Criteria, dialect=sqlite.dialect()) -> str:
    statement = COLUMNS.page_statement(select(things), criteria)
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def where(*criteria: Criterion, dialect=sqlite.dialect()) -> str:
    return sql(Criteria(where=criteria), dialect).split("WHERE ", 1)[1].split(" ORDER BY")[0]


# --- order ----------------------------------------------------------------------------------

def test_no_sort_is_the_default_sort_then_the_tiebreak():
    assert "ORDER BY things.id ASC, things.id ASC" in sql(Criteria())


def test_order_always_ends_with_the_tiebreak():
    assert "ORDER BY things.name DESC, things.id ASC" in sql(Criteria(sorts=(Sort("name", descending=True),)))


def test_amounts_in_several_currencies_sort_by_currency_first_when_declared_so():
    assert "ORDER BY things.currency DESC, things.amount_minor DESC, things.id ASC" in sql(
        Criteria(sorts=(Sort("total", descending=True),)))
    assert "ORDER BY things.amount_minor ASC, things.id ASC" in sql(Criteria(sorts=(Sort("amount"),)))


def test_nulls_last_holds_in_both_directions():
    assert "things.score ASC NULLS LAST" in sql(Criteria(sorts=(Sort("score"),)), postgresql.dialect())
    assert "things.score DESC NULLS LAST" in sql(Criteria(sorts=(Sort("score", True),)), postgresql.dialect())


def test_unknown_attributes_are_a_programming_error():
    with pytest.raises(UnknownAttribute):
        sql(Criteria(sorts=(Sort("bogus"),)))
    with pytest.raises(UnknownAttribute):
        sql(Criteria(where=(Criterion("bogus", Equals(1)),)))


def test_the_window_is_a_limit_and_offset_only_when_asked_for():
    assert "LIMIT 20 OFFSET 40" in sql(Criteria(offset=40, limit=20))
    assert "LIMIT" not in sql(Criteria()) and "OFFSET" not in sql(Criteria())


def test_count_ignores_order_and_window():
    statement = COLUMNS.count_statement(select(things), Criteria(where=(Criterion("id", Equals(3)),),
                                                                 sorts=(Sort("name"),), limit=5))
    text_ = str(statement.compile(compile_kwargs={"literal_binds": True}))
    assert text_.startswith("SELECT count(*)") and "ORDER BY" not in text_ and "LIMIT" not in text_
    assert "things.id = 3" in text_


# --- conditions -------------------------------------------------------------------------------

def test_strings():
    assert where(Criterion("name", Equals("x"))) == "things.name = 'x'"
    assert where(Criterion("name", OneOf(("x", "y")))) == "things.name IN ('x', 'y')"
    assert where(Criterion("name", NoneOf(("x",)))) == "(things.name NOT IN ('x'))"


def test_contains_escapes_wildcards_and_ignores_case_on_strings():
    assert "lower(things.name) LIKE '%' || '50/%/_off' || '%' ESCAPE '/'" in where(
        Criterion("name", Contains("50%_Off")))


def test_contains_on_a_number_matches_its_digits():
    assert "CAST(things.id AS VARCHAR) LIKE '%' || '12' || '%'" in where(Criterion("id", Contains("12")))


def test_ids_and_numbers():
    assert where(Criterion("id", Equals(7))) == "things.id = 7"
    assert where(Criterion("id", OneOf((1, 2, 3)))) == "things.id IN (1, 2, 3)"
    assert where(Criterion("score", Below(Decimal(80)))) == "things.score < 80"
    assert where(Criterion("score", Above(Decimal(80)))) == "things.score > 80"


def test_booleans():
    assert where(Criterion("active", Equals(True))) == "things.active IS 1"


def test_enums_compare_members():
    assert where(Criterion("colour", Equals(Colour.RED))) == "things.colour IN ('RED')"
    assert where(Criterion("colour", NoneOf((Colour.RED,)))) == "things.colour != 'RED'"


def test_a_date_on_a_timestamp_means_that_utc_day():
    day_ = dt.date(2024, 1, 11)
    on = where(Criterion("created_at", Equals(day_)), dialect=postgresql.dialect())
    assert on == ("things.created_at >= '2024-01-11 00:00:00+00:00' AND "
                  "things.created_at < '2024-01-12 00:00:00+00:00'")
    assert where(Criterion("created_at", Below(day_)), dialect=postgresql.dialect()) == \
        "things.created_at < '2024-01-11 00:00:00+00:00'"
    assert where(Criterion("created_at", Above(day_)), dialect=postgresql.dialect()) == \
        "things.created_at >= '2024-01-12 00:00:00+00:00'"
    assert where(Criterion("created_at", OnOrAfter(day_)), dialect=postgresql.dialect()) == \
        "things.created_at >= '2024-01-11 00:00:00+00:00'"


def test_a_date_on_a_decorated_timestamp_type_is_a_day_range():
    # UTCDateTime wraps DateTime; comparing it with a bare date would fail when bound.
    statement = where(Criterion("updated_at", Equals(dt.date(2024, 1, 11))), dialect=postgresql.dialect())
    assert "things.updated_at >= '2024-01-11 00:00:00+00:00'" in statement
    assert "things.updated_at < '2024-01-12 00:00:00+00:00'" in statement


def test_dates_in_a_list_are_days_ored():
    statement = where(Criterion("created_at", OneOf((dt.date(2024, 1, 1), dt.date(2024, 2, 1)))))
    assert statement.count(" OR ") == 1 and "2024-01-01" in statement and "2024-02-01" in statement


def test_any_of_mixes_conditions():
    statement = where(Criterion("created_at", AnyOf((Below(dt.date(2024, 1, 1)), Equals(dt.date(2024, 2, 1))))))
    assert statement.count(" OR ") == 1 and "things.created_at < '2024-01-01" in statement


def test_criteria_are_combined_with_and():
    assert where(Criterion("name", Equals("x")), Criterion("active", Equals(True))) == \
        "things.name = 'x' AND things.active IS 1"


def test_within_wraps_the_test_of_a_related_table():
    assert where(Criterion("tag", Equals("vip"))) == \
        "EXISTS (SELECT * \nFROM tags \nWHERE tags.thing_id = things.id AND tags.label = 'vip')"


def test_compile_replaces_the_standard_test():
    columns = ColumnMap({"odd": Attribute(Kind.BOOLEAN, compile=lambda c: (things.c.id % 2 == 1) == c.value)},
                        tiebreak=things.c.id, default_sort=())
    statement = columns.page_statement(select(things), Criteria(where=(Criterion("odd", Equals(True)),)))
    assert "things.id % 2 = 1" in str(statement.compile(compile_kwargs={"literal_binds": True}))


def test_a_condition_the_kind_does_not_take_is_a_programming_error():
    with pytest.raises(TypeError):
        where(Criterion("active", Contains("x")))
    with pytest.raises(TypeError):
        where(Criterion("amount", Contains("1")))


# --- amounts ----------------------------------------------------------------------------------

@pytest.mark.parametrize("op, value, exp, bound", [
    # lt x  <=>  minor < ceil(x * 10^exp)
    ("lt", "10", 2, ("lt", 1000)), ("lt", "10.005", 2, ("lt", 1001)), ("lt", "10.001", 2, ("lt", 1001)),
    ("lt", "10.5", 0, ("lt", 11)), ("lt", "-0.5", 0, ("lt", 0)), ("lt", "1.2345", 3, ("lt", 1235)),
    # gt x  <=>  minor > floor(x * 10^exp)
    ("gt", "10", 2, ("gt", 1000)), ("gt", "10.005", 2, ("gt", 1000)), ("gt", "10.5", 0, ("gt", 10)),
    ("gt", "-0.5", 0, ("gt", -1)), ("gt", "1.2345", 3, ("gt", 1234)),
    # eq matches only a value the currency can hold
    ("eq", "10.5", 2, ("eq", 1050)), ("eq", "10.50", 2, ("eq", 1050)), ("eq", "1000", 0, ("eq", 1000)),
    ("eq", "1.25", 3, ("eq", 1250)), ("eq", "10.5", 0, None), ("eq", "0.001", 2, None),
])
def test_amount_bound_arithmetic(op, value, exp, bound):
    assert amount_bound(op, Decimal(value), exp) == bound


def test_amount_bound_is_exact_beyond_28_digits():
    # The default decimal context would round 10.0000000000000000000000000001 to 10.
    tiny_above = Decimal("10.0000000000000000000000000001")
    assert amount_bound("eq", tiny_above, 2) is None
    assert amount_bound("lt", tiny_above, 2) == ("lt", 1001)
    assert amount_bound("gt", tiny_above, 2) == ("gt", 1000)


def test_amounts_compare_each_currency_in_its_own_minor_units():
    bounds = {}
    for clause in where(Criterion("amount", Above(Decimal(10)))).split(" OR "):
        codes, _, comparison = clause.partition(" AND ")
        for currency in ("JPY", "GBP", "BHD", "CLF"):
            if f"'{currency}'" in codes:
                bounds[currency] = comparison.strip("()")
    assert bounds == {"JPY": "things.amount_minor > 10", "GBP": "things.amount_minor > 1000",
                      "BHD": "things.amount_minor > 10000", "CLF": "things.amount_minor > 100000"}


def test_amount_equality_skips_currencies_that_cannot_hold_the_value():
    statement = where(Criterion("amount", Equals(Decimal("10.5"))))
    assert "things.amount_minor = 1050" in statement
    assert "things.amount_minor = 10500" in statement
    assert "= 105000" in statement  # 4-decimal currencies
    assert "'JPY'" not in statement


def test_amount_bounds_beyond_bigint_never_reach_the_database():
    # 999999999999999 in a 4-decimal currency is more minor units than a BIGINT holds.
    assert amount_bound("gt", Decimal("999999999999999"), 4)[1] > MAX_MINOR
    above = where(Criterion("amount", Above(Decimal("999999999999999"))))
    below = where(Criterion("amount", Below(Decimal("999999999999999"))))
    assert str(10**19 - 10**4) not in above and str(10**19 - 10**4) not in below
    assert "'CLF'" not in above  # nothing is greater
    assert "'CLF'" in below  # everything is smaller


# --- criteria and column types ------------------------------------------------------------------

def test_criteria_name_what_an_attribute_equals():
    criteria = Criteria(where=(Criterion("id", OneOf((1, 2))), Criterion("name", Equals("x"))), limit=10)
    assert criteria.equals("name") == "x"
    assert criteria.equals("id") is None and criteria.equals("colour") is None
    assert criteria.only("id") == Criteria(where=(Criterion("id", OneOf((1, 2))),))


@pytest.mark.parametrize("column, kind", [
    (things.c.id, Kind.ID), (things.c.name, Kind.STRING), (things.c.active, Kind.BOOLEAN),
    (things.c.created_at, Kind.DATE), (things.c.updated_at, Kind.DATE), (things.c.score, Kind.NUMBER),
    (tags.c.thing_id, Kind.ID),
])
def test_a_column_type_decides_its_attribute_kind(column, kind):
    assert attribute_of_column(column).kind is kind
