"""/v1/webhook-endpoints: where the worker delivers events. The secret is shown once (create, rotate)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Response
from pydantic import AnyHttpUrl, Field, field_validator
from sqlalchemy.orm import Session

from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource, changed_attributes
from ledgerline.api.v1.responses import render_recorded
from ledgerline.api.v1.schemas import Timestamp, WireInput, WireModel, error_responses
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.events import repository, webhooks
from ledgerline.events.types import ALL, EVENT_TYPES
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.models import WebhookEndpoint as EndpointEntity
from ledgerline.models.enums import WebhookEndpointStatus

router = APIRouter(tags=["webhooks"], route_class=WireRoute)

_TYPES = f"Event types ({', '.join(EVENT_TYPES)}), or \"*\" for all"


class WebhookEndpoint(WireModel):
    id: int = Field(examples=[1])
    locator: str
    uuid: uuid.UUID
    url: str = Field(examples=["https://example.com/ledgerline/webhooks"])
    description: str | None
    enabled_events: list[str] = Field(description=_TYPES, examples=[["payment.posted", "invoice.paid"]])
    status: WebhookEndpointStatus = Field(description="The worker disables an endpoint whose deliveries fail for "
                                          "about 3 days")
    disabled_reason: str | None
    failing_since: Timestamp | None = Field(description="The first failed delivery since the last success")
    secret: str | None = Field(description="The signing secret: shown only in the answer of create and "
                               "rotate-secret, null otherwise", examples=["whsec_..."])
    previous_secret_expires_at: Timestamp | None = Field(
        description="After a rotation the previous secret signs too, until then")
    version: int
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, row: EndpointEntity | webhooks.RevealedEndpoint) -> "WebhookEndpoint":
        endpoint, secret = (row.endpoint, row.secret) if isinstance(row, webhooks.RevealedEndpoint) else (row, None)
        return cls(id=endpoint.id, locator=endpoint.locator, uuid=endpoint.uuid, url=endpoint.url,
                   description=endpoint.description, enabled_events=list(endpoint.enabled_events),
                   status=endpoint.status, disabled_reason=endpoint.disabled_reason,
                   failing_since=endpoint.failing_since, secret=secret,
                   previous_secret_expires_at=endpoint.previous_secret_expires_at
                   if endpoint.previous_secret is not None else None,
                   version=endpoint.version, created_at=endpoint.created_at, updated_at=endpoint.updated_at)


class WebhookEndpointInput(WireInput):
    url: AnyHttpUrl = Field(description="http or https; the worker POSTs each event here",
                            examples=["https://example.com/ledgerline/webhooks"])
    description: str | None = Field(default=None, max_length=255)
    enabled_events: list[str] = Field(default_factory=lambda: [ALL], min_length=1, max_length=len(EVENT_TYPES) + 1,
                                      description=_TYPES, examples=[["payment.posted", "invoice.paid"]])
    status: WebhookEndpointStatus = Field(default=WebhookEndpointStatus.ENABLED)

    @field_validator("url")
    @classmethod
    def _short_enough(cls, value: AnyHttpUrl) -> AnyHttpUrl:
        if len(str(value)) > 2048:
            raise ValueError("must be at most 2048 characters")
        return value

    @field_validator("enabled_events")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        for name in value:
            if name != ALL and name not in EVENT_TYPES:
                raise ValueError(f"{name!r} is not an event type")
        return value

    def attributes(self) -> dict[str, Any]:
        return {"url": str(self.url), "description": self.description, "enabled_events": list(self.enabled_events),
                "status": self.status}


class SecretRotation(WireInput):
    previous_secret_valid_for_hours: int = Field(
        default=24, ge=0, le=168, description="How long the old secret keeps signing beside the new one")


LISTING = Listing(
    repository.ENDPOINT_COLUMNS,
    sortable=("id", "url", "status", "createdAt"),
    filters=[
        Filter("id", "Filter by endpoint identifier"),
        Filter("url", "Filter by URL"),
        Filter("status", "Filter by status"),
        Filter("createdAt", "Filter by creation date"),
    ],
    fields=("id", "locator", "uuid", "url", "description", "enabledEvents", "status", "disabledReason",
            "failingSince", "secret", "previousSecretExpiresAt", "version", "createdAt", "updatedAt"),
)


def _create(session: Session, tenant_id: uuid.UUID, body: WebhookEndpointInput) -> webhooks.RevealedEndpoint:
    return webhooks.create_endpoint(session, tenant_id=tenant_id, **body.attributes())


def _get(session: Session, tenant_id: uuid.UUID, endpoint_id: int, for_update: bool) -> EndpointEntity:
    return webhooks.get_endpoint(session, tenant_id=tenant_id, endpoint_id=endpoint_id, for_update=for_update)


def _update(session: Session, tenant_id: uuid.UUID, endpoint: EndpointEntity, patched: WebhookEndpointInput,
            changed: set[str]) -> EndpointEntity:
    return webhooks.update_endpoint(session, endpoint=endpoint,
                                    changes=changed_attributes(patched, changed, patched.attributes()))


def _delete(session: Session, endpoint: EndpointEntity) -> None:
    webhooks.delete_endpoint(session, endpoint=endpoint)


Resource("/webhook-endpoints", "webhook_endpoint", "webhook_endpoints", WebhookEndpoint, LISTING,
         webhooks.list_endpoints, webhooks.count_endpoints, scope_group="webhooks", get_item=_get,
         create_schema=WebhookEndpointInput, create_item=_create, update_item=_update, delete_item=_delete,
         read_only=("/secret", "/disabledReason", "/failingSince", "/previousSecretExpiresAt"),
         responses={"get": (404,), "delete": (404,)},
         summaries={"create": "Create a webhook endpoint (its secret is in this answer only)"}).add_routes(router)


@router.post("/webhook-endpoints/{webhook_endpoint_id}/rotate-secret", response_model=WebhookEndpoint,
             responses=error_responses(400, 404),
             summary="Give a webhook endpoint a new secret (in this answer only); the old one signs too for a while")
def rotate_secret(webhook_endpoint_id: Annotated[int, Path(description="Webhook endpoint identifier", examples=[1])],
                  session: SessionDep, guard: IdempotencyDep,
                  principal: Annotated[Principal, Depends(require("webhooks.write"))],
                  body: Annotated[SecretRotation | None, Body()] = None) -> Response:
    body = body or SecretRotation()
    revealed = webhooks.rotate_secret(session, tenant_id=principal.tenant_id, endpoint_id=webhook_endpoint_id,
                                      grace=dt.timedelta(hours=body.previous_secret_valid_for_hours))
    return render_recorded(session, guard, WebhookEndpoint.of(revealed))
