"""The delivery worker (``ledgerline worker``): outbox events to webhook endpoints, signed, retried, in order.

Each pass, in short transactions of its own:

1. **dispatch**: events not dispatched yet (oldest first, ``FOR UPDATE SKIP LOCKED``) become one
   delivery per enabled endpoint of their tenant that takes their type and existed when they happened;
2. **claim**: due deliveries are leased (``leased_until``) under ``FOR UPDATE SKIP LOCKED``; a delivery
   is due only when no earlier delivery of the same customer to the same endpoint is still pending
   and no earlier event of the customer is undispatched, so each customer's events arrive in their
   sequence order (at least once: a worker that dies mid-attempt leaves a lease that lapses);
3. **deliver**: one signed POST per claimed delivery, then the attempt is logged and the delivery
   marked DELIVERED, given a next attempt (``retry.RetryPolicy``) or given up (FAILED); an endpoint that
   has failed every attempt for the policy's window is DISABLED.

Several workers may run at once on PostgreSQL: row locks with SKIP LOCKED and the lease keep any
delivery from being attempted by two of them at the same time. SQLite has one writer: run one worker.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased

from ledgerline.db import Database
from ledgerline.events import documents, signing
from ledgerline.events.retry import DEFAULT_POLICY, RetryPolicy
from ledgerline.events.types import ALL
from ledgerline.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ledgerline.models.base import utcnow
from ledgerline.models.enums import WebhookAttemptOutcome, WebhookDeliveryStatus, WebhookEndpointStatus
from ledgerline.observability import metrics

log = logging.getLogger("ledgerline.worker")

PENDING, DELIVERED, FAILED = (WebhookDeliveryStatus.PENDING, WebhookDeliveryStatus.DELIVERED,
                              WebhookDeliveryStatus.FAILED)
EXCERPT_CHARS = 500
USER_AGENT = "Ledgerline-Webhooks/1"


@dataclass(frozen=True)
class Claimed:
    """A leased delivery with what its attempt needs."""

    delivery_id: int
    tenant_id: object
    endpoint_id: int
    url: str
    secrets: tuple[str, ...]
    event_id: int
    event_type: str
    body: bytes
    attempts: int
    first_attempt_at: dt.datetime | None
    leased_until: dt.datetime


@dataclass(frozen=True)
class Result:
    outcome: WebhookAttemptOutcome
    status_code: int | None
    duration_ms: int
    excerpt: str | None
    error: str | None


@dataclass
class PassReport:
    dispatched: int = 0
    deliveries_made: int = 0
    attempted: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def event_body(event: Event) -> bytes:
    """What a webhook POST carries: the event as GET /v1/events/{id} answers it."""
    return documents.to_json(documents.document("event", event)).encode("utf-8")


class Worker:
    def __init__(self, db: Database, *, client: httpx.Client | None = None, policy: RetryPolicy = DEFAULT_POLICY,
                 clock: Callable[[], dt.datetime] = utcnow, rng: random.Random | None = None,
                 batch_size: int = 50, lease: dt.timedelta = dt.timedelta(seconds=60),
                 timeout: float = 10.0) -> None:
        self.db, self.policy, self.clock = db, policy, clock
        self.rng = rng or random.Random()
        self.batch_size, self.lease = batch_size, lease
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False,
                                             headers={"User-Agent": USER_AGENT})
        self._postgres = db.engine.dialect.name == "postgresql"

    # --- one pass ---------------------------------------------------------------------------------

    def run_once(self) -> PassReport:
        report = PassReport()
        report.dispatched, report.deliveries_made = self.dispatch()
        claimed = self.claim()
        for each in claimed:
            result = self.attempt(each)
            outcome = self.record(each, result)
            report.attempted += 1
            report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
        self.report_lag()
        return report

    def run_forever(self, *, poll_seconds: float = 1.0, stop: threading.Event | None = None,
                    heartbeat: Path | None = None) -> None:
        """Passes until ``stop``; after each one that worked, ``heartbeat`` (a file) is touched, so a container
        health check can tell a live worker from one that is stuck or cannot reach its database."""
        stop = stop or threading.Event()
        log.info("worker started", extra={"poll_seconds": poll_seconds})
        while not stop.is_set():
            try:
                report = self.run_once()
            except Exception:  # noqa: BLE001 - a failed pass (database gone a moment) is retried next poll
                log.exception("worker pass failed")
                stop.wait(poll_seconds)
                continue
            if heartbeat is not None:
                heartbeat.touch()
            if report.attempted or report.dispatched:
                log.info("worker pass", extra={"dispatched": report.dispatched, "attempted": report.attempted,
                                               "outcomes": report.outcomes})
            else:
                stop.wait(poll_seconds)
        log.info("worker stopped")

    # --- dispatch ---------------------------------------------------------------------------------

    def dispatch(self) -> tuple[int, int]:
        """Undispatched events (a batch, oldest first) become deliveries. Returns (events, deliveries)."""
        with self.db.independent_transaction() as session:
            stmt = (select(Event.id, Event.tenant_id, Event.type, Event.customer_id, Event.sequence, Event.created_at)
                    .where(Event.dispatched_at.is_(None)).order_by(Event.id).limit(self.batch_size * 4))
            if self._postgres:
                stmt = stmt.with_for_update(skip_locked=True)
            found = session.execute(stmt).all()
            if not found:
                return 0, 0
            tenants = {row.tenant_id for row in found}
            endpoints = session.execute(
                select(WebhookEndpoint.id, WebhookEndpoint.tenant_id, WebhookEndpoint.enabled_events,
                       WebhookEndpoint.created_at)
                .where(WebhookEndpoint.tenant_id.in_(tenants),
                       WebhookEndpoint.status == WebhookEndpointStatus.ENABLED)).all()
            now = self.clock()
            rows = [{"tenant_id": event.tenant_id, "event_id": event.id, "endpoint_id": endpoint.id,
                     "customer_id": event.customer_id, "sequence": event.sequence, "status": PENDING,
                     "replay": False, "attempts": 0, "next_attempt_at": now, "created_at": now}
                    for event in found for endpoint in endpoints
                    if endpoint.tenant_id == event.tenant_id and endpoint.created_at <= event.created_at
                    and (ALL in endpoint.enabled_events or event.type in endpoint.enabled_events)]
            if rows:
                session.execute(insert(WebhookDelivery.__table__), rows)
            session.execute(update(Event).where(Event.id.in_([row.id for row in found]))
                            .values(dispatched_at=now).execution_options(synchronize_session=False))
            return len(found), len(rows)

    # --- claim ------------------------------------------------------------------------------------

    def claim(self) -> list[Claimed]:
        """Lease the due deliveries that are next in their customer's order (a batch)."""
        now = self.clock()
        delivery, earlier, event = WebhookDelivery, aliased(WebhookDelivery), aliased(Event)
        earlier_pending = exists().where(
            earlier.tenant_id == delivery.tenant_id, earlier.endpoint_id == delivery.endpoint_id, earlier.customer_id == delivery.customer_id,
            earlier.status == PENDING,
            or_(earlier.sequence < delivery.sequence,
                and_(earlier.sequence == delivery.sequence, earlier.id < delivery.id)))
        earlier_undispatched = exists().where(
            event.tenant_id == delivery.tenant_id, event.customer_id == delivery.customer_id,
            event.dispatched_at.is_(None), event.sequence < delivery.sequence)
        stmt = (select(delivery.id)
                .join(WebhookEndpoint, and_(WebhookEndpoint.tenant_id == delivery.tenant_id,
                                            WebhookEndpoint.id == delivery.endpoint_id))
                .where(delivery.status == PENDING, delivery.next_attempt_at <= now,
                       or_(delivery.leased_until.is_(None), delivery.leased_until <= now),
                       WebhookEndpoint.status == WebhookEndpointStatus.ENABLED,
                       ~earlier_pending, ~earlier_undispatched)
                .order_by(delivery.next_attempt_at, delivery.id).limit(self.batch_size))
        if self._postgres:
            stmt = stmt.with_for_update(of=delivery, skip_locked=True)
        with self.db.independent_transaction() as session:
            ids = list(session.execute(stmt).scalars())
            if not ids:
                return []
            leased_until = now + self.lease
            session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(ids))
                            .values(leased_until=leased_until).execution_options(synchronize_session=False))
            return self._claimed(session, ids, leased_until, now)

    def _claimed(self, session: Session, ids: Sequence[int], leased_until: dt.datetime,
                 now: dt.datetime) -> list[Claimed]:
        rows = session.execute(
            select(WebhookDelivery, WebhookEndpoint, Event)
            .join(WebhookEndpoint, and_(WebhookEndpoint.tenant_id == WebhookDelivery.tenant_id,
                                        WebhookEndpoint.id == WebhookDelivery.endpoint_id))
            .join(Event, and_(Event.tenant_id == WebhookDelivery.tenant_id, Event.id == WebhookDelivery.event_id))
            .where(WebhookDelivery.id.in_(ids)).order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)).all()
        claimed = []
        for delivery, endpoint, event in rows:
            secrets = [endpoint.secret]
            if endpoint.previous_secret and endpoint.previous_secret_expires_at and \
                    endpoint.previous_secret_expires_at > now:
                secrets.append(endpoint.previous_secret)
            claimed.append(Claimed(
                delivery_id=delivery.id, tenant_id=delivery.tenant_id, endpoint_id=endpoint.id, url=endpoint.url,
                secrets=tuple(secrets), event_id=event.id, event_type=event.type, body=event_body(event),
                attempts=delivery.attempts, first_attempt_at=delivery.first_attempt_at, leased_until=leased_until))
        return claimed

    # --- deliver ----------------------------------------------------------------------------------

    def attempt(self, claimed: Claimed) -> Result:
        timestamp = int(self.clock().timestamp())
        headers = {
            "Content-Type": "application/json", "User-Agent": USER_AGENT,
            "Ledgerline-Event-Id": str(claimed.event_id), "Ledgerline-Event-Type": claimed.event_type,
            "Ledgerline-Delivery-Id": str(claimed.delivery_id),
            signing.HEADER: signing.header_value(claimed.secrets, timestamp, claimed.body),
        }
        started = time.perf_counter()
        try:
            response = self.client.post(claimed.url, content=claimed.body, headers=headers)
        except Exception as exc:  # noqa: BLE001 - no answer, whatever the reason (network, TLS, a URL httpx refuses)
            return Result(WebhookAttemptOutcome.UNREACHABLE, None, _ms(started), None,
                          f"{type(exc).__name__}: {exc}"[:500])
        excerpt = response.text[:EXCERPT_CHARS] if response.content else None
        outcome = WebhookAttemptOutcome.DELIVERED if 200 <= response.status_code < 300 else \
            WebhookAttemptOutcome.REFUSED
        return Result(outcome, response.status_code, _ms(started), excerpt, None)

    def record(self, claimed: Claimed, result: Result) -> str:
        """Log the attempt and move the delivery (and its endpoint) on. Returns the metrics outcome."""
        now = self.clock()
        first = claimed.first_attempt_at or now
        failures = claimed.attempts + 1
        with self.db.independent_transaction() as session:
            session.execute(insert(WebhookAttempt.__table__).values(
                tenant_id=claimed.tenant_id, delivery_id=claimed.delivery_id, attempted_at=now,
                outcome=result.outcome, status_code=result.status_code, duration_ms=result.duration_ms,
                answer_excerpt=result.excerpt, error=result.error))
            changes: dict[str, object] = {"attempts": failures, "first_attempt_at": first, "last_attempt_at": now,
                                          "leased_until": None}
            if result.outcome is WebhookAttemptOutcome.DELIVERED:
                changes.update(status=DELIVERED, delivered_at=now)
                outcome = "delivered"
            else:
                following = self.policy.next_attempt(first_attempt_at=first, now=now, failures=failures,
                                                     rng=self.rng)
                if following is None:
                    changes["status"] = FAILED
                    outcome = "given_up"
                else:
                    changes["next_attempt_at"] = following
                    outcome = "retrying"
            session.execute(update(WebhookDelivery).where(WebhookDelivery.id == claimed.delivery_id)
                            .values(**changes).execution_options(synchronize_session=False))
            self._endpoint_after(session, claimed.endpoint_id, delivered=outcome == "delivered", now=now,
                                 gave_up_since=first if outcome == "given_up" else None)
        metrics.WEBHOOK_DELIVERIES.labels(outcome).inc()
        log.info("webhook attempt", extra={"delivery_id": claimed.delivery_id, "event_id": claimed.event_id,
                                           "endpoint_id": claimed.endpoint_id, "outcome": outcome,
                                           "status_code": result.status_code, "duration_ms": result.duration_ms})
        return outcome

    def _endpoint_after(self, session: Session, endpoint_id: int, *, delivered: bool, now: dt.datetime,
                        gave_up_since: dt.datetime | None) -> None:
        """A success clears the endpoint's failing streak; a failure starts one. The endpoint is disabled once
        every attempt has failed for the policy's window, or when a delivery is given up and nothing
        succeeded since its first attempt (the same thing, seen from the delivery)."""
        endpoint = WebhookEndpoint.__table__.c
        if delivered:
            session.execute(update(WebhookEndpoint.__table__)
                            .where(endpoint.id == endpoint_id, endpoint.failing_since.is_not(None))
                            .values(failing_since=None))
            return
        session.execute(update(WebhookEndpoint.__table__)
                        .where(endpoint.id == endpoint_id, endpoint.failing_since.is_(None))
                        .values(failing_since=now))
        disabled = session.execute(
            update(WebhookEndpoint.__table__)
            .where(endpoint.id == endpoint_id, endpoint.status == WebhookEndpointStatus.ENABLED,
                   endpoint.failing_since <= max(now - self.policy.window, gave_up_since or now - self.policy.window))
            .values(status=WebhookEndpointStatus.DISABLED, version=endpoint.version + 1, updated_at=now,
                    disabled_reason=f"every delivery failed for {_days(self.policy.window)}")).rowcount
        if disabled:
            metrics.WEBHOOK_DELIVERIES.labels("endpoint_disabled").inc()
            log.warning("webhook endpoint disabled after persistent failure", extra={"endpoint_id": endpoint_id})

    # --- lag --------------------------------------------------------------------------------------

    def report_lag(self) -> float:
        """Seconds since the oldest event not yet delivered everywhere it goes happened (0 when none)."""
        with self.db.session(write=False) as session:
            undispatched = session.execute(select(func.min(Event.created_at))
                                           .where(Event.dispatched_at.is_(None))).scalar()
            pending = session.execute(select(func.min(Event.created_at))
                                      .join(WebhookDelivery, and_(WebhookDelivery.tenant_id == Event.tenant_id,
                                                                  WebhookDelivery.event_id == Event.id))
                                      .join(WebhookEndpoint, and_(WebhookEndpoint.tenant_id == Event.tenant_id,
                                                                  WebhookEndpoint.id == WebhookDelivery.endpoint_id))
                                      .where(WebhookDelivery.status == PENDING,
                                             WebhookEndpoint.status == WebhookEndpointStatus.ENABLED)).scalar()
            session.rollback()
        oldest = [value for value in (undispatched, pending) if value is not None]
        lag = 0.0
        if oldest:
            first = min(_aware(value) for value in oldest)
            lag = max((self.clock() - first).total_seconds(), 0.0)
        metrics.OUTBOX_LAG_SECONDS.set(lag)
        return lag

    def close(self) -> None:
        self.client.close()


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _days(window: dt.timedelta) -> str:
    return f"{window.total_seconds() / 86400:g} days"
