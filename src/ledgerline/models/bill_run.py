from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import BigId, Base, TenantScoped, UTCDateTime
from ledgerline.models.enums import BillRunStatus, BillRunType, db_enum


class BillRun(TenantScoped, Base):
    """A billing run; the value of its draft invoices is a customer's open bill run value."""

    __tablename__ = "bill_runs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        Index("ix_bill_runs_tenant_status", "tenant_id", "status"),
        Index("ix_bill_runs_tenant_type", "tenant_id", "type"),
        Index("ix_bill_runs_tenant_run_date", "tenant_id", "run_date"),
        Index("ix_bill_runs_tenant_billing_cycle", "tenant_id", "billing_cycle_id"),
        Index("ix_bill_runs_tenant_created_at", "tenant_id", "created_at"),
    )

    type: Mapped[BillRunType] = mapped_column(db_enum(BillRunType, "bill_run_type"), nullable=False)
    status: Mapped[BillRunStatus] = mapped_column(
        db_enum(BillRunStatus, "bill_run_status"), nullable=False, default=BillRunStatus.OPEN
    )
    billing_cycle_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("billing_cycles.id"))
    run_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    description: Mapped[str | None] = mapped_column(String(255))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
