"""Read routing: GETs that may be slightly stale read a hot standby; everything else reads the primary.

With ``LEDGERLINE_READ_DATABASE_URL`` (a streaming standby of the primary) set:

- Only the GET/HEAD routes in ``REPLICA_READS`` (lists and credit status) may read the standby. Every
  write, every GET of one resource by id, balances and everything not listed read the primary, and so
  does every money path (they are writes, which lock what they read on the primary).
- **Read your writes across requests and hosts.** A write answers ``Ledgerline-Lsn`` (the primary's
  WAL insert position after its commit) as a header and as a cookie. A later GET that sends it back
  (header or cookie; the larger wins) reads the standby only once the standby has replayed that far
  (``pg_last_wal_replay_lsn()``); until then it reads the primary. Nothing is kept per process, so it
  holds whichever host behind the load balancer answers.
- **Bounded staleness for everyone else**: the standby is used only while its replay lag is at most
  ``LEDGERLINE_READ_MAX_LAG_SECONDS`` (0 when it has replayed all it received from a live WAL
  receiver) and it answers; otherwise the primary serves, so a stopped or broken standby sends the
  reads to the primary (only a GET in flight on it when it stops can fail, with a 503 to retry).
- ``Cache-Control: no-cache`` on a request makes it read the primary, and so does the first request of
  a tenant in a process (its tenant is checked on the primary, where a new tenant surely is).
- Answers of routed GETs say where they read: ``Ledgerline-Read-From: replica | primary``.

The standby's position is probed in the standby transaction that then serves the request (its later
statements see at least what the probe saw): at most once per ``check_seconds`` per process, and again
when a client's mark is past the last position seen.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Request
from jose import JWTError, jwt
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerline.config import Settings
from ledgerline.db import make_engine

log = logging.getLogger(__name__)

LSN_HEADER = "Ledgerline-Lsn"
LSN_COOKIE = "ledgerline_lsn"
READ_FROM_HEADER = "Ledgerline-Read-From"

# Path templates whose GET (and HEAD) may read the standby: lists and credit status. Anything else reads
# the primary. tests/test_read_routing.py checks that each one is a route of the app.
REPLICA_READS: frozenset[str] = frozenset({
    "/v1/customers", "/v1/contract-owners", "/v1/billing-cycles", "/v1/sites", "/v1/contract-owner-sub-brands",
    "/v1/email-templates", "/v1/invoices", "/v1/bills", "/v1/bill-runs", "/v1/bill-runs/{bill_run_id}/customer-values",
    "/v1/customer-credit-status", "/v1/payments", "/v1/customer-payments", "/v1/invoice-payments",
    "/v1/adhoc-invoice-payments", "/v1/customer-balance-adjustments", "/v1/financial-transaction-types",
    "/v1/financial-transaction-categories", "/v1/rejection-reasons", "/v1/payment-methods",
    "/v1/shortfall-tolerances", "/v1/refunds", "/v1/credits", "/v1/suppliers", "/v1/invoice-document-profiles",
    "/v1/invoice-templates", "/v1/invoice-summary-templates", "/v1/invoice-summary-template-components",
    "/v1/electronic-summary-templates", "/v1/invoice-marketing-info", "/v1/admin-contacts",
    "/v1/commission-agents", "/v1/custom-field-definitions",
    "/billing/{tenantLocator}/credits/list", "/billing/{tenantLocator}/shortfallCredits/list",
    "/billing/{tenantLocator}/invoices/{locator}/credits/list",
})
_ROUTED_METHODS = frozenset({"GET", "HEAD"})
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_STATE_LSN = "ledgerline_write_lsn"
_STATE_READ_FROM = "ledgerline_read_from"


def parse_lsn(value: str | None) -> int | None:
    """``'16/B374D848'`` as one integer (comparable); None for anything else."""
    if not value:
        return None
    high, slash, low = value.strip().partition("/")
    if not slash or not (0 < len(high) <= 8 and 0 < len(low) <= 8):
        return None
    try:
        return (int(high, 16) << 32) | int(low, 16)
    except ValueError:
        return None


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def route_template(scope: Scope) -> str | None:
    """The matched route's full path template (``/v1/customers/{customer_id}``).

    FastAPI's included routers keep router-relative routes in ``scope["route"]``; the full template is
    in its effective route context. A test pins this: if it moves, routed GETs read the primary."""
    context = scope.get("fastapi", {}).get("effective_route_context")
    return getattr(context, "path_format", None) or getattr(scope.get("route"), "path_format", None)


def tolerates_staleness(request: Request) -> bool:
    """The route is one whose answer may be slightly stale (a GET or HEAD of ``REPLICA_READS``)."""
    return request.method in _ROUTED_METHODS and route_template(request.scope) in REPLICA_READS


def tenant_seen(request: Request) -> bool:
    """The token's tenant has been found by this process already (its cached TenantContext). A tenant
    not seen yet is looked up on the primary: the standby may not have it yet, which would be a 401.
    The claim is read unverified, for routing only; authentication verifies the token as always."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    try:
        tenant = uuid.UUID(str(jwt.get_unverified_claims(token.strip())["tenant"]))
    except (JWTError, KeyError, ValueError, TypeError, AttributeError):
        return False
    contexts = getattr(request.app.state, "tenant_contexts", None)
    return contexts is not None and contexts.cached(tenant) is not None


def wants_fresh(request: Request) -> bool:
    return "no-cache" in request.headers.get("cache-control", "").lower()


def required_lsn(request: Request) -> int:
    """The WAL position this client's own last write reached (0: none known)."""
    candidates = [parse_lsn(request.headers.get(LSN_HEADER)), parse_lsn(request.cookies.get(LSN_COOKIE))]
    return max((each for each in candidates if each is not None), default=0)


@dataclass(frozen=True)
class StandbyStatus:
    replayed_lsn: int          # what the standby has replayed (a primary: its insert position)
    lag_seconds: float         # 0 when it has replayed all it received from a live WAL receiver


# One round trip on the standby. A server that is not in recovery (the read URL names the primary
# itself) counts as fully caught up.
_STATUS_SQL = text("""
SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END::text,
       CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
                 AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9)
       END::float8
""")


def probe_standby(connection: Connection) -> StandbyStatus:
    lsn, lag = connection.execute(_STATUS_SQL).one()
    return StandbyStatus(parse_lsn(lsn) or 0, float(lag))


class ReadRouter:
    """Chooses, per request, the standby or the primary; marks writes with the primary's WAL position."""

    def __init__(self, replica: Engine, *, max_lag_seconds: float = 5.0, cookie_seconds: int = 60,
                 check_seconds: float = 1.0, probe: Callable[[Connection], StandbyStatus] = probe_standby,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = replica
        # A standby refuses writes anyway; READ ONLY makes a primary named as the read URL refuse them too.
        self._sessions = sessionmaker(replica.execution_options(postgresql_readonly=True), expire_on_commit=False)
        self.max_lag_seconds = max_lag_seconds
        self.cookie_seconds = cookie_seconds
        self.check_seconds = check_seconds
        self._probe = probe
        self._clock = clock
        self._lock = threading.Lock()
        self._status: StandbyStatus | None = None
        self._checked_at = float("-inf")
        self._down_until = float("-inf")

    def replica_session(self, request: Request) -> Session | None:
        """A standby session for this request, or None: read the primary."""
        if not tolerates_staleness(request):
            return None
        setattr(request.state, _STATE_READ_FROM, "primary")
        now = self._clock()
        if wants_fresh(request) or now < self._down_until or not tenant_seen(request):
            return None
        needed = required_lsn(request)
        with self._lock:
            status = self._status if now - self._checked_at < self.check_seconds else None
        if status is not None and status.lag_seconds > self.max_lag_seconds:
            return None
        session = self._sessions()
        try:
            # Probe again when the last look is old or had not yet reached this client's last write.
            if status is None or status.replayed_lsn < needed:
                status = self._probe(session.connection())
                with self._lock:
                    self._status, self._checked_at = status, now
                if not self._usable(status, needed):
                    session.close()
                    return None
        except SQLAlchemyError as exc:
            log.warning("read replica unavailable, reading the primary for %.1fs: %s", self.check_seconds, exc)
            session.close()
            with self._lock:
                self._down_until = now + self.check_seconds
            return None
        setattr(request.state, _STATE_READ_FROM, "replica")
        return session

    def _usable(self, status: StandbyStatus, needed: int) -> bool:
        return status.lag_seconds <= self.max_lag_seconds and status.replayed_lsn >= needed

    def after_primary_commit(self, request: Request, session: Session) -> None:
        """After a write commits: remember the primary's WAL position for the answer (header and cookie)."""
        if request.method in _READ_METHODS:
            return
        try:
            lsn = session.execute(text("SELECT pg_current_wal_insert_lsn()::text")).scalar_one()
        except SQLAlchemyError as exc:  # the write is committed; only the read-your-writes mark is lost
            log.warning("could not read the primary's WAL position after a commit: %s", exc)
            return
        setattr(request.state, _STATE_LSN, lsn)

    def dispose(self) -> None:
        self.engine.dispose()


class ReadRoutingMiddleware:
    """Puts the marks ``ReadRouter`` left in the request state on the answer."""

    def __init__(self, app: ASGIApp, *, cookie_seconds: int = 60) -> None:
        self.app = app
        self.cookie_seconds = cookie_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                lsn = state.get(_STATE_LSN)
                if lsn:  # 'X/Y' in hex: cookie-octets as they are (RFC 6265), no quoting needed
                    cookie = f"{LSN_COOKIE}={lsn}; Max-Age={self.cookie_seconds}; Path=/; HttpOnly; SameSite=Lax"
                    headers.append((LSN_HEADER.lower().encode(), lsn.encode()))
                    headers.append((b"set-cookie", cookie.encode()))
                read_from = state.get(_STATE_READ_FROM)
                if read_from:
                    headers.append((READ_FROM_HEADER.lower().encode(), read_from.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_marked)


def install(app: FastAPI, settings: Settings) -> None:
    """Mark answers when a standby is configured (nothing is added otherwise). The router itself is made
    by ``lifespan``; until then (and without a standby) ``app.state.read_router`` is None."""
    app.state.read_router = None
    if settings.read_database_url and not settings.is_sqlite:
        app.add_middleware(ReadRoutingMiddleware, cookie_seconds=settings.read_your_writes_seconds)


@contextmanager
def lifespan(app: FastAPI, settings: Settings) -> Iterator[None]:
    """The standby's engine for the app's life, unless one was given (``app.state.read_router``)."""
    owned = getattr(app.state, "read_router", None) is None and bool(settings.read_database_url) \
        and not settings.is_sqlite
    if owned:
        engine = make_engine(settings.read_database_url, echo=settings.sql_echo,
                             transaction_pooler=settings.database_transaction_pooler)
        app.state.read_router = ReadRouter(engine, max_lag_seconds=settings.read_max_lag_seconds,
                                           cookie_seconds=settings.read_your_writes_seconds)
    try:
        yield
    finally:
        if owned:
            app.state.read_router.dispose()
            app.state.read_router = None
