from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import BigId, Base, TenantScoped
from ledgerline.models.enums import BillRunType, PaymentMethod, ThirdPartyRefundStatus, db_enum


class Refund(TenantScoped, Base):
    """Collected money returned to a customer (Elevate refunds).

    Against an invoice it takes back money that payments allocated to it, reopening the
    invoice; against the customer it takes back unallocated payment money (customer credit).
    """

    __tablename__ = "refunds"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        UniqueConstraint("tenant_id", "number"),
        Index("ix_refunds_tenant_customer", "tenant_id", "customer_id", "id"),
        Index("ix_refunds_tenant_invoice", "tenant_id", "invoice_id"),
        Index("ix_refunds_tenant_bill_run_type", "tenant_id", "bill_run_type"),
        Index("ix_refunds_tenant_created_at", "tenant_id", "created_at"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    number: Mapped[str] = mapped_column(String(30), nullable=False)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), nullable=False)
    invoice_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("invoices.id"))
    bill_run_type: Mapped[BillRunType | None] = mapped_column(db_enum(BillRunType, "refund_bill_run_type"))
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    payment_method: Mapped[PaymentMethod] = mapped_column(db_enum(PaymentMethod, "refund_payment_method"),
                                                          nullable=False)
    third_party_refund_status: Mapped[ThirdPartyRefundStatus] = mapped_column(
        db_enum(ThirdPartyRefundStatus, "third_party_refund_status"), nullable=False)
    description: Mapped[str | None] = mapped_column(String(255))
    error_info: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str | None] = mapped_column(String(100))
