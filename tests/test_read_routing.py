"""Read routing (read_routing.py): which requests read the standby, read-your-writes, the transaction pooler.

On PostgreSQL the "standby" is a second engine on the same database (the real hot standby is exercised by
`make cluster-smoke`), with a probe that can report it behind; statements are counted per engine.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from alembic import command
from fastapi.testclient import TestClient
from pydantic.alias_generators import to_camel
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import Connection
from starlette.requests import Request

from ledgerline.app import create_app
from ledgerline.db import Database, make_engine
from ledgerline.read_routing import (
    LSN_COOKIE, LSN_HEADER, READ_FROM_HEADER, REPLICA_READS, ReadRouter, StandbyStatus, format_lsn, parse_lsn,
    probe_standby, required_lsn,
)
from ledgerline.tenants.service import create_tenant
from tests.conftest import PG_URL, alembic_config, bearer, create_postgres_schema, drop_postgres_schema, make_settings

needs_postgres = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")


# -- pure rules ---------------------------------------------------------------------------------------------

def test_lsns_parse_and_compare_as_positions():
    assert parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert parse_lsn("0/3000060") < parse_lsn("0/3000061") < parse_lsn("1/0")
    assert format_lsn(parse_lsn("16/B374D848")) == "16/B374D848"
    for malformed in (None, "", "16", "/1", "1/", "x/1", "1/2/3", "123456789/0", "0/ 1; drop"):
        assert parse_lsn(malformed) is None, malformed


def _request(headers: dict[str, str]) -> Request:
    raw = [(key.lower().encode(), value.encode()) for key, value in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw})


def test_a_client_needs_the_larger_of_its_header_and_cookie_and_nothing_it_cannot_parse():
    assert required_lsn(_request({})) == 0
    assert required_lsn(_request({LSN_HEADER: "0/10", "cookie": f"{LSN_COOKIE}=0/20"})) == 0x20
    assert required_lsn(_request({LSN_HEADER: "0/30", "cookie": f"{LSN_COOKIE}=0/20"})) == 0x30
    assert required_lsn(_request({LSN_HEADER: "garbage", "cookie": f"{LSN_COOKIE}=0/20"})) == 0x20


def test_every_replica_read_is_a_collection_get_of_the_app(settings):
    """A renamed route would silently read the primary again; a GET by id must never be listed."""
    paths = create_app(settings).openapi()["paths"]
    for template in REPLICA_READS:
        # The OpenAPI names /v1 path parameters as the seeds do (camelCase); the route keeps snake_case.
        documented = re.sub(r"\{([^}]+)\}", lambda match: "{" + to_camel(match[1]) + "}", template)
        assert "get" in paths.get(documented, {}), template
        assert not template.endswith("}"), template
    assert "/v1/customer-balances" not in REPLICA_READS    # a balance is money: the primary's


def test_without_a_read_url_writes_carry_no_marks(client, auth):
    response = client.post("/v1/customers", json={"name": "Acme", "currency": "GBP"}, headers=auth)
    assert response.status_code == 201
    assert LSN_HEADER.lower() not in response.headers and "set-cookie" not in response.headers
    assert READ_FROM_HEADER.lower() not in client.get("/v1/customers", headers=auth).headers


# -- routing on PostgreSQL: two engines on one committed schema ----------------------------------------------

def _settings(database_url: str, **overrides: object):  # noqa: ANN202
    overrides.setdefault("read_database_url", PG_URL)
    return make_settings(**overrides).model_copy(update={"database_url": database_url})


@pytest.fixture(scope="module")
def schema() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    name = f"ledgerline_routing_{os.getpid()}"
    create_postgres_schema(name)
    engine = make_engine(PG_URL, search_path=name)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    engine.dispose()
    yield name
    drop_postgres_schema(name)


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_: seen.append(statement))
    return seen


@dataclass
class Standby:
    """A probe that reports the real position, or none (``behind``), and the lag it is told to."""
    behind: bool = False
    lag_seconds: float = 0.0
    probes: int = 0
    read_only: list[str] = field(default_factory=list)

    def __call__(self, connection: Connection) -> StandbyStatus:
        self.probes += 1
        self.read_only.append(connection.execute(text("SHOW transaction_read_only")).scalar_one())
        real = probe_standby(connection)
        return StandbyStatus(0 if self.behind else real.replayed_lsn, self.lag_seconds)


@dataclass
class Routed:
    client: TestClient
    auth: dict[str, str]
    router: ReadRouter
    primary_sql: list[str]
    replica_sql: list[str]

    def reset(self) -> None:
        self.primary_sql.clear()
        self.replica_sql.clear()


@contextmanager
def routed_app(schema: str, replica: Engine | None = None, *, warm: bool = True,
               probe: Callable[[Connection], StandbyStatus] = probe_standby) -> Iterator[Routed]:
    """The app on a committed schema with a second engine as its standby, and a tenant with a token.
    ``warm``: one GET first, so the process has found the tenant (its first request reads the primary)."""
    primary = Database(make_engine(PG_URL, search_path=schema))
    replica = replica if replica is not None else make_engine(PG_URL, search_path=schema)
    settings = _settings(PG_URL)
    app = create_app(settings, database=primary)
    app.state.read_router = ReadRouter(replica, max_lag_seconds=5.0, check_seconds=60.0, probe=probe)
    with primary.independent_transaction() as session:
        tenant = create_tenant(session, name=f"routing-{uuid.uuid4().hex[:12]}").id
    routed = Routed(TestClient(app, raise_server_exceptions=False), bearer(settings, tenant), app.state.read_router,
                    _statements(primary.engine), _statements(replica))
    try:
        if warm:
            first = routed.client.get("/v1/customers", headers=routed.auth)
            assert first.headers[READ_FROM_HEADER] == "primary"
            routed.reset()
        yield routed
    finally:
        primary.dispose()
        replica.dispose()


@pytest.fixture
def standby() -> Standby:
    return Standby()


@pytest.fixture
def routed(schema: str, standby: Standby) -> Iterator[Routed]:
    with routed_app(schema, probe=standby) as routed:
        assert standby.probes == 0
        yield routed


def _customer(routed: Routed, name: str = "Acme") -> dict:
    response = routed.client.post("/v1/customers", json={"name": name, "currency": "GBP"}, headers=routed.auth)
    assert response.status_code == 201, response.text
    return response.json()


def _reads_customers(statements: list[str]) -> bool:
    return any("FROM customers" in each for each in statements)


def test_a_list_reads_the_standby_in_a_read_only_transaction(routed, standby):
    response = routed.client.get("/v1/customers", headers=routed.auth)
    assert response.status_code == 200
    assert response.headers[READ_FROM_HEADER] == "replica"
    assert _reads_customers(routed.replica_sql) and not _reads_customers(routed.primary_sql)
    assert standby.read_only == ["on"]


def test_a_tenant_the_process_has_not_seen_is_read_on_the_primary_first(schema):
    """Else a tenant made a moment ago could be 401 on a standby that does not have it yet."""
    with routed_app(schema, warm=False) as routed:
        response = routed.client.get("/v1/customers", headers=routed.auth)
        assert response.status_code == 200 and response.headers[READ_FROM_HEADER] == "primary"
        assert routed.replica_sql == []
        assert routed.client.get("/v1/customers", headers=routed.auth).headers[READ_FROM_HEADER] == "replica"
        garbage = routed.client.get("/v1/customers", headers={"Authorization": "Bearer not.a.token"})
        assert garbage.status_code == 401 and garbage.headers[READ_FROM_HEADER] == "primary"


def test_a_write_answers_the_primary_position_as_header_and_cookie(routed):
    with routed.router.engine.connect() as connection:
        before = parse_lsn(connection.execute(text("SELECT pg_current_wal_insert_lsn()::text")).scalar_one())
    routed.reset()
    response = routed.client.post("/v1/customers", json={"name": "Acme", "currency": "GBP"}, headers=routed.auth)
    assert response.status_code == 201
    lsn = response.headers[LSN_HEADER]
    assert parse_lsn(lsn) > before
    assert response.headers["set-cookie"] == f"{LSN_COOKIE}={lsn}; Max-Age=60; Path=/; HttpOnly; SameSite=Lax"
    assert READ_FROM_HEADER.lower() not in response.headers
    assert not routed.replica_sql


def test_a_client_reads_its_own_write_from_the_primary_until_the_standby_has_replayed_it(routed, standby):
    routed.client.get("/v1/customers", headers=routed.auth)          # the standby is looked at: caught up
    standby.behind = True
    created = _customer(routed)                                       # the cookie now holds its position
    routed.reset()
    response = routed.client.get("/v1/customers", headers=routed.auth)
    assert response.headers[READ_FROM_HEADER] == "primary"
    assert created["id"] in [row["id"] for row in response.json()]
    assert _reads_customers(routed.primary_sql) and not _reads_customers(routed.replica_sql)
    assert standby.probes == 2                                 # the cached look was older than the write

    # Another client (no cookie) may read the standby, stale as it is.
    other = TestClient(routed.client.app)
    assert other.get("/v1/customers", headers=routed.auth).headers[READ_FROM_HEADER] == "replica"

    # The header does what the cookie does, for clients without a cookie jar.
    routed.client.cookies.clear()
    response = routed.client.get("/v1/customers", headers={**routed.auth, LSN_HEADER: created_lsn(routed)})
    assert response.headers[READ_FROM_HEADER] == "primary"

    standby.behind = False                                     # replayed: the standby serves again
    response = routed.client.get("/v1/customers", headers={**routed.auth, LSN_HEADER: created_lsn(routed)})
    assert response.headers[READ_FROM_HEADER] == "replica"
    assert created["id"] in [row["id"] for row in response.json()]


def created_lsn(routed: Routed) -> str:
    return routed.client.post("/v1/customers", json={"name": "Later", "currency": "GBP"},
                              headers=routed.auth).headers[LSN_HEADER]


def test_with_the_real_probe_a_write_is_read_back_from_the_standby(schema):
    """No fake: the standby (here the same server) reports a position at or past the write's."""
    with routed_app(schema) as routed:
        created = _customer(routed)
        response = routed.client.get("/v1/customers", headers=routed.auth)
        assert response.headers[READ_FROM_HEADER] == "replica"
        assert [row["id"] for row in response.json()] == [created["id"]]


def test_a_standby_lagging_past_the_bound_is_not_read_and_is_looked_at_again_later(routed, standby):
    standby.lag_seconds = 6.0
    for _ in range(3):
        assert routed.client.get("/v1/customers", headers=routed.auth).headers[READ_FROM_HEADER] == "primary"
    assert standby.probes == 1                     # one look per check interval, not one per request
    assert not _reads_customers(routed.replica_sql)
    standby.lag_seconds = 0.5
    routed.router.check_seconds = 0.0                     # the interval has passed
    assert routed.client.get("/v1/customers", headers=routed.auth).headers[READ_FROM_HEADER] == "replica"


def test_reads_of_one_resource_balances_and_money_paths_read_the_primary(routed):
    customer = _customer(routed)
    invoice = routed.client.post("/v1/invoices", headers=routed.auth, json={
        "customerId": customer["id"], "issueDate": "2026-11-01", "totalInMajorCurrency": "100.00",
        "status": "POSTED"})
    assert invoice.status_code == 201, invoice.text
    routed.reset()
    payment = routed.client.post("/v1/customer-payments", headers=routed.auth, json={
        "customerId": customer["id"], "amountInMajorCurrency": "60.00", "type": "CREDIT_CARD"})
    assert payment.status_code == 201, payment.text
    for path in (f"/v1/customers/{customer['id']}", f"/v1/invoices/{invoice.json()['id']}",
                 f"/v1/payments/{payment.json()['id']}", f"/v1/customer-balances?customer_id={customer['id']}"):
        response = routed.client.get(path, headers=routed.auth)
        assert response.status_code == 200, (path, response.text)
        assert READ_FROM_HEADER.lower() not in response.headers, path
    assert routed.replica_sql == []


def test_credit_status_may_read_the_standby_and_no_cache_asks_for_the_primary(routed):
    customer = _customer(routed)
    routed.client.cookies.clear()
    path = f"/v1/customer-credit-status?customerId={customer['id']}"
    response = routed.client.get(path, headers=routed.auth)
    assert response.status_code == 200, response.text
    assert response.headers[READ_FROM_HEADER] == "replica"
    response = routed.client.get(path, headers={**routed.auth, "Cache-Control": "no-cache"})
    assert response.headers[READ_FROM_HEADER] == "primary"


def test_an_unreachable_standby_means_primary_reads_not_errors(schema):
    unreachable = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    attempts: list[object] = []
    event.listen(unreachable, "do_connect", lambda *args: attempts.append(args))
    with routed_app(schema, unreachable) as routed:
        for _ in range(3):
            response = routed.client.get("/v1/customers", headers=routed.auth)
            assert response.status_code == 200
            assert response.headers[READ_FROM_HEADER] == "primary"
        assert len(attempts) == 1           # not tried again within the check interval


def test_the_lifespan_makes_and_disposes_the_router_from_the_settings(tmp_path):
    settings = _settings(f"sqlite:///{tmp_path / 'primary.db'}", read_database_url=PG_URL or None)
    app = create_app(settings)
    with TestClient(app):
        assert app.state.read_router is None        # a SQLite primary has no standby to route to
    if not PG_URL:
        return
    settings = _settings(PG_URL, database_transaction_pooler=True)
    app = create_app(settings)
    with TestClient(app) as client:
        assert isinstance(app.state.read_router, ReadRouter)
        assert client.get("/readyz").status_code == 200
    assert app.state.read_router is None


# -- PgBouncer's transaction mode ----------------------------------------------------------------------------

def _prepared_after_repeats(engine: Engine) -> int:
    with engine.connect() as connection:
        for _ in range(8):      # psycopg prepares a statement from its 5th execution by default
            connection.execute(text("SELECT count(*) FROM pg_class WHERE relname = :name"), {"name": "x"})
        return connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()


@needs_postgres
def test_behind_a_transaction_pooler_psycopg_prepares_no_statement():
    pooled, direct = make_engine(PG_URL, transaction_pooler=True), make_engine(PG_URL)
    try:
        assert _prepared_after_repeats(pooled) == 0
        assert _prepared_after_repeats(direct) > 0       # what PgBouncer's transaction mode breaks on
    finally:
        pooled.dispose()
        direct.dispose()
