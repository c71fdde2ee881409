"""Every failure under /v1 answers the /v1 envelope with the right status; none is a 500."""

from __future__ import annotations

import pytest

ENVELOPE_KEYS = {"error", "message", "errors"}
JSON = {"Content-Type": "application/json"}


def envelope(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["error"] == error
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], list)
    return body


def post_raw(client, auth, content: bytes, path: str = "/v1/customers", **headers: str):
    return client.post(path, content=content, headers={**auth, **JSON, **headers})


# --- routing ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/nope", "/v1/customers/1/nope", "/nope", "/v1"])
def test_unknown_route_is_404_with_the_envelope(client, auth, path):
    envelope(client.get(path, headers=auth), 404, "Not Found")


def test_unknown_route_is_404_even_without_a_token(client):
    envelope(client.get("/v1/nope"), 404, "Not Found")


@pytest.mark.parametrize("method, path", [("PUT", "/v1/customers"), ("DELETE", "/v1/customers"),
                                          ("PUT", "/v1/customers/1"), ("GET", "/v1/authenticate")])
def test_wrong_method_is_405_with_the_envelope(client, auth, method, path):
    response = client.request(method, path, headers=auth)
    envelope(response, 405, "Method Not Allowed")
    assert response.headers["Allow"]


# --- malformed bodies ---------------------------------------------------------------------


@pytest.mark.parametrize("content", [b'{"name": "X", "currency":', b"{name: 'X'}", b"not json", b"\xff\xfe\x00",
                                     b'{"name": "X",}', b"{} trailing"])
def test_malformed_json_is_400_naming_the_body(client, auth, content):
    body = envelope(post_raw(client, auth, content), 400, "Bad Request")
    assert body["errors"][0]["field"] == "body"
    assert "Malformed JSON" in body["message"]


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_literals_are_refused(client, auth, literal):
    content = b'{"name": "X", "currency": "GBP", "creditThreshold": ' + literal + b"}"
    body = envelope(post_raw(client, auth, content), 400, "Bad Request")
    assert body["errors"][0]["field"] == "body"
    assert client.get("/v1/customers", headers=auth).headers["X-Total-Count"] == "0"


@pytest.mark.parametrize("opening, closing", [(b"[", b"]"), (b'{"a":', b"}")])
def test_deeply_nested_json_is_400_not_500(client, auth, opening, closing):
    content = opening * 10_000 + b"1" * (opening == b'{"a":') + closing * 10_000
    envelope(post_raw(client, auth, content), 400, "Bad Request")


def test_moderately_nested_json_is_400(client, auth):
    # Within the parser's recursion limit but beyond the wire's nesting limit.
    content = b'{"name": ' + b"[" * 100 + b"]" * 100 + b', "currency": "GBP"}'
    assert "nested" in envelope(post_raw(client, auth, content), 400, "Bad Request")["message"]


def test_huge_integer_literal_is_400(client, auth):
    content = b'{"name": "X", "currency": "GBP", "creditThreshold": 1' + b"0" * 5000 + b"}"
    envelope(post_raw(client, auth, content), 400, "Bad Request")


def test_malformed_json_on_authenticate_is_400(client):
    envelope(client.post("/v1/authenticate", content=b"{", headers=JSON), 400, "Bad Request")


# --- well-formed bodies that break the rules ----------------------------------------------


@pytest.mark.parametrize("body, field", [
    ({"name": 5, "currency": "GBP"}, "name"),
    ({"name": ["X"], "currency": "GBP"}, "name"),
    ({"name": "X", "currency": 826}, "currency"),
    ({"name": "X", "currency": "GBP", "creditThreshold": "abc"}, "creditThreshold"),
    ({"name": "X", "currency": "GBP", "creditThreshold": True}, "creditThreshold"),
    ({"name": "X", "currency": "GBP", "creditThreshold": {"amount": 1}}, "creditThreshold"),
    ({"name": "X", "currency": "GBP", "status": "DORMANT"}, "status"),
    ({"name": "X", "currency": "GBP", "contractOwnerId": "one"}, "contractOwnerId"),
    ({"currency": "GBP"}, "name"),
])
def test_wrong_json_types_are_400_naming_the_field(client, auth, body, field):
    response = client.post("/v1/customers", json=body, headers=auth)
    result = envelope(response, 400, "Bad Request")
    assert result["errors"][0]["field"] == field
    assert f"'{field}'" in result["message"]


def test_body_of_the_wrong_shape_is_400(client, auth):
    result = envelope(client.post("/v1/customers", json=["X", "GBP"], headers=auth), 400, "Bad Request")
    assert result["errors"][0]["field"] == "body"


def test_every_failing_field_is_named(client, auth):
    response = client.post("/v1/customers", json={"name": 5, "currency": 6}, headers=auth)
    fields = {error["field"] for error in envelope(response, 400, "Bad Request")["errors"]}
    assert fields == {"name", "currency"}


def test_unknown_body_field_is_400(client, auth):
    response = client.post("/v1/customers", json={"name": "X", "currency": "GBP", "colour": "red"}, headers=auth)
    result = envelope(response, 400, "Bad Request")
    assert result["errors"][0]["field"] == "colour"


def test_amount_beyond_the_documented_range_is_400(client, auth):
    content = b'{"name": "X", "currency": "GBP", "creditThreshold": 1e999999999}'
    result = envelope(post_raw(client, auth, content), 400, "Bad Request")
    assert result["errors"][0]["field"] == "creditThreshold"


def test_amount_with_thousands_of_decimals_is_400(client, auth):
    content = b'{"name": "X", "currency": "GBP", "creditThreshold": 0.' + b"0" * 5000 + b"1}"
    result = envelope(post_raw(client, auth, content), 400, "Bad Request")
    assert result["errors"][0]["field"] == "creditThreshold"


# --- media types --------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                          "multipart/form-data; boundary=x"])
def test_a_body_that_is_not_json_is_415(client, auth, content_type):
    response = client.post("/v1/customers", content=b'{"name": "X", "currency": "GBP"}',
                           headers={**auth, "Content-Type": content_type})
    body = envelope(response, 415, "Unsupported Media Type")
    assert body["errors"][0]["field"] == "Content-Type"


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "application/merge-patch+json"])
def test_json_media_types_are_accepted(client, auth, content_type):
    response = client.post("/v1/customers", content=b'{"name": "X", "currency": "GBP"}',
                           headers={**auth, "Content-Type": content_type})
    assert response.status_code == 201, response.text


# --- headers and parameters ---------------------------------------------------------------


@pytest.mark.parametrize("key", ["k" * 256, "tab\there"])
def test_bad_idempotency_key_is_400(client, auth, key):
    response = client.post("/v1/customers", json={"name": "X", "currency": "GBP"},
                           headers={**auth, "Idempotency-Key": key})
    result = envelope(response, 400, "Bad Request")
    assert result["errors"][0]["field"] == "Idempotency-Key"
    assert client.get("/v1/customers", headers=auth).headers["X-Total-Count"] == "0"


def test_longest_idempotency_key_is_accepted(client, auth):
    response = client.post("/v1/customers", json={"name": "X", "currency": "GBP"},
                           headers={**auth, "Idempotency-Key": "k" * 255})
    assert response.status_code == 201


@pytest.mark.parametrize("customer_id", ["abc", "1.5"])
def test_malformed_path_parameter_is_400(client, auth, customer_id):
    result = envelope(client.get(f"/v1/customers/{customer_id}", headers=auth), 400, "Bad Request")
    assert result["errors"][0]["field"] == "customerId"  # the path parameter as the seeds (and OpenAPI) name it


@pytest.mark.parametrize("customer_id", ["0", "99999999999999999999999"])
def test_seed_id_outside_int64_minimum_1_is_400_naming_it_not_500(client, auth, customer_id):
    """Ids are documented integer int64 with minimum 1: anything else is a bad parameter, named."""
    result = envelope(client.get(f"/v1/customers/{customer_id}", headers=auth), 400, "Bad Request")
    assert result["errors"][0]["field"] == "customerId"


def test_errors_outside_v1_use_the_same_envelope(client):
    envelope(client.post("/healthz"), 405, "Method Not Allowed")


# --- NUL characters (PostgreSQL cannot store or compare them: they were a 500 there) -------


@pytest.mark.parametrize("content", [b'{"name": "Ac\\u0000me", "currency": "GBP"}',
                                     b'{"name": "Acme", "currency": "GBP", "attributes": {"k\\u0000": 1}}'])
def test_nul_in_a_json_body_is_400_naming_the_field(client, auth, content):
    body = envelope(post_raw(client, auth, content), 400, "Bad Request")
    assert body["errors"][0]["field"] in ("name", "attributes.k\x00")
    assert "NUL" in body["message"]
    assert client.get("/v1/customers", headers=auth).json() == []


@pytest.mark.parametrize("params", [{"name": "Ac\x00me"}, {"name\x00": "Acme"}])
def test_nul_in_a_query_parameter_is_400_naming_it(client, auth, params):
    body = envelope(client.get("/v1/customers", params=params, headers=auth), 400, "Bad Request")
    assert body["errors"][0]["field"] == next(iter(params))


def test_nul_in_a_form_field_is_400_naming_it(client, auth):
    response = client.post("/v1/contract-owner-sub-brands", headers=auth,
                           files=[("subBrand[name]", (None, "Acme\x00North"))])
    body = envelope(response, 400, "Bad Request")
    assert body["errors"][0]["field"] == "subBrand[name]"
