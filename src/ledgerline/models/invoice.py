from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import BigId, Base, TenantScoped, UTCDateTime
from ledgerline.models.enums import BillRunType, InvoicePaymentStatus, InvoiceStatus, db_enum


class Invoice(TenantScoped, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "back_office_code"),
        # Oldest-first allocation, balances and credit status read a customer's invoices by these.
        Index("ix_invoices_tenant_customer_status_issue", "tenant_id", "customer_id", "status", "issue_date", "id"),
        # Covers the per-customer sums (debt, open bill run value): index-only scans, no heap reads.
        Index("ix_invoices_tenant_customer_status_amounts", "tenant_id", "customer_id", "status", "bill_run_id",
              "outstanding_minor", "total_minor"),
        # A customer's open invoices only: allocation and the balance read these, and their cost must not
        # grow with the customer's paid history (bench/README.md, allocation growth).
        Index("ix_invoices_tenant_customer_open", "tenant_id", "customer_id", "issue_date", "id", "outstanding_minor",
              postgresql_where=text("status = 'POSTED' AND outstanding_minor > 0"),
              sqlite_where=text("status = 'POSTED' AND outstanding_minor > 0")),
        Index("ix_invoices_tenant_issue_date", "tenant_id", "issue_date"),
        Index("ix_invoices_tenant_due_date", "tenant_id", "due_date"),
        Index("ix_invoices_tenant_status", "tenant_id", "status"),
        Index("ix_invoices_tenant_payment_status", "tenant_id", "payment_status"),
        Index("ix_invoices_tenant_bill", "tenant_id", "bill_id"),
        Index("ix_invoices_tenant_bill_run", "tenant_id", "bill_run_id", "status"),
        Index("ix_invoices_tenant_reference", "tenant_id", "reference_number"),
        Index("ix_invoices_tenant_uuid", "tenant_id", "uuid"),
        Index("ix_invoices_tenant_bill_run_type", "tenant_id", "bill_run_type"),
        Index("ix_invoices_tenant_created_at", "tenant_id", "created_at"),
        # Amount filters and sorts compare minor units within one currency.
        Index("ix_invoices_tenant_currency_total", "tenant_id", "currency", "total_minor"),
        Index("ix_invoices_tenant_currency_outstanding", "tenant_id", "currency", "outstanding_minor"),
        CheckConstraint("total_minor >= 0", name="total_not_negative"),
        CheckConstraint("outstanding_minor >= 0", name="outstanding_not_negative"),
        CheckConstraint("outstanding_minor <= total_minor", name="outstanding_within_total"),
        CheckConstraint("refunded_minor >= 0", name="refunded_not_negative"),
        CheckConstraint("written_off_minor >= 0 AND written_off_minor <= total_minor", name="written_off_within_total"),
        CheckConstraint("due_date >= issue_date", name="due_not_before_issue"),
        # Nothing is owed on an invoice until it is posted, nor after it is cancelled.
        CheckConstraint("status = 'POSTED' OR outstanding_minor = 0", name="outstanding_only_when_posted"),
    )

    number: Mapped[str] = mapped_column(String(30), nullable=False)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), nullable=False)
    bill_run_type: Mapped[BillRunType] = mapped_column(db_enum(BillRunType, "invoice_bill_run_type"), nullable=False)
    bill_run_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("bill_runs.id"))
    bill_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("bills.id"))
    issue_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    due_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    total_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    outstanding_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # Money refunds took back from the invoice, and what live write-offs settled: the payment status reads them.
    refunded_minor: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    written_off_minor: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    status: Mapped[InvoiceStatus] = mapped_column(db_enum(InvoiceStatus, "invoice_status"), nullable=False)
    payment_status: Mapped[InvoicePaymentStatus] = mapped_column(
        db_enum(InvoicePaymentStatus, "invoice_payment_status"), nullable=False
    )
    reference_number: Mapped[str | None] = mapped_column(String(100))
    back_office_code: Mapped[str | None] = mapped_column(String(100))
    posted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
