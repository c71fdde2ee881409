"""Signed webhook bodies: HMAC-SHA256 over ``<timestamp>.<raw body>`` with the provider's webhook secret.

Header ``Webhook-Signature: t=<unix seconds>,v1=<hex digest>`` (Stripe's scheme). Verification
compares in constant time and refuses a timestamp further than the tolerance from now (replays).
"""

from __future__ import annotations

import hashlib
import hmac

from ledgerline.errors import Unauthorized

HEADER = "webhook-signature"


def sign(secret: str, raw_body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, raw_body: bytes, header: str | None, *, now: float, tolerance_seconds: int) -> None:
    """Unauthorized (401) unless ``header`` signs ``raw_body`` with ``secret`` within the tolerance."""
    if not header:
        raise Unauthorized("missing Webhook-Signature header", error="invalid_signature")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise Unauthorized("Webhook-Signature has no timestamp", error="invalid_signature") from None
    if abs(now - timestamp) > tolerance_seconds:
        raise Unauthorized("Webhook-Signature timestamp is outside the tolerance", error="invalid_signature")
    expected = sign(secret, raw_body, timestamp).partition(",v1=")[2]
    if not any(hmac.compare_digest(expected.encode(), given.encode()) for given in parts.get("v1", [])):
        raise Unauthorized("Webhook-Signature does not match the body", error="invalid_signature")
