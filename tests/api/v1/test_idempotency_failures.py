"""Idempotency-Key when a request fails at COMMIT, or is overtaken by its own retry.

A request whose commit fails releases its key: the retry runs at once, not 409. A request that
stalls after reserving its key until a retry takes the key over applies nothing: the retry's
answer is the one that stands.

These requests really commit (no rolled-back outer transaction), in a tenant of their own.
"""

from __future__ import annotations

import asyncio
import threading

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ledgerline.app import create_app
from ledgerline.db import Database
from ledgerline.payments import service
from tests.conftest import bearer, make_tenant


class CommitFailsOnce(Database):
    """The next request transaction fails at COMMIT, as when the database goes away at that moment."""

    fail_next_commit = False

    def session(self, *, write: bool = True) -> Session:
        session = super().session(write=write)
        database = self

        def commit() -> None:
            if database.fail_next_commit:
                database.fail_next_commit = False
                session.rollback()
                raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))
            Session.commit(session)

        session.commit = commit  # type: ignore[method-assign]
        return session


def test_a_failed_commit_releases_the_key(engine, settings):
    database = CommitFailsOnce(engine)
    client = TestClient(create_app(settings, database=database), raise_server_exceptions=False)
    auth = bearer(settings, make_tenant(database))
    customer = client.post("/v1/customers", json={"name": "Commit", "currency": "GBP"}, headers=auth).json()
    body = {"customerId": customer["id"], "amountInMajorCurrency": "10.00", "type": "CHEQUE"}
    headers = {**auth, "Idempotency-Key": "commit-fails"}

    database.fail_next_commit = True
    failed = client.post("/v1/customer-payments", json=body, headers=headers)
    assert failed.status_code == 503, failed.text

    retried = client.post("/v1/customer-payments", json=body, headers=headers)
    assert retried.status_code == 201, retried.text
    assert retried.headers.get("Idempotent-Replayed") is None
    payments = client.get("/v1/customer-payments", params={"customer_id": customer["id"]}, headers=auth)
    assert [payment["id"] for payment in payments.json()] == [retried.json()["id"]]


def test_a_refused_request_answers_at_once_and_releases_its_key(engine, settings):
    """The key is released after the request's transaction ends: on SQLite, releasing it while the
    request still held the one write lock waited for the lock timeout and answered 503."""
    database = Database(engine)
    client = TestClient(create_app(settings, database=database), raise_server_exceptions=False)
    auth = bearer(settings, make_tenant(database))
    customer = client.post("/v1/customers", json={"name": "Paid up", "currency": "GBP"}, headers=auth).json()
    invoice = client.post("/v1/invoices", json={"customerId": customer["id"], "totalInMajorCurrency": "0.00",
                                                "status": "POSTED"}, headers=auth).json()
    headers = {**auth, "Idempotency-Key": "nothing-to-pay"}
    for _ in range(2):  # released, so the retry runs again rather than being told "still in progress"
        refused = client.post(f"/v1/invoices/{invoice['id']}/pay", json={"paymentMethod": "CHEQUE"},
                              headers=headers)
        assert refused.status_code == 409 and "nothing outstanding" in refused.text, refused.text


def test_a_request_whose_key_was_taken_over_applies_nothing(engine, settings, monkeypatch):
    """The first attempt stalls past idempotency_lock_seconds after reserving its key; the client's
    retry takes the reservation over and pays. When the first attempt resumes it must not pay too."""
    settings = settings.model_copy(update={"idempotency_lock_seconds": 1})
    database = Database(engine)
    app = create_app(settings, database=database)
    auth = bearer(settings, make_tenant(database))
    stalled, resume = threading.Event(), threading.Event()
    calls: list[int] = []
    original = service.record_payment

    def stalls_first(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # the first attempt, after reserving its key and before its transaction
            stalled.set()
            resume.wait(10)
        return original(*args, **kwargs)

    async def scenario() -> tuple[httpx.Response, httpx.Response, httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ledgerline") as client:
            customer = (await client.post("/v1/customers", json={"name": "Slow", "currency": "GBP"},
                                          headers=auth)).json()
            body = {"customerId": customer["id"], "amountInMajorCurrency": "10.00", "type": "CHEQUE"}
            headers = {**auth, "Idempotency-Key": "taken-over"}
            monkeypatch.setattr(service, "record_payment", stalls_first)
            first = asyncio.create_task(client.post("/v1/customer-payments", json=body, headers=headers))
            assert await asyncio.to_thread(stalled.wait, 10)
            await asyncio.sleep(1.2)  # the reservation is now older than idempotency_lock_seconds
            retry = await client.post("/v1/customer-payments", json=body, headers=headers)
            resume.set()
            first_answer = await first
            again = await client.post("/v1/customer-payments", json=body, headers=headers)
            listing = await client.get("/v1/customer-payments", params={"customer_id": customer["id"]},
                                       headers=auth)
            return first_answer, retry, again, listing

    first, retry, again, listing = asyncio.run(scenario())
    assert retry.status_code == 201, retry.text
    assert first.status_code == 409, first.text
    assert [payment["id"] for payment in listing.json()] == [retry.json()["id"]]
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == retry.json()["id"]
