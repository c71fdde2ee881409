"""The /v1 listing grammar without HTTP or a database: wire parameters parsed into domain criteria."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
from decimal import Decimal

import pytest

from ledgerline.api.v1.listing import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Filter, Listing, ListQuery, id_condition
from ledgerline.errors import BadRequest
from ledgerline.kit.criteria import (
    Above, AnyOf, Below, Contains, Criteria, Criterion, Equals, Kind, OneOf, OnOrAfter, Sort,
)
from tests.kit.things import COLUMNS, Colour


LISTING = Listing(
    COLUMNS,
    sortable=("id", "name", "createdAt"),
    filters=[
        Filter("id"), Filter("name"), Filter("active"), Filter("createdAt"),
        Filter("amountInMajorCurrency", "Filter by amount"), Filter("colour"),
        Filter("ownerDigits", "Owner id, or like: its digits", attribute="owner_id", kind=Kind.STRING,
               parse=lambda raw: Contains(raw[5:]) if raw.startswith("like:") else id_condition("ownerDigits", raw)),
    ],
    fields=("id", "name", "active"),
)


def where(**filters: str) -> tuple[Criterion, ...]:
    return LISTING.query(filters=filters).criteria.where


def condition(name: str, raw: str):
    [criterion] = where(**{name: raw})
    return criterion.condition


def bad_request(parameter: str, **filters: str) -> BadRequest:
    with pytest.raises(BadRequest) as caught:
        where(**filters)
    assert caught.value.status_code == 400
    assert [error.field for error in caught.value.errors] == [parameter]
    assert parameter in caught.value.message
    return caught.value


# --- wire names and domain attributes ---------------------------------------------------------

def test_wire_names_map_to_domain_attributes():
    assert [c.attribute for c in where(createdAt="2024-01-01", amountInMajorCurrency="1", ownerDigits="3")] == \
        ["created_at", "amount", "owner_id"]


def test_an_unknown_attribute_fails_when_the_listing_is_declared():
    with pytest.raises(KeyError):
        Listing(COLUMNS, sortable=("bogus",), filters=[], fields=())
    with pytest.raises(KeyError):
        Listing(COLUMNS, sortable=(), filters=[Filter("customerId")], fields=())


# --- sort -------------------------------------------------------------------------------------

def test_sort_defaults_to_the_listing_default():
    assert LISTING.parse_sort(None) == (Sort("id"),)
    assert LISTING.parse_sort("  ") == (Sort("id"),)


@pytest.mark.parametrize("raw, parsed", [
    ("name", (Sort("name"),)),
    ("name:desc", (Sort("name", True),)),
    ("name:DESC", (Sort("name", True),)),
    ("name:asc", (Sort("name"),)),
    ("name:", (Sort("name"),)),
    (" name , id:desc ", (Sort("name"), Sort("id", True))),
    ("createdAt:desc,name", (Sort("created_at", True), Sort("name"))),
])
def test_parse_sort(raw, parsed):
    assert LISTING.parse_sort(raw) == parsed


@pytest.mark.parametrize("raw", ["bogus", "name,bogus", "Name", "name,", "name:sideways", "name:desc:asc", "active"])
def test_unknown_sort_field_or_direction_is_400(raw):
    with pytest.raises(BadRequest) as caught:
        LISTING.parse_sort(raw)
    assert caught.value.errors[0].field == "sort"


# --- fields -------------------------------------------------------------------------------------

def test_parse_fields():
    assert LISTING.parse_fields(None) is None
    assert LISTING.parse_fields("") is None
    assert LISTING.parse_fields("id, name") == ["id", "name"]


@pytest.mark.parametrize("raw", ["bogus", "id,bogus", "ID", "createdAt"])
def test_unknown_field_is_400(raw):
    with pytest.raises(BadRequest) as caught:
        LISTING.parse_fields(raw)
    assert caught.value.errors[0].field == "fields"


# --- filters ------------------------------------------------------------------------------------

@pytest.mark.parametrize("parameter, value", [
    ("id", "abc"), ("id", "1.5"), ("id", "in:"), ("id", "in:1,x"), ("id", "99999999999999999999"),
    ("id", "9223372036854775808"), ("id", " "),
    ("name", ""), ("name", "in:"), ("name", "in:,,"),
    ("active", "yes"), ("active", "1"),
    ("createdAt", "2024-13-01"), ("createdAt", "2024-02-30"), ("createdAt", "yesterday"),
    ("createdAt", "lt:2024-1-1"), ("createdAt", "gtn:"), ("createdAt", "11/01/2024"),
    ("amountInMajorCurrency", "abc"), ("amountInMajorCurrency", "lt:"), ("amountInMajorCurrency", "NaN"),
    ("amountInMajorCurrency", "Infinity"), ("amountInMajorCurrency", "-inf"), ("amountInMajorCurrency", "1E+9999999"),
    ("amountInMajorCurrency", "1E-9999999"), ("amountInMajorCurrency", "1e16"), ("amountInMajorCurrency", "in:1,x"),
    ("colour", "BLUE"), ("colour", "red"), ("colour", "in:RED,BLUE"),
    ("ownerDigits", "x"), ("ownerDigits", "in:1,x"),
])
def test_malformed_filter_values_are_400_naming_the_parameter(parameter, value):
    bad_request(parameter, **{parameter: value})


def test_unknown_enum_value_lists_the_allowed_ones():
    assert "RED, GREEN" in bad_request("colour", colour="BLUE").message


def test_strings():
    assert condition("name", "x") == Equals("x")
    assert condition("name", "in:x, y") == OneOf(("x", "y"))
    assert condition("name", "like:50%_Off") == Contains("50%_Off")
    # An operator the kind does not have is part of the value.
    assert condition("name", "gt:x") == Equals("gt:x")


def test_ids_booleans_and_enums():
    assert condition("id", "7") == Equals(7)
    assert condition("id", "in:1,2,3") == OneOf((1, 2, 3))
    assert condition("active", "TRUE") == Equals(True)
    assert condition("colour", "RED") == Equals(Colour.RED)
    assert condition("colour", "in:RED,GREEN") == OneOf((Colour.RED, Colour.GREEN))


def test_dates():
    day_ = dt.date(2024, 1, 11)
    assert condition("createdAt", "2024-01-11") == Equals(day_)
    assert condition("createdAt", "lt:2024-01-11") == Below(day_)
    assert condition("createdAt", "gt:2024-01-11") == Above(day_)
    assert condition("createdAt", "gtn:2024-01-11") == OnOrAfter(day_)
    assert condition("createdAt", "in:2024-01-11,2024-01-12") == OneOf((day_, dt.date(2024, 1, 12)))
    assert condition("createdAt", "in:lt:2024-01-11,2024-01-12") == AnyOf((Below(day_), Equals(dt.date(2024, 1, 12))))


def test_amounts_are_exact_decimals():
    assert condition("amountInMajorCurrency", "10.50") == Equals(Decimal("10.50"))
    assert condition("amountInMajorCurrency", "lt:0.001") == Below(Decimal("0.001"))
    assert condition("amountInMajorCurrency", "in:5,10") == OneOf((Decimal(5), Decimal(10)))


def test_a_filter_may_parse_its_own_form():
    assert condition("ownerDigits", "like:12") == Contains("12")
    assert condition("ownerDigits", "in:1,2") == OneOf((1, 2))


def test_filters_are_parsed_when_the_criteria_are_read():
    query = LISTING.query(filters={"id": "abc"})  # no error yet: the operation authenticates first
    with pytest.raises(BadRequest):
        _ = query.criteria


# --- the query dependency ---------------------------------------------------------------------

def test_query_dependency_declares_paging_sort_fields_and_every_filter():
    dependency = LISTING.query_dependency()
    names = [parameter.name for parameter in inspect.signature(dependency).parameters.values()]
    assert names[:4] == ["page", "pageSize", "sort", "fields"]
    assert len(names) == 4 + len(LISTING.filters)
    query = asyncio.run(dependency(page=3, pageSize=20, sort="name:desc", fields="id", f_name="x", f_id=None))
    assert (query.page, query.page_size, query.fields, query.filters) == (3, 20, ["id"], {"name": "x"})
    assert query.criteria == Criteria(where=(Criterion("name", Equals("x")),), sorts=(Sort("name", True),),
                                      offset=40, limit=20)


def test_unpaged_query_dependency_takes_and_ignores_paging_and_gives_criteria_without_a_window():
    dependency = LISTING.query_dependency(paged=False)
    names = [parameter.name for parameter in inspect.signature(dependency).parameters.values()]
    assert {"page", "pageSize", "sort", "fields"} <= set(names)  # HEAD accepts them (issue 15) ...
    query = asyncio.run(dependency(f_colour="RED", page="9", sort="nope"))  # ... and ignores them
    assert isinstance(query, ListQuery)
    assert query.criteria == Criteria(where=(Criterion("colour", Equals(Colour.RED)),))


def test_paging_constants_follow_the_seed():
    assert (DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE) == (100, 1000)


def test_every_filter_has_an_example_of_its_wire_form():
    examples = {spec.name: LISTING.example(spec) for spec in LISTING.filters.values()}
    assert examples["colour"] == "RED | in:RED,GREEN"
    assert examples["ownerDigits"] == "xyz | in:x,y | like:xyz"
    assert all(examples.values())
