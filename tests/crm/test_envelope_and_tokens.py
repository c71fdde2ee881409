"""Every answer is in the envelope; the login, and the token in the query, the body or the header."""

from __future__ import annotations

import pytest

from ledgerline.tenants.service import create_tenant, create_user
from tests.conftest import bearer
from tests.crm.conftest import BASE, create, data, error, get, post, show


@pytest.fixture
def login(database):
    """A tenant with a user, as an operator sets one up."""
    with database.independent_transaction() as session:
        tenant = create_tenant(session, name="Acme Billing")
        create_user(session, tenant_id=tenant.id, username="jane", password="s3cret!")
    return {"username": "jane", "password": "s3cret!", "organisation": "Acme Billing"}


def test_login_answers_a_token_that_works_in_the_query_the_body_and_the_header(client, login):
    token = data(client.post(f"{BASE}/authentication/token", json=login))["token"]
    customer = client.post("/v1/customers", json={"name": "Zed", "currency": "EUR"},
                           headers={"Authorization": f"Bearer {token}"}).json()
    created = data(client.post(f"{BASE}/payments/create", json={
        "token": token, "accounts_receivable_identifier": {"id": customer["id"]},
        "type_identifier": {"alternative_code": "PAYMENT"}, "payment_method_identifier": {"alternative_code": "CHEQUE"},
        "life_cycle_state": "DRAFT", "payment_amount": 5}))
    by_query = data(client.get(f"{BASE}/payments/show", params={"token": token,
                                                                "payment_identifier": f"id={created['id']}"}))
    by_header = data(client.get(f"{BASE}/payments/show", params={"payment_identifier": f"id={created['id']}"},
                                headers={"Authorization": f"Bearer {token}"}))
    assert by_query == by_header and by_query["received_by_user"]["username"] == "jane"
    assert by_query["received_by_user"]["id"] is not None


@pytest.mark.parametrize("change", [{"password": "wrong"}, {"username": "joe"}, {"organisation": "Other"}])
def test_a_wrong_credential_is_401(client, login, change):
    status = error(client.post(f"{BASE}/authentication/token", json={**login, **change}), 401, "INVALID_TOKEN")
    assert "password" in status["message"]


def test_login_fields_are_validated(client):
    status = error(client.post(f"{BASE}/authentication/token", json={"username": "jane"}), 400, "VALIDATION_ERROR")
    assert "password" in status["description"] and "organisation" in status["description"]


def test_no_token_is_invalid_token_on_get_and_post(client, world):
    error(get(client, "payments/show", payment_identifier="id=1"), 401, "INVALID_TOKEN")
    error(post(client, "payments/post", payment_identifier={"id": 1}), 401, "INVALID_TOKEN")


@pytest.mark.parametrize("where", ["query", "body", "header"])
def test_a_bad_token_is_invalid_token_wherever_it_is(client, world, where):
    forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad"
    if where == "query":
        response = client.get(f"{BASE}/payments/show", params={"token": forged, "payment_identifier": "id=1"})
    elif where == "body":
        response = client.post(f"{BASE}/payments/post", json={"token": forged, "payment_identifier": {"id": 1}})
    else:
        response = client.get(f"{BASE}/payments/show", params={"payment_identifier": "id=1"},
                              headers={"Authorization": f"Bearer {forged}"})
    error(response, 401, "INVALID_TOKEN")
    assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_a_token_without_the_scope_is_forbidden(client, world, settings, tenant_id):
    reader = bearer(settings, tenant_id, scopes="payments.read")
    error(post(client, "payments/create", reader, **world.create_body()), 403, "FORBIDDEN")
    writer = bearer(settings, tenant_id, scopes="payments.write")
    error(get(client, "payments/list", writer, accounts_receivable_identifier="id=1"), 403, "FORBIDDEN")


def test_success_is_ok_with_an_object_for_show_and_posts_and_an_array_for_lists(client, world):
    payment = create(client, world)
    assert isinstance(payment, dict) and isinstance(show(client, world.auth, payment), dict)
    listed = data(get(client, "payments/list", world.auth, accounts_receivable_identifier=f"id={world.customer['id']}"))
    latest = data(get(client, "payments/get_latest", world.auth,
                      accounts_receivable_identifier=f"id={world.customer['id']}", number=1))
    assert isinstance(listed, list) and isinstance(latest, list)


def test_unknown_routes_and_methods_answer_the_envelope(client, world):
    error(client.get(f"{BASE}/payments/delete", params={"token": "x"}), 404, "NOT_FOUND")
    error(client.get(f"{BASE}/payments/create"), 405, "METHOD_NOT_ALLOWED")


def test_validation_errors_are_400_and_name_the_field(client, world):
    status = error(post(client, "payments/create", world.auth, **world.create_body(payment_amount="-1")), 400,
                   "VALIDATION_ERROR")
    assert "payment_amount" in status["description"]
    status = error(post(client, "payments/create", world.auth, **world.create_body(life_cycle_state="CANCELLED")),
                   400, "VALIDATION_ERROR")
    assert "life_cycle_state" in status["description"]
    status = error(post(client, "payments/create", world.auth, **world.create_body(colour="red")), 400,
                   "VALIDATION_ERROR")
    assert "colour" in status["description"]
    # A parameter of another method (get_latest's count) is refused by name; one no method knows is ignored.
    status = error(get(client, "payments/show", world.auth, payment_identifier="id=1", number="3"), 400,
                   "VALIDATION_ERROR")
    assert "number" in status["message"]
    error(get(client, "payments/show", world.auth, payment_identifier="id=1", colour="red"), 404, "NOT_FOUND")


def test_more_decimals_than_the_currency_has_are_refused(client, world):
    status = error(post(client, "payments/create", world.auth, **world.create_body(payment_amount="1.005")), 400,
                   "VALIDATION_ERROR")
    assert "payment_amount" in status["description"]


def test_malformed_json_is_400_in_the_envelope(client, world):
    response = client.post(f"{BASE}/payments/create", content=b"{not json", headers={
        **world.auth, "Content-Type": "application/json"})
    error(response, 400, "VALIDATION_ERROR")


def test_an_idempotent_retry_answers_the_same_payment(client, world):
    key = {"Idempotency-Key": "crm-1"}
    first = post(client, "payments/create", world.auth, headers=key, **world.create_body())
    again = post(client, "payments/create", world.auth, headers=key, **world.create_body())
    assert first.json() == again.json() and again.headers.get("Idempotent-Replayed") == "true"
    listed = data(get(client, "payments/list", world.auth, accounts_receivable_identifier=f"id={world.customer['id']}"))
    assert len(listed) == 1
