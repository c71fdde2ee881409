"""Journal lines as plans write them: pure values, appended in one multi-row INSERT when a plan is applied."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from ledgerline.kit.bulk import insert_rows
from ledgerline.models import JournalEntry
from ledgerline.models.enums import JournalKind


@dataclass(frozen=True)
class JournalLine:
    """One journal entry: the moves of the customer's balance, its credit and an invoice's outstanding."""

    kind: JournalKind
    customer_id: int
    currency: str
    balance: int = 0
    credit: int = 0
    outstanding: int = 0
    invoice_id: int | None = None
    payment_id: int | None = None
    adjustment_id: int | None = None
    refund_id: int | None = None
    credit_id: int | None = None


def append(session: Session, *, tenant_id: uuid.UUID, lines: Sequence[JournalLine], now: dt.datetime) -> None:
    rows = []
    for line in lines:
        row = asdict(line)
        deltas = {"balance_delta": row.pop("balance"), "credit_delta": row.pop("credit"),
                  "outstanding_delta": row.pop("outstanding")}
        rows.append({**row, **deltas, "tenant_id": tenant_id, "created_at": now})
    insert_rows(session, JournalEntry.__table__, rows)
