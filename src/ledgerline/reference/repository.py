"""Reference data queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ledgerline.kit.criteria import Attribute, ColumnMap, choice, day, flag, ident, text
from ledgerline.kit.repository import TenantRows
from ledgerline.models import (
    FinancialTransactionCategory, FinancialTransactionType, PaymentMethodSetting, RejectionReason, ShortfallTolerance,
)
from ledgerline.models.enums import PaymentMethod, TransactionClassification
from ledgerline.models.reference import ReferenceEntry

def _columns(model: type[ReferenceEntry], **specific: Attribute) -> ColumnMap:
    return ColumnMap({
        "id": ident(model.id), "name": text(model.name), "active": flag(model.active),
        "created_at": day(model.created_at), **specific,
    }, tiebreak=model.id)


ENTRIES: dict[type[ReferenceEntry], TenantRows] = {model: TenantRows(model, columns) for model, columns in (
    (FinancialTransactionType, _columns(
        FinancialTransactionType, alternative_code=text(FinancialTransactionType.alternative_code),
        classification=choice(FinancialTransactionType.classification, TransactionClassification))),
    (FinancialTransactionCategory, _columns(
        FinancialTransactionCategory, code=text(FinancialTransactionCategory.code))),
    (RejectionReason, _columns(RejectionReason, alternative_code=text(RejectionReason.alternative_code))),
    (PaymentMethodSetting, _columns(PaymentMethodSetting, method=choice(PaymentMethodSetting.method, PaymentMethod),
                                    alternative_code=text(PaymentMethodSetting.alternative_code))),
)}


def _of_tenant(model: type[ReferenceEntry], tenant_id: uuid.UUID) -> Select:
    return select(model).where(model.tenant_id == tenant_id)


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
