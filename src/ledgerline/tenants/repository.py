from __future__ import annotations

import uuid

from collections.abc import Sequence

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from ledgerline.models import (
    FinancialTransactionCategory, FinancialTransactionType, PaymentMethodSetting, ShortfallTolerance, Tenant, User,
)
from ledgerline.models.enums import PaymentMethod


def tenant_by_name(session: Session, name: str) -> Tenant | None:
    return session.execute(select(Tenant).where(Tenant.name == name)).scalar_one_or_none()


def user_by_name(session: Session, tenant_id: uuid.UUID, username: str) -> User | None:
    return session.execute(
        select(User).where(User.tenant_id == tenant_id, User.username == username)
    ).scalar_one_or_none()


def user_token_version(session: Session, tenant_id: uuid.UUID, username: str) -> int | None:
    return session.execute(select(User.token_version).where(User.tenant_id == tenant_id,
                                                            User.username == username)).scalar_one_or_none()


def settings_version(session: Session, tenant_id: uuid.UUID) -> int | None:
    return session.execute(select(Tenant.settings_version).where(Tenant.id == tenant_id)).scalar_one_or_none()


def bump_settings_version(session: Session, tenant_id: uuid.UUID) -> None:
    """Tell every process that the tenant's policy changed (they compare versions under the customer lock)."""
    session.execute(update(Tenant).where(Tenant.id == tenant_id)
                    .values(settings_version=Tenant.settings_version + 1))


def tolerances(session: Session, tenant_id: uuid.UUID) -> dict[str, int]:
    rows = session.execute(select(ShortfallTolerance.currency, ShortfallTolerance.amount_minor)
                           .where(ShortfallTolerance.tenant_id == tenant_id))
    return {currency: amount for currency, amount in rows}


def transaction_types(session: Session, tenant_id: uuid.UUID) -> Sequence[Row]:
    model = FinancialTransactionType
    return session.execute(select(model.id, model.name, model.active, model.classification, model.alternative_code)
                           .where(model.tenant_id == tenant_id)).all()


def transaction_categories(session: Session, tenant_id: uuid.UUID) -> Sequence[Row]:
    model = FinancialTransactionCategory
    return session.execute(select(model.id, model.name, model.active).where(model.tenant_id == tenant_id)).all()


def disabled_methods(session: Session, tenant_id: uuid.UUID) -> list[PaymentMethod]:
    model = PaymentMethodSetting
    return list(session.execute(select(model.method).where(model.tenant_id == tenant_id,
                                                           model.active.is_(False))).scalars())
