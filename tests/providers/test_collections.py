"""Collections end to end over HTTP: a mandate approved on the hosted page, then invoices collected by the
sandbox (paid, failed then reprocessed, cancelled, charged back)."""

from __future__ import annotations

from tests.providers.helpers import invoice, mandated_customer, payments_of, post_invoice, settle


def test_mandate_flow_makes_the_mandate_active(client, auth):
    setup = mandated_customer(client, auth)
    listed = client.get(f"/v1/site-payment-mandates?siteId={setup['site']['id']}", headers=auth).json()
    assert [m["status"] for m in listed] == ["ACTIVE"]
    details = client.get(f"/v1/payment-provider-mandates/GO_CARDLESS/{setup['mandate']['mandateReference']}",
                         headers=auth)
    assert details.status_code == 200, details.text
    assert details.json()["firstName"] == "Ada" and details.json()["status"] == "ACTIVE"


def test_posting_an_invoice_starts_a_collection_that_settles_when_paid_out(client, auth):
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"])
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "PENDING"
    [pending] = payments_of(client, auth, setup["customer"]["id"])
    assert pending["status"] == "PENDING_VERIFICATION"
    assert invoice(client, auth, posted["id"])["outstandingInMajorCurrency"] == 100
    settle(client, auth)
    paid = invoice(client, auth, posted["id"])
    assert (paid["paymentStatus"], paid["outstandingInMajorCurrency"]) == ("PAID", 0)
    [payment] = payments_of(client, auth, setup["customer"]["id"])
    assert payment["status"] == "POSTED"
