from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import BigId, Base, TenantScoped


class CustomerBalanceAdjustment(TenantScoped, Base):
    """A manual change of a customer's balance (Elevate customer-balance-adjustments).

    A positive amount is customer credit. A negative one takes what it can from the
    customer's credit and carries the rest as a posted ADHOC invoice, so that the debt is
    something payments can settle oldest first like any other.
    """

    __tablename__ = "customer_balance_adjustments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        UniqueConstraint("tenant_id", "number"),
        Index("ix_customer_balance_adjustments_tenant_customer", "tenant_id", "customer_id", "id"),
        CheckConstraint("credit_used_minor >= 0", name="credit_used_not_negative"),
    )

    number: Mapped[str] = mapped_column(String(30), nullable=False)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # Of a negative adjustment: the part taken from the customer's credit, and the invoice carrying the rest.
    credit_used_minor: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    invoice_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("invoices.id"))
    # The customer's balance right after the adjustment, as Elevate's customer payments report it.
    resulting_balance_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    description: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str | None] = mapped_column(String(100))
