"""The admin entities of the Elevate admin API (seed 001), each declared once."""

from __future__ import annotations

from ledgerline.admin import rules
from ledgerline.admin.entity import AdminEntity
from ledgerline.models import (
    AdminContact,
    BillingCycle,
    CommissionAgent,
    ContractOwner,
    ContractOwnerSubBrand,
    CustomFieldDefinition,
    ElectronicSummaryTemplate,
    InvoiceDocumentProfile,
    InvoiceMarketingInfo,
    InvoiceSummaryTemplate,
    InvoiceSummaryTemplateComponent,
    InvoiceTemplate,
    Supplier,
)

CONTRACT_OWNERS = AdminEntity(
    ContractOwner, "contract owner", filters=("name", "available_from"), sortable=("name", "available_from"),
    rules=(rules.available_to_not_before_available_from,),
)

ADMIN_CONTACTS = AdminEntity(
    AdminContact, "admin contact",
    filters=("name", "email_address", "tripwire_notifications", "usage_cap_notifications", "auto_close_notifications"),
    sortable=("name", "email_address"),
)

BILLING_CYCLES = AdminEntity(
    BillingCycle, "billing cycle", filters=("name", "period_unit", "currency_code", "auto_close_admin_contact_id"),
    sortable=("name", "period_unit"), references={"auto_close_admin_contact_id": ADMIN_CONTACTS},
    rules=(rules.auto_close_needs_days,),
)

SUPPLIERS = AdminEntity(
    Supplier, "supplier", filters=("name", "account_number", "supplier_account_id"),
    sortable=("name", "account_number"),
)

COMMISSION_AGENTS = AdminEntity(
    CommissionAgent, "commission agent", filters=("name", "reference", "active"), sortable=("name", "reference"),
)

CUSTOM_FIELD_DEFINITIONS = AdminEntity(
    CustomFieldDefinition, "custom field definition", filters=("label", "entity_level"),
    sortable=("label", "entity_level"), unique=(("entity_level", "label"),),
)

INVOICE_TEMPLATES = AdminEntity(
    InvoiceTemplate, "invoice template", filters=("name",), sortable=("name",),
    rules=(rules.filled_marketing_slots_are_kept,),
)

INVOICE_SUMMARY_TEMPLATES = AdminEntity(
    InvoiceSummaryTemplate, "invoice summary template", filters=("name", "group_by"), sortable=("name",),
)

INVOICE_SUMMARY_TEMPLATE_COMPONENTS = AdminEntity(
    InvoiceSummaryTemplateComponent, "invoice summary template component",
    filters=("invoice_summary_template_id", "name", "component_type"), sortable=("name", "position"),
    references={"invoice_summary_template_id": INVOICE_SUMMARY_TEMPLATES},
)

ELECTRONIC_SUMMARY_TEMPLATES = AdminEntity(
    ElectronicSummaryTemplate, "electronic summary template", filters=("name", "file_format"), sortable=("name",),
)

INVOICE_DOCUMENT_PROFILES = AdminEntity(
    InvoiceDocumentProfile, "invoice document profile",
    filters=("name", "invoice_template_id", "invoice_summary_template_id", "electronic_summary_template_id"),
    sortable=("name",),
    references={
        "invoice_template_id": INVOICE_TEMPLATES,
        "invoice_summary_template_id": INVOICE_SUMMARY_TEMPLATES,
        "electronic_summary_template_id": ELECTRONIC_SUMMARY_TEMPLATES,
    },
)

# Sub-brands have routes of their own (multipart forms, logos); declared here only as what
# marketing info refers to.
SUB_BRANDS = AdminEntity(ContractOwnerSubBrand, "contract-owner sub-brand")

INVOICE_MARKETING_INFO = AdminEntity(
    InvoiceMarketingInfo, "invoice marketing info", plural="invoice marketing info",
    filters=("sub_brand_id", "invoice_template_id"), sortable=("sub_brand_id", "invoice_template_id"),
    references={"invoice_template_id": INVOICE_TEMPLATES, "sub_brand_id": SUB_BRANDS},
    unique=(("sub_brand_id", "invoice_template_id"),),
    rules=(rules.marketing_slots_fit_the_template,),
)

ALL = (
    CONTRACT_OWNERS, BILLING_CYCLES, SUPPLIERS, INVOICE_DOCUMENT_PROFILES, INVOICE_TEMPLATES,
    INVOICE_SUMMARY_TEMPLATES, INVOICE_SUMMARY_TEMPLATE_COMPONENTS, ELECTRONIC_SUMMARY_TEMPLATES,
    INVOICE_MARKETING_INFO, ADMIN_CONTACTS, COMMISSION_AGENTS, CUSTOM_FIELD_DEFINITIONS,
)
