"""/v1/invoice-templates: invoice layouts and the marketing slots they offer (seed 001)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from ledgerline.admin.entities import INVOICE_TEMPLATES
from ledgerline.api.v1.admin_resource import AdminResource
from ledgerline.api.v1.schemas import WireInput
from ledgerline.models.enums import PageSize

MAX_SLOTS = 20

SlotName = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_-]+$",
                                description="Letters, digits, - and _", examples=["footer-offer"])]


class MarketingSlot(WireInput):
    """A place in the layout that invoice marketing info fills."""

    name: SlotName
    description: str | None = Field(default=None, max_length=255, examples=["Offer panel under the totals"])


def distinct_slot_names(attribute: str) -> AfterValidator:
    """A list validator: no two items name the same slot."""

    def check(slots: list[Any]) -> list[Any]:
        names = [getattr(slot, attribute) for slot in slots]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"slot names must be distinct; repeated: {', '.join(repeated)}")
        return slots

    return AfterValidator(check)


MarketingSlots = Annotated[list[MarketingSlot], Field(max_length=MAX_SLOTS), distinct_slot_names("name")]


class InvoiceTemplateCreate(WireInput):
    name: str = Field(min_length=1, max_length=255, examples=["Standard invoice"])
    description: str | None = Field(default=None, max_length=255, examples=["One page, logo top left"])
    page_size: PageSize = Field(default=PageSize.A4, examples=["A4"])
    marketing_slots: MarketingSlots = Field(
        default_factory=list, description="In layout order",
        examples=[[{"name": "footer-offer", "description": "Offer panel under the totals"}]])


INVOICE_TEMPLATE_RESOURCE = AdminResource(INVOICE_TEMPLATES, "/invoice-templates", InvoiceTemplateCreate)
router = INVOICE_TEMPLATE_RESOURCE.router
