from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Integer, PrimaryKeyConstraint, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import Base, UTCDateTime


class IdempotencyKey(Base):
    """A POST's first outcome, kept so a retry with the same key replays it."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "key"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid())
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # NULL while the first request is still running.
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    response_headers: Mapped[str | None] = mapped_column(Text)
    locked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
