"""The /v1 listing conventions without a database: parsing, errors and the amount arithmetic."""

from __future__ import annotations

import asyncio
import enum
import inspect
from decimal import Decimal

import pytest
from sqlalchemy import BigInteger, Boolean, Column, DateTime, Integer, MetaData, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from ledgerline.errors import BadRequest
from ledgerline.kit.listing import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Filter,
    FilterKind,
    Listing,
    ListQuery,
    _amount_bound,
)
from ledgerline.kit.money import MAX_MINOR
from ledgerline.models.base import UTCDateTime


class Colour(str, enum.Enum):
    RED = "RED"
    GREEN = "GREEN"


things = Table(
    "things", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("name", String(50)),
    Column("active", Boolean),
    Column("created_at", DateTime(timezone=True)),
    Column("amount_minor", BigInteger),
    Column("currency", String(3)),
    Column("colour", String(10)),
    Column("updated_at", UTCDateTime()),
)

LISTING = Listing(
    sortable={"id": things.c.id, "name": things.c.name, "createdAt": things.c.created_at},
    filters=[
        Filter("id", FilterKind.ID, things.c.id),
        Filter("name", FilterKind.STRING, things.c.name),
        Filter("active", FilterKind.BOOLEAN, things.c.active),
        Filter("createdAt", FilterKind.DATE, things.c.created_at),
        Filter("amount", FilterKind.AMOUNT, things.c.amount_minor, currency_column=things.c.currency),
        Filter("colour", FilterKind.ENUM, things.c.colour, enum_type=Colour),
        Filter("updatedAt", FilterKind.DATE, things.c.updated_at),
    ],
    fields=("id", "name", "active"),
    tiebreak=things.c.id,
)


def sql(query: ListQuery, dialect=sqlite.dialect()) -> str:
    statement = LISTING.page_statement(select(things), query)
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def bad_request(parameter: str, **filters: str) -> BadRequest:
    with pytest.raises(BadRequest) as caught:
        LISTING.where(ListQuery(filters=filters))
    assert caught.value.status_code == 400
    assert [error.field for error in caught.value.errors] == [parameter]
    assert parameter in caught.value.message
    return caught.value


# --- sort ---------------------------------------------------------------------------------


def test_sort_defaults_to_the_listing_default():
    assert LISTING.parse_sort(None) == [("id", False)]
    assert LISTING.parse_sort("  ") == [("id", False)]


@pytest.mark.parametrize("raw, parsed", [
    ("name", [("name", False)]),
    ("name:desc", [("name", True)]),
    ("name:DESC", [("name", True)]),
    ("name:asc", [("name", False)]),
    ("name:", [("name", False)]),
    (" name , id:desc ", [("name", False), ("id", True)]),
    ("createdAt:desc,name", [("createdAt", True), ("name", False)]),
])
def test_parse_sort(raw, parsed):
    assert LISTING.parse_sort(raw) == parsed


@pytest.mark.parametrize("raw", ["bogus", "name,bogus", "Name", "name,", "name:sideways", "name:desc:asc", "active"])
def test_unknown_sort_field_or_direction_is_400(raw):
    with pytest.raises(BadRequest) as caught:
        LISTING.parse_sort(raw)
    assert caught.value.errors[0].field == "sort"


def test_order_by_always_ends_with_the_tiebreak():
    statement = sql(ListQuery(sort=[("name", True)]))
    assert "ORDER BY things.name DESC, things.id ASC" in statement


# --- fields -------------------------------------------------------------------------------


def test_parse_fields():
    assert LISTING.parse_fields(None) is None
    assert LISTING.parse_fields("") is None
    assert LISTING.parse_fields("id, name") == ["id", "name"]


@pytest.mark.parametrize("raw", ["bogus", "id,bogus", "ID", "createdAt"])
def test_unknown_field_is_400(raw):
    with pytest.raises(BadRequest) as caught:
        LISTING.parse_fields(raw)
    assert caught.value.errors[0].field == "fields"


# --- filters ------------------------------------------------------------------------------


@pytest.mark.parametrize("parameter, value", [
    ("id", "abc"), ("id", "1.5"), ("id", "in:"), ("id", "in:1,x"), ("id", "99999999999999999999"),
    ("id", "9223372036854775808"), ("id", " "),
    ("name", ""), ("name", "in:"), ("name", "in:,,"),
    ("active", "yes"), ("active", "1"),
    ("createdAt", "2024-13-01"), ("createdAt", "2024-02-30"), ("createdAt", "yesterday"),
    ("createdAt", "lt:2024-1-1"), ("createdAt", "gtn:"), ("createdAt", "11/01/2024"),
    ("amount", "abc"), ("amount", "lt:"), ("amount", "NaN"), ("amount", "Infinity"), ("amount", "-inf"),
    ("amount", "1E+9999999"), ("amount", "1E-9999999"), ("amount", "1e16"), ("amount", "in:1,x"),
    ("colour", "BLUE"), ("colour", "red"), ("colour", "in:RED,BLUE"),
])
def test_malformed_filter_values_are_400_naming_the_parameter(parameter, value):
    bad_request(parameter, **{parameter: value})


def test_unknown_enum_value_lists_the_allowed_ones():
    assert "RED, GREEN" in bad_request("colour", colour="BLUE").message


def test_like_escapes_wildcards_and_ignores_case():
    statement = sql(ListQuery(filters={"name": "like:50%_Off"}))
    assert "lower(things.name) LIKE '%' || '50/%/_off' || '%' ESCAPE '/'" in statement


def test_string_eq_and_in():
    assert "things.name = 'x'" in sql(ListQuery(filters={"name": "x"}))
    assert "things.name IN ('x', 'y')" in sql(ListQuery(filters={"name": "in:x, y"}))
    # An operator the kind does not have is part of the value.
    assert "things.name = 'gt:x'" in sql(ListQuery(filters={"name": "gt:x"}))


def test_id_eq_and_in():
    assert "things.id = 7" in sql(ListQuery(filters={"id": "7"}))
    assert "things.id IN (1, 2, 3)" in sql(ListQuery(filters={"id": "in:1,2,3"}))


def test_date_on_a_timestamp_means_that_utc_day():
    statement = sql(ListQuery(filters={"createdAt": "2024-01-11"}), postgresql.dialect())
    assert "things.created_at >= '2024-01-11 00:00:00+00:00'" in statement
    assert "things.created_at < '2024-01-12 00:00:00+00:00'" in statement
    assert "things.created_at < '2024-01-11 00:00:00+00:00'" in sql(
        ListQuery(filters={"createdAt": "lt:2024-01-11"}), postgresql.dialect())
    assert "things.created_at >= '2024-01-12 00:00:00+00:00'" in sql(
        ListQuery(filters={"createdAt": "gt:2024-01-11"}), postgresql.dialect())
    assert "things.created_at >= '2024-01-11 00:00:00+00:00'" in sql(
        ListQuery(filters={"createdAt": "gtn:2024-01-11"}), postgresql.dialect())


def test_date_on_a_decorated_timestamp_type_is_a_day_range():
    # UTCDateTime wraps DateTime; comparing it with a bare date would fail when bound.
    statement = sql(ListQuery(filters={"updatedAt": "2024-01-11"}), postgresql.dialect())
    assert "things.updated_at >= '2024-01-11 00:00:00+00:00'" in statement
    assert "things.updated_at < '2024-01-12 00:00:00+00:00'" in statement


def test_filters_are_combined_with_and():
    statement = sql(ListQuery(filters={"name": "x", "active": "true"}))
    assert "things.name = 'x' AND things.active IS 1" in statement


# --- amounts ------------------------------------------------------------------------------


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
    assert _amount_bound(op, Decimal(value), exp) == bound


def test_amount_bound_is_exact_beyond_28_digits():
    # The default decimal context would round 10.0000000000000000000000000001 to 10.
    tiny_above = Decimal("10.0000000000000000000000000001")
    assert _amount_bound("eq", tiny_above, 2) is None
    assert _amount_bound("lt", tiny_above, 2) == ("lt", 1001)
    assert _amount_bound("gt", tiny_above, 2) == ("gt", 1000)


def test_amount_filter_compares_each_currency_in_its_own_minor_units():
    where = sql(ListQuery(filters={"amount": "gt:10"})).split("WHERE ")[1].split(" ORDER BY")[0]
    bounds = {}
    for clause in where.split(" OR "):
        codes, _, comparison = clause.partition(" AND ")
        for currency in ("JPY", "GBP", "BHD", "CLF"):
            if f"'{currency}'" in codes:
                bounds[currency] = comparison
    assert bounds == {"JPY": "things.amount_minor > 10", "GBP": "things.amount_minor > 1000",
                      "BHD": "things.amount_minor > 10000", "CLF": "things.amount_minor > 100000"}


def test_amount_eq_skips_currencies_that_cannot_hold_the_value():
    statement = sql(ListQuery(filters={"amount": "10.5"}))
    assert "things.amount_minor = 1050" in statement
    assert "things.amount_minor = 10500" in statement
    assert "= 105000" in statement  # 4-decimal currencies
    assert "'JPY'" not in statement


def test_amount_bounds_beyond_bigint_never_reach_the_database():
    # 999999999999999 in a 4-decimal currency is more minor units than a BIGINT holds.
    assert _amount_bound("gt", Decimal("999999999999999"), 4)[1] > MAX_MINOR
    above = sql(ListQuery(filters={"amount": "gt:999999999999999"}))
    below = sql(ListQuery(filters={"amount": "lt:999999999999999"}))
    assert str(10**19 - 10**4) not in above and str(10**19 - 10**4) not in below
    assert "'CLF'" not in above  # nothing is greater
    assert "'CLF'" in below  # everything is smaller


# --- the query dependency -----------------------------------------------------------------


def test_query_dependency_declares_paging_sort_fields_and_every_filter():
    dependency = LISTING.query_dependency()
    names = [parameter.name for parameter in inspect.signature(dependency).parameters.values()]
    assert names[:4] == ["page", "pageSize", "sort", "fields"]
    assert len(names) == 4 + len(LISTING.filters)
    query = asyncio.run(dependency(page=3, pageSize=20, sort="name:desc", fields="id", f_name="x", f_id=None))
    assert query == ListQuery(page=3, page_size=20, sort=[("name", True)], fields=["id"], filters={"name": "x"})
    assert query.offset == 40


def test_unpaged_query_dependency_has_only_filters():
    dependency = LISTING.query_dependency(paged=False)
    names = [parameter.name for parameter in inspect.signature(dependency).parameters.values()]
    assert "page" not in names and "pageSize" not in names
    query = asyncio.run(dependency(f_colour="RED"))  # async: FastAPI runs it without a thread hop
    assert query.filters == {"colour": "RED"}
    assert (query.page, query.page_size) == (1, DEFAULT_PAGE_SIZE)


def test_paging_constants_follow_the_seed():
    assert (DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE) == (100, 1000)


def test_every_filter_kind_has_an_example():
    examples = {spec.name: spec.example for spec in LISTING.filters.values()}
    assert examples["colour"] == "RED | in:RED,GREEN"
    assert all(examples.values())
