"""Customer balance adjustment queries."""

from __future__ import annotations

from ledgerline.kit.criteria import ColumnMap, amount, day, ident, text
from collections.abc import Sequence
from typing import Any
from sqlalchemy.orm import Session
from ledgerline.kit.bulk import insert_returning_ids
from ledgerline.kit.repository import TenantRows
from ledgerline.models import CustomerBalanceAdjustment as Adjustment

ADJUSTMENT_COLUMNS = ColumnMap({
    "id": ident(Adjustment.id),
    "customer_id": ident(Adjustment.customer_id),
    "number": text(Adjustment.number),
    "amount": amount(Adjustment.amount_minor, Adjustment.currency),
    "created_at": day(Adjustment.created_at),
}, tiebreak=Adjustment.id)


ADJUSTMENTS = TenantRows(Adjustment, ADJUSTMENT_COLUMNS)


def insert_adjustments(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    return insert_returning_ids(session, Adjustment.__table__, rows)
