"""Contract-owner sub-brands (seed 001), their address and their logo."""

from __future__ import annotations

import uuid

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String,
                        UniqueConstraint, Uuid, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledgerline.models.base import BigId, Base, TenantScoped, TimestampMixin


class SubBrandAddress(TimestampMixin, Base):
    """Seed 001 gives the address its own read-only ``id``, so it is a row of its own."""

    __tablename__ = "sub_brand_addresses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    business_name: Mapped[str | None] = mapped_column(String(100))
    address1: Mapped[str] = mapped_column(String(100), nullable=False)
    address2: Mapped[str | None] = mapped_column(String(100))
    address3: Mapped[str | None] = mapped_column(String(100))
    town: Mapped[str] = mapped_column(String(50), nullable=False)
    county: Mapped[str | None] = mapped_column(String(30))
    postcode: Mapped[str] = mapped_column(String(20), nullable=False)
    country: Mapped[str] = mapped_column(String(2), nullable=False)


class ContractOwnerSubBrand(TenantScoped, Base):
    __tablename__ = "contract_owner_sub_brands"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        UniqueConstraint("tenant_id", "address_id"),
        Index("ix_contract_owner_sub_brands_tenant_name", "tenant_id", "name"),
        Index("ix_contract_owner_sub_brands_tenant_contract_owner", "tenant_id", "contract_owner_id"),
        Index("ix_contract_owner_sub_brands_tenant_email_template", "tenant_id", "email_template_id"),
        Index("ix_contract_owner_sub_brands_tenant_created_at", "tenant_id", "created_at"),
        # The last guard of "one default sub-brand per contract owner" (the service switches it).
        Index("uq_contract_owner_sub_brands_default_per_owner", "tenant_id", "contract_owner_id", unique=True,
              sqlite_where=text("default_sub_brand"), postgresql_where=text("default_sub_brand")),
    )

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    contract_owner_id: Mapped[int] = mapped_column(BigId, ForeignKey("contract_owners.id"), nullable=False)
    email_template_id: Mapped[int] = mapped_column(BigId, ForeignKey("email_templates.id"), nullable=False)
    default_sub_brand: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    attach_invoice_to_email: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    address_id: Mapped[int] = mapped_column(BigId, ForeignKey("sub_brand_addresses.id"), nullable=False)
    # Loaded in the same tenant-scoped SELECT as the sub-brand (inner join: it always exists).
    address: Mapped[SubBrandAddress] = relationship(lazy="joined", innerjoin=True, cascade="all, delete-orphan",
                                                    single_parent=True)
    # No tripwire plan resource exists yet, so this is a plain number, not a foreign key.
    pre_populated_tripwire_plan_id: Mapped[int | None] = mapped_column(BigInteger)

    account_number_format: Mapped[str | None] = mapped_column(String(255))
    bacs_reference: Mapped[str | None] = mapped_column(String(255))
    bank_account_name: Mapped[str | None] = mapped_column(String(255))
    bank_account_number: Mapped[str | None] = mapped_column(String(255))
    bank_sort_code: Mapped[str | None] = mapped_column(String(255))
    swift_code: Mapped[str | None] = mapped_column(String(11))
    iban: Mapped[str | None] = mapped_column(String(34))
    company_registration_number: Mapped[str | None] = mapped_column(String(255))
    company_registration_number_label: Mapped[str | None] = mapped_column(String(255))
    vat_registration_number: Mapped[str] = mapped_column(String(255), nullable=False)
    customer_service_email: Mapped[str | None] = mapped_column(String(255))
    customer_service_telephone_number: Mapped[str | None] = mapped_column(String(255))
    customer_service_web_site: Mapped[str | None] = mapped_column(String(255))
    email_billing_from_address: Mapped[str] = mapped_column(String(255), nullable=False)
    invoice_email_subject: Mapped[str] = mapped_column(String(200), nullable=False)
    invoice_number_format: Mapped[str | None] = mapped_column(String(255))
    invoice_presentation_name: Mapped[str | None] = mapped_column(String(255))
    invoice_tax_label: Mapped[str | None] = mapped_column(String(255))
    invoice_notes_label: Mapped[str | None] = mapped_column(String(100))
    ofcom_rid: Mapped[str | None] = mapped_column(String(255))
    # The invoice labels: 1..50 characters each.
    billing_period_end_date_label: Mapped[str] = mapped_column(String(50), nullable=False)
    invoice_customer_account_number_label: Mapped[str] = mapped_column(String(50), nullable=False)
    invoice_date_label: Mapped[str] = mapped_column(String(50), nullable=False)
    invoice_number_label: Mapped[str] = mapped_column(String(50), nullable=False)
    product_reference_label: Mapped[str] = mapped_column(String(50), nullable=False)
    summary_customer_account_number_label: Mapped[str] = mapped_column(String(50), nullable=False)
    summary_invoice_number_label: Mapped[str] = mapped_column(String(50), nullable=False)
    tax_exempt_label: Mapped[str] = mapped_column(String(50), nullable=False)


class SubBrandLogo(TimestampMixin, Base):
    """A sub-brand's logo image, kept apart so that listing sub-brands never reads image bytes."""

    __tablename__ = "sub_brand_logos"
    __table_args__ = (
        UniqueConstraint("tenant_id", "sub_brand_id"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    sub_brand_id: Mapped[int] = mapped_column(BigId, ForeignKey("contract_owner_sub_brands.id"), nullable=False)
    content_type: Mapped[str] = mapped_column(String(20), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
