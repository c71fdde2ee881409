from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import BigId, Base, UTCDateTime, utcnow
from ledgerline.models.enums import JournalKind, db_enum


class JournalEntry(Base):
    """Append-only record of every money movement; balances are recomputable from it.

    Each entry states its effect on the customer's balance, on the customer's
    unallocated credit and (with ``invoice_id``) on that invoice's outstanding.
    """

    __tablename__ = "journal_entries"
    __table_args__ = (
        Index("ix_journal_entries_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_journal_entries_tenant_invoice", "tenant_id", "invoice_id"),
        Index("ix_journal_entries_tenant_payment", "tenant_id", "payment_id"),
        Index("ix_journal_entries_tenant_refund", "tenant_id", "refund_id"),
        Index("ix_journal_entries_tenant_credit", "tenant_id", "credit_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), nullable=False)
    invoice_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("invoices.id"))
    payment_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("payments.id"))
    adjustment_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customer_balance_adjustments.id"))
    refund_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("refunds.id"))
    credit_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("credits.id"))
    kind: Mapped[JournalKind] = mapped_column(db_enum(JournalKind, "journal_kind"), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    balance_delta: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    credit_delta: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    outstanding_delta: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
