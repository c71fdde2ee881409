"""Email templates: a named subject and body with ``{{placeholder}}`` substitutions (seed 001 names them)."""

from __future__ import annotations

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import Base, TenantScoped


class EmailTemplate(TenantScoped, Base):
    __tablename__ = "email_templates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locator"),
        Index("ix_email_templates_tenant_name", "tenant_id", "name"),
        Index("ix_email_templates_tenant_created_at", "tenant_id", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
