"""Two API nodes on one PostgreSQL database (issue 17 item 3): nothing in a process breaks with many.

Each node is an app of its own with its own engine (pool), tenant-context cache, verified-token cache
and user-version cache, on one committed schema, as two hosts behind the load balancer are. Node B's
engine runs as behind PgBouncer's transaction mode (``transaction_pooler``). The real cluster, with
HAProxy, PgBouncer and a standby, is `make cluster-smoke` and `make cluster-test`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select, text

from ledgerline.app import create_app
from ledgerline.auth import UserTokenVersions
from ledgerline.db import Database, make_engine, numbering_engine
from ledgerline.kit.idempotency import _reserve, request_fingerprint, sweep_expired
from ledgerline.models import IdempotencyKey, Payment
from ledgerline.tenants.context import TenantContexts
from ledgerline.tenants.service import create_tenant, create_user, revoke_tokens, set_scopes
from tests.conftest import PG_URL, alembic_config, bearer, create_postgres_schema, drop_postgres_schema, make_settings

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")


@pytest.fixture(scope="module")
def schema() -> Iterator[str]:
    name = f"ledgerline_nodes_{os.getpid()}"
    create_postgres_schema(name)
    engine = make_engine(PG_URL, search_path=name)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    engine.dispose()
    yield name
    drop_postgres_schema(name)


@dataclass
class Node:
    app: FastAPI
    client: TestClient
    db: Database
    statements: list[str]


def _node(schema: str, *, pooler: bool, **settings: object) -> Node:
    db = Database(make_engine(PG_URL, search_path=schema, transaction_pooler=pooler))
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda _c, _cur, statement, *_: statements.append(statement))
    app = create_app(make_settings(**settings), database=db)
    return Node(app, TestClient(app, raise_server_exceptions=False), db, statements)


@dataclass
class Cluster:
    a: Node
    b: Node
    tenant_id: uuid.UUID
    auth: dict[str, str]
    brand: str


@pytest.fixture
def nodes(schema: str) -> Iterator[Cluster]:
    """Node A (a plain pool) and node B (as behind PgBouncer), a fresh tenant and a token for both."""
    a, b = _node(schema, pooler=False), _node(schema, pooler=True)
    brand = f"nodes-{uuid.uuid4().hex[:12]}"
    with a.db.independent_transaction() as session:
        tenant_id = create_tenant(session, name=brand).id
    try:
        yield Cluster(a, b, tenant_id, bearer(a.app.state.settings, tenant_id), brand)
    finally:
        a.db.dispose()
        b.db.dispose()


def _ok(response, status: int = 200) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    return response.json()


def _posted_invoice(node: Node, auth: dict[str, str], customer_id: int, total: str = "100.00") -> dict:
    return _ok(node.client.post("/v1/invoices", json={"customerId": customer_id, "issueDate": "2026-11-01",
                                                      "totalInMajorCurrency": total, "status": "POSTED"},
                                headers=auth), 201)


def _invoice_payment(node: Node, auth: dict[str, str], invoice_id: int, amount: str) -> dict:
    return _ok(node.client.post("/v1/invoice-payments", json={
        "generatedInvoiceId": invoice_id, "amountInMajorCurrency": amount, "paymentMethod": "CHEQUE"},
        headers=auth), 201)


# -- the tenant context ------------------------------------------------------------------------------------

def test_a_tolerance_set_through_node_a_settles_node_b_s_next_payment(nodes):
    a, b, auth = nodes.a, nodes.b, nodes.auth
    customer = _ok(b.client.post("/v1/customers", json={"name": "Acme", "currency": "GBP"}, headers=auth), 201)
    # Node B caches the tenant's policy (no tolerance) with a first payment.
    _invoice_payment(b, auth, _posted_invoice(b, auth, customer["id"])["id"], "10.00")
    cached = b.app.state.tenant_contexts.cached(nodes.tenant_id)
    assert cached is not None and cached.tolerance("GBP").minor == 0

    _ok(a.client.put("/v1/shortfall-tolerances/GBP", json={"amountInMajorCurrency": "1.00"}, headers=auth))
    # Reads of the tolerance on B read the database: the change is there at once.
    listed = _ok(b.client.get("/v1/shortfall-tolerances", headers=auth))
    assert [(row["currencyCode"], Decimal(str(row["amountInMajorCurrency"]))) for row in listed] == [("GBP", 1)]
    assert b.app.state.tenant_contexts.cached(nodes.tenant_id) is cached     # B has not looked yet

    # B's very next money request reads the version under the customer lock and applies the new tolerance.
    invoice = _posted_invoice(b, auth, customer["id"])
    _invoice_payment(b, auth, invoice["id"], "99.50")
    settled = _ok(b.client.get(f"/v1/invoices/{invoice['id']}", headers=auth))
    assert settled["paymentStatus"] == "PAID" and Decimal(str(settled["outstandingInMajorCurrency"])) == 0, settled
    assert b.app.state.tenant_contexts.cached(nodes.tenant_id).version == cached.version + 1


class Clock:
    """A node's monotonic clock, moved by the test (the machine may be slow: real sleeps would race)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _clocked(node: Node, check_seconds: float = 1.0) -> Clock:
    """The node's caches (tenant contexts, user token versions) on a clock of the test's."""
    clock = Clock()
    state = node.app.state
    state.tenant_contexts = TenantContexts(state.settings.shortfall_tolerance, check_seconds=check_seconds,
                                           clock=clock)
    state.user_token_versions = UserTokenVersions(check_seconds=check_seconds, clock=clock)
    return clock


def _reads_version(statement: str) -> bool:
    """The context's own look at the version (the money path's lock query reads it in a subquery)."""
    return statement.lstrip().startswith("SELECT tenants.settings_version")


def test_node_b_hands_out_a_context_unchecked_for_the_bound_only_after_reading_its_version(nodes):
    b, auth = nodes.b, nodes.auth
    clock = _clocked(b, check_seconds=1.0)
    contexts = b.app.state.tenant_contexts
    _ok(b.client.get("/v1/customers", headers=auth))
    cached = contexts.cached(nodes.tenant_id)
    _ok(nodes.a.client.put("/v1/shortfall-tolerances/EUR", json={"amountInMajorCurrency": "2.00"}, headers=auth))
    clock.now += 0.9
    assert contexts.fresh(nodes.tenant_id) is cached        # within the bound, B may still hand it out
    clock.now += 0.1
    assert contexts.fresh(nodes.tenant_id) is None          # at it, B must look at the version first
    b.statements.clear()
    # A money request through B that fails before its lock (no such customer) still got the current policy.
    refused = b.client.post("/v1/customer-payments", json={"customerId": 10**12, "amountInMajorCurrency": "1.00",
                                                            "type": "CHEQUE"}, headers=auth)
    assert refused.status_code == 400, refused.text
    current = contexts.fresh(nodes.tenant_id)
    assert current is not None and current.version == cached.version + 1 and current.tolerance("EUR").minor == 200
    assert any(_reads_version(each) for each in b.statements)
    # Within the bound again: no look at the version per request.
    b.statements.clear()
    _ok(b.client.get("/v1/customers", headers=auth))
    b.client.post("/v1/customer-payments", json={"customerId": 10**12, "amountInMajorCurrency": "1.00",
                                                 "type": "CHEQUE"}, headers=auth)
    assert not any(_reads_version(each) for each in b.statements)


# -- login tokens -----------------------------------------------------------------------------------------

def _login(node: Node, brand: str, username: str, password: str) -> dict[str, str]:
    body = _ok(node.client.post("/v1/authenticate", json={"brand": brand, "username": username,
                                                          "password": password}))
    return {"Authorization": f"Bearer {body['token']}"}


def test_a_user_s_tokens_revoked_through_one_node_are_refused_by_both_within_the_bound(nodes):
    a, b = nodes.a, nodes.b
    clocks = [_clocked(node, check_seconds=1.0) for node in (a, b)]
    with a.db.independent_transaction() as session:
        create_user(session, tenant_id=nodes.tenant_id, username="jane", password="pw-1234")
    token = _login(a, nodes.brand, "jane", "pw-1234")
    for node in (a, b):                       # both nodes verified and cached the token
        _ok(node.client.get("/v1/customers", headers=token))
    with a.db.independent_transaction() as session:   # `ledgerline user revoke-tokens`, through any node
        revoke_tokens(session, tenant_id=nodes.tenant_id, username="jane")
    for clock in clocks:
        clock.now += 0.5
    for node in (a, b):                       # within the bound a node may still accept it: documented
        _ok(node.client.get("/v1/customers", headers=token))
    for clock in clocks:
        clock.now += 0.5
    for node in (a, b):
        refused = node.client.get("/v1/customers", headers=token)
        assert refused.status_code == 401 and "revoked" in refused.text, refused.text
        assert "invalid_token" in refused.headers["www-authenticate"]
        assert token["Authorization"][7:] not in node.app.state.verified_tokens
    _ok(b.client.get("/v1/customers", headers=_login(b, nodes.brand, "jane", "pw-1234")))   # a new login works


def test_changed_scopes_refuse_the_old_token_at_once_with_no_bound(schema, nodes):
    b = _node(schema, pooler=True, cache_check_seconds=0)
    try:
        with nodes.a.db.independent_transaction() as session:
            create_user(session, tenant_id=nodes.tenant_id, username="joe", password="pw-1234")
        old = _login(nodes.a, nodes.brand, "joe", "pw-1234")
        _ok(b.client.post("/v1/customers", json={"name": "Joe's", "currency": "GBP"}, headers=old), 201)
        with nodes.a.db.independent_transaction() as session:
            set_scopes(session, tenant_id=nodes.tenant_id, username="joe", scopes="customers.read customers.list")
        assert b.client.get("/v1/customers", headers=old).status_code == 401
        new = _login(nodes.a, nodes.brand, "joe", "pw-1234")
        _ok(b.client.get("/v1/customers", headers=new))
        assert b.client.post("/v1/customers", json={"name": "Joe's", "currency": "GBP"}, headers=new).status_code == 403
    finally:
        b.db.dispose()


def test_tokens_not_issued_to_a_login_user_need_no_lookup(nodes):
    """`ledgerline token` tokens (no "uv" claim) are not tied to a user row: no per-request read for them."""
    nodes.b.statements.clear()
    for _ in range(3):
        _ok(nodes.b.client.get("/v1/customers", headers=nodes.auth))
    assert not any("FROM users" in each for each in nodes.b.statements)


# -- idempotency ------------------------------------------------------------------------------------------

def _customer_payment(node: Node, auth: dict[str, str], key: str, body: dict):  # noqa: ANN202
    return node.client.post("/v1/customer-payments", content=json.dumps(body).encode(),
                            headers={**auth, "Idempotency-Key": key, "Content-Type": "application/json"})


def test_an_idempotency_key_used_on_node_a_is_replayed_by_node_b(nodes):
    a, b, auth = nodes.a, nodes.b, nodes.auth
    customer = _ok(a.client.post("/v1/customers", json={"name": "Acme", "currency": "GBP"}, headers=auth), 201)
    body = {"customerId": customer["id"], "amountInMajorCurrency": "12.34", "type": "CHEQUE", "description": "k1"}
    first = _customer_payment(a, auth, "key-across-nodes", body)
    assert first.status_code == 201, first.text
    again = _customer_payment(b, auth, "key-across-nodes", body)
    assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    other = _customer_payment(b, auth, "key-across-nodes", {**body, "amountInMajorCurrency": "99.99"})
    assert other.status_code == 400 and "Idempotency-Key" in other.text
    with a.db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Payment).where(
            Payment.tenant_id == nodes.tenant_id, Payment.notes == "k1")) == 1


def test_a_key_in_flight_on_node_a_is_busy_on_node_b(nodes):
    auth = nodes.auth
    customer = _ok(nodes.a.client.post("/v1/customers", json={"name": "Acme", "currency": "GBP"}, headers=auth), 201)
    body = {"customerId": customer["id"], "amountInMajorCurrency": "5.00", "type": "CHEQUE", "description": "k2"}
    # Node A's request has reserved the key and is still running (its fingerprint is the same request's).
    fingerprint = request_fingerprint("POST", "/v1/customer-payments", "", json.dumps(body).encode())
    _reserve(nodes.a.db, tenant_id=nodes.tenant_id, key="key-in-flight", fingerprint=fingerprint,
             ttl=dt.timedelta(hours=24), lock=dt.timedelta(seconds=60))
    busy = _customer_payment(nodes.b, auth, "key-in-flight", body)
    assert busy.status_code == 409 and "still in progress" in busy.text, busy.text


# -- sweeps -------------------------------------------------------------------------------------------------

def test_sweeps_on_two_nodes_take_disjoint_rows_and_never_wait_for_each_other(nodes):
    a, b = nodes.a.db, nodes.b.db
    past = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    with a.independent_transaction() as session:
        session.add_all(IdempotencyKey(tenant_id=nodes.tenant_id, key=f"old-{n}", request_hash="x", locked_at=past,
                                       expires_at=past) for n in range(10))
    now = dt.datetime.now(dt.timezone.utc)
    mine = [IdempotencyKey.tenant_id == nodes.tenant_id, IdempotencyKey.expires_at < now]
    # Node A's sweep is in the middle of a batch: it holds 4 of the expired rows.
    held = a.session()
    try:
        with held.begin():
            taken = held.execute(select(IdempotencyKey.key).where(*mine).order_by(IdempotencyKey.key).limit(4)
                                 .with_for_update(skip_locked=True)).scalars().all()
            assert len(taken) == 4
            removed: list[int] = []
            sweeper = threading.Thread(target=lambda: removed.append(sweep_expired(b, now=now, batch=3)))
            sweeper.start()
            sweeper.join(timeout=20)
            assert not sweeper.is_alive(), "node B's sweep waited for node A's"
            remaining = held.execute(select(IdempotencyKey.key).where(*mine)).scalars().all()
            assert sorted(remaining) == sorted(taken)                  # B took all the others, none of A's
            assert removed[0] >= 6
            held.execute(IdempotencyKey.__table__.delete().where(IdempotencyKey.key.in_(taken),
                                                                 IdempotencyKey.tenant_id == nodes.tenant_id))
    finally:
        held.close()
    with a.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyKey).where(*mine)) == 0


# -- PgBouncer's transaction mode -------------------------------------------------------------------------

# Statements that leave state on a server connection: the next transaction may run on another one.
_SESSION_STATE = re.compile(r"^\s*(SET\s+(?!LOCAL\b)|RESET\b|LISTEN\b|UNLISTEN\b|PREPARE\b|DISCARD\b|"
                            r"CREATE\s+(TEMP|TEMPORARY)\b|DECLARE\b.*\bWITH\s+HOLD\b)|pg_advisory_lock\(|"
                            r"pg_try_advisory_lock\(|set_config\([^)]*false\s*\)", re.IGNORECASE | re.DOTALL)


def _prepare_threshold(engine: Engine) -> int | None:
    """What psycopg does on the engine's connections: prepare a statement from its Nth execution (None: never)."""
    raw = engine.raw_connection()
    try:
        return raw.driver_connection.prepare_threshold
    finally:
        raw.close()


def _prepared(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()


def test_behind_the_pooler_requests_leave_no_session_state_and_no_prepared_statement(nodes):
    a, b, auth = nodes.a, nodes.b, nodes.auth
    for node in (a, b):
        node.statements.clear()
        customer = _ok(node.client.post("/v1/customers", json={"name": "Acme", "currency": "GBP"}, headers=auth),
                       201)
        for n in range(6):      # psycopg prepares a statement from its 5th execution unless told not to
            invoice = _posted_invoice(node, auth, customer["id"], "10.00")
            payment = _invoice_payment(node, auth, invoice["id"], "10.00")
            if n % 2:
                _ok(node.client.post(f"/v1/payments/{payment['id']}/cancel", json={"notes": "x"}, headers=auth))
            _ok(node.client.get("/v1/payments", headers=auth))
        stateful = [each for each in node.statements if _SESSION_STATE.search(each)]
        assert stateful == [], stateful
    # B's connections (and its numbering engine's) never prepare; A's do from the 5th execution, which
    # PgBouncer's transaction mode would break on (tests/test_read_routing.py shows it on one connection).
    assert _prepare_threshold(b.db.engine) is None and _prepared(b.db.engine) == 0
    assert _prepare_threshold(numbering_engine(b.db.engine)) is None
    assert _prepare_threshold(a.db.engine) == 5
