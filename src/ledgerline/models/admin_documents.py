"""Admin entities that shape invoice documents: templates, their components, profiles and marketing info."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import BigId, Base, TenantScoped, tenant_indexes
from ledgerline.models.enums import ElectronicFileFormat, PageSize, SummaryComponentType, SummaryGrouping, db_enum


class InvoiceTemplate(TenantScoped, Base):
    __tablename__ = "invoice_templates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        *tenant_indexes("invoice_templates", "name", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(String(255))
    page_size: Mapped[PageSize] = mapped_column(db_enum(PageSize, "page_size"), nullable=False, default=PageSize.A4)
    # [{name, description}]: the slots invoice marketing info fills, in layout order.
    marketing_slots: Mapped[list] = mapped_column(JSON, nullable=False, default=list)


class InvoiceSummaryTemplate(TenantScoped, Base):
    __tablename__ = "invoice_summary_templates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        *tenant_indexes("invoice_summary_templates", "name", "group_by", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(String(255))
    group_by: Mapped[SummaryGrouping] = mapped_column(
        db_enum(SummaryGrouping, "summary_grouping"), nullable=False, default=SummaryGrouping.SITE)


class InvoiceSummaryTemplateComponent(TenantScoped, Base):
    """One block of an invoice summary template, laid out by ``position``."""

    __tablename__ = "invoice_summary_template_components"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        *tenant_indexes("summary_components", "invoice_summary_template_id", "name",
                        "component_type", "position", "created_at"),
        CheckConstraint("position >= 1", name="position_positive"),
    )

    invoice_summary_template_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("invoice_summary_templates.id", name="fk_summary_components_summary_template"),
        nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    component_type: Mapped[SummaryComponentType] = mapped_column(
        db_enum(SummaryComponentType, "summary_component_type"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    text: Mapped[str | None] = mapped_column(Text)


class ElectronicSummaryTemplate(TenantScoped, Base):
    __tablename__ = "electronic_summary_templates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        *tenant_indexes("electronic_summary_templates", "name", "file_format", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(String(255))
    file_format: Mapped[ElectronicFileFormat] = mapped_column(
        db_enum(ElectronicFileFormat, "electronic_file_format"), nullable=False, default=ElectronicFileFormat.CSV)
    include_header_row: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    columns: Mapped[list] = mapped_column(JSON, nullable=False, default=list)


class InvoiceDocumentProfile(TenantScoped, Base):
    """Seed 001: the invoice and summary layouts used for a site's invoices."""

    __tablename__ = "invoice_document_profiles"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        *tenant_indexes("document_profiles", "name", "invoice_template_id", "invoice_summary_template_id",
                        "electronic_summary_template_id", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(String(255))
    # Constraint names spelled out where the naming convention's would pass PostgreSQL's 63 characters.
    invoice_template_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("invoice_templates.id", name="fk_document_profiles_invoice_template"), nullable=False)
    invoice_summary_template_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("invoice_summary_templates.id", name="fk_document_profiles_summary_template"))
    electronic_summary_template_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("electronic_summary_templates.id", name="fk_document_profiles_electronic_template"))


class InvoiceMarketingInfo(TenantScoped, Base):
    """Seed 001: for one sub-brand and invoice template, what fills the template's marketing slots."""

    __tablename__ = "invoice_marketing_info"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        # One per sub-brand and template; also serves the subBrandId filter.
        UniqueConstraint("tenant_id", "sub_brand_id", "invoice_template_id",
                         name="uq_invoice_marketing_info_tenant_sub_brand_template"),
        *tenant_indexes("invoice_marketing_info", "invoice_template_id", "created_at"),
    )

    sub_brand_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("contract_owner_sub_brands.id", name="fk_invoice_marketing_info_sub_brand"), nullable=False)
    invoice_template_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("invoice_templates.id", name="fk_invoice_marketing_info_invoice_template"), nullable=False)
    # [{slot_name, content_type, text, image_url}]
    slots: Mapped[list] = mapped_column(JSON, nullable=False, default=list)

