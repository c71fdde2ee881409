from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import BigId, Base, TenantScoped, UTCDateTime, utcnow
from ledgerline.models.enums import GiftCertificateStatus, db_enum


class GiftCertificate(TenantScoped, Base):
    """A gift certificate: money paid for elsewhere, redeemed as a payment tender by its code.

    ``balance_minor`` is what is left to redeem: the amount less the live redemptions (``verify``
    proves it). A redemption must be in its currency, before its expiry (the expiry day included),
    while it is ACTIVE and within its balance; it is drawn down under a row lock. A certificate
    that names a customer is redeemed by that customer only.
    """

    __tablename__ = "gift_certificates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        UniqueConstraint("tenant_id", "code"),
        Index("ix_gift_certificates_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_gift_certificates_tenant_status", "tenant_id", "status"),
        Index("ix_gift_certificates_tenant_expires_on", "tenant_id", "expires_on"),
        Index("ix_gift_certificates_tenant_created_at", "tenant_id", "created_at"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("balance_minor >= 0 AND balance_minor <= amount_minor", name="balance_within_amount"),
    )

    code: Mapped[str] = mapped_column(String(64), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    balance_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id"))
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[GiftCertificateStatus] = mapped_column(db_enum(GiftCertificateStatus, "gift_certificate_status"),
                                                          nullable=False)
    description: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str | None] = mapped_column(String(100))
    updated_by: Mapped[str | None] = mapped_column(String(100))


class GiftCertificateRedemption(Base):
    """A certificate redeemed by a payment: ``amount_minor`` drawn from its balance, distributed to the
    payment's invoices by the credit ``credit_id`` (a creditDistribution). Cancelling the payment stamps
    ``reversed_at`` and gives the amount back to the certificate."""

    __tablename__ = "gift_certificate_redemptions"
    __table_args__ = (
        Index("ix_gift_certificate_redemptions_tenant_payment", "tenant_id", "payment_id"),
        Index("ix_gift_certificate_redemptions_tenant_certificate", "tenant_id", "gift_certificate_id"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    gift_certificate_id: Mapped[int] = mapped_column(BigId, ForeignKey("gift_certificates.id"), nullable=False)
    payment_id: Mapped[int] = mapped_column(BigId, ForeignKey("payments.id"), nullable=False)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), nullable=False)
    credit_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("credits.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    reversed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
