"""/v1/electronic-summary-templates: machine-readable invoice summaries (seed 001)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ledgerline.admin.entities import ELECTRONIC_SUMMARY_TEMPLATES
from ledgerline.api.v1.admin_resource import AdminResource
from ledgerline.api.v1.schemas import WireInput
from ledgerline.models.enums import ElectronicFileFormat

ColumnName = Annotated[str, Field(min_length=1, max_length=100)]


class ElectronicSummaryTemplateCreate(WireInput):
    name: str = Field(min_length=1, max_length=255, examples=["Monthly CSV"])
    description: str | None = Field(default=None, max_length=255, examples=["For the finance team's import"])
    file_format: ElectronicFileFormat = Field(default=ElectronicFileFormat.CSV, examples=["CSV"])
    include_header_row: bool = Field(default=True, examples=[True])
    columns: list[ColumnName] = Field(min_length=1, max_length=100, description="Column names, in file order",
                                      examples=[["invoiceNumber", "siteName", "totalInMajorCurrency"]])


ELECTRONIC_SUMMARY_TEMPLATE_RESOURCE = AdminResource(ELECTRONIC_SUMMARY_TEMPLATES, "/electronic-summary-templates",
                                                     ElectronicSummaryTemplateCreate)
router = ELECTRONIC_SUMMARY_TEMPLATE_RESOURCE.router
