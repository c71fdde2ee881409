"""``Idempotency-Key`` for POSTs that create or move money.

The key is a claim of the request's transaction (``db.RequestTransaction``): it is reserved in
its own short transaction in the request's worker thread, before the endpoint runs, so a
concurrent retry sees it at once (409) instead of waiting. The response is stored in the
request's own transaction, so it exists exactly when the work it describes was committed; that
transaction is committed while the key is still held, so a request that fails, at COMMIT too,
releases its key. A reservation whose request died (the server was killed) is taken over after
``idempotency_lock_seconds``. The reservation's ``locked_at`` is its holder's lease: recording
the answer and releasing the key both require it, so a request that was only slow, and whose key
a retry took over meanwhile, is refused (409) and rolled back instead of applying its work a
second time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import and_, delete, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ledgerline.auth import Principal, current_principal
from ledgerline.db import Database, current_request_transaction
from ledgerline.errors import Conflict, InvalidRequest
from ledgerline.models import IdempotencyKey
from ledgerline.models.base import utcnow

log = logging.getLogger("ledgerline.idempotency")

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
_REPLAYED_HEADERS = ("location", "etag")


class IdempotentReplay(Exception):
    """Raised instead of running a handler whose request already completed."""

    def __init__(self, status_code: int, body: str, headers: dict[str, str]) -> None:
        self.status_code = status_code
        self.body = body
        self.headers = headers


@dataclass
class IdempotencyGuard:
    """The request's key, if it has one; taken (``take``) before the endpoint runs."""

    db: Database | None = None
    tenant_id: uuid.UUID | None = None
    key: str | None = None
    fingerprint: str = ""
    ttl: dt.timedelta = dt.timedelta(0)
    lock: dt.timedelta = dt.timedelta(0)
    lease: dt.datetime | None = None  # the reservation's locked_at while this request holds it
    completed: bool = field(default=False)

    def take(self) -> None:
        assert self.db is not None and self.tenant_id is not None and self.key is not None
        self.lease = _reserve(self.db, tenant_id=self.tenant_id, key=self.key, fingerprint=self.fingerprint,
                              ttl=self.ttl, lock=self.lock)

    def release(self) -> None:
        """Give the key up (the request failed), unless it was answered meanwhile or taken over."""
        assert self.db is not None and self.tenant_id is not None and self.key is not None
        if self.lease is not None:
            _release(self.db, tenant_id=self.tenant_id, key=self.key, lease=self.lease)

    def complete(self, session: Session, status_code: int, body: bytes, headers: dict[str, str]) -> None:
        """Record the response in the same transaction as the work it reports, if the key is still ours."""
        if self.key is None:
            return
        kept = {name: value for name, value in headers.items() if name.lower() in _REPLAYED_HEADERS}
        recorded = session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.tenant_id == self.tenant_id, IdempotencyKey.key == self.key,
                   IdempotencyKey.locked_at == self.lease, IdempotencyKey.response_status.is_(None))
            .values(response_status=status_code, response_body=body.decode(), response_headers=json.dumps(kept))
        ).rowcount
        if recorded != 1:
            # A retry took the key over while this request was stalled: the retry's work stands, not ours.
            raise Conflict("a retry with this Idempotency-Key took over while this request was running; "
                           "this attempt was not applied")
        self.completed = True


def request_fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _reserve(db: Database, *, tenant_id: uuid.UUID, key: str, fingerprint: str, ttl: dt.timedelta,
             lock: dt.timedelta) -> dt.datetime:
    """Reserve the key, or take over a reservation abandoned for longer than ``lock``; the lease.

    One statement takes a new key, an expired one (its 24 h are over: it is free again) and one
    whose request died without an answer (``INSERT ... ON CONFLICT DO UPDATE ... WHERE``, which
    locks the row it conflicts with, so two retries never both take it). Only when it takes
    nothing is the row read, to say why: another request, an answer to replay, or still running.
    """
    now = utcnow()
    insert = (sqlite_insert if db.is_sqlite else pg_insert)(IdempotencyKey)
    new = insert.excluded
    taken = insert.values(tenant_id=tenant_id, key=key, request_hash=fingerprint, locked_at=now,
                          expires_at=now + ttl).on_conflict_do_update(
        index_elements=[IdempotencyKey.tenant_id, IdempotencyKey.key],
        set_={"request_hash": new.request_hash, "locked_at": new.locked_at, "expires_at": new.expires_at,
              "response_status": None, "response_body": None, "response_headers": None},
        where=or_(IdempotencyKey.expires_at < now,
                  and_(IdempotencyKey.response_status.is_(None), IdempotencyKey.locked_at < now - lock,
                       IdempotencyKey.request_hash == fingerprint)),
    ).returning(IdempotencyKey.locked_at)
    with db.independent_transaction() as session:
        if session.execute(taken).first() is not None:
            return now
        row = session.execute(
            select(IdempotencyKey.request_hash, IdempotencyKey.response_status, IdempotencyKey.response_body,
                   IdempotencyKey.response_headers)
            .where(IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.key == key)
        ).one_or_none()
    if row is None:  # released concurrently: the caller may simply retry
        raise Conflict("this Idempotency-Key was released concurrently; retry the request")
    if row.request_hash != fingerprint:
        raise InvalidRequest.for_field(HEADER, "this key was already used with a different request")
    if row.response_status is not None:
        raise IdempotentReplay(row.response_status, row.response_body or "", json.loads(row.response_headers or "{}"))
    raise Conflict("a request with this Idempotency-Key is still in progress")


SWEEP_BATCH = 1000


def sweep_expired(db: Database, *, now: dt.datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Delete the keys whose 24 h are over, ``batch`` rows per short transaction; how many.

    Every host and process sweeps (no leader to elect), and no row is swept twice: on PostgreSQL a
    batch locks its rows with ``FOR UPDATE SKIP LOCKED``, so concurrent sweeps take disjoint batches
    and none waits on another (nor on a request reserving a key); a transaction-scoped lock only, so it
    holds behind PgBouncer's transaction pooling. Safe while requests take expired keys over: the outer
    condition is checked again on the row a takeover rewrote, so a key taken a moment ago is never
    deleted. Reserving never needs the sweep (an expired key is taken like a free one); it only keeps
    the table small.
    """
    now = now or utcnow()
    expired = IdempotencyKey.expires_at < now
    oldest = select(IdempotencyKey.tenant_id, IdempotencyKey.key).where(expired).limit(batch)
    if not db.is_sqlite:  # SQLite has one writer at a time: nothing to skip
        oldest = oldest.with_for_update(skip_locked=True)
    removed = 0
    while True:
        with db.independent_transaction() as session:
            count = session.execute(
                delete(IdempotencyKey).where(tuple_(IdempotencyKey.tenant_id, IdempotencyKey.key).in_(oldest), expired)
            ).rowcount
        removed += count
        if count < batch:
            return removed


async def sweep_periodically(db: Database, interval_seconds: float) -> None:
    """The expiry sweep, off the hot path: every ``interval_seconds`` (the lifespan runs this task)."""
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            removed = await run_in_threadpool(sweep_expired, db)
        except Exception:  # noqa: BLE001 - a failed sweep is retried at the next interval
            log.exception("the Idempotency-Key expiry sweep failed")
        else:
            if removed:
                log.info("Idempotency-Key sweep removed %d expired keys", removed)


# A release lost with its connection (a pooler or database restart) leaves the key reserved, unanswered,
# until its lease lapses: a client told 4xx would not retry, so the release is tried again at once.
RELEASE_ATTEMPTS = 3
RELEASE_BACKOFF_SECONDS = 0.2


def _release(db: Database, *, tenant_id: uuid.UUID, key: str, lease: dt.datetime) -> None:
    """Give the key up, unless it was answered meanwhile or a retry has taken it over.

    The DELETE is guarded by the lease, so running it again after a lost connection is harmless.
    """
    for attempt in range(1, RELEASE_ATTEMPTS + 1):
        try:
            with db.independent_transaction() as session:
                session.execute(
                    delete(IdempotencyKey).where(
                        IdempotencyKey.tenant_id == tenant_id,
                        IdempotencyKey.key == key,
                        IdempotencyKey.locked_at == lease,
                        IdempotencyKey.response_status.is_(None),
                    )
                )
            return
        except OperationalError:
            if attempt == RELEASE_ATTEMPTS:
                raise
            log.warning("releasing Idempotency-Key failed on a lost connection; retrying (attempt %d)", attempt)
            time.sleep(RELEASE_BACKOFF_SECONDS * attempt)


async def guard_request(request: Request, principal: Principal,
                        request_body: Callable[[], Awaitable[bytes]]) -> IdempotencyGuard:
    """The request's Idempotency-Key (if it has one), claimed for the request's transaction.

    ``request_body`` gives the bytes that identify the request's content; it is read only
    when a key is present. The key is reserved in the request's worker thread before the endpoint
    runs, and released there if the request fails (``db.RequestTransaction.run``).
    """
    key = request.headers.get(HEADER)
    if key is None:
        return IdempotencyGuard()
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidRequest.for_field(HEADER, f"must be 1 to {MAX_KEY_LENGTH} printable characters")
    settings = request.app.state.settings
    guard = IdempotencyGuard(
        db=request.app.state.db, tenant_id=principal.tenant_id, key=key,
        fingerprint=request_fingerprint(request.method, request.url.path, request.url.query, await request_body()),
        ttl=dt.timedelta(hours=settings.idempotency_ttl_hours),
        lock=dt.timedelta(seconds=settings.idempotency_lock_seconds))
    current_request_transaction().claim(guard)
    return guard


async def idempotency_guard(request: Request,
                            principal: Annotated[Principal, Depends(current_principal)]) -> IdempotencyGuard:
    return await guard_request(request, principal, request.body)


IdempotencyDep = Annotated[IdempotencyGuard, Depends(idempotency_guard)]
