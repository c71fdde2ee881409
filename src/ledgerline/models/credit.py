from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledgerline.kit.ids import new_locator
from ledgerline.models.base import BigId, Base, UTCDateTime, utcnow
from ledgerline.models.enums import CreditState, CreditType, db_enum


class Credit(Base):
    """A credit in the Socotra sense (seed 002): money that settles, or could settle, invoices.

    Posting a payment writes a ``payment`` credit and one ``subpayment`` per invoice it pays;
    tolerance shortfalls are ``shortfallWriteOff`` credits and administrative write-offs
    ``writeOff`` credits. What a credit settles is in its targets. A credit is never deleted:
    it is reversed, with a reason and a time.
    """

    __tablename__ = "credits"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        Index("ix_credits_tenant_customer", "tenant_id", "customer_id", "id"),
        Index("ix_credits_tenant_type", "tenant_id", "type", "id"),
        Index("ix_credits_tenant_payment", "tenant_id", "payment_id"),
        Index("ix_credits_tenant_parent", "tenant_id", "parent_id"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    locator: Mapped[str] = mapped_column(String(26), nullable=False, default=new_locator)
    type: Mapped[CreditType] = mapped_column(db_enum(CreditType, "credit_type"), nullable=False)
    state: Mapped[CreditState] = mapped_column(db_enum(CreditState, "credit_state"), nullable=False)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), nullable=False)
    payment_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("payments.id"))
    # A subpayment's and a shortfall write-off's parent is the payment's credit.
    parent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("credits.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    description: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    realized_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reversed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reversal_reason: Mapped[str | None] = mapped_column(String(255))

    parent: Mapped[Credit | None] = relationship(remote_side="Credit.id", lazy="raise")
    targets: Mapped[list[CreditTarget]] = relationship(back_populates="credit", lazy="raise",
                                                       order_by="CreditTarget.id")


class CreditTarget(Base):
    """An invoice a credit settles, and how much of it."""

    __tablename__ = "credit_targets"
    __table_args__ = (
        Index("ix_credit_targets_tenant_credit", "tenant_id", "credit_id"),
        Index("ix_credit_targets_tenant_invoice", "tenant_id", "invoice_id", "credit_id"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    credit_id: Mapped[int] = mapped_column(BigId, ForeignKey("credits.id"), nullable=False)
    invoice_id: Mapped[int] = mapped_column(BigId, ForeignKey("invoices.id"), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)

    credit: Mapped[Credit] = relationship(back_populates="targets", lazy="raise")
