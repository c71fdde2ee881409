"""Admin entities about parties and fields: suppliers, admin contacts, commission agents, custom field definitions."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import Base, TenantScoped, tenant_indexes
from ledgerline.models.enums import CustomFieldEntityLevel, db_enum


class Supplier(TenantScoped, Base):
    """One account with a third-party supplier; a supplier with several accounts has several rows."""

    __tablename__ = "suppliers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        *tenant_indexes("suppliers", "name", "account_number", "supplier_account_id", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    account_number: Mapped[str | None] = mapped_column(String(100))
    supplier_account_id: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(255))
    email_address: Mapped[str | None] = mapped_column(String(255))
    telephone_number: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[dict | None] = mapped_column(JSON)


class AdminContact(TenantScoped, Base):
    """Seed 001: receives tripwire, usage cap and auto-close notifications."""

    __tablename__ = "admin_contacts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        *tenant_indexes("admin_contacts", "name", "email_address", "tripwire_notifications",
                        "usage_cap_notifications", "auto_close_notifications", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    email_address: Mapped[str] = mapped_column(String(255), nullable=False)
    telephone_number: Mapped[str | None] = mapped_column(String(255))
    tripwire_notifications: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    usage_cap_notifications: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    auto_close_notifications: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class CommissionAgent(TenantScoped, Base):
    __tablename__ = "commission_agents"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        *tenant_indexes("commission_agents", "name", "reference", "active", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    reference: Mapped[str | None] = mapped_column(String(100))
    email_address: Mapped[str | None] = mapped_column(String(255))
    telephone_number: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[dict | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class CustomFieldDefinition(TenantScoped, Base):
    """Vendor notes: ``{id, label, entityLevel}``; a label is unique per entity level."""

    __tablename__ = "custom_field_definitions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        # Also serves the entityLevel filter: it leads with (tenant_id, entity_level).
        UniqueConstraint("tenant_id", "entity_level", "label"),
        *tenant_indexes("custom_field_definitions", "label", "created_at"),
    )

    label: Mapped[str] = mapped_column(String(100), nullable=False)
    entity_level: Mapped[CustomFieldEntityLevel] = mapped_column(
        db_enum(CustomFieldEntityLevel, "custom_field_entity_level"), nullable=False)
