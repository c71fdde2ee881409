from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import BigId, Base, TenantScoped
from ledgerline.models.enums import PeriodUnit, db_enum


class ContractOwner(TenantScoped, Base):
    __tablename__ = "contract_owners"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        Index("ix_contract_owners_tenant_name", "tenant_id", "name"),
        Index("ix_contract_owners_tenant_available_from", "tenant_id", "available_from"),
        Index("ix_contract_owners_tenant_created_at", "tenant_id", "created_at"),
        CheckConstraint("available_to IS NULL OR available_to >= available_from", name="available_to_not_before_from"),
    )

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    available_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    available_to: Mapped[dt.date | None] = mapped_column(Date)
    address: Mapped[dict] = mapped_column(JSON, nullable=False)
    si_bcc_email_address: Mapped[str] = mapped_column(String(255), nullable=False)
    co_bcc_email_address: Mapped[str | None] = mapped_column(String(255))
    tax_registration_number: Mapped[str] = mapped_column(String(255), nullable=False)
    company_registration_number: Mapped[str | None] = mapped_column(String(255))
    bank_account_name: Mapped[str | None] = mapped_column(String(255))
    bank_account_number: Mapped[str | None] = mapped_column(String(255))
    bank_sort_code: Mapped[str | None] = mapped_column(String(255))
    bacs_reference: Mapped[str | None] = mapped_column(String(255))
    swift_code: Mapped[str | None] = mapped_column(String(11))
    iban: Mapped[str | None] = mapped_column(String(34))
    customer_service_email: Mapped[str | None] = mapped_column(String(255))
    customer_service_telephone_number: Mapped[str | None] = mapped_column(String(255))
    customer_service_web_site: Mapped[str | None] = mapped_column(String(255))
    email_billing_from_address: Mapped[str | None] = mapped_column(String(255))
    invoice_combining_type: Mapped[str | None] = mapped_column(String(50))


class BillingCycle(TenantScoped, Base):
    __tablename__ = "billing_cycles"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        Index("ix_billing_cycles_tenant_name", "tenant_id", "name"),
        Index("ix_billing_cycles_tenant_period_unit", "tenant_id", "period_unit"),
        Index("ix_billing_cycles_tenant_currency_code", "tenant_id", "currency_code"),
        Index("ix_billing_cycles_tenant_created_at", "tenant_id", "created_at"),
        Index("ix_billing_cycles_tenant_auto_close_admin_contact_id", "tenant_id", "auto_close_admin_contact_id"),
        CheckConstraint("start_day_of_period BETWEEN 1 AND 31", name="start_day_of_period_in_month"),
        CheckConstraint("length_of_period >= 1", name="length_of_period_positive"),
        CheckConstraint("auto_close_days IS NULL OR auto_close_days >= 0", name="auto_close_days_not_negative"),
    )

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    start_day_of_period: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    whole_period: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    length_of_period: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    period_unit: Mapped[PeriodUnit] = mapped_column(db_enum(PeriodUnit, "period_unit"), nullable=False)
    currency_code: Mapped[str | None] = mapped_column(String(3))
    default_invoice_date: Mapped[int | None] = mapped_column(Integer)
    completion_type: Mapped[str | None] = mapped_column(String(50))
    auto_close_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    auto_close_days: Mapped[int | None] = mapped_column(Integer)
    # Who is told when a bill run of this cycle closes itself (admin contacts, seed 001).
    auto_close_admin_contact_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("admin_contacts.id"))
    billing_cycle_rules: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
