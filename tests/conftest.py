"""Test harness: every database test runs on SQLite and, when reachable, on PostgreSQL.

The schema is built once per backend with ``alembic upgrade head``. Each test
runs inside an outer transaction that is rolled back afterwards; the app's
commits become savepoint releases, so tests never see each other's rows.
Set ``TEST_DATABASE_URL`` (``postgresql+psycopg://...``) to add PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ledgerline.app import create_app
from ledgerline.auth import issue_token
from ledgerline.config import Settings
from ledgerline.db import Database, make_engine
from ledgerline.tenants.context import TenantContext
from ledgerline.tenants.service import create_tenant

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
JWT_SECRET = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["configure_logger"] = False
    if connection is not None:
        config.attributes["connection"] = connection
    return config


# Each run migrates its own PostgreSQL schema, so concurrent runs never collide.
PG_SCHEMA = f"ledgerline_test_{os.getpid()}"


def create_postgres_schema(schema: str) -> None:
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()


def drop_postgres_schema(schema: str) -> None:
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def migrated_engine_for(backend: str, tmp_dir: Path) -> Engine:
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_dir / 'ledgerline-test.db'}")
    else:
        create_postgres_schema(PG_SCHEMA)
        engine = make_engine(PG_URL, search_path=PG_SCHEMA)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = migrated_engine_for(backend, tmp_path_factory.mktemp(backend))
    yield engine
    engine.dispose()
    if backend == "postgresql":
        drop_postgres_schema(PG_SCHEMA)


class RollbackDatabase(Database):
    """Every session joins one outer transaction, which the test rolls back."""

    def __init__(self, engine: Engine, connection: Connection) -> None:
        super().__init__(engine)
        self.connection = connection

    def session(self, *, write: bool = True) -> Session:
        return Session(bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False)

    @contextmanager
    def independent_transaction(self) -> Iterator[Session]:
        with self.session() as session, session.begin():
            yield session


@contextmanager
def rolled_back(engine: Engine) -> Iterator[RollbackDatabase]:
    """A database whose every write is rolled back when the block ends."""
    connection = engine.connect()
    outer = connection.begin()
    try:
        yield RollbackDatabase(engine, connection)
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def database(engine: Engine) -> Iterator[RollbackDatabase]:
    with rolled_back(engine) as database:
        yield database


@contextmanager
def savepoint(database: RollbackDatabase) -> Iterator[RollbackDatabase]:
    """For suites that seed once per module (``rolled_back``): one test's writes, undone after it."""
    nested = database.connection.begin_nested()
    try:
        yield database
    finally:
        nested.rollback()


@pytest.fixture
def session(database: RollbackDatabase) -> Iterator[Session]:
    with database.session() as session:
        yield session


def make_settings(**overrides: object) -> Settings:
    """The settings every test app runs with (an HS256 secret; the database is given to the app)."""
    # No expiry sweep thread: test databases share one connection (tests of the sweep turn it on).
    overrides.setdefault("idempotency_sweep_seconds", 0)
    return Settings(_env_file=None, environment="test", jwt_secret=JWT_SECRET, database_url="sqlite://", **overrides)


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def app(settings: Settings, database: RollbackDatabase):
    return create_app(settings, database=database)


@pytest.fixture
def client(app) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def make_tenant(database: Database, name: str | None = None) -> uuid.UUID:
    with database.independent_transaction() as session:
        return create_tenant(session, name=name or f"tenant-{uuid.uuid4().hex[:12]}").id


def bearer(settings: Settings, tenant_id: uuid.UUID, scopes: str = "*", ttl: int = 600) -> dict[str, str]:
    token = issue_token(settings, tenant_id=tenant_id, subject="tester", scopes=scopes, ttl_seconds=ttl)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tenant_id(database: RollbackDatabase) -> uuid.UUID:
    return make_tenant(database)


@pytest.fixture
def tenant(tenant_id: uuid.UUID) -> TenantContext:
    """The test tenant's context as a surface hands it to the services (its policy as created)."""
    return TenantContext(tenant_id=tenant_id, version=1)


@pytest.fixture
def auth(settings: Settings, tenant_id: uuid.UUID) -> dict[str, str]:
    """Headers of a token with every scope in the test tenant."""
    return bearer(settings, tenant_id)


@pytest.fixture
def other_auth(settings: Settings, database: RollbackDatabase) -> dict[str, str]:
    """Headers of a token in a second tenant, for isolation tests."""
    return bearer(settings, make_tenant(database))


# Every statement the suite executes, checked after each test for joins that cross tenants (issue 17 item 5;
# tests/distribution/tenant_joins.py): a failure names the statement and the tables not tied to one tenant.
_EXECUTED: list[tuple[str, object, str]] = []


@event.listens_for(Engine, "before_cursor_execute")
def _record_statement(_connection, _cursor, statement, parameters, context, _executemany) -> None:  # noqa: ANN001
    from tests.distribution.tenant_joins import might_join

    if might_join(statement):
        _EXECUTED.append((statement, parameters, _connection.dialect.name))


@pytest.fixture(autouse=True)
def _no_query_crosses_tenants() -> Iterator[None]:
    from tests.distribution.tenant_joins import cross_tenant_problems

    yield
    executed = list(_EXECUTED)
    _EXECUTED.clear()
    problems: dict[str, None] = {}
    for statement, parameters, dialect in executed:
        for problem in cross_tenant_problems(statement, "postgres" if dialect == "postgresql" else dialect,
                                             parameters):
            problems[problem] = None
    if problems:
        pytest.fail("statements join tenant tables without equating tenant_id (add `a.tenant_id == b.tenant_id` "
                    "to the join's ON clause, or filter every table by the same tenant):\n  "
                    + "\n  ".join(problems), pytrace=False)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            which = next((b for b in ("postgresql", "sqlite") if f"[{b}" in nodeid or f"-{b}]" in nodeid
                          or f"-{b}-" in nodeid), "no database")
            counts.setdefault(which, {}).setdefault(outcome, 0)
            counts[which][outcome] += 1
    _report_requests_sent(terminalreporter)
    if counts:
        terminalreporter.section("tests per database backend")
        for which in ("sqlite", "postgresql", "no database"):
            if which in counts:
                detail = ", ".join(f"{n} {outcome}" for outcome, n in counts[which].items())
                terminalreporter.write_line(f"{which}: {detail}")


def _report_requests_sent(terminalreporter) -> None:  # noqa: ANN001
    """Requests the fuzz and security suites sent (tests record them as ``requests_sent``), per backend."""
    sent: dict[tuple[str, str], int] = {}
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == "requests_sent":
                    suite = report.nodeid.split("::")[0].removeprefix("tests/").split("/")[0]
                    which = next((b for b in ("postgresql", "sqlite") if b in report.nodeid), "no database")
                    sent[(suite, which)] = sent.get((suite, which), 0) + value
    if sent:
        terminalreporter.section("requests sent")
        for (suite, which), count in sorted(sent.items()):
            terminalreporter.write_line(f"{suite} ({which}): {count} requests")
