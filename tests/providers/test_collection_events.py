"""Events of collections and mandates (issue 16 item 1): collection.failed and mandate.updated, and the
payment and invoice events of collections moved by provider events, each exactly once however often the
provider delivers the event, written exactly when the change commits."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from ledgerline.models import Event
from ledgerline.providers import collections
from ledgerline.providers.base import ProviderEventData
from ledgerline.providers.repository import provider as provider_row
from ledgerline.providers.runtime import runtime_for
from ledgerline.models.base import utcnow
from tests.providers.helpers import (
    create_provider, deliver, event, mandated_customer, payments_of, post_invoice, settle,
)


def _events(client, auth, customer_id: int) -> list[dict]:
    response = client.get("/v1/events", headers=auth, params={"customerId": customer_id, "sort": "id",
                                                              "pageSize": 1000})
    assert response.status_code == 200, response.text
    return response.json()


def _types(client, auth, customer_id: int) -> Counter:
    return Counter(each["type"] for each in _events(client, auth, customer_id))


def _pending(client, auth, total: str = "100.00", **provider_overrides):
    setup = mandated_customer(client, auth, **provider_overrides)
    posted = post_invoice(client, auth, setup["customer"]["id"], total=total)
    [payment] = payments_of(client, auth, setup["customer"]["id"])
    return setup, posted, payment


def _replay(client, auth, provider_id: int) -> None:
    response = client.post("/v1/payment-provider-reprocess", json={"paymentProviderId": provider_id}, headers=auth)
    assert response.status_code == 200 and response.json()["changed"] == 0, response.text


def test_a_failed_collection_records_collection_failed_with_the_rejected_payment(client, auth):
    setup, _, payment = _pending(client, auth, total="40.13")
    settle(client, auth)
    customer_id = setup["customer"]["id"]
    [failed] = [e for e in _events(client, auth, customer_id) if e["type"] == "collection.failed"]
    assert failed["data"] == client.get(f"/v1/payments/{payment['id']}", headers=auth).json()
    assert (failed["data"]["status"], failed["data"]["thirdPartyStatus"]) == ("REJECTED", "FAILED")
    assert _types(client, auth, customer_id)["payment.rejected"] == 1


def test_each_retry_that_fails_records_collection_failed(client, auth):
    setup, _, _ = _pending(client, auth, total="20.13", retryIfPossible=True)
    settle(client, auth)  # fails; the retry is submitted
    settle(client, auth, seconds=30)  # the retry fails too
    customer_id = setup["customer"]["id"]
    failed = [e for e in _events(client, auth, customer_id) if e["type"] == "collection.failed"]
    assert [e["data"]["id"] for e in failed] == [p["id"] for p in payments_of(client, auth, customer_id)]
    assert [e["data"]["status"] for e in failed] == ["REJECTED", "REJECTED"]


def test_a_collection_that_is_paid_out_records_no_failure(client, auth):
    setup, _, _ = _pending(client, auth)
    settle(client, auth)
    types = _types(client, auth, setup["customer"]["id"])
    assert (types["collection.failed"], types["payment.posted"], types["invoice.paid"]) == (0, 1, 1)


def test_approving_a_mandate_on_the_hosted_page_records_mandate_updated(client, auth):
    setup = mandated_customer(client, auth)
    [updated] = [e for e in _events(client, auth, setup["customer"]["id"]) if e["type"] == "mandate.updated"]
    listed = client.get(f"/v1/site-payment-mandates?siteId={setup['site']['id']}", headers=auth).json()
    assert updated["data"] == listed[0]
    assert updated["data"]["status"] == "ACTIVE"


def test_a_providers_mandate_event_records_mandate_updated_once(client, auth):
    setup = mandated_customer(client, auth)
    reference = setup["mandate"]["mandateReference"]
    cancelled = event(reference, "CANCELLED", "EV-MD-1", resource_type="mandate")
    for _ in range(2):  # delivered twice
        assert deliver(client, setup["provider"]["id"], [cancelled]).status_code == 200
    # Another event id saying the same state changes nothing either.
    assert deliver(client, setup["provider"]["id"], [event(reference, "CANCELLED", "EV-MD-2",
                                                           resource_type="mandate")]).status_code == 200
    updated = [e for e in _events(client, auth, setup["customer"]["id"]) if e["type"] == "mandate.updated"]
    assert [e["data"]["status"] for e in updated] == ["ACTIVE", "CANCELLED"]
    _replay(client, auth, setup["provider"]["id"])
    assert _types(client, auth, setup["customer"]["id"])["mandate.updated"] == 2


def test_provider_events_delivered_twice_post_and_pay_once(client, auth):
    setup, posted, payment = _pending(client, auth)
    reference = payment["referenceNumber"]
    batch = [event(reference, "CONFIRMED", "EV-1"), event(reference, "PAID_OUT", "EV-2")]
    for _ in range(2):
        assert deliver(client, setup["provider"]["id"], batch).status_code == 200
    assert deliver(client, setup["provider"]["id"], [event(reference, "PAID_OUT", "EV-3")]).status_code == 200
    _replay(client, auth, setup["provider"]["id"])
    events = _events(client, auth, setup["customer"]["id"])
    types = Counter(e["type"] for e in events)
    assert (types["payment.posted"], types["invoice.paid"], types["payment.rejected"]) == (1, 1, 0)
    [posted_event] = [e for e in events if e["type"] == "payment.posted"]
    assert posted_event["data"]["thirdPartyStatus"] == "CONFIRMED"  # the status that posted it
    [paid] = [e for e in events if e["type"] == "invoice.paid"]
    assert (paid["data"]["id"], paid["data"]["paidByPaymentId"]) == (posted["id"], payment["id"])
    # Each customer's sequence has no gaps, also with provider events in it.
    assert [e["sequence"] for e in events] == list(range(1, len(events) + 1))


def test_a_charge_back_delivered_twice_cancels_once(client, auth):
    setup, _, payment = _pending(client, auth)
    reference = payment["referenceNumber"]
    batch = [event(reference, "PAID_OUT", "EV-1"), event(reference, "CHARGED_BACK", "EV-2")]
    for _ in range(2):
        deliver(client, setup["provider"]["id"], list(reversed(batch)))  # reordered, then again
    _replay(client, auth, setup["provider"]["id"])
    types = _types(client, auth, setup["customer"]["id"])
    assert (types["payment.posted"], types["invoice.paid"], types["payment.cancelled"]) == (1, 1, 1)


def test_a_failure_and_a_cancellation_delivered_twice_are_recorded_once(client, auth):
    setup, posted, payment = _pending(client, auth)
    provider_id = setup["provider"]["id"]
    for _ in range(2):
        deliver(client, provider_id, [event(payment["referenceNumber"], "FAILED", "EV-F")])
    body = {"invoiceId": posted["id"], "billRunType": "NORMAL"}
    assert client.post("/v1/invoice-payment-reprocess", json=body, headers=auth).status_code == 200
    second = payments_of(client, auth, setup["customer"]["id"])[-1]
    for _ in range(2):
        deliver(client, provider_id, [event(second["referenceNumber"], "CANCELLED", "EV-C")])
    _replay(client, auth, provider_id)
    types = _types(client, auth, setup["customer"]["id"])
    assert (types["collection.failed"], types["payment.rejected"], types["payment.cancelled"]) == (1, 1, 1)


def test_a_refused_delivery_records_no_event(client, auth):
    setup, _, payment = _pending(client, auth)
    before = _events(client, auth, setup["customer"]["id"])
    refused = deliver(client, setup["provider"]["id"], [event(payment["referenceNumber"], "FAILED")],
                      secret="whsec_not_the_secret_0000")
    assert refused.status_code == 401
    assert _events(client, auth, setup["customer"]["id"]) == before


def test_provider_events_are_written_exactly_when_their_change_commits(client, auth, database, settings, tenant):
    setup, _, payment = _pending(client, auth, total="40.13")
    customer_id = setup["customer"]["id"]

    def outbox(session, event_type: str) -> int:
        return session.execute(select(func.count()).select_from(Event).where(
            Event.tenant_id == tenant.tenant_id, Event.customer_id == customer_id,
            Event.type == event_type)).scalar_one()

    failure = ProviderEventData("EV-TX", "payment", payment["referenceNumber"], "FAILED", utcnow(), {})
    with database.session() as session:
        provider = provider_row(session, tenant.tenant_id, setup["provider"]["id"])
        collections.receive_events(session, tenant=tenant, provider=provider, events=[failure],
                                   runtime=runtime_for(settings))
        assert outbox(session, "collection.failed") == 0  # buffered until the commit
        session.rollback()
        assert outbox(session, "collection.failed") == 0
    assert payments_of(client, auth, customer_id)[0]["status"] == "PENDING_VERIFICATION"
    with database.session() as session:
        provider = provider_row(session, tenant.tenant_id, setup["provider"]["id"])
        collections.receive_events(session, tenant=tenant, provider=provider, events=[failure],
                                   runtime=runtime_for(settings))
        session.commit()
        assert (outbox(session, "collection.failed"), outbox(session, "payment.rejected")) == (1, 1)


def test_a_customer_without_a_mandate_gets_no_provider_events(client, auth):
    create_provider(client, auth)
    from tests.factories import create_customer

    customer = create_customer(client, auth)
    post_invoice(client, auth, customer["id"])
    types = _types(client, auth, customer["id"])
    assert (types["mandate.updated"], types["collection.failed"]) == (0, 0)
