"""Provider webhooks in: signatures, and events applied exactly once (duplicated, out of order, concurrent)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from tests.providers.helpers import (
    deliver, event, invoice, mandated_customer, payments_of, post_invoice, signed,
)


def _pending(client, auth):
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"])
    [payment] = payments_of(client, auth, setup["customer"]["id"])
    return setup, posted, payment["referenceNumber"]


def test_a_bad_signature_is_refused_and_changes_nothing(client, auth):
    setup, posted, reference = _pending(client, auth)
    provider_id = setup["provider"]["id"]
    for options in ({"secret": "not-the-secret-at-all"},
                    {"timestamp": int(dt.datetime.now(dt.timezone.utc).timestamp()) - 3600}):
        response = deliver(client, provider_id, [event(reference, "PAID_OUT")], **options)
        assert response.status_code == 401, response.text
    body, headers = signed([event(reference, "PAID_OUT")])
    tampered = client.post(f"/v1/payment-provider-webhooks/{provider_id}", content=body.replace(b"PAID", b"FAIL"),
                           headers=headers)
    assert tampered.status_code == 401
    unsigned = client.post(f"/v1/payment-provider-webhooks/{provider_id}", content=body,
                           headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "PENDING"
    # A good signature of the same event is then applied (it was never stored).
    assert deliver(client, provider_id, [event(reference, "PAID_OUT")]).json()["stored"] == 1
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "PAID"


def test_an_unknown_provider_is_refused(client, auth):
    assert deliver(client, 987654321, [event("X", "PAID_OUT")]).status_code == 401


def test_a_malformed_body_is_a_bad_request(client, auth):
    setup, _, _ = _pending(client, auth)
    body, headers = signed([{"id": "E1"}])
    response = client.post(f"/v1/payment-provider-webhooks/{setup['provider']['id']}", content=body, headers=headers)
    assert response.status_code == 400, response.text


def test_a_duplicated_event_is_stored_and_applied_once(client, auth):
    setup, posted, reference = _pending(client, auth)
    provider_id = setup["provider"]["id"]
    first = deliver(client, provider_id, [event(reference, "PAID_OUT", "EV-1")])
    again = deliver(client, provider_id, [event(reference, "PAID_OUT", "EV-1"), event(reference, "PAID_OUT", "EV-1")])
    assert (first.json()["stored"], again.json()["stored"], again.json()["duplicates"]) == (1, 0, 2)
    [payment] = payments_of(client, auth, setup["customer"]["id"])
    assert payment["status"] == "POSTED"
    assert invoice(client, auth, posted["id"])["outstandingInMajorCurrency"] == 0


@pytest.mark.parametrize("order", [["CHARGED_BACK", "PAID_OUT", "CONFIRMED"], ["PAID_OUT", "CHARGED_BACK", "CONFIRMED"],
                                   ["CONFIRMED", "PAID_OUT", "CHARGED_BACK"]])
def test_events_out_of_order_end_the_same(client, auth, order):
    setup, posted, reference = _pending(client, auth)
    for status in order:
        assert deliver(client, setup["provider"]["id"], [event(reference, status)]).status_code == 200
    [payment] = payments_of(client, auth, setup["customer"]["id"])
    assert payment["status"] == "CANCELLED"
    assert invoice(client, auth, posted["id"])["outstandingInMajorCurrency"] == 100


def test_replaying_a_providers_events_changes_nothing(client, auth):
    setup, posted, reference = _pending(client, auth)
    deliver(client, setup["provider"]["id"], [event(reference, "CONFIRMED"), event(reference, "PAID_OUT")])
    body = {"paymentProviderId": setup["provider"]["id"]}
    replayed = client.post("/v1/payment-provider-reprocess", json=body, headers=auth)
    assert replayed.status_code == 200, replayed.text
    # The mandate's approval and the two collection events, each applied already.
    assert replayed.json() == {"events": 3, "changed": 0}
    assert invoice(client, auth, posted["id"])["outstandingInMajorCurrency"] == 0
    missing = client.post("/v1/payment-provider-reprocess", json={"paymentProviderId": 99999999}, headers=auth)
    assert missing.status_code == 400


def test_concurrent_deliveries_of_one_event_apply_it_once(backend, engine, settings):
    """Two real transactions at once (PostgreSQL): the unique event id makes the second wait, then skip."""
    if backend != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL (SQLite has one writer)")
    from fastapi.testclient import TestClient

    from ledgerline.app import create_app
    from ledgerline.db import Database
    from tests.conftest import bearer, make_tenant

    database = Database(engine)
    app = create_app(settings, database=database)
    with TestClient(app, raise_server_exceptions=False) as client:
        auth = bearer(settings, make_tenant(database))
        setup, posted, reference = _pending(client, auth)
        results, barrier = [], threading.Barrier(4)

        def send(status: str, event_id: str) -> None:
            barrier.wait()
            results.append(deliver(client, setup["provider"]["id"], [event(reference, status, event_id)]))

        threads = [threading.Thread(target=send, args=args) for args in
                   (("PAID_OUT", "EV-A"), ("PAID_OUT", "EV-A"), ("CONFIRMED", "EV-B"), ("PAID_OUT", "EV-A"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(r.status_code for r in results) == [200] * 4, [r.text for r in results]
        assert sum(r.json()["stored"] for r in results) == 2
        [payment] = payments_of(client, auth, setup["customer"]["id"])
        assert payment["status"] == "POSTED"
        assert invoice(client, auth, posted["id"])["outstandingInMajorCurrency"] == 0
