from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import BigId, Base, TenantScoped


class Bill(TenantScoped, Base):
    """Groups a customer's invoices for a period; settlement status derives from them."""

    __tablename__ = "bills"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        UniqueConstraint("tenant_id", "number"),
        Index("ix_bills_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_bills_tenant_period_start", "tenant_id", "period_start"),
        Index("ix_bills_tenant_period_end", "tenant_id", "period_end"),
        Index("ix_bills_tenant_created_at", "tenant_id", "created_at"),
        CheckConstraint("period_end >= period_start", name="period_in_order"),
        CheckConstraint("bill_number_check_digit BETWEEN 0 AND 99", name="bill_number_check_digit_range"),
        CheckConstraint("accounts_receivable_check_digit BETWEEN 0 AND 99",
                        name="accounts_receivable_check_digit_range"),
        CheckConstraint("bill_amount_check_digit BETWEEN 0 AND 99", name="bill_amount_check_digit_range"),
    )

    number: Mapped[str] = mapped_column(String(30), nullable=False)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), nullable=False)
    # Seed 004: three separate check digits (of the bill's number, its customer's number, its amount);
    # pay-bill requests must repeat each one the bill has.
    bill_number_check_digit: Mapped[int | None] = mapped_column(SmallInteger)
    accounts_receivable_check_digit: Mapped[int | None] = mapped_column(SmallInteger)
    bill_amount_check_digit: Mapped[int | None] = mapped_column(SmallInteger)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
