"""/v1/invoice-summary-template-components: the blocks an invoice summary template is laid out from (seed 001)."""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator

from ledgerline.admin.entities import INVOICE_SUMMARY_TEMPLATE_COMPONENTS
from ledgerline.api.v1.admin_resource import AdminResource
from ledgerline.api.v1.schemas import ReferenceId, WireInput
from ledgerline.models.enums import SummaryComponentType


class InvoiceSummaryTemplateComponentCreate(WireInput):
    invoice_summary_template_id: ReferenceId = Field(description="The template the component belongs to; fixed "
                                                     "once created", examples=[1])
    name: str = Field(min_length=1, max_length=255, examples=["Charges by site"])
    component_type: SummaryComponentType = Field(examples=["CHARGES_TABLE"])
    position: int = Field(default=1, ge=1, le=1000, description="Layout order within the template (1 first)",
                          examples=[1])
    text: str | None = Field(default=None, max_length=4000, validate_default=True,
                             description="The text of a TEXT component", examples=["Thank you for your custom."])

    @field_validator("text")
    @classmethod
    def _text_component_has_text(cls, text: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("component_type") is SummaryComponentType.TEXT and not text:
            raise ValueError("is required for a TEXT component")
        return text


INVOICE_SUMMARY_TEMPLATE_COMPONENT_RESOURCE = AdminResource(
    INVOICE_SUMMARY_TEMPLATE_COMPONENTS, "/invoice-summary-template-components", InvoiceSummaryTemplateComponentCreate,
    read_only=("/invoiceSummaryTemplateId",))
router = INVOICE_SUMMARY_TEMPLATE_COMPONENT_RESOURCE.router
