"""Payment providers, their mandates, the collections they run and the events they send (issue 14).

A provider is configured per tenant; ``adapter`` names the implementation behind it (``sandbox`` or
``manual``; every provider type runs on the sandbox unless configured otherwise). Credentials and the
webhook secret are stored encrypted (providers/secrets.py), never answered.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, Uuid)
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import BigId, Base, TenantScoped, UTCDateTime, utcnow
from ledgerline.models.enums import PaymentMethod, ProviderStatus, db_enum


class PaymentProvider(TenantScoped, Base):
    __tablename__ = "payment_providers"
    __table_args__ = (
        Index("ix_payment_providers_tenant_type", "tenant_id", "type"),
        Index("ix_payment_providers_tenant_name", "tenant_id", "name"),
        Index("ix_payment_providers_tenant_instant", "tenant_id", "instant_bank_payments"),
        Index("ix_payment_providers_tenant_retry", "tenant_id", "retry_if_possible"),
        Index("ix_payment_providers_tenant_status", "tenant_id", "status"),
    )

    type: Mapped[PaymentMethod] = mapped_column(db_enum(PaymentMethod, "payment_provider_type"), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    adapter: Mapped[str] = mapped_column(String(20), nullable=False, default="sandbox")
    direct_debit_with_name: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[ProviderStatus] = mapped_column(db_enum(ProviderStatus, "payment_provider_status"),
                                                   nullable=False, default=ProviderStatus.ACTIVE)
    creditor_identifier: Mapped[str | None] = mapped_column(String(255))
    instant_bank_payments: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    retry_if_possible: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    accept_external_payments: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    sync_instant_bank_payments_with_mandate_creation: Mapped[bool] = mapped_column(Boolean, nullable=False,
                                                                                   default=False)
    # Fernet tokens (providers/secrets.py): write-only on the wire.
    credentials_encrypted: Mapped[str | None] = mapped_column(Text)
    webhook_secret_encrypted: Mapped[str] = mapped_column(Text, nullable=False)


class PaymentProviderContractOwner(Base):
    """The contract owners a provider serves (``contractOwnerIds``, never empty)."""

    __tablename__ = "payment_provider_contract_owners"
    __table_args__ = (
        UniqueConstraint("tenant_id", "provider_id", "contract_owner_id"),
        Index("ix_payment_provider_contract_owners_tenant_owner", "tenant_id", "contract_owner_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    provider_id: Mapped[int] = mapped_column(BigId, ForeignKey("payment_providers.id"), nullable=False)
    contract_owner_id: Mapped[int] = mapped_column(BigId, ForeignKey("contract_owners.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class SitePaymentMandate(TenantScoped, Base):
    """A site's authority for a provider to take direct debits; ``status`` is the provider's mandate state."""

    __tablename__ = "site_payment_mandates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "mandate_reference"),
        UniqueConstraint("tenant_id", "flow_token"),
        Index("ix_site_payment_mandates_tenant_site", "tenant_id", "site_id"),
        Index("ix_site_payment_mandates_tenant_customer_status", "tenant_id", "customer_id", "status"),
    )

    site_id: Mapped[int] = mapped_column(BigId, ForeignKey("sites.id"), nullable=False)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), nullable=False)
    provider_id: Mapped[int] = mapped_column(BigId, ForeignKey("payment_providers.id"), nullable=False)
    mandate_reference: Mapped[str] = mapped_column(String(64), nullable=False)
    third_party_customer_reference: Mapped[str] = mapped_column(String(64), nullable=False)
    flow_token: Mapped[str] = mapped_column(String(64), nullable=False)
    redirect_url: Mapped[str] = mapped_column(String(1000), nullable=False)
    return_url: Mapped[str] = mapped_column(String(1000), nullable=False)
    exit_url: Mapped[str] = mapped_column(String(1000), nullable=False)
    status: Mapped[str] = mapped_column(String(40), nullable=False)
    # What the customer entered on the hosted page (name, email, address): payment-provider-mandates answers it.
    details: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)


class ProviderCollection(Base):
    """One attempt of a provider to collect money for an invoice: the Ledgerline payment it fills in
    (PENDING_VERIFICATION until the provider's events settle it) and the provider's reference."""

    __tablename__ = "provider_collections"
    __table_args__ = (
        UniqueConstraint("tenant_id", "provider_id", "reference"),
        UniqueConstraint("tenant_id", "payment_id"),
        Index("ix_provider_collections_tenant_invoice", "tenant_id", "invoice_id", "id"),
        Index("ix_provider_collections_tenant_open", "tenant_id", "resolved_at", "submitted_at"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    provider_id: Mapped[int] = mapped_column(BigId, ForeignKey("payment_providers.id"), nullable=False)
    # A payment link has no payment until it is paid.
    payment_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("payments.id"))
    invoice_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("invoices.id"))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), nullable=False)
    mandate_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("site_payment_mandates.id"))
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="collection")  # or payment_link
    reference: Mapped[str] = mapped_column(String(64), nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    status: Mapped[str] = mapped_column(String(40), nullable=False)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    # A payment link's description, email address and URL.
    details: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)


class ProviderRefund(Base):
    """A refund a provider pays out (issue 14 item 7): the provider's reference for it, the collection whose
    money it returns, and what the refund took back (``draws``, ``[{"paymentId", "allocationId",
    "amountMinor"}]``), so a bounce restores exactly that. The refund's ``third_party_refund_status`` is the
    provider's status; ``resolved_at`` is set once it is final (paid, or bounced and restored)."""

    __tablename__ = "provider_refunds"
    __table_args__ = (
        UniqueConstraint("tenant_id", "provider_id", "reference"),
        UniqueConstraint("tenant_id", "refund_id"),
        Index("ix_provider_refunds_tenant_open", "tenant_id", "resolved_at", "submitted_at"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    provider_id: Mapped[int] = mapped_column(BigId, ForeignKey("payment_providers.id"), nullable=False)
    refund_id: Mapped[int] = mapped_column(BigId, ForeignKey("refunds.id"), nullable=False)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), nullable=False)
    collection_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("provider_collections.id"))
    reference: Mapped[str] = mapped_column(String(64), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    draws: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class ProviderEvent(Base):
    """An event a provider sent, stored once (unique provider event id) and applied once."""

    __tablename__ = "provider_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "provider_id", "event_id"),
        Index("ix_provider_events_tenant_provider_created", "tenant_id", "provider_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    provider_id: Mapped[int] = mapped_column(BigId, ForeignKey("payment_providers.id"), nullable=False)
    event_id: Mapped[str] = mapped_column(String(100), nullable=False)
    resource_type: Mapped[str] = mapped_column(String(20), nullable=False)  # payment, refund, mandate
    reference: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(40), nullable=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(255))


class SandboxOperation(Base):
    """The sandbox provider's own books: what it was asked to do and the events it still owes.

    A real provider keeps these on its side; the sandbox keeps them here so every flow runs offline.
    ``steps`` are ``[{"at": iso, "status": ...}]``; ``emitted`` counts the steps already sent."""

    __tablename__ = "sandbox_operations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        Index("ix_sandbox_operations_tenant_due", "tenant_id", "next_due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    provider_id: Mapped[int] = mapped_column(BigId, ForeignKey("payment_providers.id"), nullable=False)
    resource_type: Mapped[str] = mapped_column(String(20), nullable=False)
    reference: Mapped[str] = mapped_column(String(64), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    currency: Mapped[str | None] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(40), nullable=False)
    steps: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    emitted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The mandate's or payment link's own facts (names, URLs, what the customer entered).
    details: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
