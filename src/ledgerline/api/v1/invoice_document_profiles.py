"""/v1/invoice-document-profiles: which invoice and summary layouts a site's invoices use (seed 001)."""

from __future__ import annotations

from pydantic import Field

from ledgerline.admin.entities import INVOICE_DOCUMENT_PROFILES
from ledgerline.api.v1.admin_resource import AdminResource
from ledgerline.api.v1.schemas import ReferenceId, WireInput


class InvoiceDocumentProfileCreate(WireInput):
    name: str = Field(min_length=1, max_length=255, examples=["Business customers"])
    description: str | None = Field(default=None, max_length=255, examples=["Invoice plus a site summary"])
    invoice_template_id: ReferenceId = Field(description="The invoice layout", examples=[1])
    invoice_summary_template_id: ReferenceId | None = Field(default=None, description="The summary layout, if any",
                                                            examples=[1])
    electronic_summary_template_id: ReferenceId | None = Field(
        default=None, description="The electronic summary, if any", examples=[1])


INVOICE_DOCUMENT_PROFILE_RESOURCE = AdminResource(INVOICE_DOCUMENT_PROFILES, "/invoice-document-profiles",
                                                  InvoiceDocumentProfileCreate)
router = INVOICE_DOCUMENT_PROFILE_RESOURCE.router
