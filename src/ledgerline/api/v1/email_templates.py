"""/v1/email-templates: named subjects and bodies with {{placeholder}} substitutions (seed 001 names them)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import Field
from sqlalchemy.orm import Session

from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource, changed_attributes
from ledgerline.api.v1.schemas import Timestamp, WireInput, WireModel
from ledgerline.api.wire import WireRoute
from ledgerline.email_templates import repository, service
from ledgerline.models import EmailTemplate as EmailTemplateEntity

router = APIRouter(tags=["email-templates"], route_class=WireRoute)


MAX_BODY_LENGTH = 65535


class EmailTemplate(WireModel):
    id: int = Field(examples=[1])
    locator: str = Field(description="ULID locator", examples=["01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])
    uuid: uuid.UUID
    name: str = Field(examples=["Invoice email"])
    subject: str = Field(examples=["Your invoice {{invoiceNumber}}"])
    body: str = Field(examples=["Dear {{customerName}},\n\nyour invoice {{invoiceNumber}} is attached."])
    placeholders: list[str] = Field(description="The placeholder names used in subject and body, sorted",
                                    examples=[["customerName", "invoiceNumber"]])
    version: int
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, entity: EmailTemplateEntity) -> "EmailTemplate":
        values = {name: getattr(entity, name) for name in cls.model_fields if name != "placeholders"}
        return cls(placeholders=service.placeholders(entity), **values)


class EmailTemplateCreate(WireInput):
    name: str = Field(min_length=1, max_length=255, examples=["Invoice email"])
    subject: str = Field(min_length=1, max_length=255, description="Text with {{placeholder}} substitutions",
                         examples=["Your invoice {{invoiceNumber}}"])
    body: str = Field(min_length=1, max_length=MAX_BODY_LENGTH, description="Text with {{placeholder}} substitutions",
                      examples=["Dear {{customerName}},\n\nyour invoice {{invoiceNumber}} is attached."])

    def attributes(self) -> dict[str, Any]:
        return self.model_dump()


LISTING = Listing(
    repository.EMAIL_TEMPLATE_COLUMNS,
    sortable=("id", "name", "createdAt"),
    filters=[
        Filter("id", "Filter by email template identifier"),
        Filter("name", "Filter by name"),
        Filter("createdAt", "Filter by creation date"),
    ],
    fields=("id", "locator", "uuid", "name", "subject", "body", "placeholders", "version", "createdAt", "updatedAt"),
)


def _get(session: Session, tenant_id: uuid.UUID, template_id: int, for_update: bool) -> EmailTemplateEntity:
    return service.get_email_template(session, tenant_id=tenant_id, email_template_id=template_id,
                                      for_update=for_update)


Resource(
    "/email-templates", "email_template", "email_templates", EmailTemplate, LISTING, service.list_email_templates,
    service.count_email_templates, scope_group="admin", get_item=_get, create_schema=EmailTemplateCreate,
    create_item=lambda session, tenant_id, body: service.create_email_template(session, tenant_id=tenant_id,
                                                                               **body.attributes()),
    update_item=lambda session, tenant_id, template, patched, changed: service.update_email_template(
        session, template=template, changes=changed_attributes(patched, changed, patched.attributes())),
    read_only=("/placeholders",),
    delete_item=lambda session, template: service.delete_email_template(session, template=template),
    summaries={"delete": "Delete an email template that no sub-brand uses"},
).add_routes(router)
