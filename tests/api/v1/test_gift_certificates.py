"""/v1/gift-certificates over HTTP: issue, list, get, deactivate with JSON Patch; balances drawn by payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledgerline.kit.refs import CustomerRef, PaymentRef
from ledgerline.payments import service as payments
from ledgerline.payments.values import GiftCertificateRedemption, NewPayment
from ledgerline.models.enums import PaymentMethod
from tests.factories import create_customer, create_invoice
from tests.payment_calls import tenant_context

JSON_PATCH = {"Content-Type": "application/json-patch+json"}
VALIDATION = 400  # /v1 validation errors (issue 15 item 1)


def issue(client, auth, **overrides):
    body = {"code": "GIFT-0001", "currency": "GBP", "amountInMajorCurrency": "50.00", **overrides}
    response = client.post("/v1/gift-certificates", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def patch(client, auth, certificate_id, operations, **headers):
    return client.patch(f"/v1/gift-certificates/{certificate_id}", json=operations,
                        headers={**auth, **JSON_PATCH, **headers})


def test_issue_with_the_minimal_body(client, auth):
    body = issue(client, auth)
    assert (body["code"], body["currency"], body["currencyId"], body["status"]) == ("GIFT-0001", "GBP", 826, "ACTIVE")
    assert body["amountInMajorCurrency"] == body["balanceInMajorCurrency"] == 50.0
    assert body["customerId"] is None and body["expiresOn"] is None and body["version"] == 1
    got = client.get(f"/v1/gift-certificates/{body['id']}", headers=auth)
    assert got.status_code == 200 and got.json() == body


def test_issue_for_a_customer_with_an_expiry(client, auth):
    customer = create_customer(client, auth)
    expiry = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    body = issue(client, auth, customerId=customer["id"], expiresOn=expiry, description="Loyalty reward",
                 amountInMajorCurrency="12.34")
    assert (body["customerId"], body["expiresOn"], body["description"]) == (customer["id"], expiry, "Loyalty reward")
    assert body["balanceInMajorCurrency"] == 12.34


@pytest.mark.parametrize(("overrides", "field"), [
    ({"amountInMajorCurrency": "0"}, "amountInMajorCurrency"),
    ({"amountInMajorCurrency": "-5"}, "amountInMajorCurrency"),
    ({"amountInMajorCurrency": "1.001"}, "amountInMajorCurrency"),
    ({"currency": "XYZ"}, "currency"),
    ({"code": ""}, "code"),
    ({"code": "has space"}, "code"),
    ({"code": "x" * 65}, "code"),
    ({"expiresOn": "2000-01-01"}, "expiresOn"),
    ({"customerId": 999999}, "customerId"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_is_refused_naming_the_field(client, auth, overrides, field):
    body = {"code": "GIFT-0001", "currency": "GBP", "amountInMajorCurrency": "50.00", **overrides}
    response = client.post("/v1/gift-certificates", json=body, headers=auth)
    assert response.status_code == VALIDATION, response.text
    assert response.json()["errors"][0]["field"] == field


def test_a_customers_certificate_is_in_the_customers_currency(client, auth):
    customer = create_customer(client, auth, currency="EUR")
    response = client.post("/v1/gift-certificates", json={"code": "G", "currency": "GBP", "amountInMajorCurrency": 5,
                                                           "customerId": customer["id"]}, headers=auth)
    assert response.status_code == VALIDATION and response.json()["errors"][0]["field"] == "currency"


def test_a_code_is_unique_in_the_tenant_only(client, auth, other_auth):
    issue(client, auth)
    again = client.post("/v1/gift-certificates", json={"code": "GIFT-0001", "currency": "GBP",
                                                       "amountInMajorCurrency": 5}, headers=auth)
    assert again.status_code == 409
    issue(client, other_auth)


def test_list_filter_head_and_tenant_isolation(client, auth, other_auth):
    first = issue(client, auth, code="A-1")
    issue(client, auth, code="B-2", currency="EUR")
    listed = client.get("/v1/gift-certificates", params={"currency": "GBP"}, headers=auth)
    assert listed.status_code == 200 and [c["code"] for c in listed.json()] == ["A-1"]
    assert listed.headers["x-total-count"] == "1"
    by_balance = client.get("/v1/gift-certificates", params={"balanceInMajorCurrency": "gt:10"}, headers=auth)
    assert len(by_balance.json()) == 2
    assert client.head("/v1/gift-certificates", params={"status": "INACTIVE"}, headers=auth).status_code == 404
    assert client.head("/v1/gift-certificates", params={"status": "ACTIVE"}, headers=auth).status_code == 200
    assert client.get(f"/v1/gift-certificates/{first['id']}", headers=other_auth).status_code == 404
    assert client.get("/v1/gift-certificates", headers=other_auth).json() == []


def test_patch_deactivates_for_good(client, auth):
    body = issue(client, auth)
    response = patch(client, auth, body["id"], [{"op": "replace", "path": "/status", "value": "INACTIVE"}],
                     **{"If-Match": f'"{body["version"]}"'})
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["version"]) == ("INACTIVE", 2)
    assert response.json()["balanceInMajorCurrency"] == 50.0
    again = patch(client, auth, body["id"], [{"op": "replace", "path": "/status", "value": "ACTIVE"}])
    assert again.status_code == 409


@pytest.mark.parametrize("path", ["/balanceInMajorCurrency", "/amountInMajorCurrency", "/code", "/customerId",
                                  "/currency", "/expiresOn"])
def test_patch_cannot_touch_the_money_or_the_code(client, auth, path):
    body = issue(client, auth)
    response = patch(client, auth, body["id"], [{"op": "replace", "path": path, "value": "1000.00"}])
    assert 400 <= response.status_code < 500 and response.status_code != 404
    assert client.get(f"/v1/gift-certificates/{body['id']}", headers=auth).json() == body


def test_patch_with_a_bad_status_names_it(client, auth):
    body = issue(client, auth)
    response = patch(client, auth, body["id"], [{"op": "replace", "path": "/status", "value": "SPENT"}])
    assert response.status_code == VALIDATION and response.json()["errors"][0]["field"] == "status"


def test_the_balance_shows_redemptions_and_their_cancellation(client, auth, session, tenant_id):
    customer = create_customer(client, auth)
    create_invoice(client, auth, customer["id"], status="POSTED")
    body = issue(client, auth, amountInMajorCurrency="5.00")
    tenant = tenant_context(session, tenant_id)
    paid = payments.record_payment(session, tenant=tenant, new=NewPayment(
        customer=CustomerRef(id=customer["id"]), amount=Decimal("0"), payment_method=PaymentMethod.OTHER, post=True,
        gift_certificates=(GiftCertificateRedemption("GIFT-0001", Decimal("3.00")),)))
    session.flush()
    assert client.get(f"/v1/gift-certificates/{body['id']}", headers=auth).json()["balanceInMajorCurrency"] == 2.0
    payments.cancel_payment(session, tenant=tenant, payment=PaymentRef(id=paid.id))
    session.flush()
    assert client.get(f"/v1/gift-certificates/{body['id']}", headers=auth).json()["balanceInMajorCurrency"] == 5.0


def test_scopes(client, settings, tenant_id):
    from tests.conftest import bearer
    reader = bearer(settings, tenant_id, scopes="payments.list payments.read")
    assert client.get("/v1/gift-certificates", headers=reader).status_code == 200
    assert client.post("/v1/gift-certificates", json={"code": "G", "currency": "GBP", "amountInMajorCurrency": 5},
                       headers=reader).status_code == 403
