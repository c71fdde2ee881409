"""Engine and sessions. One database transaction per request; services never commit."""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

_BEGIN_OPTION = "ledgerline_sqlite_begin"


# Engine -> the small engine that hands out numbers in transactions of their own (PostgreSQL).
_NUMBERING_ENGINES: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def make_engine(url: str, *, echo: bool = False, search_path: str | None = None, pool_size: int = 10,
                max_overflow: int = 20, transaction_pooler: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    connect_args: dict[str, object] = {"options": f"-csearch_path={search_path}"} if search_path else {}
    if transaction_pooler:
        # Behind PgBouncer's transaction mode each transaction may get another server connection: a
        # statement psycopg prepared on one ("_pg3_0") is missing or already taken on the next.
        connect_args["prepare_threshold"] = None
    engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=max_overflow, connect_args=connect_args)
    # Numbers that may skip values are taken in short transactions of their own. Their own small
    # pool means they never wait for a connection behind the very requests that need them.
    numbering = create_engine(url, echo=echo, pool_size=2, max_overflow=8, connect_args=connect_args)
    for each in (engine, numbering):
        ping_when_idle(each, PING_AFTER_IDLE_SECONDS)
    _NUMBERING_ENGINES[engine] = numbering
    event.listen(engine, "engine_disposed", lambda _engine: numbering.dispose())
    return engine


# A pooled PostgreSQL connection is pinged before use only when it has been idle this long. A busy
# server saves a round trip per request (pool_pre_ping would ping every checkout); a connection that
# may have gone stale (a restarted or failed-over database, an idle timeout) is still checked first.
PING_AFTER_IDLE_SECONDS = 5.0
_IDLE_SINCE = "ledgerline_idle_since"


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling for connections idle ``idle_seconds`` or more: a failed ping
    makes the pool replace the connection (DisconnectionError) before anyone uses it."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:  # noqa: ANN001
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:  # noqa: ANN001
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < idle_seconds:   # new, or in use a moment ago
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure means the connection is not usable
            raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc


def numbering_engine(engine: Engine) -> Engine | None:
    """The engine for numbers taken outside the caller's transaction; None where there is none (SQLite)."""
    return _NUMBERING_ENGINES.get(engine)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take
    # control of it so writers start with BEGIN IMMEDIATE: SQLite's single writer
    # lock is then taken up front instead of failing on upgrade mid-transaction.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """Owns the engine; hands out request sessions and independent short transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._reader = sessionmaker(engine, expire_on_commit=False)
        writer_bind = engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}) if self.is_sqlite else engine
        self._writer = sessionmaker(writer_bind, expire_on_commit=False)

    def session(self, *, write: bool = True) -> Session:
        return (self._writer if write else self._reader)()

    @contextmanager
    def independent_transaction(self) -> Iterator[Session]:
        """A transaction that commits on its own, outside the request's transaction."""
        with self.session() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: commit when the endpoint returns, roll back when it raises."""
    db: Database = request.app.state.db
    router = getattr(request.app.state, "read_router", None)  # read_routing.ReadRouter, when a replica is set
    session = router.replica_session(request) if router is not None else None
    primary = session is None
    if primary:
        session = db.session(write=request.method not in _READ_METHODS)
    try:
        yield session
        session.commit()
        if router is not None and primary:
            router.after_primary_commit(request, session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
