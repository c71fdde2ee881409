"""Recording events in the transaction of their change; reading them, and replaying one."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction

from ledgerline.events import documents, repository
from ledgerline.events.types import resource_of
from ledgerline.models.base import utcnow

_BUFFER = "ledgerline_outbox"
_TYPE = re.compile(r"[a-z][a-z_]*(\.[a-z][a-z_]*)+")


@dataclass(frozen=True)
class PendingEvent:
    tenant_id: uuid.UUID
    type: str
    customer_id: int | None
    data: str  # JSON, as /v1 renders the resource
    created_at: Any


def record(session: Session, tenant_id: uuid.UUID, type: str, customer_id: int | None, document: Any) -> None:
    """Record an event of ``type`` about ``customer_id`` (None for none), written when the session commits.

    ``document``: the resource as /v1 renders it (a Mapping), or the domain value its registered
    renderer turns into that, now, from what the caller holds."""
    if not _TYPE.fullmatch(type):
        raise ValueError(f"event type {type!r} is not of the form resource.happened")
    data = documents.to_json(documents.document(resource_of(type), document))
    session.info.setdefault(_BUFFER, []).append(PendingEvent(tenant_id, type, customer_id, data, utcnow()))


def pending(session: Session) -> list[PendingEvent]:
    """The events recorded on the session and not written yet."""
    return list(session.info.get(_BUFFER, ()))


def flush(session: Session) -> None:
    """Write the buffered events now (one INSERT); the commit does it otherwise."""
    buffered = session.info.pop(_BUFFER, None)
    if buffered:
        repository.insert_events(session, buffered)


@sa_event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    flush(session)


@sa_event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:  # a savepoint of the use case's own rolling back leaves the outer work's events
        session.info.pop(_BUFFER, None)

