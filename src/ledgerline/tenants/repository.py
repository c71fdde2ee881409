from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerline.models import Tenant, User


def tenant_by_name(session: Session, name: str) -> Tenant | None:
    return session.execute(select(Tenant).where(Tenant.name == name)).scalar_one_or_none()


def user_by_name(session: Session, tenant_id: uuid.UUID, username: str) -> User | None:
    return session.execute(
        select(User).where(User.tenant_id == tenant_id, User.username == username)
    ).scalar_one_or_none()
