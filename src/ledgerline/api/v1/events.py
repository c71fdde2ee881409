"""/v1/events, /v1/webhook-deliveries and replaying an event; and how /v1 renders the resources events carry.

The renderers registered here are what ``events.record`` calls on the value a use case hands it: an
event's ``data`` is the resource exactly as the /v1 GET of it would answer (``invoice.paid`` carries
the summary the paying payment knows; see README "Events and webhooks").
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import Field
from sqlalchemy.orm import Session

from ledgerline.api.v1.credits import Credit
from ledgerline.api.v1.customers import Customer
from ledgerline.api.v1.invoices import Invoice
from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.payment_providers import SitePaymentMandate
from ledgerline.api.v1.payments import payment_wire
from ledgerline.api.v1.refunds import Refund
from ledgerline.api.v1.resource import Resource
from ledgerline.api.v1.responses import render_recorded, to_wire
from ledgerline.api.v1.schemas import ReferenceId, Timestamp, WireInput, WireModel, error_responses, major
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.events import documents, repository, webhooks
from ledgerline.events.values import PaidInvoice
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.models import Event as EventEntity
from ledgerline.models import WebhookAttempt as AttemptEntity
from ledgerline.models.enums import WebhookAttemptOutcome, WebhookDeliveryStatus

router = APIRouter(tags=["events"], route_class=WireRoute)


# --- what events carry ----------------------------------------------------------------------------

documents.renders("customer")(lambda customer: to_wire(Customer.of(customer)))
documents.renders("payment")(payment_wire)
documents.renders("refund")(lambda refund: to_wire(Refund.of(refund)))
documents.renders("credit")(lambda view: to_wire(Credit.of(view)))
documents.renders("mandate")(lambda mandate: to_wire(SitePaymentMandate.of(mandate)))


@documents.renders("invoice")
def _invoice(value: Any) -> dict[str, Any]:
    if isinstance(value, PaidInvoice):
        return {"id": value.id, "number": value.number, "customerId": value.customer_id, "currency": value.currency,
                "totalInMajorCurrency": major(value.total_minor, value.currency),
                "outstandingInMajorCurrency": major(value.outstanding_minor, value.currency),
                "status": value.status.value, "paymentStatus": value.payment_status.value,
                "paidByPaymentId": value.payment_id}
    return to_wire(Invoice.of(value))


# --- /v1/events -----------------------------------------------------------------------------------

class Event(WireModel):
    id: int = Field(examples=[1])
    type: str = Field(examples=["payment.posted"])
    customer_id: int | None = Field(description="The customer the event is about", examples=[1])
    sequence: int | None = Field(description="The customer's events numbered 1, 2, 3... in the order they "
                                 "happened", examples=[1])
    created_at: Timestamp
    data: dict[str, Any] = Field(description="The resource as /v1 renders it")

    @classmethod
    def of(cls, event: EventEntity) -> "Event":
        return cls(id=event.id, type=event.type, customer_id=event.customer_id, sequence=event.sequence,
                   created_at=event.created_at, data=documents.from_json(event.data))  # exact decimals

    @staticmethod
    def wire(event: EventEntity) -> dict[str, Any]:
        return to_wire(Event.of(event))


EVENT_LISTING = Listing(
    repository.EVENT_COLUMNS,
    sortable=("id", "type", "createdAt"),
    filters=[
        Filter("id", "Filter by event identifier"),
        Filter("type", "Filter by event type (payment.posted, in:invoice.posted,invoice.paid, like:payment.)"),
        Filter("customerId", "Filter by customer"),
        Filter("createdAt", "Filter by the day the event happened"),
    ],
    fields=("id", "type", "customerId", "sequence", "createdAt", "data"),
)


def _get_event(session: Session, tenant_id: uuid.UUID, event_id: int, for_update: bool) -> EventEntity:
    return webhooks.get_event(session, tenant_id=tenant_id, event_id=event_id)


Resource("/events", "event", "events", Event, EVENT_LISTING, webhooks.list_events, webhooks.count_events,
         scope_group="events", get_item=_get_event, responses={"get": (404,)},
         summaries={"list": "List events, oldest first"}).add_routes(router)


# --- /v1/webhook-deliveries: the delivery log -----------------------------------------------------

class Attempt(WireModel):
    id: int
    attempted_at: Timestamp
    outcome: WebhookAttemptOutcome
    status_code: int | None = Field(description="The receiver's HTTP status; null when it did not answer")
    duration_ms: int
    answer_excerpt: str | None = Field(description="The first 500 characters of the answer")
    error: str | None = Field(description="Why there was no answer")

    @classmethod
    def of(cls, attempt: AttemptEntity) -> "Attempt":
        return cls.model_validate(attempt, from_attributes=True)


class WebhookDelivery(WireModel):
    id: int = Field(examples=[1])
    event_id: int
    webhook_endpoint_id: int
    customer_id: int | None
    status: WebhookDeliveryStatus
    replay: bool = Field(description="Made by replaying the event")
    attempt_count: int
    next_attempt_at: Timestamp | None = Field(description="When the worker tries next (PENDING only)")
    last_attempt_at: Timestamp | None
    delivered_at: Timestamp | None
    created_at: Timestamp
    attempts: list[Attempt] = Field(description="Every attempt, oldest first")

    @classmethod
    def of(cls, view: webhooks.DeliveryView) -> "WebhookDelivery":
        delivery = view.delivery
        return cls(id=delivery.id, event_id=delivery.event_id, webhook_endpoint_id=delivery.endpoint_id,
                   customer_id=delivery.customer_id, status=delivery.status, replay=delivery.replay,
                   attempt_count=delivery.attempts,
                   next_attempt_at=delivery.next_attempt_at if delivery.status is WebhookDeliveryStatus.PENDING
                   else None, last_attempt_at=delivery.last_attempt_at, delivered_at=delivery.delivered_at,
                   created_at=delivery.created_at, attempts=[Attempt.of(each) for each in view.attempts])


DELIVERY_LISTING = Listing(
    repository.DELIVERY_COLUMNS,
    sortable=("id", "createdAt"),
    filters=[
        Filter("id", "Filter by delivery identifier"),
        Filter("eventId", "Filter by event"),
        Filter("webhookEndpointId", "Filter by webhook endpoint"),
        Filter("customerId", "Filter by customer"),
        Filter("status", "Filter by status"),
        Filter("createdAt", "Filter by creation date"),
    ],
    fields=("id", "eventId", "webhookEndpointId", "customerId", "status", "replay", "attemptCount", "nextAttemptAt",
            "lastAttemptAt", "deliveredAt", "createdAt", "attempts"),
)


def _get_delivery(session: Session, tenant_id: uuid.UUID, delivery_id: int, for_update: bool) -> Any:
    return webhooks.get_delivery(session, tenant_id=tenant_id, delivery_id=delivery_id)


Resource("/webhook-deliveries", "webhook_delivery", "webhook_deliveries", WebhookDelivery, DELIVERY_LISTING,
         webhooks.list_deliveries, webhooks.count_deliveries, scope_group="webhooks", plural_label="webhook deliveries",
         get_item=_get_delivery, responses={"get": (404,)},
         summaries={"list": "List webhook deliveries with their attempts (the delivery log)"}).add_routes(router)


class Replay(WireInput):
    webhook_endpoint_id: ReferenceId = Field(description="The (enabled) endpoint to deliver the event to again")


@router.post("/events/{event_id}/replay", status_code=202, response_model=WebhookDelivery,
             responses=error_responses(400, 404),
             summary="Deliver an event to a webhook endpoint again (the worker sends it next)")
def replay_event(event_id: Annotated[int, Path(description="Event identifier", examples=[1])], body: Replay,
                 session: SessionDep, guard: IdempotencyDep,
                 principal: Annotated[Principal, Depends(require("webhooks.write"))]) -> Response:
    view = webhooks.replay_event(session, tenant_id=principal.tenant_id, event_id=event_id,
                                 endpoint_id=body.webhook_endpoint_id)
    return render_recorded(session, guard, WebhookDelivery.of(view), status_code=202,
                           location=f"/v1/webhook-deliveries/{view.id}")


# The envelope webhooks deliver: the event exactly as GET /v1/events/{id} answers it.
documents.renders("event")(Event.wire)
