"""OAuth2 API clients (Exsited's client credentials) and the refresh tokens issued to them."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import BigId, Base, UTCDateTime, utcnow


class ApiClient(Base):
    """A machine caller of one tenant. The secret is stored hashed (argon2) and shown once, at creation."""

    __tablename__ = "api_clients"
    __table_args__ = (
        # The client id is what the token request names, before any tenant is known: unique globally.
        UniqueConstraint("client_id"),
        Index("ix_api_clients_tenant_created_at", "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("tenants.id"), nullable=False)
    client_id: Mapped[str] = mapped_column(String(64), nullable=False)
    secret_hash: Mapped[str] = mapped_column(Text, nullable=False)
    # Space-separated scopes granted to the client's access tokens.
    scopes: Mapped[str] = mapped_column(Text, nullable=False, default="*")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ApiClientRefreshToken(Base):
    """One refresh token (its SHA-256; the token is 256 random bits), usable once: a refresh rotates it."""

    __tablename__ = "api_client_refresh_tokens"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        Index("ix_api_client_refresh_tokens_tenant_client", "tenant_id", "api_client_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    api_client_id: Mapped[int] = mapped_column(BigId, ForeignKey("api_clients.id"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
