from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import BigId, Base, TimestampMixin, UTCDateTime, utcnow


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    # Elevate's login names the tenant as its "brand".
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    # Bumped by every change to the tenant's policy (tolerances, reference data): tenants/context.py.
    settings_version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class User(TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "username"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), nullable=False)
    username: Mapped[str] = mapped_column(String(100), nullable=False)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    # Space-separated scopes granted to this user's login tokens.
    scopes: Mapped[str] = mapped_column(Text, nullable=False, default="*")
    # Carried by the user's login tokens (claim "uv"); bumped to revoke them all (tenants/service.py).
    token_version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1, server_default="1")
