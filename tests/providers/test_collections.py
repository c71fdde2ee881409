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


def _collection_reference(client, auth, customer_id: int) -> str:
    [pending] = [p for p in payments_of(client, auth, customer_id) if p["status"] == "PENDING_VERIFICATION"]
    return pending["referenceNumber"]


def test_a_failed_collection_rejects_the_payment_and_reprocessing_collects_again(client, auth):
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"], total="50.13")  # ends in 13: the sandbox fails it
    settle(client, auth)
    failed = invoice(client, auth, posted["id"])
    assert (failed["paymentStatus"], failed["outstandingInMajorCurrency"]) == ("UNPAID", 50.13)
    [rejected] = payments_of(client, auth, setup["customer"]["id"])
    assert rejected["status"] == "REJECTED"
    body = {"invoiceId": posted["id"], "billRunType": "NORMAL", "notes": "card topped up"}
    again = client.post("/v1/invoice-payment-reprocess", json=body, headers=auth)
    assert again.status_code == 200, again.text
    assert (again.json()["attempt"], again.json()["thirdPartyPaymentStatus"]) == (2, "SUBMITTED")
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "PENDING"
    # Same amount, so the sandbox fails it again; a pending collection cannot be reprocessed meanwhile.
    assert client.post("/v1/invoice-payment-reprocess", json=body, headers=auth).status_code == 409
    settle(client, auth)
    assert [p["status"] for p in payments_of(client, auth, setup["customer"]["id"])] == ["REJECTED", "REJECTED"]


def test_a_retry_if_possible_provider_retries_a_failed_collection_once(client, auth):
    setup = mandated_customer(client, auth, retryIfPossible=True)
    posted = post_invoice(client, auth, setup["customer"]["id"], total="20.13")
    settle(client, auth)
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "PENDING"
    assert [p["status"] for p in payments_of(client, auth, setup["customer"]["id"])] == [
        "REJECTED", "PENDING_VERIFICATION"]
    settle(client, auth, seconds=30)
    assert [p["status"] for p in payments_of(client, auth, setup["customer"]["id"])] == ["REJECTED", "REJECTED"]
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "UNPAID"


def test_cancelling_a_pending_collection_is_accepted_then_done_by_the_providers_event(client, auth):
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"])
    body = {"invoiceId": posted["id"], "billRunType": "NORMAL"}
    accepted = client.post("/v1/invoice-payment-cancel", json=body, headers=auth)
    assert accepted.status_code == 202, accepted.text
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "PENDING"
    settle(client, auth, seconds=0)
    [cancelled] = payments_of(client, auth, setup["customer"]["id"])
    assert cancelled["status"] == "CANCELLED"
    done = invoice(client, auth, posted["id"])
    assert (done["paymentStatus"], done["outstandingInMajorCurrency"]) == ("UNPAID", 100)
    assert client.post("/v1/invoice-payment-cancel", json=body, headers=auth).status_code == 409


def test_a_settled_collection_cannot_be_cancelled(client, auth):
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"])
    settle(client, auth)
    response = client.post("/v1/invoice-payment-cancel", json={"invoiceId": posted["id"], "billRunType": "NORMAL"},
                           headers=auth)
    assert response.status_code == 409, response.text


def test_a_charged_back_collection_is_cancelled_with_a_payment_cancellation_and_the_invoice_reopens(client, auth):
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"], total="10.66")  # ends in 66: paid, charged back
    settle(client, auth, seconds=1.5)
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "PAID"
    settle(client, auth, seconds=10)
    [payment] = payments_of(client, auth, setup["customer"]["id"])
    assert payment["status"] == "CANCELLED"
    assert payment["cancellation"] is not None
    reopened = invoice(client, auth, posted["id"])
    assert (reopened["paymentStatus"], reopened["outstandingInMajorCurrency"]) == ("UNPAID", 10.66)


def test_an_invoice_of_a_customer_without_a_usable_mandate_is_not_collected(client, auth):
    from tests.factories import create_customer, create_site
    from tests.providers.helpers import create_mandate, create_provider

    create_provider(client, auth)
    customer = create_customer(client, auth)
    create_mandate(client, auth, create_site(client, auth, customer["id"])["id"])  # never approved
    posted = post_invoice(client, auth, customer["id"])
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "UNPAID"
    assert payments_of(client, auth, customer["id"]) == []


def test_instant_bank_payments_of_a_mandate_are_listed(client, auth):
    setup = mandated_customer(client, auth)
    reference = setup["mandate"]["mandateReference"]
    listed = client.get(f"/v1/instant-bank-payment-for-mandate?mandateReference={reference}&paymentMethod=GO_CARDLESS",
                        headers=auth)
    assert (listed.status_code, listed.json()) == (200, [])
    unknown = client.get("/v1/instant-bank-payment-for-mandate?mandateReference=nope", headers=auth)
    assert (unknown.status_code, unknown.json()) == (200, [])
    wrong_type = client.get(f"/v1/payment-provider-mandates/STRIPE/{reference}", headers=auth)
    assert wrong_type.status_code == 404
