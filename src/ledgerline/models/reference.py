"""Reference data a tenant configures and payments point at (seed 004's financial transaction
types, categories and rejection reasons; the tenant's payment methods; shortfall tolerances)."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, Boolean, CheckConstraint, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import Base, TenantScoped, TimestampMixin
from ledgerline.models.enums import PaymentMethod, TransactionClassification, db_enum


class ReferenceEntry(TenantScoped):
    """What every kind of reference data has: a name unique in the tenant and an on/off switch.

    Entries are deactivated rather than deleted, because posted financial transactions keep
    pointing at them.
    """

    name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class FinancialTransactionType(ReferenceEntry, Base):
    __tablename__ = "financial_transaction_types"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        UniqueConstraint("tenant_id", "name"),
        UniqueConstraint("tenant_id", "alternative_code"),
    )

    alternative_code: Mapped[str] = mapped_column(String(50), nullable=False)
    classification: Mapped[TransactionClassification] = mapped_column(
        db_enum(TransactionClassification, "transaction_classification"), nullable=False)


class FinancialTransactionCategory(ReferenceEntry, Base):
    __tablename__ = "financial_transaction_categories"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        UniqueConstraint("tenant_id", "name"),
        UniqueConstraint("tenant_id", "code"),
    )

    code: Mapped[str] = mapped_column(String(50), nullable=False)


class RejectionReason(ReferenceEntry, Base):
    __tablename__ = "rejection_reasons"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        UniqueConstraint("tenant_id", "name"),
        UniqueConstraint("tenant_id", "alternative_code"),
    )

    alternative_code: Mapped[str] = mapped_column(String(50), nullable=False)


class PaymentMethodSetting(ReferenceEntry, Base):
    """The tenant's view of one value of Elevate's fixed PaymentMethod enum: its label and
    whether new payments may use it. There is one per enum value; none are created or deleted."""

    __tablename__ = "payment_methods"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        UniqueConstraint("tenant_id", "method"),
        UniqueConstraint("tenant_id", "alternative_code"),
    )

    # Seed 004 names a payment method by id, name or alternative code; it defaults to the enum value.
    alternative_code: Mapped[str] = mapped_column(String(50), nullable=False)
    method: Mapped[PaymentMethod] = mapped_column(db_enum(PaymentMethod, "payment_method"), nullable=False)


class ShortfallTolerance(TimestampMixin, Base):
    """The tenant's shortfall tolerance for one currency; it overrides the server-wide default."""

    __tablename__ = "shortfall_tolerances"
    __table_args__ = (CheckConstraint("amount_minor >= 0", name="amount_not_negative"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
