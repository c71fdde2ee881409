"""/v1/email-templates: named subjects and bodies with {{placeholder}} substitutions (seed 001 names them)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import Field

from ledgerline.api.v1.patching import JSON_PATCH_BODY, PatchOperation, patched_input
from ledgerline.api.v1.responses import check_if_match, render_created, render_head, render_page, render_resource
from ledgerline.api.v1.schemas import Timestamp, WireInput, WireModel, error_responses
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.email_templates import repository, service
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.kit.listing import ListQuery
from ledgerline.models import EmailTemplate as EmailTemplateEntity

router = APIRouter(tags=["email-templates"], route_class=WireRoute)

EmailTemplateId = Annotated[int, Path(description="Email template identifier", examples=[1])]
EmailTemplateListQuery = Annotated[ListQuery, Depends(repository.EMAIL_TEMPLATE_LISTING.query_dependency())]
EmailTemplateFilterQuery = Annotated[ListQuery, Depends(
    repository.EMAIL_TEMPLATE_LISTING.query_dependency(paged=False))]

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


_EMAIL_TEMPLATE_ATTRIBUTES = {info.alias or name: name for name, info in EmailTemplateCreate.model_fields.items()}


@router.get("/email-templates", response_model=list[EmailTemplate], responses=error_responses(400),
            summary="List email templates")
def list_email_templates(request: Request, session: SessionDep, query: EmailTemplateListQuery,
                         principal: Annotated[Principal, Depends(require("admin.list"))]) -> Response:
    return render_page(request, repository.page_of_email_templates(session, principal.tenant_id, query),
                       EmailTemplate)


@router.head("/email-templates", responses={**error_responses(400), 404: {"description": "No email template matches"}},
             summary="Check whether email templates matching the filters exist")
def email_templates_exist(session: SessionDep, query: EmailTemplateFilterQuery,
                          principal: Annotated[Principal, Depends(require("admin.list"))]) -> Response:
    return render_head(repository.count_email_templates(session, principal.tenant_id, query))


@router.post("/email-templates", status_code=201, response_model=EmailTemplate,
             responses=error_responses(400, 409, 422), summary="Create an email template")
def create_email_template(request: Request, body: EmailTemplateCreate, session: SessionDep, guard: IdempotencyDep,
                          principal: Annotated[Principal, Depends(require("admin.write"))]) -> Response:
    template = service.create_email_template(session, tenant_id=principal.tenant_id, **body.attributes())
    return render_created(request, session, guard, EmailTemplate.of(template),
                          location=f"/v1/email-templates/{template.id}")


@router.get("/email-templates/{email_template_id}", response_model=EmailTemplate,
            responses=error_responses(400, 404), summary="Get an email template")
def get_email_template(email_template_id: EmailTemplateId, session: SessionDep,
                       principal: Annotated[Principal, Depends(require("admin.read"))]) -> Response:
    return render_resource(EmailTemplate.of(service.get_email_template(
        session, tenant_id=principal.tenant_id, email_template_id=email_template_id)))


@router.patch("/email-templates/{email_template_id}", response_model=EmailTemplate,
              responses=error_responses(400, 404, 409, 412, 422), summary="Update an email template with JSON Patch")
def patch_email_template(request: Request, email_template_id: EmailTemplateId, session: SessionDep,
                         operations: Annotated[list[PatchOperation], Body(**JSON_PATCH_BODY)],
                         principal: Annotated[Principal, Depends(require("admin.write"))]) -> Response:
    template = service.get_email_template(session, tenant_id=principal.tenant_id,
                                          email_template_id=email_template_id, for_update=True)
    check_if_match(request, template.version)
    patched, changed = patched_input(EmailTemplate.of(template), operations, EmailTemplateCreate,
                                     read_only=("/placeholders",))
    attributes = patched.attributes()  # type: ignore[attr-defined]
    changes = {_EMAIL_TEMPLATE_ATTRIBUTES[name]: attributes[_EMAIL_TEMPLATE_ATTRIBUTES[name]] for name in changed}
    template = service.update_email_template(session, template=template, changes=changes)
    return render_resource(EmailTemplate.of(template))


@router.delete("/email-templates/{email_template_id}", status_code=204, responses=error_responses(400, 404, 409),
               summary="Delete an email template that no sub-brand uses")
def delete_email_template(email_template_id: EmailTemplateId, session: SessionDep,
                          principal: Annotated[Principal, Depends(require("admin.delete"))]) -> Response:
    template = service.get_email_template(session, tenant_id=principal.tenant_id, email_template_id=email_template_id)
    service.delete_email_template(session, template=template)
    return Response(status_code=204)
