"""The /v1 list conventions over HTTP, on /v1/customers: filters, sort, fields, paging, HEAD."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from ledgerline.models import Customer
from tests.factories import create_customer

UTC = dt.timezone.utc


def names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["name"] for row in response.json()]


def listed(client, auth, **params) -> list[str]:
    return sorted(names(client.get("/v1/customers", params=params, headers=auth)))


def assert_bad_parameter(response, parameter: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "Bad Request"
    assert parameter in body["message"]
    assert [error["field"] for error in body["errors"]] == [parameter]


def set_created_at(database, customer_id: int, moment: dt.datetime) -> None:
    with database.independent_transaction() as session:
        session.execute(update(Customer.__table__).where(Customer.__table__.c.id == customer_id)
                        .values(created_at=moment))


@pytest.fixture
def customers(client, auth, database) -> dict[str, dict]:
    """Six customers in three currencies, statuses and creation days."""
    specs = [
        ("Acme Ltd", "GBP", "10.50", "ACTIVE", dt.datetime(2024, 1, 10, 12, 0, tzinfo=UTC)),
        ("ACME Holdings", "JPY", "1000", "ACTIVE", dt.datetime(2024, 1, 11, 0, 0, tzinfo=UTC)),
        ("100% Widgets", "BHD", "1.250", "SUSPENDED", dt.datetime(2024, 1, 11, 23, 59, 59, tzinfo=UTC)),
        ("1000 Widgets", "GBP", "0", "TERMINATED", dt.datetime(2024, 1, 12, 0, 0, tzinfo=UTC)),
        ("Under_score Co", "GBP", "10.49", "ACTIVE", dt.datetime(2024, 1, 12, 8, 0, tzinfo=UTC)),
        ("Underxscore Co", "JPY", "10", "SUSPENDED", dt.datetime(2024, 1, 13, 8, 0, tzinfo=UTC)),
    ]
    made = {}
    for name, currency, threshold, status, created in specs:
        customer = create_customer(client, auth, name=name, currency=currency, creditThreshold=threshold,
                                   status=status)
        set_created_at(database, customer["id"], created)
        made[name] = customer
    return made


ALL = sorted(["Acme Ltd", "ACME Holdings", "100% Widgets", "1000 Widgets", "Under_score Co", "Underxscore Co"])


def test_without_filters_everything_is_listed_by_id(client, auth, customers):
    response = client.get("/v1/customers", headers=auth)
    assert names(response) == list(customers)  # creation order = id order
    assert response.headers["X-Total-Count"] == "6"


# --- string filters -----------------------------------------------------------------------


def test_string_eq_is_exact(client, auth, customers):
    assert listed(client, auth, name="Acme Ltd") == ["Acme Ltd"]
    assert listed(client, auth, name="acme ltd") == []
    assert listed(client, auth, name="Acme") == []


def test_string_in(client, auth, customers):
    assert listed(client, auth, name="in:Acme Ltd,1000 Widgets,Nobody") == ["1000 Widgets", "Acme Ltd"]
    assert listed(client, auth, currency="in:JPY,BHD") == ["100% Widgets", "ACME Holdings", "Underxscore Co"]


def test_like_is_a_case_insensitive_contains(client, auth, customers):
    assert listed(client, auth, name="like:acme") == ["ACME Holdings", "Acme Ltd"]
    assert listed(client, auth, name="like:WIDGETS") == ["100% Widgets", "1000 Widgets"]
    assert listed(client, auth, name="like:ltd") == ["Acme Ltd"]


def test_like_treats_percent_and_underscore_literally(client, auth, customers):
    assert listed(client, auth, name="like:0%") == ["100% Widgets"]
    assert listed(client, auth, name="like:%") == ["100% Widgets"]
    assert listed(client, auth, name="like:r_s") == ["Under_score Co"]
    assert listed(client, auth, name="like:_") == ["Under_score Co"]
    assert listed(client, auth, name="like:/") == []


def test_empty_filter_value_is_400(client, auth, customers):
    assert_bad_parameter(client.get("/v1/customers", params={"name": ""}, headers=auth), "name")


# --- id filters ---------------------------------------------------------------------------


def test_id_eq_and_in(client, auth, customers):
    acme, holdings = customers["Acme Ltd"]["id"], customers["ACME Holdings"]["id"]
    assert listed(client, auth, id=str(acme)) == ["Acme Ltd"]
    assert listed(client, auth, id=f"in:{acme},{holdings},999999999") == ["ACME Holdings", "Acme Ltd"]
    assert listed(client, auth, id="999999999") == []


@pytest.mark.parametrize("value", ["abc", "in:1,x", "1.5", "99999999999999999999"])
def test_malformed_id_is_400(client, auth, customers, value):
    assert_bad_parameter(client.get("/v1/customers", params={"id": value}, headers=auth), "id")


# --- date filters -------------------------------------------------------------------------


def test_date_eq_is_that_utc_day(client, auth, customers):
    assert listed(client, auth, createdAt="2024-01-11") == ["100% Widgets", "ACME Holdings"]
    assert listed(client, auth, createdAt="2024-01-09") == []


def test_date_lt_is_before_that_day(client, auth, customers):
    assert listed(client, auth, createdAt="lt:2024-01-11") == ["Acme Ltd"]
    assert listed(client, auth, createdAt="lt:2024-01-10") == []


def test_date_gt_is_after_that_day(client, auth, customers):
    assert listed(client, auth, createdAt="gt:2024-01-11") == ["1000 Widgets", "Under_score Co", "Underxscore Co"]


def test_date_gtn_is_on_or_after_that_day(client, auth, customers):
    assert listed(client, auth, createdAt="gtn:2024-01-11") == [
        "100% Widgets", "1000 Widgets", "ACME Holdings", "Under_score Co", "Underxscore Co"]


@pytest.mark.parametrize("value", ["2024-13-01", "2024-02-30", "11/01/2024", "lt:yesterday", "2024-01-11T00:00:00"])
def test_malformed_date_is_400(client, auth, customers, value):
    assert_bad_parameter(client.get("/v1/customers", params={"createdAt": value}, headers=auth), "createdAt")


# --- amount filters -----------------------------------------------------------------------


def test_amount_gt_compares_major_units_in_each_currency(client, auth, customers):
    # GBP 10.50 and JPY 1000 are more than 10; JPY 10 is not; BHD 1.250 and GBP 0 are not.
    assert listed(client, auth, creditThreshold="gt:10") == ["ACME Holdings", "Acme Ltd", "Under_score Co"]
    assert listed(client, auth, creditThreshold="gt:10.49") == ["ACME Holdings", "Acme Ltd"]
    assert listed(client, auth, creditThreshold="gt:10.495") == ["ACME Holdings", "Acme Ltd"]
    assert listed(client, auth, creditThreshold="gt:1000") == []


def test_amount_lt_compares_major_units_in_each_currency(client, auth, customers):
    assert listed(client, auth, creditThreshold="lt:10.5") == ["100% Widgets", "1000 Widgets", "Under_score Co",
                                                               "Underxscore Co"]
    assert listed(client, auth, creditThreshold="lt:10.501") == ["100% Widgets", "1000 Widgets", "Acme Ltd",
                                                                 "Under_score Co", "Underxscore Co"]
    assert listed(client, auth, creditThreshold="lt:1.25") == ["1000 Widgets"]
    assert listed(client, auth, creditThreshold="lt:1.2501") == ["100% Widgets", "1000 Widgets"]


def test_amount_eq_matches_the_exact_amount(client, auth, customers):
    assert listed(client, auth, creditThreshold="10.5") == ["Acme Ltd"]
    assert listed(client, auth, creditThreshold="10.50") == ["Acme Ltd"]
    assert listed(client, auth, creditThreshold="1000") == ["ACME Holdings"]
    assert listed(client, auth, creditThreshold="1.25") == ["100% Widgets"]
    assert listed(client, auth, creditThreshold="10") == ["Underxscore Co"]
    assert listed(client, auth, creditThreshold="0") == ["1000 Widgets"]
    assert listed(client, auth, creditThreshold="10.501") == []
    assert listed(client, auth, creditThreshold="in:1000,1.25") == ["100% Widgets", "ACME Holdings"]


def test_amount_combined_with_currency(client, auth, customers):
    assert listed(client, auth, creditThreshold="gt:5", currency="JPY") == ["ACME Holdings", "Underxscore Co"]


def test_amount_bounds_beyond_storage_do_not_fail(client, auth, customers):
    assert listed(client, auth, creditThreshold="gt:999999999999999") == []
    assert listed(client, auth, creditThreshold="lt:999999999999999") == ALL
    assert listed(client, auth, creditThreshold="999999999999999") == []


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", "1E+9999999", "1e16", "lt:", "in:1,x"])
def test_malformed_amount_is_400(client, auth, customers, value):
    assert_bad_parameter(client.get("/v1/customers", params={"creditThreshold": value}, headers=auth),
                         "creditThreshold")


# --- enum filters -------------------------------------------------------------------------


def test_enum_eq_and_in(client, auth, customers):
    assert listed(client, auth, status="SUSPENDED") == ["100% Widgets", "Underxscore Co"]
    assert listed(client, auth, status="in:TERMINATED,SUSPENDED") == ["100% Widgets", "1000 Widgets",
                                                                      "Underxscore Co"]


@pytest.mark.parametrize("value", ["BOGUS", "active", "in:ACTIVE,BOGUS"])
def test_unknown_enum_value_is_400(client, auth, customers, value):
    response = client.get("/v1/customers", params={"status": value}, headers=auth)
    assert_bad_parameter(response, "status")
    assert "ACTIVE, SUSPENDED, TERMINATED" in response.json()["message"]


# --- sort ---------------------------------------------------------------------------------


def test_sort_ascending_and_descending(client, auth, customers):
    # Strings sort by the database's collation; these names sort alike in C and en_US.
    by_name = ["1000 Widgets", "ACME Holdings", "Acme Ltd", "Under_score Co", "Underxscore Co"]
    some = {"currency": "in:GBP,JPY"}
    assert names(client.get("/v1/customers", params={**some, "sort": "name"}, headers=auth)) == by_name
    assert names(client.get("/v1/customers", params={**some, "sort": "name:asc"}, headers=auth)) == by_name
    assert names(client.get("/v1/customers", params={**some, "sort": "name:desc"}, headers=auth)) == by_name[::-1]
    ids = [row["id"] for row in client.get("/v1/customers", params={"sort": "id:desc"}, headers=auth).json()]
    assert ids == sorted(ids, reverse=True)


def test_sort_by_several_fields(client, auth, customers):
    response = client.get("/v1/customers", params={"sort": "currency,name:desc"}, headers=auth)
    assert [(row["currency"], row["name"]) for row in response.json()] == [
        ("BHD", "100% Widgets"),
        ("GBP", "Under_score Co"), ("GBP", "Acme Ltd"), ("GBP", "1000 Widgets"),
        ("JPY", "Underxscore Co"), ("JPY", "ACME Holdings"),
    ]


def test_sort_ties_are_broken_by_id(client, auth, customers):
    response = client.get("/v1/customers", params={"sort": "status"}, headers=auth)
    rows = [(row["status"], row["id"]) for row in response.json()]
    assert rows == sorted(rows)


def test_sort_by_date(client, auth, customers):
    response = client.get("/v1/customers", params={"sort": "createdAt:desc"}, headers=auth)
    assert names(response) == list(customers)[::-1]


@pytest.mark.parametrize("value", ["bogus", "name,bogus", "name:sideways", "creditthreshold"])
def test_unknown_sort_field_is_400(client, auth, customers, value):
    assert_bad_parameter(client.get("/v1/customers", params={"sort": value}, headers=auth), "sort")


# --- fields -------------------------------------------------------------------------------


def test_fields_projects_each_row(client, auth, customers):
    response = client.get("/v1/customers", params={"fields": "id,name", "sort": "id:desc"}, headers=auth)
    assert response.status_code == 200
    assert all(set(row) == {"id", "name"} for row in response.json())
    assert response.json()[0] == {"id": customers["Underxscore Co"]["id"], "name": "Underxscore Co"}


def test_fields_keeps_amounts_exact(client, auth, customers):
    response = client.get("/v1/customers", params={"fields": "creditThreshold,currency", "sort": "id"}, headers=auth)
    assert response.json()[0] == {"creditThreshold": 10.5, "currency": "GBP"}
    assert '"creditThreshold":10.50' in response.text
    assert '"creditThreshold":1.250' in response.text


@pytest.mark.parametrize("value", ["bogus", "id,bogus", "credit_threshold"])
def test_unknown_field_is_400(client, auth, customers, value):
    assert_bad_parameter(client.get("/v1/customers", params={"fields": value}, headers=auth), "fields")


# --- paging -------------------------------------------------------------------------------


@pytest.mark.parametrize("parameter, value", [
    ("page", "0"), ("page", "-1"), ("page", "abc"), ("page", "1.5"), ("page", "2147483648"),
    ("pageSize", "0"), ("pageSize", "1001"), ("pageSize", "-5"), ("pageSize", "ten"),
])
def test_paging_out_of_bounds_is_400_naming_the_parameter(client, auth, parameter, value):
    assert_bad_parameter(client.get("/v1/customers", params={parameter: value}, headers=auth), parameter)


def test_paging_bounds_are_inclusive(client, auth, customers):
    assert client.get("/v1/customers", params={"pageSize": 1000}, headers=auth).status_code == 200
    assert client.get("/v1/customers", params={"pageSize": 1, "page": 6}, headers=auth).status_code == 200


def test_pages_partition_the_collection_and_count_is_exact(client, auth, customers):
    seen = []
    for page in (1, 2, 3):
        response = client.get("/v1/customers", params={"page": page, "pageSize": 2}, headers=auth)
        assert response.headers["X-Total-Count"] == "6"
        assert len(response.json()) == 2
        seen += names(response)
    assert seen == list(customers)
    past_the_end = client.get("/v1/customers", params={"page": 4, "pageSize": 2}, headers=auth)
    assert past_the_end.json() == []
    assert past_the_end.headers["X-Total-Count"] == "6"


def test_total_count_follows_the_filters(client, auth, customers):
    response = client.get("/v1/customers", params={"currency": "GBP", "pageSize": 1}, headers=auth)
    assert response.headers["X-Total-Count"] == "3"
    assert len(response.json()) == 1


def parse_links(header: str) -> dict[str, dict[str, list[str]]]:
    links = {}
    for part in header.split(","):
        match = re.fullmatch(r'\s*<([^>]+)>;\s*rel="(\w+)"\s*', part)
        assert match, part
        url, rel = match.groups()
        links[rel] = parse_qs(urlsplit(url).query)
    return links


def test_link_header_gives_first_prev_next_last(client, auth, customers):
    response = client.get("/v1/customers", params={"page": 2, "pageSize": 2, "currency": "in:GBP,JPY,BHD",
                                                   "sort": "name:desc"}, headers=auth)
    links = parse_links(response.headers["Link"])
    assert set(links) == {"first", "prev", "next", "last"}
    assert {rel: query["page"] for rel, query in links.items()} == {
        "first": ["1"], "prev": ["1"], "next": ["3"], "last": ["3"]}
    for query in links.values():  # every link repeats the filters, sort and page size
        assert query["pageSize"] == ["2"]
        assert query["currency"] == ["in:GBP,JPY,BHD"]
        assert query["sort"] == ["name:desc"]


def test_link_header_on_the_first_and_last_pages(client, auth, customers):
    first = parse_links(client.get("/v1/customers", params={"pageSize": 4}, headers=auth).headers["Link"])
    assert set(first) == {"first", "next", "last"}
    assert first["last"]["page"] == ["2"]
    last = parse_links(client.get("/v1/customers", params={"pageSize": 4, "page": 2}, headers=auth).headers["Link"])
    assert set(last) == {"first", "prev", "last"}


def test_link_header_of_an_empty_collection(client, auth):
    links = parse_links(client.get("/v1/customers", headers=auth).headers["Link"])
    assert set(links) == {"first", "last"}
    assert links["first"]["page"] == links["last"]["page"] == ["1"]


def test_link_header_past_the_end_points_back_to_the_last_page(client, auth, customers):
    links = parse_links(client.get("/v1/customers", params={"page": 9, "pageSize": 4}, headers=auth).headers["Link"])
    assert set(links) == {"first", "prev", "last"}
    assert links["prev"]["page"] == ["2"]


# --- HEAD ---------------------------------------------------------------------------------


def test_head_answers_200_with_the_count_when_something_matches(client, auth, customers):
    response = client.head("/v1/customers", headers=auth)
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "6"
    assert response.content == b""
    filtered = client.head("/v1/customers", params={"currency": "GBP"}, headers=auth)
    assert filtered.status_code == 200
    assert filtered.headers["X-Total-Count"] == "3"


def test_head_answers_404_when_nothing_matches(client, auth, customers):
    response = client.head("/v1/customers", params={"name": "Nobody"}, headers=auth)
    assert response.status_code == 404
    assert response.headers["X-Total-Count"] == "0"
    assert response.content == b""


def test_head_on_an_empty_collection_is_404(client, auth):
    assert client.head("/v1/customers", headers=auth).status_code == 404


def test_head_checks_filters_and_auth(client, auth, customers):
    assert client.head("/v1/customers", params={"status": "BOGUS"}, headers=auth).status_code == 400
    assert client.head("/v1/customers").status_code == 401


def test_lists_never_show_another_tenants_rows(client, auth, other_auth, customers):
    assert client.get("/v1/customers", headers=other_auth).json() == []
    assert client.head("/v1/customers", headers=other_auth).status_code == 404
    acme = customers["Acme Ltd"]["id"]
    assert client.get("/v1/customers", params={"id": str(acme)}, headers=other_auth).json() == []


def test_amounts_in_lists_are_exact_decimals(client, auth, customers):
    rows = {row["name"]: row for row in client.get("/v1/customers", headers=auth).json()}
    assert Decimal(str(rows["100% Widgets"]["creditThreshold"])) == Decimal("1.250")
    assert rows["ACME Holdings"]["creditThreshold"] == 1000


def test_parameter_of_another_operation_is_400_naming_it(client, auth, customers):
    # A filter meant for another resource must not silently list everything (found by the fuzz suite);
    # a parameter no /v1 operation knows is harmless and ignored (issue 15).
    assert_bad_parameter(client.get("/v1/customers", params={"customerId": "1"}, headers=auth), "customerId")
    assert client.head("/v1/customers", params={"customerId": "1"}, headers=auth).status_code == 400
    assert_bad_parameter(client.get(f"/v1/customers/{customers['Acme Ltd']['id']}", params={"page": "1"},
                                    headers=auth), "page")
    assert len(names(client.get("/v1/customers", params={"nmae": "Acme Ltd"}, headers=auth))) == 6


def test_repeated_single_valued_parameter_is_400(client, auth, customers):
    response = client.get("/v1/customers?currency=GBP&currency=EUR", headers=auth)
    assert_bad_parameter(response, "currency")
    assert "2 times" in response.json()["message"]
    assert client.get("/v1/customers?currency=GBP", headers=auth).status_code == 200
