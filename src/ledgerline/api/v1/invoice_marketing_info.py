"""/v1/invoice-marketing-info and its HTML previews (seed 001).

Marketing info is, for one sub-brand and invoice template, what fills the template's
marketing slots: blank, text, rich text or an image.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import HTMLResponse
from pydantic import Field

from ledgerline.admin import service
from ledgerline.admin.entities import INVOICE_MARKETING_INFO
from ledgerline.api.v1.admin_resource import AdminResource
from ledgerline.api.v1.invoice_templates import MAX_SLOTS, SlotName, distinct_slot_names
from ledgerline.api.v1.schemas import ReferenceId, WireInput, error_responses
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.models.enums import MarketingContentType


class MarketingSlotContent(WireInput):
    """What fills one slot; which of text and imageUrl a content type needs is a rule of the service."""

    slot_name: SlotName = Field(description="A marketing slot of the invoice template", examples=["footer-offer"])
    content_type: MarketingContentType = Field(examples=["TEXT"])
    text: str | None = Field(default=None, max_length=4000,
                             description="Required for TEXT and RICH_TEXT (paragraphs split by a blank line)",
                             examples=["Switch to annual billing and save 10%"])
    image_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://[^\s\"'<>]+$",
                                  description="Required for IMAGE: an http(s) URL",
                                  examples=["https://cdn.example.com/offer.png"])


SlotContents = Annotated[list[MarketingSlotContent], Field(max_length=MAX_SLOTS), distinct_slot_names("slot_name")]
SLOTS_EXAMPLE = [{"slotName": "footer-offer", "contentType": "TEXT", "text": "Switch to annual billing and save 10%"}]


class InvoiceMarketingInfoCreate(WireInput):
    sub_brand_id: ReferenceId = Field(description="The contract-owner sub-brand; fixed once created", examples=[1])
    invoice_template_id: ReferenceId = Field(description="The invoice template; fixed once created", examples=[1])
    slots: SlotContents = Field(default_factory=list, description="At most one entry per slot; a slot left out "
                                "is blank", examples=[SLOTS_EXAMPLE])


INVOICE_MARKETING_INFO_RESOURCE = AdminResource(
    INVOICE_MARKETING_INFO, "/invoice-marketing-info", InvoiceMarketingInfoCreate,
    # Marketing info belongs to its sub-brand and template; moving it would re-key the unique pair.
    read_only=("/subBrandId", "/invoiceTemplateId"))
router = INVOICE_MARKETING_INFO_RESOURCE.router


# --- previews ------------------------------------------------------------------

class MarketingInfoPreview(WireInput):
    invoice_marketing_info_id: ReferenceId = Field(description="Stored invoice marketing info", examples=[1])


class MarketingInfoTrialPreview(WireInput):
    invoice_template_id: ReferenceId = Field(examples=[1])
    sub_brand_id: ReferenceId | None = Field(default=None, description="Shows this sub-brand's logo", examples=[1])
    slots: SlotContents = Field(default_factory=list, examples=[SLOTS_EXAMPLE])


# response_class=Response has no media type of its own, so the 200 is documented as text/html only
# and the error responses keep the /v1 JSON envelope.
_HTML_PREVIEW = {200: {"description": "An HTML page: an invoice of fake data with the marketing info in its slots",
                       "content": {"text/html": {"schema": {"type": "string"},
                                                 "example": "<!DOCTYPE html><html>...</html>"}}}}
Reader = Annotated[Principal, Depends(require("admin.read"))]
preview_router = APIRouter(route_class=WireRoute)


@preview_router.post("/invoice-marketing-info-preview", response_class=Response, tags=["invoice-marketing-info-preview"],
             responses={**_HTML_PREVIEW, **error_responses(400)},
             summary="Preview stored invoice marketing info on an invoice of fake data")
def preview_invoice_marketing_info(body: MarketingInfoPreview, session: SessionDep, principal: Reader) -> HTMLResponse:
    return HTMLResponse(service.preview_marketing_info(
        session, tenant_id=principal.tenant_id, marketing_info_id=body.invoice_marketing_info_id))


@preview_router.post("/invoice-marketing-info-trial-preview", response_class=Response,
             tags=["invoice-marketing-info-trial-preview"], responses={**_HTML_PREVIEW, **error_responses(400)},
             summary="Preview unsaved invoice marketing info on an invoice of fake data")
def trial_preview_invoice_marketing_info(body: MarketingInfoTrialPreview, session: SessionDep,
                                         principal: Reader) -> HTMLResponse:
    return HTMLResponse(service.preview_trial_marketing_info(
        session, tenant_id=principal.tenant_id, invoice_template_id=body.invoice_template_id,
        sub_brand_id=body.sub_brand_id, slots=[slot.model_dump() for slot in body.slots]))
