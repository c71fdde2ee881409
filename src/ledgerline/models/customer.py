from __future__ import annotations

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import BigId, Base, TenantScoped
from ledgerline.models.enums import CustomerStatus, SiteStatus, db_enum


class Customer(TenantScoped, Base):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        UniqueConstraint("tenant_id", "number"),
        Index("ix_customers_tenant_name", "tenant_id", "name"),
        Index("ix_customers_tenant_uuid", "tenant_id", "uuid"),
        Index("ix_customers_tenant_status", "tenant_id", "status"),
        Index("ix_customers_tenant_contract_owner", "tenant_id", "contract_owner_id"),
        Index("ix_customers_tenant_billing_cycle", "tenant_id", "billing_cycle_id"),
        Index("ix_customers_tenant_sub_brand", "tenant_id", "sub_brand_id"),
        CheckConstraint("credit_threshold_minor >= 0", name="credit_threshold_not_negative"),
        CheckConstraint("credit_minor >= 0", name="credit_not_negative"),
    )

    number: Mapped[str] = mapped_column(String(30), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    credit_threshold_minor: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    # Money received and not allocated to any invoice: the customer's credit.
    credit_minor: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    status: Mapped[CustomerStatus] = mapped_column(
        db_enum(CustomerStatus, "customer_status"), nullable=False, default=CustomerStatus.ACTIVE
    )
    contract_owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("contract_owners.id"))
    billing_cycle_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("billing_cycles.id"))
    sub_brand_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("contract_owner_sub_brands.id"))
    reference_number: Mapped[str | None] = mapped_column(String(100))


class Site(TenantScoped, Base):
    __tablename__ = "sites"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        Index("ix_sites_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_sites_tenant_name", "tenant_id", "name"),
        Index("ix_sites_tenant_reference", "tenant_id", "reference"),
        Index("ix_sites_tenant_status", "tenant_id", "status"),
        Index("ix_sites_tenant_created_at", "tenant_id", "created_at"),
    )

    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    reference: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[SiteStatus] = mapped_column(
        db_enum(SiteStatus, "site_status"), nullable=False, default=SiteStatus.ACTIVE
    )
    address: Mapped[dict | None] = mapped_column(JSON)
