"""Customer balance adjustment queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from ledgerline.kit.bulk import insert_returning_ids
from ledgerline.kit.listing import Filter, FilterKind, Listing
from ledgerline.kit.repository import TenantRows
from ledgerline.models import CustomerBalanceAdjustment as Adjustment

ADJUSTMENT_LISTING = Listing(
    sortable={"id": Adjustment.id, "amountInMajorCurrency": Adjustment.amount_minor,
              "createdAt": Adjustment.created_at},
    filters=[
        Filter("id", FilterKind.ID, Adjustment.id, "Filter by adjustment identifier"),
        Filter("customerId", FilterKind.ID, Adjustment.customer_id, "Filter by customer"),
        Filter("number", FilterKind.STRING, Adjustment.number, "Filter by adjustment number"),
        Filter("amountInMajorCurrency", FilterKind.AMOUNT, Adjustment.amount_minor,
               "Filter by amount (negative = debit)", currency_column=Adjustment.currency),
        Filter("createdAt", FilterKind.DATE, Adjustment.created_at, "Filter by creation date"),
    ],
    fields=("id", "locator", "number", "customerId", "currency", "currencyId", "amountInMajorCurrency",
            "creditUsedInMajorCurrency", "invoiceId", "resultingCustomerBalance", "description", "createdBy",
            "createdAt"),
    tiebreak=Adjustment.id,
)


ADJUSTMENTS = TenantRows(Adjustment, ADJUSTMENT_LISTING)


def insert_adjustments(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    return insert_returning_ids(session, Adjustment.__table__, rows)
