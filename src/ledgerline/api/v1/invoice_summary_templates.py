"""/v1/invoice-summary-templates: layouts of the summary that covers several invoices (seed 001)."""

from __future__ import annotations

from pydantic import Field

from ledgerline.admin.entities import INVOICE_SUMMARY_TEMPLATES
from ledgerline.api.v1.admin_resource import AdminResource
from ledgerline.api.v1.schemas import WireInput
from ledgerline.models.enums import SummaryGrouping


class InvoiceSummaryTemplateCreate(WireInput):
    name: str = Field(min_length=1, max_length=255, examples=["Multi-site summary"])
    description: str | None = Field(default=None, max_length=255, examples=["One line per site"])
    group_by: SummaryGrouping = Field(default=SummaryGrouping.SITE, description="How summarised invoices are grouped",
                                      examples=["SITE"])


INVOICE_SUMMARY_TEMPLATE_RESOURCE = AdminResource(INVOICE_SUMMARY_TEMPLATES, "/invoice-summary-templates",
                                                  InvoiceSummaryTemplateCreate)
router = INVOICE_SUMMARY_TEMPLATE_RESOURCE.router
