"""The outbox of domain events, the webhook endpoints they go to, and the delivery log."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import Base, BigId, TenantScoped, UTCDateTime, utcnow
from ledgerline.models.enums import (
    WebhookAttemptOutcome, WebhookDeliveryStatus, WebhookEndpointStatus, db_enum,
)

_UNDISPATCHED = "dispatched_at IS NULL"
_PENDING = "status = 'PENDING'"


class Event(Base):
    """One domain event, written in the transaction of the change that caused it (events/service.py).

    ``sequence`` counts the customer's events from 1 without gaps (the customer row is locked by every
    change that records one); ``data`` is the resource's JSON exactly as /v1 renders it.
    ``dispatched_at`` is set once the worker has made its deliveries."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "customer_id", "sequence"),
        Index("ix_events_tenant_type", "tenant_id", "type"),
        Index("ix_events_tenant_created_at", "tenant_id", "created_at"),
        Index("ix_events_undispatched", "id", postgresql_where=text(_UNDISPATCHED), sqlite_where=text(_UNDISPATCHED)),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    customer_id: Mapped[int | None] = mapped_column(BigId)  # no foreign key: history outlives a deleted customer
    sequence: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class WebhookEndpoint(TenantScoped, Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        Index("ix_webhook_endpoints_tenant_status", "tenant_id", "status"),
        Index("ix_webhook_endpoints_tenant_url", "tenant_id", "url"),
    )

    url: Mapped[str] = mapped_column(String(2048), nullable=False)
    description: Mapped[str | None] = mapped_column(String(255))
    # Event types it receives; ["*"] for every type.
    enabled_events: Mapped[list] = mapped_column(JSON, nullable=False)
    status: Mapped[WebhookEndpointStatus] = mapped_column(
        db_enum(WebhookEndpointStatus, "webhook_endpoint_status"), nullable=False,
        default=WebhookEndpointStatus.ENABLED)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    secret: Mapped[str] = mapped_column(String(100), nullable=False)
    # After a rotation the old secret signs too, until it expires (receivers switch over meanwhile).
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The first failure since the last success; None while deliveries succeed.
    failing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class WebhookDelivery(Base):
    """One event to one endpoint: attempted until delivered or given up. ``customer_id`` and ``sequence``
    are the event's, copied so the worker keeps each customer's events in order without a join."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where=text(_PENDING),
              sqlite_where=text(_PENDING)),
        Index("ix_webhook_deliveries_stream", "endpoint_id", "customer_id", "sequence",
              postgresql_where=text(_PENDING), sqlite_where=text(_PENDING)),
        Index("ix_webhook_deliveries_tenant_event", "tenant_id", "event_id"),
        Index("ix_webhook_deliveries_tenant_endpoint", "tenant_id", "endpoint_id"),
        Index("ix_webhook_deliveries_tenant_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("events.id"), nullable=False)
    endpoint_id: Mapped[int] = mapped_column(BigId, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
                                             nullable=False)
    customer_id: Mapped[int | None] = mapped_column(BigId)
    sequence: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[WebhookDeliveryStatus] = mapped_column(
        db_enum(WebhookDeliveryStatus, "webhook_delivery_status"), nullable=False,
        default=WebhookDeliveryStatus.PENDING)
    replay: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    leased_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    first_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class WebhookAttempt(Base):
    """The delivery log: one row per HTTP attempt."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    delivery_id: Mapped[int] = mapped_column(BigId, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
                                             nullable=False)
    attempted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    outcome: Mapped[WebhookAttemptOutcome] = mapped_column(
        db_enum(WebhookAttemptOutcome, "webhook_attempt_outcome"), nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    answer_excerpt: Mapped[str | None] = mapped_column(Text)  # the first 500 characters of the answer
    error: Mapped[str | None] = mapped_column(String(500))
