"""Forged, expired and misdirected tokens are refused with 401 on every secured operation.

The deployment is RS256 with an issuer (see conftest). Each kind of bad token is sent to every
operation of the OpenAPI document that declares bearer security, so new operations are covered
as soon as they exist; each answer must be a 401 in the surface's envelope with an RFC 6750
challenge, and no row may be written.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from jose import jwt

from tests.security.conftest import ISSUER, Deployment, Keys, rsa_pem_pair
from tests.spec import body_media_types, envelope_problems, filled_path, operations, secured


def public(path: str, operation: dict[str, Any]) -> bool:
    """Health checks, the surfaces' logins and the provider webhooks (their signature is the credential:
    tests/security/test_webhooks.py); everything else must authenticate, documented or not."""
    return not secured(operation) and (path in ("/healthz", "/readyz") or "authenticat" in path
                                       or path.endswith("/oauth2/token")
                                       or path.startswith("/v1/payment-provider-webhooks/"))


SECURED = [(method, path, operation) for method, path, operation in operations() if not public(path, operation)]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(deployment: Deployment, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    values: dict[str, Any] = {"sub": "attacker", "tenant": str(deployment.tenant_id), "scope": "*",
                              "aud": "ledgerline", "iss": ISSUER, "iat": now, "nbf": now, "exp": now + 600}
    values.update(overrides)
    return values


def unsigned(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    head = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    return f"{head}.{b64url(signature)}"


def hs256_with_public_key(deployment: Deployment, keys: Keys) -> str:
    """Key confusion: HMAC-signed with the server's public key, as if it were a shared secret."""
    header = {"alg": "HS256", "typ": "JWT"}
    signing_input = unsigned(header, claims(deployment)).rsplit(".", 1)[0]
    signature = hmac.new(keys.public.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def rs256(payload: dict[str, Any], private_key: str) -> str:
    return jwt.encode(payload, private_key, algorithm="RS256")


Forger = Callable[[Deployment, Keys], str]
BAD_TOKENS: dict[str, Forger] = {
    "alg-none": lambda d, k: unsigned({"alg": "none", "typ": "JWT"}, claims(d)),
    "alg-None-with-signature": lambda d, k: unsigned({"alg": "None"}, claims(d), b"x"),
    "hs256-signed-with-the-public-key": hs256_with_public_key,
    "signed-by-another-key": lambda d, k: rs256(claims(d), rsa_pem_pair().private),
    "expired": lambda d, k: rs256(claims(d, iat=int(time.time()) - 7200, nbf=int(time.time()) - 7200,
                                         exp=int(time.time()) - 60), k.private),
    "not-yet-valid": lambda d, k: rs256(claims(d, nbf=int(time.time()) + 3600), k.private),
    "wrong-audience": lambda d, k: rs256(claims(d, aud="another-api"), k.private),
    "wrong-issuer": lambda d, k: rs256(claims(d, iss="https://attacker.example"), k.private),
    "tenant-that-does-not-exist": lambda d, k: rs256(claims(d, tenant=str(uuid.uuid4())), k.private),
}


def send(deployment: Deployment, method: str, path: str, operation: dict[str, Any], headers: dict[str, str]):
    """A plausible request to the operation: a harmless body of its media type, if it takes one."""
    url = filled_path(path, operation, {"tenantLocator": deployment.tenant_id})
    media_types = body_media_types(operation)
    if not media_types:
        return deployment.client.request(method, url, headers=headers)
    media_type = next((m for m in media_types if "json" in m), media_types[0])
    if "json" not in media_type:
        return deployment.client.request(method, url, headers=headers, files={"subBrand": (None, "{}")})
    body = b"[]" if media_type.endswith("patch+json") else b"{}"
    return deployment.client.request(method, url, headers={**headers, "Content-Type": media_type}, content=body)


def assert_refused(response, label: str, error: str = "invalid_token") -> None:
    assert response.status_code == 401, f"{label}: {response.status_code} {response.text}"
    challenge = response.headers.get("WWW-Authenticate", "")
    assert challenge.startswith(f'Bearer error="{error}"'), f"{label}: {challenge!r}"
    if response.request.method != "HEAD":
        assert envelope_problems(response.request.url.path, 401, response.json()) == [], label


def test_the_deployment_accepts_its_own_tokens(deployment: Deployment, record_property):
    """The control: the same requests with a good token are not refused for authentication."""
    refused = []
    for method, path, operation in SECURED:
        response = send(deployment, method, path, operation, deployment.auth)
        if response.status_code in (401, 403) or response.status_code >= 500:
            refused.append(f"{method} {path}: {response.status_code}")
    assert refused == []
    record_property("requests_sent", len(SECURED))


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
def test_bad_token_is_401_on_every_secured_operation(deployment: Deployment, keys: Keys, kind: str,
                                                     record_property):
    token = BAD_TOKENS[kind](deployment, keys)
    before = deployment.row_counts()
    for method, path, operation in SECURED:
        response = send(deployment, method, path, operation, {"Authorization": f"Bearer {token}"})
        assert_refused(response, f"{method} {path} ({kind})")
    assert deployment.row_counts() == before
    record_property("requests_sent", len(SECURED))


def test_no_token_is_401_on_every_operation_but_health_and_login(deployment: Deployment,
                                                                 record_property):
    before = deployment.row_counts()
    for method, path, operation in SECURED:
        assert_refused(send(deployment, method, path, operation, {}), f"{method} {path}", "invalid_request")
    assert deployment.row_counts() == before
    record_property("requests_sent", len(SECURED))
