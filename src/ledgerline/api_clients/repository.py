"""API client queries: by client id (globally unique), a tenant's clients, refresh tokens by hash."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ledgerline.models import ApiClient, ApiClientRefreshToken


def client_by_client_id(session: Session, client_id: str) -> ApiClient | None:
    return session.execute(select(ApiClient).where(ApiClient.client_id == client_id)).scalar_one_or_none()


def clients_of_tenant(session: Session, tenant_id: uuid.UUID | None) -> Sequence[ApiClient]:
    stmt = select(ApiClient).order_by(ApiClient.created_at, ApiClient.id)
    if tenant_id is not None:
        stmt = stmt.where(ApiClient.tenant_id == tenant_id)
    return list(session.execute(stmt).scalars())


def refresh_token_by_hash(session: Session, token_hash: str) -> ApiClientRefreshToken | None:
    return session.execute(select(ApiClientRefreshToken).where(ApiClientRefreshToken.token_hash == token_hash)
                           ).scalar_one_or_none()


def use_refresh_token(session: Session, token_id: int, now: dt.datetime) -> bool:
    """Mark the token used, once: False when another request used it first (a conditional UPDATE, so
    two concurrent refreshes with one token cannot both succeed)."""
    result = session.execute(update(ApiClientRefreshToken)
                             .where(ApiClientRefreshToken.id == token_id, ApiClientRefreshToken.used_at.is_(None))
                             .values(used_at=now))
    return result.rowcount == 1
