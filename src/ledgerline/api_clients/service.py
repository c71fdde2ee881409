"""API clients: create (the secret shown once), list, revoke, and the two OAuth2 grants.

A client belongs to one tenant and carries scopes. ``client_credentials`` trades its id and secret
for a grant; ``refresh_token`` trades a refresh token (single use: each refresh rotates it) plus the
client's credentials for a new one. The surface turns a grant into Ledgerline's own bearer JWT
(auth.issue_token), so tokens of clients and of users are verified alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from ledgerline.api_clients import repository
from ledgerline.errors import InvalidRequest, NotFound, Unauthorized
from ledgerline.models import ApiClient, ApiClientRefreshToken, Tenant
from ledgerline.models.base import utcnow

REFRESH_TOKEN_TTL = dt.timedelta(days=30)
CLIENT_ID_PREFIX = "llc_"

_hasher = PasswordHasher()
# Verifying against a real hash when the client is unknown keeps response times alike.
_DUMMY_HASH = _hasher.hash("ledgerline-client-timing-equaliser")


@dataclass(frozen=True)
class NewClient:
    client_id: str
    client_secret: str  # shown once: only its hash is kept


@dataclass(frozen=True)
class Grant:
    """Who the tokens are for, and the refresh token that renews them."""

    tenant_id: uuid.UUID
    subject: str
    scopes: str
    refresh_token: str


def _token_hash(token: str) -> str:
    # A refresh token is 256 random bits, so a fast hash suffices (no dictionary to guess from).
    return hashlib.sha256(token.encode()).hexdigest()


def create_client(session: Session, *, tenant_id: uuid.UUID, scopes: str = "*") -> NewClient:
    if session.get(Tenant, tenant_id) is None:
        raise InvalidRequest.for_field("tenant", f"tenant {tenant_id} does not exist")
    scopes = " ".join(scopes.split())
    if not scopes:
        raise InvalidRequest.for_field("scope", "give at least one scope ('*' grants everything)")
    client_id = CLIENT_ID_PREFIX + secrets.token_hex(12)
    secret = secrets.token_urlsafe(32)
    session.add(ApiClient(tenant_id=tenant_id, client_id=client_id, secret_hash=_hasher.hash(secret), scopes=scopes))
    session.flush()
    return NewClient(client_id, secret)


def list_clients(session: Session, *, tenant_id: uuid.UUID | None = None) -> Sequence[ApiClient]:
    return repository.clients_of_tenant(session, tenant_id)


def revoke_client(session: Session, *, client_id: str) -> ApiClient:
    """The client can no longer get tokens; those it holds expire on their own (short-lived)."""
    client = repository.client_by_client_id(session, client_id)
    if client is None:
        raise NotFound(f"API client {client_id} not found")
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        session.flush()
    return client


def _authenticated(session: Session, client_id: str, client_secret: str) -> ApiClient:
    client = repository.client_by_client_id(session, client_id)
    try:
        _hasher.verify(client.secret_hash if client else _DUMMY_HASH, client_secret)
    except (VerificationError, InvalidHashError):
        client = None
    if client is None or client.revoked_at is not None:
        raise Unauthorized("unknown client, wrong secret or revoked client", error="invalid_client")
    return client


def _grant(session: Session, client: ApiClient, now: dt.datetime) -> Grant:
    token = secrets.token_urlsafe(32)
    session.add(ApiClientRefreshToken(tenant_id=client.tenant_id, api_client_id=client.id,
                                      token_hash=_token_hash(token), expires_at=now + REFRESH_TOKEN_TTL,
                                      created_at=now))
    session.flush()
    return Grant(tenant_id=client.tenant_id, subject=client.client_id, scopes=client.scopes, refresh_token=token)


def client_credentials_grant(session: Session, *, client_id: str, client_secret: str) -> Grant:
    return _grant(session, _authenticated(session, client_id, client_secret), utcnow())


def refresh_token_grant(session: Session, *, client_id: str, client_secret: str, refresh_token: str) -> Grant:
    """A new grant for a refresh token the client was given, unused and unexpired; the old one is spent."""
    client = _authenticated(session, client_id, client_secret)
    now = utcnow()
    stored = repository.refresh_token_by_hash(session, _token_hash(refresh_token))
    if (stored is None or stored.api_client_id != client.id or stored.used_at is not None
            or stored.expires_at <= now or not repository.use_refresh_token(session, stored.id, now)):
        raise InvalidRequest.for_field("refresh_token", "is unknown, expired or already used")
    return _grant(session, client, now)
