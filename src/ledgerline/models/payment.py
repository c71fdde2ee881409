from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text,
                        UniqueConstraint, Uuid)
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import BigId, Base, TenantScoped, UTCDateTime, utcnow
from ledgerline.models.enums import PaymentMethod, PaymentStatus, db_enum

UDF_STRINGS = 8
UDF_NUMBERS = 4
UDF_DATES = 4


class Payment(TenantScoped, Base):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        UniqueConstraint("tenant_id", "number"),
        # Seed 004: a back office code is unique per financial transaction type.
        UniqueConstraint("tenant_id", "type_id", "back_office_code"),
        Index("ix_payments_tenant_type", "tenant_id", "type_id"),
        Index("ix_payments_tenant_category", "tenant_id", "category_id"),
        Index("ix_payments_tenant_customer_status", "tenant_id", "customer_id", "status", "id"),
        Index("ix_payments_tenant_status", "tenant_id", "status"),
        Index("ix_payments_tenant_method", "tenant_id", "payment_method"),
        Index("ix_payments_tenant_received_on", "tenant_id", "received_on"),
        Index("ix_payments_tenant_posted_on", "tenant_id", "posted_on"),
        Index("ix_payments_tenant_amount", "tenant_id", "currency", "amount_minor"),
        Index("ix_payments_tenant_reference", "tenant_id", "reference_number"),
        # Seed 004 names a payment by its back office code alone (unique per type, so maybe several).
        Index("ix_payments_tenant_back_office_code", "tenant_id", "back_office_code"),
        # Zero when customer credit or gift certificates alone pay (no cash tender).
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        # Exsited names payments by uuid too, and sorts them by creation time (api/exsited).
        Index("ix_payments_tenant_uuid", "tenant_id", "uuid"),
        Index("ix_payments_tenant_created_at", "tenant_id", "created_at"),
        CheckConstraint("unallocated_minor >= 0 AND unallocated_minor <= amount_minor", name="unallocated_within_amount"),
        CheckConstraint("refunded_minor >= 0 AND refunded_minor <= amount_minor", name="refunded_within_amount"),
        CheckConstraint("credit_applied_minor >= 0 AND gift_applied_minor >= 0", name="applied_not_negative"),
    )

    number: Mapped[str] = mapped_column(String(30), nullable=False)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # The part of a posted payment that is customer credit (allocated to no invoice).
    unallocated_minor: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    # Of this payment's money (allocated or not), how much refunds have returned; a refunded payment can't be cancelled.
    refunded_minor: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    # Money applied beside the cash: customer credit spent and gift certificates redeemed (creditDistribution
    # credits of the payment, and its redemptions); zero for most payments, so reads look no further.
    credit_applied_minor: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    gift_applied_minor: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    status: Mapped[PaymentStatus] = mapped_column(db_enum(PaymentStatus, "payment_status"), nullable=False)
    payment_method: Mapped[PaymentMethod] = mapped_column(db_enum(PaymentMethod, "payment_method"), nullable=False)
    type_id: Mapped[int] = mapped_column(BigId, ForeignKey("financial_transaction_types.id"), nullable=False)
    category_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("financial_transaction_categories.id"))
    rejection_reason_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("rejection_reasons.id"))
    # Each tender: {method, processor, reference, amountMinor}; their amounts add up to the payment.
    tenders: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    reference_number: Mapped[str | None] = mapped_column(String(100))
    back_office_code: Mapped[str | None] = mapped_column(String(100))
    received_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    issued_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    posted_on: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    rejection_reason: Mapped[str | None] = mapped_column(String(255))
    received_by_user: Mapped[str | None] = mapped_column(String(100))
    received_by_unit: Mapped[str | None] = mapped_column(String(100))
    invoices_to_pay: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    bills_to_pay: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    custom_attributes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    third_party_status: Mapped[str | None] = mapped_column(String(40))
    created_by: Mapped[str | None] = mapped_column(String(100))
    updated_by: Mapped[str | None] = mapped_column(String(100))
    udf_string_1: Mapped[str | None] = mapped_column(String(255))
    udf_string_2: Mapped[str | None] = mapped_column(String(255))
    udf_string_3: Mapped[str | None] = mapped_column(String(255))
    udf_string_4: Mapped[str | None] = mapped_column(String(255))
    udf_string_5: Mapped[str | None] = mapped_column(String(255))
    udf_string_6: Mapped[str | None] = mapped_column(String(255))
    udf_string_7: Mapped[str | None] = mapped_column(String(255))
    udf_string_8: Mapped[str | None] = mapped_column(String(255))
    # Seed 004 calls these "Float"; they are kept as exact decimals all the same.
    udf_float_1: Mapped[Decimal | None] = mapped_column(Numeric(30, 10))
    udf_float_2: Mapped[Decimal | None] = mapped_column(Numeric(30, 10))
    udf_float_3: Mapped[Decimal | None] = mapped_column(Numeric(30, 10))
    udf_float_4: Mapped[Decimal | None] = mapped_column(Numeric(30, 10))
    udf_date_1: Mapped[dt.date | None] = mapped_column(Date)
    udf_date_2: Mapped[dt.date | None] = mapped_column(Date)
    udf_date_3: Mapped[dt.date | None] = mapped_column(Date)
    udf_date_4: Mapped[dt.date | None] = mapped_column(Date)


class PaymentAllocation(Base):
    """Money of one payment applied to one invoice. Reversal keeps the row and stamps it."""

    __tablename__ = "payment_allocations"
    __table_args__ = (
        Index("ix_payment_allocations_tenant_payment", "tenant_id", "payment_id"),
        Index("ix_payment_allocations_tenant_invoice", "tenant_id", "invoice_id"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("refunded_minor >= 0 AND refunded_minor <= amount_minor", name="refunded_within_amount"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    payment_id: Mapped[int] = mapped_column(BigId, ForeignKey("payments.id"), nullable=False)
    invoice_id: Mapped[int] = mapped_column(BigId, ForeignKey("invoices.id"), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # How much of this allocation refunds against the invoice have taken back.
    refunded_minor: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    reversed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class PaymentCancellation(Base):
    """Seed 004: cancelling a posted payment creates a posted, numbered cancellation."""

    __tablename__ = "payment_cancellations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "payment_id"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    number: Mapped[str] = mapped_column(String(30), nullable=False)
    payment_id: Mapped[int] = mapped_column(BigId, ForeignKey("payments.id"), nullable=False)
    type_id: Mapped[int] = mapped_column(BigId, ForeignKey("financial_transaction_types.id"), nullable=False)
    category_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("financial_transaction_categories.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    posted_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)
    issue_reason: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
