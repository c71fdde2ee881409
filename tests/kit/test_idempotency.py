"""Idempotency-Key reservations: taken (new, expired or abandoned) in one statement, and swept off
the hot path."""

from __future__ import annotations

import datetime as dt
import json
import time

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from ledgerline.app import create_app
from ledgerline.db import Database
from ledgerline.kit.idempotency import request_fingerprint, sweep_expired
from ledgerline.models import IdempotencyKey
from ledgerline.models.base import utcnow
from tests.conftest import bearer, make_settings, make_tenant
from tests.factories import create_customer


def key_statements(engine):  # noqa: ANN001, ANN201
    """The statements sent that touch the idempotency_keys table, recorded until the listener is removed."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if "idempotency_keys" in statement:
            sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    return sent, lambda: event.remove(engine, "before_cursor_execute", record)


def payment_body(customer_id: int) -> bytes:
    return json.dumps({"customerId": customer_id, "amountInMajorCurrency": "10.00", "type": "CHEQUE"}).encode()


def post(client, auth, body: bytes, key: str):  # noqa: ANN001, ANN201
    return client.post("/v1/customer-payments", content=body,
                       headers={**auth, "Content-Type": "application/json", "Idempotency-Key": key})


def add_key(session, tenant_id, key, *, fingerprint="x", locked_at, expires_at, status=None):  # noqa: ANN001, ANN201
    session.add(IdempotencyKey(tenant_id=tenant_id, key=key, request_hash=fingerprint, locked_at=locked_at,
                               expires_at=expires_at, response_status=status,
                               response_body='{"old": true}' if status else None))
    session.flush()


def test_a_new_key_is_reserved_and_answered_in_two_statements(client, auth, database):
    customer = create_customer(client, auth)
    sent, stop = key_statements(database.engine)
    try:
        response = post(client, auth, payment_body(customer["id"]), "fresh")
    finally:
        stop()
    assert response.status_code == 201, response.text
    assert [statement.split()[0] for statement in sent] == ["INSERT", "UPDATE"]
    assert "ON CONFLICT" in sent[0] and "RETURNING" in sent[0]


def test_an_abandoned_reservation_is_taken_over_in_the_same_statement(client, auth, database, tenant_id, settings):
    customer = create_customer(client, auth)
    body = payment_body(customer["id"])
    long_ago = utcnow() - dt.timedelta(seconds=settings.idempotency_lock_seconds + 5)
    with database.independent_transaction() as session:  # its request died before answering
        add_key(session, tenant_id, "abandoned", locked_at=long_ago, expires_at=long_ago + dt.timedelta(hours=24),
                fingerprint=request_fingerprint("POST", "/v1/customer-payments", "", body))
    sent, stop = key_statements(database.engine)
    try:
        response = post(client, auth, body, "abandoned")
    finally:
        stop()
    assert response.status_code == 201, response.text
    assert [statement.split()[0] for statement in sent] == ["INSERT", "UPDATE"]
    assert post(client, auth, body, "abandoned").headers.get("Idempotent-Replayed") == "true"


def test_a_reservation_still_held_is_409_and_left_alone(client, auth, database, tenant_id):
    customer = create_customer(client, auth)
    body = payment_body(customer["id"])
    now = utcnow()
    with database.independent_transaction() as session:
        add_key(session, tenant_id, "running", locked_at=now, expires_at=now + dt.timedelta(hours=24),
                fingerprint=request_fingerprint("POST", "/v1/customer-payments", "", body))
    response = post(client, auth, body, "running")
    assert response.status_code == 409 and "still in progress" in response.json()["message"], response.text
    with database.independent_transaction() as session:
        assert session.get(IdempotencyKey, (tenant_id, "running")).locked_at == now


def test_an_expired_key_is_free_again_even_for_another_request(client, auth, database, tenant_id):
    customer = create_customer(client, auth)
    past = utcnow() - dt.timedelta(hours=25)
    with database.independent_transaction() as session:  # answered to another request, 25 h ago
        add_key(session, tenant_id, "old", fingerprint="another request", locked_at=past,
                expires_at=past + dt.timedelta(hours=24), status=201)
    response = post(client, auth, payment_body(customer["id"]), "old")
    assert response.status_code == 201, response.text
    assert response.headers.get("Idempotent-Replayed") is None and "old" not in response.json()


def test_the_sweep_deletes_expired_keys_only_in_batches(database, tenant_id):
    now = utcnow()
    with database.independent_transaction() as session:
        for n in range(5):
            add_key(session, tenant_id, f"expired-{n}", locked_at=now - dt.timedelta(hours=30),
                    expires_at=now - dt.timedelta(hours=6), status=201)
        add_key(session, tenant_id, "live", locked_at=now, expires_at=now + dt.timedelta(hours=24), status=201)
    assert sweep_expired(database, now=now, batch=2) == 5
    with database.independent_transaction() as session:
        keys = session.scalars(select(IdempotencyKey.key).where(IdempotencyKey.tenant_id == tenant_id)).all()
    assert keys == ["live"]
    assert sweep_expired(database, now=now, batch=2) == 0


def test_the_lifespan_sweeps_periodically(engine):
    """The server's lifespan runs the sweep in the background (here every 50 ms), never per request."""
    settings = make_settings(idempotency_sweep_seconds=0.05)
    database = Database(engine)
    tenant_id = make_tenant(database)
    past = utcnow() - dt.timedelta(hours=25)
    with database.independent_transaction() as session:
        add_key(session, tenant_id, "expired", locked_at=past, expires_at=past + dt.timedelta(hours=24), status=201)

    def remaining() -> int:
        with database.independent_transaction() as session:
            return session.scalar(select(func.count()).select_from(IdempotencyKey)
                                  .where(IdempotencyKey.tenant_id == tenant_id))

    with TestClient(create_app(settings, database=database)) as client:
        assert client.get("/healthz", headers=bearer(settings, tenant_id)).status_code == 200
        deadline = time.monotonic() + 10
        while remaining() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert remaining() == 0


def test_a_release_lost_with_its_connection_is_tried_again(client, auth, database, tenant_id, monkeypatch):
    """A refused request's key is given up even when the first DELETE dies with its connection (a pooler
    restart): the client, told 4xx, would not retry, so a key left reserved would answer 409 until it lapsed."""
    from sqlalchemy.exc import OperationalError

    from ledgerline.kit import idempotency

    monkeypatch.setattr(idempotency, "RELEASE_BACKOFF_SECONDS", 0)
    failures: list[str] = []

    def lose_first_release(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("DELETE FROM IDEMPOTENCY_KEYS") and not failures:
            failures.append(statement)
            raise OperationalError(statement, {}, Exception("server closed the connection unexpectedly"))

    event.listen(database.engine, "before_cursor_execute", lose_first_release)
    try:
        refused = post(client, auth, payment_body(999_999_999), "refused")
    finally:
        event.remove(database.engine, "before_cursor_execute", lose_first_release)
    assert refused.status_code == 400, refused.text
    assert len(failures) == 1
    with database.independent_transaction() as session:
        assert session.get(IdempotencyKey, (tenant_id, "refused")) is None
    assert post(client, auth, payment_body(999_999_999), "refused").status_code == 400
