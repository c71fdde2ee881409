"""Two workers at once on PostgreSQL: every event delivered once, never two attempts of one event at the same
time, each customer's events in order. The rows are committed (workers need their own transactions) in a
tenant of the test's own, deleted afterwards."""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest
from sqlalchemy import delete

from ledgerline import events
from ledgerline.db import Database
from ledgerline.events import webhooks
from ledgerline.events.worker import Worker
from ledgerline.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.events.conftest import mock_client

CUSTOMERS, EVENTS_EACH = 8, 6


@pytest.fixture
def committed(engine, backend):
    if backend != "postgresql":
        pytest.skip("several workers at once need PostgreSQL's row locks (SQLite runs one worker)")
    tenant_id = uuid.uuid4()
    database = Database(engine)
    yield database, tenant_id
    with database.independent_transaction() as session:
        for model in (WebhookAttempt, WebhookDelivery, WebhookEndpoint, Event):
            session.execute(delete(model).where(model.tenant_id == tenant_id))


def test_two_workers_deliver_each_event_once_and_never_concurrently(committed):
    database, tenant_id = committed
    with database.independent_transaction() as session:
        webhooks.create_endpoint(session, tenant_id=tenant_id, url="https://receiver.example/a", enabled_events=["*"])
        webhooks.create_endpoint(session, tenant_id=tenant_id, url="https://receiver.example/b", enabled_events=["*"])
    for n in range(EVENTS_EACH):  # one transaction per round, as requests would write them
        with database.independent_transaction() as session:
            for customer in range(1, CUSTOMERS + 1):
                events.record(session, tenant_id, "customer.created", customer, {"n": n})

    lock = threading.Lock()
    in_flight: set[tuple[str, str]] = set()
    overlaps: list[tuple[str, str]] = []
    delivered: list[tuple[str, int, int]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        event = httpx.Response(200, content=request.content).json()
        key = (request.url.path, request.headers["ledgerline-event-id"])
        with lock:
            if key in in_flight:
                overlaps.append(key)
            in_flight.add(key)
        time.sleep(0.003)
        with lock:
            in_flight.discard(key)
            delivered.append((request.url.path, event["customerId"], event["sequence"]))
        return httpx.Response(200)

    workers = [Worker(database, client=mock_client(answer), batch_size=5) for _ in range(2)]
    idle = [0, 0]

    def run(index: int) -> None:
        while idle[index] < 5:
            report = workers[index].run_once()
            idle[index] = idle[index] + 1 if not report.attempted and not report.dispatched else 0
            if not report.attempted:
                time.sleep(0.01)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)

    assert overlaps == []
    total = CUSTOMERS * EVENTS_EACH * 2
    assert len(delivered) == total
    assert len(set(delivered)) == total  # once each, per endpoint
    for path in ("/a", "/b"):
        for customer in range(1, CUSTOMERS + 1):
            sequences = [sequence for p, c, sequence in delivered if p == path and c == customer]
            assert sequences == list(range(1, EVENTS_EACH + 1))
    attempted_by = [sum(w.run_once().attempted for w in workers)]
    assert attempted_by == [0]
