"""Prometheus metrics: what they are called, how they are counted, and ``GET /metrics``.

With ``PROMETHEUS_MULTIPROC_DIR`` set (``ledgerline serve --workers N`` sets it itself) every worker
writes its values to files there and a scrape of any worker aggregates all of them. The variable
must be set before ``prometheus_client`` is first imported: prometheus-client picks its value
store at import time.
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import generate_latest, multiprocess
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Requests of a fast API answer in milliseconds: finer buckets low, a few up to the 60 s timeouts.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

REQUEST_SECONDS = Histogram(
    "ledgerline_http_request_duration_seconds",
    "Time from a request's arrival to its last response byte, by route template, method and status",
    ("route", "method", "status"), buckets=LATENCY_BUCKETS)
REQUESTS_IN_PROGRESS = Gauge(
    "ledgerline_http_requests_in_progress", "Requests being served now", multiprocess_mode="livesum")

PAYMENTS_POSTED = Counter(
    "ledgerline_payments_posted_total", "Payments posted (allocated), counted when their transaction commits",
    ("currency",))
PAYMENTS_CANCELLED = Counter(
    "ledgerline_payments_cancelled_total", "Payments cancelled, counted when their transaction commits",
    ("currency",))
ALLOCATION_SECONDS = Histogram(
    "ledgerline_allocation_duration_seconds", "Time spent in the allocation rule (payments/allocation.py)",
    buckets=(0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05))

DB_POOL_CHECKED_OUT = Gauge(
    "ledgerline_db_pool_checked_out", "Database connections checked out of the pool now",
    ("pool",), multiprocess_mode="livesum")
DB_POOL_SIZE = Gauge(
    "ledgerline_db_pool_size", "Connections the pool keeps open (its size; overflow comes on top)",
    ("pool",), multiprocess_mode="livesum")
DB_POOL_MAX_OVERFLOW = Gauge(
    "ledgerline_db_pool_max_overflow", "Connections the pool may open beyond its size",
    ("pool",), multiprocess_mode="livesum")

# Reported once the delivery worker of issue 16 items 1-3 exists; declared here so dashboards and the
# README name them already. Nothing sets them yet, so a scrape shows them with no samples.
OUTBOX_LAG_SECONDS = Gauge(
    "ledgerline_outbox_lag_seconds", "Age of the oldest undelivered outbox event (reported by the worker)",
    multiprocess_mode="max")
WEBHOOK_DELIVERIES = Counter(
    "ledgerline_webhook_deliveries_total", "Webhook delivery attempts by outcome (reported by the worker)",
    ("outcome",))


def render() -> tuple[bytes, str]:
    """The exposition of this process, or of every worker in multiprocess mode."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def worker_exited(pid: int | None = None) -> None:
    """Drop a finished worker's live gauges (multiprocess mode); its counters and histograms stay."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid or os.getpid())


# --- database pool ------------------------------------------------------------------------------

_OBSERVED_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def observe_pool(engine: Engine, name: str = "main") -> None:
    """Keep the pool gauges current through the pool's own checkout/checkin events (once per engine)."""
    if engine in _OBSERVED_ENGINES:
        return
    _OBSERVED_ENGINES.add(engine)
    pool = engine.pool
    size = getattr(pool, "size", None)
    if callable(size):
        DB_POOL_SIZE.labels(name).inc(size())
        DB_POOL_MAX_OVERFLOW.labels(name).inc(max(getattr(pool, "_max_overflow", 0), 0))
    checked_out = DB_POOL_CHECKED_OUT.labels(name)
    event.listen(engine, "checkout", lambda *_: checked_out.inc())
    event.listen(engine, "checkin", lambda *_: checked_out.dec())


# --- payments, counted when they commit ----------------------------------------------------------

_PENDING = "ledgerline_metrics_pending"


def _pending(session: Session) -> list[Counter]:
    return session.info.setdefault(_PENDING, [])


def count_on_commit(session: Session | None, counter: Any) -> None:
    """Count ``counter`` (a labelled child) once the session's transaction commits; a rollback drops it."""
    if session is not None:
        _pending(session).append(counter)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    for counter in pending or ():
        counter.inc()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def payment_posted(session: Session, currency: str) -> None:
    count_on_commit(session, PAYMENTS_POSTED.labels(currency))


def payment_cancelled(session: Session, currency: str) -> None:
    count_on_commit(session, PAYMENTS_CANCELLED.labels(currency))


# --- allocation ----------------------------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])


def timed_allocation(function: F) -> F:
    """Observe the time a planning function takes (``ledgerline_allocation_duration_seconds``); the
    service wraps the pure rule with it, so the rule itself knows nothing of metrics."""
    observe = ALLOCATION_SECONDS.observe
    clock = time.perf_counter

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = clock()
        try:
            return function(*args, **kwargs)
        finally:
            observe(clock() - started)

    return wrapper  # type: ignore[return-value]
