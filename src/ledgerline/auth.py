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
from ledgerline.tenants.repository import user_token_version


@dataclass(frozen=True)
class Principal:
    tenant_id: uuid.UUID
    subject: str
    scopes: frozenset[str]
    # A login token's ``uv`` claim: its user's token version when it was issued (None: a token not
    # issued to a login user, e.g. by `ledgerline token`). Revoking the user's tokens bumps the version.
    token_version: int | None = None

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
    version = claims.get(USER_VERSION_CLAIM)
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise Unauthorized(f"token has an invalid {USER_VERSION_CLAIM!r} claim")
    return (Principal(tenant_id=tenant_id, subject=str(claims["sub"]), scopes=scopes, token_version=version),
            float(claims["exp"]))


# The claim a login token carries its user's token version in (tenants/service.py bumps it on revocation).
USER_VERSION_CLAIM = "uv"


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

    def discard(self, token: str) -> None:
        with self._lock:
            self._entries.pop(token, None)


class UserTokenVersions:
    """The token version of each login user this process has seen (``users.token_version``), read again
    once ``check_seconds`` old: a revocation (or a change of the user's scopes or password) committed
    through any node refuses the user's older tokens on every node within that bound. Bounded like
    ``VerifiedTokens``; a user that does not exist has no version (None), which refuses its tokens."""

    def __init__(self, *, check_seconds: float = 1.0, size: int = TOKEN_CACHE_SIZE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.check_seconds, self._size, self._clock = check_seconds, size, clock
        self._entries: dict[tuple[uuid.UUID, str], tuple[int | None, float]] = {}
        self._lock = threading.Lock()

    def fresh(self, tenant_id: uuid.UUID, subject: str) -> tuple[bool, int | None]:
        """(True, version) when the version was read less than ``check_seconds`` ago, else (False, None)."""
        entry = self._entries.get((tenant_id, subject))
        if entry is None or self._clock() - entry[1] >= self.check_seconds:
            return False, None
        return True, entry[0]

    def read(self, db: Database, tenant_id: uuid.UUID, subject: str) -> int | None:
        checked_at = self._clock()
        with db.session(write=False) as session:
            version = user_token_version(session, tenant_id, subject)
        with self._lock:
            while len(self._entries) >= self._size and (tenant_id, subject) not in self._entries:
                del self._entries[next(iter(self._entries))]
            self._entries[(tenant_id, subject)] = (version, checked_at)
        return version


def issue_token(
    settings: Settings,
    *,
    tenant_id: uuid.UUID,
    subject: str,
    scopes: str,
    ttl_seconds: int,
    algorithm: str | None = None,
    user_version: int | None = None,
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
    if user_version is not None:  # a login user's token: refused once the user's version moves on
        claims[USER_VERSION_CLAIM] = user_version
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


def current_tenant_context(db: Database, contexts: TenantContexts, tenant_id: uuid.UUID) -> TenantContext | None:
    """The tenant's context, its version read again if it went unchecked too long (``TenantContexts.current``)."""
    with db.session(write=False) as session:
        return contexts.current(session, tenant_id)


async def current_principal(request: Request) -> Principal:
    """Async, like ``require``'s check: no worker-thread hop per request for CPU work. The one
    database read (a tenant not seen yet by this process: its TenantContext, which proves it exists) goes
    to the thread pool, on a session of its own: the request's session is only used in the request's
    worker thread, and its transaction must not begin before the Idempotency-Key is reserved."""
    token = _token(request)
    principal = request.app.state.verified_tokens.principal(token, request.app.state.settings)
    if principal.token_version is not None:
        await _check_user_version(request, token, principal)
    contexts: TenantContexts = request.app.state.tenant_contexts
    if contexts.cached(principal.tenant_id) is None:
        # Tenants are never deleted, so a cached context always names one that exists.
        if await run_in_threadpool(load_tenant, request.app.state.db, contexts, principal.tenant_id) is None:
            raise Unauthorized("token names a tenant that does not exist")
    request.state.principal = principal
    return principal


async def _check_user_version(request: Request, token: str, principal: Principal) -> None:
    """401 for a login token whose user's tokens were revoked (on any node) since it was issued."""
    versions: UserTokenVersions = request.app.state.user_token_versions
    known, version = versions.fresh(principal.tenant_id, principal.subject)
    if not known:
        version = await run_in_threadpool(versions.read, request.app.state.db, principal.tenant_id,
                                          principal.subject)
    if version != principal.token_version:
        request.app.state.verified_tokens.discard(token)
        raise Unauthorized("token has been revoked: log in again")


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
