from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ledgerline.models.base import Base


class NumberSequence(Base):
    """Per-tenant counters behind human numbers (``CUS-0000001``); one row per kind."""

    __tablename__ = "number_sequences"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
