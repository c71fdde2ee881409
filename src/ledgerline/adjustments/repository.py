"""Customer balance adjustment queries."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ledgerline.kit.listing import Filter, FilterKind, Listing, ListQuery, Page
from ledgerline.kit.repository import count_matching, fetch_page
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


def _adjustments(tenant_id: uuid.UUID) -> Select:
    return select(Adjustment).where(Adjustment.tenant_id == tenant_id)


def page_of_adjustments(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    return fetch_page(session, _adjustments(tenant_id), ADJUSTMENT_LISTING, query)


def count_adjustments(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> int:
    return count_matching(session, _adjustments(tenant_id), ADJUSTMENT_LISTING, query)
