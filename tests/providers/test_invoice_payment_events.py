"""POST /v1/invoice-payment-events: dispute, write off, and undo, per the vendor notes."""

from __future__ import annotations

from tests.factories import create_customer
from tests.providers.helpers import invoice, post_invoice


def _event(client, auth, posted, status, **extra):
    return client.post("/v1/invoice-payment-events", json={
        "invoiceId": posted["id"], "customerId": posted["customerId"], "billRunType": "NORMAL",
        "paymentStatus": status, **extra}, headers=auth)


def test_an_invoice_is_disputed_then_the_dispute_undone(client, auth):
    posted = post_invoice(client, auth, create_customer(client, auth)["id"])
    disputed = _event(client, auth, posted, "DISPUTED", notes="customer says not delivered")
    assert disputed.status_code == 200, disputed.text
    assert disputed.json()["paymentStatus"] == "DISPUTED"
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "DISPUTED"
    undone = _event(client, auth, posted, "UNPAID")
    assert undone.json()["paymentStatus"] == "UNPAID"


def test_an_invoice_is_written_off_then_the_write_off_undone(client, auth):
    posted = post_invoice(client, auth, create_customer(client, auth)["id"])
    written = _event(client, auth, posted, "WRITTEN_OFF", amountInMajorCurrency="30.00")
    assert written.status_code == 200, written.text
    assert (written.json()["paymentStatus"], written.json()["outstandingInMajorCurrency"]) == ("PARTIALLY_PAID", 70)
    whole = _event(client, auth, posted, "WRITTEN_OFF")
    assert (whole.json()["paymentStatus"], whole.json()["outstandingInMajorCurrency"]) == ("WRITTEN_OFF", 0)
    undone = _event(client, auth, posted, "UNPAID")
    assert undone.json()["outstandingInMajorCurrency"] == 70
    assert _event(client, auth, posted, "UNPAID").json()["outstandingInMajorCurrency"] == 100
    assert _event(client, auth, posted, "UNPAID").status_code == 409


def test_an_event_must_name_the_invoices_customer_type_and_a_known_status(client, auth):
    posted = post_invoice(client, auth, create_customer(client, auth)["id"])
    other = create_customer(client, auth)
    for response, field in ((_event(client, auth, {**posted, "customerId": other["id"]}, "DISPUTED"), "customerId"),
                            (_event(client, auth, posted, "PAID"), "paymentStatus"),
                            (_event(client, auth, {**posted, "id": 99999999}, "DISPUTED"), "invoiceId")):
        assert response.status_code == 400, response.text
        assert field in response.text
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "UNPAID"
