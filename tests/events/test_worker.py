"""The delivery worker: signed POSTs a real receiver verifies, retries on a schedule, giving up, disabling,
each customer's order."""

from __future__ import annotations

import datetime as dt
import json
import random
import time

import httpx
import pytest
from sqlalchemy import select

from ledgerline.events import signing
from ledgerline.events.retry import RetryPolicy
from ledgerline.events.worker import Worker
from ledgerline.models import WebhookAttempt, WebhookDelivery
from tests.events.conftest import Clock, create_endpoint, mock_client, readme_verifier
from tests.factories import create_customer, create_invoice


def _drain(worker: Worker, passes: int = 10) -> None:
    for _ in range(passes):
        report = worker.run_once()
        if not report.attempted and not report.dispatched:
            return


def test_a_live_receiver_gets_signed_deliveries_it_verifies_with_the_readme_snippet(client, auth, database,
                                                                                     receiver):
    endpoint = create_endpoint(client, auth, receiver.url)
    secret = endpoint["secret"]
    assert secret.startswith("whsec_")
    assert client.get(f"/v1/webhook-endpoints/{endpoint['id']}", headers=auth).json()["secret"] is None
    customer = create_customer(client, auth)
    invoice = create_invoice(client, auth, customer["id"], totalInMajorCurrency="12.00", status="POSTED")
    assert client.post(f"/v1/invoices/{invoice['id']}/pay", headers=auth,
                       json={"paymentMethod": "BACS"}).status_code == 201

    worker = Worker(database)
    _drain(worker)

    verify = readme_verifier()
    types = [each.event["type"] for each in receiver.received]
    assert types == ["customer.created", "invoice.posted", "payment.posted", "invoice.paid"]
    listed = client.get("/v1/events", headers=auth, params={"sort": "id"}).json()
    for received, event in zip(receiver.received, listed):
        assert verify(secret, received.headers["ledgerline-signature"], received.body)
        assert not verify(secret, received.headers["ledgerline-signature"], received.body + b" ")
        assert not verify("whsec_wrong", received.headers["ledgerline-signature"], received.body)
        assert received.headers["ledgerline-event-id"] == str(event["id"])
        assert received.headers["content-type"] == "application/json"
        assert json.loads(received.body) == json.loads(json.dumps(event))  # the body is GET /v1/events/{id}
    assert [each.event["sequence"] for each in receiver.received] == [1, 2, 3, 4]

    deliveries = client.get("/v1/webhook-deliveries", headers=auth, params={"sort": "id"}).json()
    assert {each["status"] for each in deliveries} == {"DELIVERED"}
    assert all(len(each["attempts"]) == 1 and each["attempts"][0]["statusCode"] == 200
               and each["attempts"][0]["answerExcerpt"] == "ok" for each in deliveries)

    # Nothing is delivered twice: another pass has nothing to do.
    assert worker.run_once().attempted == 0
    assert len(receiver.received) == 4


def test_endpoints_get_only_the_types_they_take_and_events_after_they_exist(client, auth, database, receiver):
    create_customer(client, auth)  # before the endpoint: not delivered
    create_endpoint(client, auth, receiver.url, enabledEvents=["invoice.posted"])
    customer = create_customer(client, auth)
    create_invoice(client, auth, customer["id"], totalInMajorCurrency="3.00", status="POSTED")
    _drain(Worker(database))
    assert [each.event["type"] for each in receiver.received] == ["invoice.posted"]


def test_rotation_signs_with_both_secrets_until_the_old_one_expires(client, auth, database, receiver):
    endpoint = create_endpoint(client, auth, receiver.url)
    rotated = client.post(f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret", headers=auth,
                          json={"previousSecretValidForHours": 1})
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != endpoint["secret"] and rotated.json()["previousSecretExpiresAt"]
    create_customer(client, auth)
    _drain(Worker(database))
    verify = readme_verifier()
    (received,) = receiver.received
    header = received.headers["ledgerline-signature"]
    assert header.count("v1=") == 2
    assert verify(new_secret, header, received.body) and verify(endpoint["secret"], header, received.body)


def test_retries_follow_the_backoff_schedule_then_give_up_and_disable_the_endpoint(client, auth, database):
    attempts: list[dt.datetime] = []
    clock = Clock()

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(clock())
        return httpx.Response(503, text="down for maintenance " + "z" * 1000)

    endpoint = create_endpoint(client, auth, "https://receiver.example/hooks")
    create_customer(client, auth)
    policy = RetryPolicy()
    worker = Worker(database, client=mock_client(refuse), clock=clock, rng=random.Random(7), policy=policy)
    expected = policy.schedule(random.Random(7), clock())
    for _ in range(100):
        worker.run_once()
        (delivery,) = client.get("/v1/webhook-deliveries", headers=auth).json()
        if delivery["status"] != "PENDING":
            break
        with database.session() as session:
            due = session.execute(select(WebhookDelivery.next_attempt_at)).scalar_one()
        clock.advance_to(due)
    assert delivery["status"] == "FAILED"
    assert attempts == expected
    gaps = [later - earlier for earlier, later in zip(attempts, attempts[1:])]
    assert dt.timedelta(seconds=48) <= gaps[0] <= dt.timedelta(seconds=72)  # 1 minute, +-20%
    assert all(gap <= dt.timedelta(hours=6 * 1.2) for gap in gaps)
    assert gaps[5] > gaps[4] > gaps[3]  # doubling early on
    assert dt.timedelta(days=2.5) < attempts[-1] - attempts[0] <= dt.timedelta(days=3)
    assert 15 <= len(attempts) <= 25
    log = delivery["attempts"]
    assert len(log) == len(attempts) and {each["statusCode"] for each in log} == {503}
    assert {each["outcome"] for each in log} == {"REFUSED"}
    assert log[0]["answerExcerpt"].startswith("down for maintenance") and len(log[0]["answerExcerpt"]) == 500

    disabled = client.get(f"/v1/webhook-endpoints/{endpoint['id']}", headers=auth).json()
    assert disabled["status"] == "DISABLED" and "failed" in disabled["disabledReason"]
    # Re-enabled by a client, it takes new events again.
    patched = client.patch(f"/v1/webhook-endpoints/{endpoint['id']}", headers={
        **auth, "Content-Type": "application/json-patch+json"},
        json=[{"op": "replace", "path": "/status", "value": "ENABLED"}])
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "ENABLED" and patched.json()["disabledReason"] is None


def test_unreachable_receivers_are_logged_and_retried(client, auth, database):
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    create_endpoint(client, auth, "https://receiver.example/hooks")
    create_customer(client, auth)
    Worker(database, client=mock_client(unreachable)).run_once()
    (delivery,) = client.get("/v1/webhook-deliveries", headers=auth).json()
    assert delivery["status"] == "PENDING" and delivery["attemptCount"] == 1
    (attempt,) = delivery["attempts"]
    assert attempt["outcome"] == "UNREACHABLE" and attempt["statusCode"] is None
    assert "connection refused" in attempt["error"]


def test_each_customer_s_events_arrive_in_order_while_others_go_on(client, auth, database):
    clock = Clock()
    delivered: list[tuple[int, int]] = []
    failures = {"left": 2}
    first_customer: dict[str, int] = {}

    def answer(request: httpx.Request) -> httpx.Response:
        event = json.loads(request.content)
        if event["customerId"] == first_customer["id"] and event["sequence"] == 1 and failures["left"]:
            failures["left"] -= 1
            return httpx.Response(500)
        delivered.append((event["customerId"], event["sequence"]))
        return httpx.Response(204)

    create_endpoint(client, auth, "https://receiver.example/hooks")
    slow = create_customer(client, auth)
    first_customer["id"] = slow["id"]
    for total in ("1.00", "2.00"):
        create_invoice(client, auth, slow["id"], totalInMajorCurrency=total, status="POSTED")
    other = create_customer(client, auth)
    create_invoice(client, auth, other["id"], totalInMajorCurrency="5.00", status="POSTED")

    worker = Worker(database, client=mock_client(answer), clock=clock, rng=random.Random(1))
    worker.run_once()
    worker.run_once()
    # The first customer's first event failed: its later ones wait; the other customer's went through.
    assert delivered == [(other["id"], 1), (other["id"], 2)]
    for _ in range(6):
        clock.advance_to(clock() + dt.timedelta(hours=1))
        worker.run_once()
    assert [sequence for customer, sequence in delivered if customer == slow["id"]] == [1, 2, 3]
    assert failures["left"] == 0


def test_replay_delivers_an_event_again(client, auth, database, receiver):
    endpoint = create_endpoint(client, auth, receiver.url)
    create_customer(client, auth)
    worker = Worker(database)
    _drain(worker)
    (event,) = client.get("/v1/events", headers=auth).json()
    replay = client.post(f"/v1/events/{event['id']}/replay", headers=auth,
                         json={"webhookEndpointId": endpoint["id"]})
    assert replay.status_code == 202, replay.text
    assert replay.json()["replay"] is True and replay.json()["status"] == "PENDING"
    _drain(worker)
    assert [each.event["id"] for each in receiver.received] == [event["id"], event["id"]]
    assert client.post(f"/v1/events/{event['id']}/replay", headers=auth,
                       json={"webhookEndpointId": 999999}).status_code == 400
    assert client.post("/v1/events/999999/replay", headers=auth,
                       json={"webhookEndpointId": endpoint["id"]}).status_code == 404


def test_signing_module_agrees_with_the_readme_snippet():
    body = b'{"id":1}'
    now = int(time.time())
    header = signing.header_value(["whsec_a", "whsec_b"], now, body)
    verify = readme_verifier()
    assert verify("whsec_a", header, body) and verify("whsec_b", header, body)
    assert signing.verify("whsec_a", header, body)
    old = signing.header_value(["whsec_a"], now - 3600, body)
    assert not verify("whsec_a", old, body) and not signing.verify("whsec_a", old, body)
    assert not verify("whsec_a", "v1=abc", body)


@pytest.mark.parametrize("failures", [1, 5, 9, 10, 30])
def test_backoff_delays_stay_within_the_jitter_band(failures):
    policy = RetryPolicy()
    nominal = min(60 * 2 ** (failures - 1), 6 * 3600)
    for seed in range(20):
        delay = policy.delay(failures, random.Random(seed)).total_seconds()
        assert nominal * 0.8 <= delay <= nominal * 1.2


def test_a_pass_reports_outbox_lag_and_deliveries_by_outcome_on_metrics_and_logs_each_attempt(client, auth,
                                                                                                database, capsys):
    from ledgerline.observability import logs
    from tests.observability.test_metrics import scrape, value

    clock = Clock()
    secret = create_endpoint(client, auth, "https://receiver.example/ok")["secret"]
    create_endpoint(client, auth, "https://receiver.example/down")
    create_customer(client, auth)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200 if request.url.path == "/ok" else 500, text="nope")

    counted = "ledgerline_webhook_deliveries_total"
    before = scrape(client)
    logs.configure("json")
    capsys.readouterr()
    clock.advance_to(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30))   # the event waited 30 s
    worker = Worker(database, client=mock_client(answer), clock=clock)
    report = worker.run_once()
    # Other tests' committed events (other tenants, no endpoints) may be dispatched in the same pass.
    assert report.dispatched >= 1
    assert (report.attempted, report.outcomes) == (2, {"delivered": 1, "retrying": 1})

    after = scrape(client)
    for outcome, more in (("delivered", 1), ("retrying", 1), ("given_up", 0)):
        assert value(after, counted, outcome=outcome) - value(before, counted, outcome=outcome) == more, outcome
    # The retrying delivery is still owed: the lag is the age of its event (about the 30 s the clock moved).
    assert 30 <= value(after, "ledgerline_outbox_lag_seconds") <= 120

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()
             if line.startswith("{") and '"logger": "ledgerline.worker"' in line]
    attempts = [line for line in lines if line["msg"] == "webhook attempt"]
    assert sorted(line["outcome"] for line in attempts) == ["delivered", "retrying"]
    assert all({"delivery_id", "event_id", "endpoint_id", "status_code", "duration_ms"} <= set(line)
               for line in attempts)
    assert secret not in json.dumps(lines) and "v1=" not in json.dumps(lines)   # no secret, no signature


def test_run_forever_touches_its_heartbeat_after_each_pass_that_works(client, auth, database, tmp_path):
    import threading

    heartbeat, stop = tmp_path / "alive", threading.Event()
    worker = Worker(database, client=mock_client(lambda request: httpx.Response(200)))
    runner = threading.Thread(target=worker.run_forever, kwargs={"poll_seconds": 0.05, "stop": stop,
                                                                 "heartbeat": heartbeat})
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while not heartbeat.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert heartbeat.exists()
        first = heartbeat.stat().st_mtime_ns
        while heartbeat.stat().st_mtime_ns == first and time.monotonic() < deadline:
            time.sleep(0.02)
        assert heartbeat.stat().st_mtime_ns > first   # touched again by the next pass
    finally:
        stop.set()
        runner.join(timeout=30)
    assert not runner.is_alive()


def test_a_failing_pass_does_not_touch_the_heartbeat(database, tmp_path, monkeypatch):
    import threading

    heartbeat, stop = tmp_path / "alive", threading.Event()
    worker = Worker(database, client=mock_client(lambda request: httpx.Response(200)))
    passes = []

    def broken() -> None:
        passes.append(1)
        if len(passes) >= 3:
            stop.set()
        raise RuntimeError("database gone")

    monkeypatch.setattr(worker, "run_once", broken)
    worker.run_forever(poll_seconds=0.01, stop=stop, heartbeat=heartbeat)
    assert len(passes) == 3 and not heartbeat.exists()
