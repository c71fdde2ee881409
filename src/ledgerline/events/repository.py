"""Outbox SQL: the one INSERT of a transaction's events, and the queries of /v1/events and the endpoints."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from ledgerline.kit.bulk import insert_rows
from ledgerline.kit.criteria import ColumnMap, choice, day, ident, text
from ledgerline.kit.repository import TenantRows
from ledgerline.models import Event, WebhookDelivery, WebhookEndpoint
from ledgerline.models.enums import WebhookDeliveryStatus, WebhookEndpointStatus

if TYPE_CHECKING:
    from ledgerline.events.service import PendingEvent

EVENTS: Table = Event.__table__  # type: ignore[assignment]


def _next_sequence(tenant_id: uuid.UUID, customer_id: int, offset: int) -> Any:
    """The customer's last sequence plus ``offset``, read inside the INSERT (both databases evaluate every
    VALUES row's subquery before the statement's own rows are visible)."""
    return (select(func.coalesce(func.max(EVENTS.c.sequence), 0) + offset)
            .where(EVENTS.c.tenant_id == tenant_id, EVENTS.c.customer_id == customer_id).scalar_subquery())


def insert_events(session: Session, events: Sequence["PendingEvent"]) -> None:
    """One INSERT for all of them; a customer's events in the order recorded get consecutive sequences."""
    seen: dict[tuple[uuid.UUID, int], int] = defaultdict(int)
    rows = []
    for each in events:
        sequence = None
        if each.customer_id is not None:
            key = (each.tenant_id, each.customer_id)
            seen[key] += 1
            sequence = _next_sequence(each.tenant_id, each.customer_id, seen[key])
        rows.append({"tenant_id": each.tenant_id, "type": each.type, "customer_id": each.customer_id,
                     "sequence": sequence, "data": each.data, "created_at": each.created_at})
    insert_rows(session, EVENTS, rows)


EVENT_COLUMNS = ColumnMap({
    "id": ident(Event.id),
    "type": text(Event.type),
    "customer_id": ident(Event.customer_id),
    "sequence": ident(Event.sequence),
    "created_at": day(Event.created_at),
}, tiebreak=Event.id)

EVENT_ROWS = TenantRows(Event, EVENT_COLUMNS)

ENDPOINT_COLUMNS = ColumnMap({
    "id": ident(WebhookEndpoint.id),
    "url": text(WebhookEndpoint.url),
    "description": text(WebhookEndpoint.description),
    "status": choice(WebhookEndpoint.status, WebhookEndpointStatus),
    "created_at": day(WebhookEndpoint.created_at),
}, tiebreak=WebhookEndpoint.id)

ENDPOINT_ROWS = TenantRows(WebhookEndpoint, ENDPOINT_COLUMNS)

DELIVERY_COLUMNS = ColumnMap({
    "id": ident(WebhookDelivery.id),
    "event_id": ident(WebhookDelivery.event_id),
    "webhook_endpoint_id": ident(WebhookDelivery.endpoint_id),
    "customer_id": ident(WebhookDelivery.customer_id),
    "status": choice(WebhookDelivery.status, WebhookDeliveryStatus),
    "created_at": day(WebhookDelivery.created_at),
}, tiebreak=WebhookDelivery.id)

DELIVERY_ROWS = TenantRows(WebhookDelivery, DELIVERY_COLUMNS)
