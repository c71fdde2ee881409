"""Webhook endpoints and deliveries: the use cases behind /v1/webhook-endpoints, /v1/webhook-deliveries and
replaying an event. Secrets are shown once, when made (create, rotate); the worker signs with them."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerline.errors import InvalidRequest, not_found
from ledgerline.events import repository
from ledgerline.events.types import ALL, EVENT_TYPES
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.repository import get_scoped
from ledgerline.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ledgerline.models.base import utcnow
from ledgerline.models.enums import WebhookDeliveryStatus, WebhookEndpointStatus

SECRET_PREFIX = "whsec_"
DEFAULT_ROTATION_GRACE = dt.timedelta(hours=24)
MAX_ROTATION_GRACE = dt.timedelta(days=7)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class RevealedEndpoint:
    """An endpoint with its secret, the one time it is shown."""

    endpoint: WebhookEndpoint
    secret: str

    @property
    def id(self) -> int:
        return self.endpoint.id


def check_event_types(types: Sequence[str], field: str = "enabled_events") -> list[str]:
    if not types:
        raise InvalidRequest.for_field(field, "name at least one event type, or \"*\" for all")
    for position, name in enumerate(types):
        if name != ALL and name not in EVENT_TYPES:
            raise InvalidRequest.for_field(f"{field}[{position}]", f"{name!r} is not an event type")
    return list(dict.fromkeys(types))


def get_endpoint(session: Session, *, tenant_id: uuid.UUID, endpoint_id: int,
                 for_update: bool = False) -> WebhookEndpoint:
    endpoint = get_scoped(session, WebhookEndpoint, tenant_id, endpoint_id, for_update=for_update)
    if endpoint is None:
        raise not_found("Webhook endpoint", endpoint_id)
    return endpoint


def create_endpoint(session: Session, *, tenant_id: uuid.UUID, url: str, enabled_events: Sequence[str],
                    description: str | None = None,
                    status: WebhookEndpointStatus = WebhookEndpointStatus.ENABLED) -> RevealedEndpoint:
    secret = new_secret()
    endpoint = WebhookEndpoint(tenant_id=tenant_id, url=url, description=description, status=status,
                               enabled_events=check_event_types(enabled_events), secret=secret)
    session.add(endpoint)
    session.flush()
    return RevealedEndpoint(endpoint, secret)


def update_endpoint(session: Session, *, endpoint: WebhookEndpoint, changes: dict[str, Any]) -> WebhookEndpoint:
    """``changes``: url, description, enabled_events, status. Enabling an endpoint clears why it was disabled."""
    if "enabled_events" in changes:
        changes["enabled_events"] = check_event_types(changes["enabled_events"])
    for name, value in changes.items():
        setattr(endpoint, name, value)
    if changes.get("status") is WebhookEndpointStatus.ENABLED:
        endpoint.disabled_reason = None
        endpoint.failing_since = None
    elif changes.get("status") is WebhookEndpointStatus.DISABLED and endpoint.disabled_reason is None:
        endpoint.disabled_reason = "disabled by a client"
    session.flush()
    return endpoint


def rotate_secret(session: Session, *, tenant_id: uuid.UUID, endpoint_id: int,
                  grace: dt.timedelta = DEFAULT_ROTATION_GRACE) -> RevealedEndpoint:
    """A new secret; the old one keeps signing beside it for ``grace`` (0 to stop at once)."""
    if not dt.timedelta(0) <= grace <= MAX_ROTATION_GRACE:
        raise InvalidRequest.for_field("grace", "must be between 0 and 168 hours")
    endpoint = get_endpoint(session, tenant_id=tenant_id, endpoint_id=endpoint_id, for_update=True)
    secret = new_secret()
    if grace:
        endpoint.previous_secret, endpoint.previous_secret_expires_at = endpoint.secret, utcnow() + grace
    else:
        endpoint.previous_secret, endpoint.previous_secret_expires_at = None, None
    endpoint.secret = secret
    session.flush()
    return RevealedEndpoint(endpoint, secret)


def delete_endpoint(session: Session, *, endpoint: WebhookEndpoint) -> None:
    """The endpoint goes with its deliveries and their log (ON DELETE CASCADE)."""
    session.delete(endpoint)
    session.flush()


def list_endpoints(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.ENDPOINT_ROWS.page(session, tenant_id, criteria)


def count_endpoints(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.ENDPOINT_ROWS.count(session, tenant_id, criteria)


# --- events ---------------------------------------------------------------------------------------

def get_event(session: Session, *, tenant_id: uuid.UUID, event_id: int) -> Event:
    event = get_scoped(session, Event, tenant_id, event_id)
    if event is None:
        raise not_found("Event", event_id)
    return event


def list_events(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.EVENT_ROWS.page(session, tenant_id, criteria)


def count_events(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.EVENT_ROWS.count(session, tenant_id, criteria)


# --- deliveries -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeliveryView:
    delivery: WebhookDelivery
    attempts: tuple[WebhookAttempt, ...]

    @property
    def id(self) -> int:
        return self.delivery.id


def _views(session: Session, deliveries: Sequence[WebhookDelivery]) -> list[DeliveryView]:
    ids = [delivery.id for delivery in deliveries]
    attempts: dict[int, list[WebhookAttempt]] = defaultdict(list)
    if ids:
        for attempt in session.execute(select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids))
                                       .order_by(WebhookAttempt.id)).scalars():
            attempts[attempt.delivery_id].append(attempt)
    return [DeliveryView(delivery, tuple(attempts[delivery.id])) for delivery in deliveries]


def replay_event(session: Session, *, tenant_id: uuid.UUID, event_id: int, endpoint_id: int) -> DeliveryView:
    """A new delivery of the event to the endpoint, due now, whatever types the endpoint takes (it must be
    enabled). It keeps its place in the customer's order like any other delivery."""
    event = get_event(session, tenant_id=tenant_id, event_id=event_id)
    endpoint = get_scoped(session, WebhookEndpoint, tenant_id, endpoint_id)
    if endpoint is None:
        raise InvalidRequest.for_field("webhook_endpoint_id", f"webhook endpoint {endpoint_id} does not exist")
    if endpoint.status is not WebhookEndpointStatus.ENABLED:
        raise InvalidRequest.for_field("webhook_endpoint_id", f"webhook endpoint {endpoint_id} is disabled")
    now = utcnow()
    delivery = WebhookDelivery(tenant_id=tenant_id, event_id=event.id, endpoint_id=endpoint.id,
                               customer_id=event.customer_id, sequence=event.sequence,
                               status=WebhookDeliveryStatus.PENDING, replay=True, attempts=0, next_attempt_at=now,
                               created_at=now)
    session.add(delivery)
    session.flush()
    return DeliveryView(delivery, ())


def get_delivery(session: Session, *, tenant_id: uuid.UUID, delivery_id: int) -> DeliveryView:
    delivery = get_scoped(session, WebhookDelivery, tenant_id, delivery_id)
    if delivery is None:
        raise not_found("Webhook delivery", delivery_id)
    return _views(session, [delivery])[0]


def list_deliveries(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    page = repository.DELIVERY_ROWS.page(session, tenant_id, criteria)
    page.items = _views(session, page.items)
    return page


def count_deliveries(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.DELIVERY_ROWS.count(session, tenant_id, criteria)
