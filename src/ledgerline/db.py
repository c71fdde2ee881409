"""Engine and sessions. One database transaction per request, committed here only; services never commit."""

from __future__ import annotations

import functools
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

_BEGIN_OPTION = "ledgerline_sqlite_begin"
T = TypeVar("T")


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
    # Numbers that may skip values are reserved in blocks, in short transactions of their own. Their own small
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

log = logging.getLogger("ledgerline.db")


class Claim(Protocol):
    """Something a request takes in its worker thread before its endpoint runs (an Idempotency-Key), and
    gives back if the request fails."""

    def take(self) -> None: ...

    def release(self) -> None: ...


class RequestTransaction:
    """The request's unit of work: one session, and the one place that commits or rolls it back.

    Everything that blocks runs in one worker thread, in ``run``: the claims are taken, the
    endpoint runs, the session commits; if anything raises (the COMMIT too), the session rolls
    back first and the claims are released after (the transaction may hold what a release must
    lock: SQLite's one write lock, or on PostgreSQL a row it wrote). Creating the session does no
    IO, so the dependencies that hand it out, and the claims, are async.
    """

    __slots__ = ("_db", "_write", "session", "_claims", "_ran", "_request", "_router", "_primary")

    def __init__(self, db: Database, *, write: bool, request: Request | None = None) -> None:
        self._db, self._write = db, write
        self.session: Session | None = None
        self._claims: list[Claim] = []
        self._ran = False
        self._request = request
        # read_routing.ReadRouter, when a replica is configured: stale-tolerant GETs read the standby.
        self._router = getattr(request.app.state, "read_router", None) if request is not None else None
        self._primary = True

    def open_session(self) -> Session:
        if self.session is None:
            if self._router is not None:
                # At most once per check interval this probes the standby (a short read).
                self.session = self._router.replica_session(self._request)
                self._primary = self.session is None
            if self.session is None:
                self.session = self._db.session(write=self._write)
        return self.session

    def claim(self, claim: Claim) -> None:
        self._claims.append(claim)

    def run(self, endpoint: Callable[..., T], values: dict[str, Any]) -> T:
        """In the request's worker thread: take the claims, run the endpoint, commit."""
        self._ran = True
        session, taken = self.session, []
        try:
            for claim in self._claims:
                claim.take()
                taken.append(claim)
            result = endpoint(**values)
            if session is not None:
                session.commit()
                if self._router is not None and self._primary:
                    self._router.after_primary_commit(self._request, session)
            return result
        except BaseException:
            if session is not None:
                session.rollback()
            for claim in reversed(taken):
                try:
                    claim.release()
                except Exception:  # noqa: BLE001 - the request's own error is the one to answer
                    log.exception("releasing %r failed; it lapses on its own", claim)
            raise
        finally:
            if session is not None:
                session.close()

    async def end_unused(self) -> None:
        """After a request whose endpoint never ran (refused before it): close what was opened."""
        if self._ran or self.session is None:
            return
        if self.session.in_transaction():  # something read on it: ending that is IO
            await run_in_threadpool(self.session.close)
        else:
            self.session.close()


_CURRENT: ContextVar[RequestTransaction | None] = ContextVar("ledgerline_request_transaction", default=None)


@asynccontextmanager
async def request_transaction_for(request: Request) -> AsyncIterator[RequestTransaction]:
    """The unit of work of the request being handled (route classes open it, see ``api/wire.py``)."""
    unit = RequestTransaction(request.app.state.db, write=request.method not in _READ_METHODS, request=request)
    token = _CURRENT.set(unit)
    try:
        yield unit
    finally:
        _CURRENT.reset(token)
        await unit.end_unused()


def current_request_transaction() -> RequestTransaction:
    unit = _CURRENT.get()
    if unit is None:
        raise RuntimeError("no request transaction: the route must be a WireRoute (ledgerline.api.wire)")
    return unit


def in_request_transaction(endpoint: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """A sync endpoint as FastAPI should call it: the whole request's blocking work in one worker thread.

    FastAPI would run the endpoint in a worker thread, and each sync dependency (a generator
    dependency twice) in another. Here the dependencies are async and do no IO; the one thread
    takes the request's claims, runs the endpoint and commits (``RequestTransaction.run``).
    """

    @functools.wraps(endpoint)  # FastAPI reads the signature and annotations through __wrapped__
    async def run_in_one_thread(**values: Any) -> T:
        return await run_in_threadpool(current_request_transaction().run, endpoint, values)

    return run_in_one_thread


async def request_session() -> Session:
    """The request's session; ``RequestTransaction.run`` commits it when the endpoint returns."""
    return current_request_transaction().open_session()


SessionDep = Annotated[Session, Depends(request_session)]
