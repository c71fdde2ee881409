"""The provider runtime of the request being served (cipher, public base URL, sandbox settle delay).

Set by a dependency of the /v1 router (``use_request_runtime``), so use cases reached from any /v1
route (posting an invoice starts a collection) find it without every adapter passing it along;
outside a request (janitor, CLI) callers build one with ``runtime_for``. None means no provider work
(collections do not start), e.g. in service-level tests that do not ask for it.
"""

from __future__ import annotations

from contextvars import ContextVar

from fastapi import Request

from ledgerline.config import Settings
from ledgerline.providers.base import ProviderRuntime
from ledgerline.providers.secrets import Cipher, cipher_for

_CURRENT: ContextVar[ProviderRuntime | None] = ContextVar("ledgerline_provider_runtime", default=None)


# One cipher per configured key (deriving it is cheap, but a request needs none of it again).
_CIPHERS: dict[tuple, Cipher] = {}


def runtime_for(settings: Settings, base_url: str | None = None) -> ProviderRuntime:
    key = tuple(None if secret is None else secret.get_secret_value()
                for secret in (settings.provider_secrets_key, settings.jwt_secret, settings.jwt_private_key))
    if key not in _CIPHERS:
        _CIPHERS[key] = cipher_for(settings)
    url = (settings.public_url or base_url or "http://localhost:8000").rstrip("/")
    return ProviderRuntime(cipher=_CIPHERS[key], base_url=url, settle_seconds=settings.sandbox_settle_seconds,
                           signature_tolerance_seconds=settings.webhook_tolerance_seconds)


def from_request(request: Request) -> ProviderRuntime:
    return runtime_for(request.app.state.settings, str(request.base_url))


async def use_request_runtime(request: Request) -> None:
    _CURRENT.set(from_request(request))


def current() -> ProviderRuntime | None:
    return _CURRENT.get()


def use(runtime: ProviderRuntime | None) -> None:
    """For callers outside a request that want collections to start (CLI, demo data)."""
    _CURRENT.set(runtime)
