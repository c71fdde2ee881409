"""Tenants and login users."""

from __future__ import annotations

import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlalchemy.orm import Session

from ledgerline.errors import Conflict, InvalidRequest, Unauthorized
from ledgerline.models import Tenant, User
from ledgerline.reference.service import seed_defaults
from ledgerline.tenants import repository

_hasher = PasswordHasher()
# Verifying against a real hash when the user is unknown keeps response times alike.
_DUMMY_HASH = _hasher.hash("ledgerline-timing-equaliser")


def create_tenant(session: Session, *, name: str) -> Tenant:
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidRequest.for_field("name", "must be 1 to 100 characters")
    if repository.tenant_by_name(session, name) is not None:
        raise Conflict(f"a tenant named {name!r} exists already")
    tenant = Tenant(id=uuid.uuid4(), name=name)
    session.add(tenant)
    session.flush()
    seed_defaults(session, tenant.id)
    return tenant


def create_user(session: Session, *, tenant_id: uuid.UUID, username: str, password: str, scopes: str = "*") -> User:
    if session.get(Tenant, tenant_id) is None:
        raise InvalidRequest.for_field("tenant", f"tenant {tenant_id} does not exist")
    if not 1 <= len(username) <= 100:
        raise InvalidRequest.for_field("username", "must be 1 to 100 characters")
    if not 1 <= len(password) <= 100:
        raise InvalidRequest.for_field("password", "must be 1 to 100 characters")
    if repository.user_by_name(session, tenant_id, username) is not None:
        raise Conflict(f"user {username!r} exists already")
    user = User(tenant_id=tenant_id, username=username, password_hash=_hasher.hash(password), scopes=scopes)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, brand: str, username: str, password: str) -> User:
    """The user behind a brand (tenant name), username and password; 401 for any mismatch."""
    tenant = repository.tenant_by_name(session, brand)
    user = repository.user_by_name(session, tenant.id, username) if tenant else None
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None:
        raise Unauthorized("unknown brand, username or password", error="invalid_request")
    return user


def _existing_user(session: Session, tenant_id: uuid.UUID, username: str) -> User:
    user = repository.user_by_name(session, tenant_id, username)
    if user is None:
        raise InvalidRequest.for_field("username", f"user {username!r} does not exist")
    return user


def revoke_tokens(session: Session, *, tenant_id: uuid.UUID, username: str) -> int:
    """Refuse every login token the user holds (each carries the version it was issued with); the new version.

    Every host notices within ``LEDGERLINE_CACHE_CHECK_SECONDS`` (auth.UserTokenVersions)."""
    user = _existing_user(session, tenant_id, username)
    session.execute(update(User).where(User.id == user.id).values(token_version=User.token_version + 1))
    session.refresh(user, ["token_version"])
    return user.token_version


def set_scopes(session: Session, *, tenant_id: uuid.UUID, username: str, scopes: str) -> User:
    """New scopes for the user's logins; the tokens issued with the old ones are revoked."""
    user = _existing_user(session, tenant_id, username)
    user.scopes = scopes
    session.flush()
    revoke_tokens(session, tenant_id=tenant_id, username=username)
    return user


def set_password(session: Session, *, tenant_id: uuid.UUID, username: str, password: str) -> User:
    """A new password; the tokens the user logged in for with the old one are revoked."""
    if not 1 <= len(password) <= 100:
        raise InvalidRequest.for_field("password", "must be 1 to 100 characters")
    user = _existing_user(session, tenant_id, username)
    user.password_hash = _hasher.hash(password)
    session.flush()
    revoke_tokens(session, tenant_id=tenant_id, username=username)
    return user
