"""Reference data queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ledgerline.kit.listing import Filter, FilterKind, Listing, ListQuery, Page
from ledgerline.kit.repository import count_matching, fetch_page
from ledgerline.models import (
    FinancialTransactionCategory, FinancialTransactionType, PaymentMethodSetting, RejectionReason, ShortfallTolerance,
)
from ledgerline.models.enums import PaymentMethod, TransactionClassification
from ledgerline.models.reference import ReferenceEntry

_COMMON_FIELDS = ("id", "locator", "name", "description", "active", "version", "createdAt", "updatedAt")


def _listing(model: type[ReferenceEntry], *specific: Filter) -> Listing:
    return Listing(
        sortable={"id": model.id, "name": model.name, "createdAt": model.created_at,
                  **{spec.name: spec.column for spec in specific}},
        filters=[
            Filter("id", FilterKind.ID, model.id, "Filter by identifier"),
            Filter("name", FilterKind.STRING, model.name, "Filter by name"),
            Filter("active", FilterKind.BOOLEAN, model.active, "Filter by whether new transactions may use it"),
            *specific,
        ],
        fields=(*_COMMON_FIELDS, *(spec.name for spec in specific)),
        tiebreak=model.id,
    )


LISTINGS: dict[type[ReferenceEntry], Listing] = {
    FinancialTransactionType: _listing(
        FinancialTransactionType,
        Filter("alternativeCode", FilterKind.STRING, FinancialTransactionType.alternative_code,
               "Filter by alternative code"),
        Filter("classification", FilterKind.ENUM, FinancialTransactionType.classification,
               "Filter by classification", enum_type=TransactionClassification)),
    FinancialTransactionCategory: _listing(
        FinancialTransactionCategory,
        Filter("code", FilterKind.STRING, FinancialTransactionCategory.code, "Filter by code")),
    RejectionReason: _listing(
        RejectionReason,
        Filter("alternativeCode", FilterKind.STRING, RejectionReason.alternative_code, "Filter by alternative code")),
    PaymentMethodSetting: _listing(
        PaymentMethodSetting,
        Filter("method", FilterKind.ENUM, PaymentMethodSetting.method, "Filter by PaymentMethod",
               enum_type=PaymentMethod)),
}


def _of_tenant(model: type[ReferenceEntry], tenant_id: uuid.UUID) -> Select:
    return select(model).where(model.tenant_id == tenant_id)


def page_of(session: Session, model: type[ReferenceEntry], tenant_id: uuid.UUID, query: ListQuery) -> Page:
    return fetch_page(session, _of_tenant(model, tenant_id), LISTINGS[model], query)


def count_of(session: Session, model: type[ReferenceEntry], tenant_id: uuid.UUID, query: ListQuery) -> int:
    return count_matching(session, _of_tenant(model, tenant_id), LISTINGS[model], query)


def default_type(session: Session, tenant_id: uuid.UUID,
                 classification: TransactionClassification) -> FinancialTransactionType | None:
    """The active type of the classification, preferring the one coded as the classification itself."""
    model = FinancialTransactionType
    return session.execute(
        _of_tenant(model, tenant_id)
        .where(model.classification == classification, model.active.is_(True))
        .order_by((model.alternative_code != classification.value), model.id)
        .limit(1)
    ).scalar_one_or_none()


def payment_method_setting(session: Session, tenant_id: uuid.UUID, method: PaymentMethod) -> PaymentMethodSetting | None:
    return session.execute(_of_tenant(PaymentMethodSetting, tenant_id)
                           .where(PaymentMethodSetting.method == method)).scalar_one_or_none()


def tolerances(session: Session, tenant_id: uuid.UUID) -> Sequence[ShortfallTolerance]:
    return session.execute(select(ShortfallTolerance).where(ShortfallTolerance.tenant_id == tenant_id)
                           .order_by(ShortfallTolerance.currency)).scalars().all()


def tolerance(session: Session, tenant_id: uuid.UUID, currency: str) -> ShortfallTolerance | None:
    return session.get(ShortfallTolerance, (tenant_id, currency))
