from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
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
    )

    number: Mapped[str] = mapped_column(String(30), nullable=False)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), nullable=False)
    # Pay-bill requests must repeat these when present.
    check_digits: Mapped[str | None] = mapped_column(String(10))
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
