"""Bearer-token authentication (JWT) and scope-based authorization."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from jose import JWTError, jwt
from jose.exceptions import ExpiredSignatureError, JWTClaimsError

from ledgerline.config import Settings
from ledgerline.db import Database
from ledgerline.errors import Forbidden, Unauthorized
from ledgerline.tenants.context import TenantContext, TenantContexts


@dataclass(frozen=True)
class Principal:
    tenant_id: uuid.UUID
    subject: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        group = scope.split(".", 1)[0]
        return bool({"*", scope, f"{group}.*"} & self.scopes)


def _verification_key(settings: Settings, algorithm: str) -> str:
    if algorithm.startswith("HS"):
        if settings.jwt_secret is None:
            raise Unauthorized("HMAC tokens are not accepted: no secret is configured")
        return settings.jwt_secret.get_secret_value()
    if not settings.jwt_public_key:
        raise Unauthorized(f"{algorithm} tokens are not accepted: no public key is configured")
    return settings.jwt_public_key


def decode_token(token: str, settings: Settings) -> Principal:
    return verify_token(token, settings)[0]


def verify_token(token: str, settings: Settings) -> tuple[Principal, float]:
    """The token's principal and its ``exp`` (seconds since the epoch), once signature and claims check out."""
    try:
        header = jwt.get_unverified_header(token)
    except JWTError:
        raise Unauthorized("malformed token") from None
    algorithm = str(header.get("alg", ""))
    # An explicit allow-list: "none" and anything unlisted never reach verification.
    if algorithm not in settings.allowed_jwt_algorithms:
        raise Unauthorized(f"token algorithm {algorithm!r} is not accepted")
    try:
        claims = jwt.decode(
            token,
            _verification_key(settings, algorithm),
            algorithms=[algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            # python-jose accepts a token without "aud" unless told otherwise: a token
            # minted for no audience must not pass for one minted for this API.
            options={"require_exp": True, "require_sub": True, "require_aud": True, "leeway": 0},
        )
    except ExpiredSignatureError:
        raise Unauthorized("token has expired") from None
    except JWTClaimsError as exc:
        raise Unauthorized(f"token claims rejected: {exc}") from None
    except JWTError as exc:  # a bad signature, or a required claim missing
        raise Unauthorized(f"token is invalid: {exc}") from None
    try:
        tenant_id = uuid.UUID(str(claims["tenant"]))
    except (KeyError, ValueError):
        raise Unauthorized("token has no valid 'tenant' claim") from None
    scopes = frozenset(str(claims.get("scope", "")).split())
    return Principal(tenant_id=tenant_id, subject=str(claims["sub"]), scopes=scopes), float(claims["exp"])


TOKEN_CACHE_SIZE = 10_000


class VerifiedTokens:
    """Principals of tokens already verified, each until its ``exp``: one signature check per token
    and process instead of one per request.

    Bounded (the oldest entry is evicted first); an entry is never served at or after its ``exp``,
    so an expired token is verified again, and refused. One per application, since the settings
    (keys, audience, issuer) it verified against are the application's.
    """

    def __init__(self, size: int = TOKEN_CACHE_SIZE, clock: Callable[[], float] = time.time) -> None:
        self._size, self._clock = size, clock
        self._entries: dict[str, tuple[Principal, float]] = {}  # in insertion order: the oldest first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, token: str) -> bool:
        return token in self._entries

    def principal(self, token: str, settings: Settings) -> Principal:
        entry = self._entries.get(token)
        if entry is not None:
            principal, expires = entry
            if self._clock() < expires:
                return principal
            with self._lock:
                self._entries.pop(token, None)
        principal, expires = verify_token(token, settings)  # raises Unauthorized
        with self._lock:
            while len(self._entries) >= self._size:
                del self._entries[next(iter(self._entries))]
            self._entries[token] = (principal, expires)
        return principal


def issue_token(
    settings: Settings,
    *,
    tenant_id: uuid.UUID,
    subject: str,
    scopes: str,
    ttl_seconds: int,
    algorithm: str | None = None,
) -> str:
    algorithm = algorithm or settings.allowed_jwt_algorithms[0]
    now = dt.datetime.now(dt.timezone.utc)
    claims: dict[str, object] = {
        "sub": subject,
        "tenant": str(tenant_id),
        "scope": scopes,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + dt.timedelta(seconds=ttl_seconds)).timestamp()),
    }
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if algorithm.startswith("HS"):
        if settings.jwt_secret is None:
            raise RuntimeError("LEDGERLINE_JWT_SECRET is not set")
        key = settings.jwt_secret.get_secret_value()
    else:
        if settings.jwt_private_key is None:
            raise RuntimeError("LEDGERLINE_JWT_PRIVATE_KEY is needed to sign " + algorithm)
        key = settings.jwt_private_key.get_secret_value()
    return jwt.encode(claims, key, algorithm=algorithm)


def _token(request: Request) -> str:
    """The token, read the way the request's surface reads it (api/surface.py)."""
    token = request.app.state.surfaces.for_path(request.url.path).read_token(request)
    if not token:
        raise Unauthorized("missing bearer token", error="invalid_request")
    return token


def load_tenant(db: Database, contexts: TenantContexts, tenant_id: uuid.UUID) -> TenantContext | None:
    with db.session(write=False) as session:
        return contexts.get(session, tenant_id)


async def current_principal(request: Request) -> Principal:
    """Async, like ``require``'s check: no worker-thread hop per request for CPU work. The one
    database read (a tenant not seen yet by this process: its TenantContext, which proves it exists) goes
    to the thread pool, on a session of its own: the request's session is only used in the request's
    worker thread, and its transaction must not begin before the Idempotency-Key is reserved."""
    principal = request.app.state.verified_tokens.principal(_token(request), request.app.state.settings)
    contexts: TenantContexts = request.app.state.tenant_contexts
    if contexts.cached(principal.tenant_id) is None:
        # Tenants are never deleted, so a cached context always names one that exists.
        if await run_in_threadpool(load_tenant, request.app.state.db, contexts, principal.tenant_id) is None:
            raise Unauthorized("token names a tenant that does not exist")
    request.state.principal = principal
    return principal


def check_scopes(principal: Principal, accepted: tuple[str, ...], *, word: str = "scope") -> Principal:
    """403 unless the principal holds one of the accepted scopes."""
    if not any(principal.allows(each) for each in accepted):
        names = " or ".join(f"'{each}'" for each in accepted)
        raise Forbidden(f"this operation needs the {names} {word}", scope=" ".join(accepted))
    return principal


def dependency_name(prefix: str, accepted: tuple[str, ...]) -> str:
    return prefix + "_or_".join(each.replace(".", "_").replace("-", "_") for each in accepted)


def require(scope: str, *alternatives: str) -> Callable[..., Principal]:
    """Dependency factory: the caller's principal, provided it holds ``scope`` or one of the alternatives."""
    accepted = (scope, *alternatives)

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        return check_scopes(principal, accepted)

    dependency.__name__ = dependency_name("require_", accepted)
    return dependency
