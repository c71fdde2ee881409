"""Issue 15: /v1 as an Elevate client meets it, point by point against seeds 000 and 001 and the vendor notes.

Each test is named for the seed rule it checks.
"""

from __future__ import annotations

import json
from decimal import Decimal

from tests.factories import create_customer, create_customer_payment, create_invoice


def _rows(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


def _assert_bad_parameter(response, parameter: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "Bad Request" and parameter in body["message"]
    assert [error["field"] for error in body["errors"]] == [parameter]


# --- item 2: unknown and harmless query parameters -------------------------------------------------------

def test_seed000_head_ignores_page_and_sort(client, auth):
    customer = create_customer(client, auth, name="Head Ltd")
    params = {"page": "7", "pageSize": "1", "sort": "name:desc", "fields": "id,name", "name": "Head Ltd"}
    answer = client.head("/v1/customers", params=params, headers=auth)
    assert answer.status_code == 200 and answer.headers["X-Total-Count"] == "1"
    # Even values the list would refuse: HEAD only counts.
    answer = client.head("/v1/customers", params={"page": "0", "sort": "nope", "fields": "nope",
                                                  "id": str(customer["id"])}, headers=auth)
    assert answer.status_code == 200 and answer.headers["X-Total-Count"] == "1"
    assert client.head("/v1/customers", params={"page": "2", "name": "Nobody"}, headers=auth).status_code == 404


def test_seed001_head_of_sub_brands_takes_the_lists_query_string(client, auth):
    answer = client.head("/v1/contract-owner-sub-brands",
                         params={"page": "1", "pageSize": "100", "sort": "id,name", "fields": "id,name",
                                 "contractOwnerId": "1"}, headers=auth)
    assert answer.status_code == 404 and answer.headers["X-Total-Count"] == "0"


def test_vendor_notes_a_parameter_no_operation_knows_is_ignored(client, auth):
    create_customer(client, auth, name="Ignored Ltd")
    for params in ({"_": "1700000000"}, {"utm_source": "mail", "callback": "x"}, {"_": ["1", "2"]}):
        assert [row["name"] for row in _rows(client.get("/v1/customers", params=params, headers=auth))] \
            == ["Ignored Ltd"]
    # ...but a parameter another operation knows is still a mistake here, named in a 400.
    _assert_bad_parameter(client.get("/v1/customers", params={"customer_id": "1"}, headers=auth), "customer_id")
