from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import BigId, Base, TenantScoped
from ledgerline.models.enums import BillRunType, PaymentMethod, db_enum


class InvoicePayment(TenantScoped, Base):
    """Seed 000: an event of one invoice's payment (a manual payment, a submission to a provider, or an
    update received back), as /v1/invoice-payments and /v1/adhoc-invoice-payments record it.

    The row keeps what was said, with its own id. Collected money settles through a payment (``payment_id``),
    money returned through a refund (``refund_id``); a row with neither moved no money. Rows are never
    deleted: cancelling the payment leaves the row, whose payment then shows CANCELLED.
    """

    __tablename__ = "invoice_payments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        # Each list is one bill run type, paged by id (or paymentDate) within it.
        Index("ix_invoice_payments_tenant_type_id", "tenant_id", "bill_run_type", "id"),
        Index("ix_invoice_payments_tenant_type_paid_on", "tenant_id", "bill_run_type", "paid_on", "id"),
        Index("ix_invoice_payments_tenant_invoice", "tenant_id", "invoice_id", "id"),
        Index("ix_invoice_payments_tenant_payment", "tenant_id", "payment_id"),
        Index("ix_invoice_payments_tenant_refund", "tenant_id", "refund_id"),
        CheckConstraint("amount_minor <> 0", name="amount_not_zero"),
        CheckConstraint("payment_id IS NULL OR amount_minor > 0", name="payment_only_for_money_in"),
        CheckConstraint("refund_id IS NULL OR amount_minor < 0", name="refund_only_for_money_out"),
    )

    invoice_id: Mapped[int] = mapped_column(BigId, ForeignKey("invoices.id"), nullable=False)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), nullable=False)
    # The invoice's (fixed once it is posted): which of the two lists the row is on.
    bill_run_type: Mapped[BillRunType] = mapped_column(db_enum(BillRunType, "invoice_payment_bill_run_type"),
                                                       nullable=False)
    payment_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("payments.id"))
    refund_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("refunds.id"))
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    # Signed: negative is money returned to the customer.
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    third_party_status: Mapped[str | None] = mapped_column(String(40))
    payment_method: Mapped[PaymentMethod] = mapped_column(db_enum(PaymentMethod, "invoice_payment_method"),
                                                          nullable=False)
    description: Mapped[str | None] = mapped_column(String(255))
    error_info: Mapped[str | None] = mapped_column(String(255))
    paid_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(100))
