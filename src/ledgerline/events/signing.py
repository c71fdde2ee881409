"""Webhook signatures: HMAC-SHA256 over ``<timestamp>.<body>``, in the ``Ledgerline-Signature`` header.

    Ledgerline-Signature: t=1764633600,v1=5257a869e7...

``t`` is the Unix time of the attempt; each ``v1`` is the hex HMAC-SHA256, keyed with an endpoint
secret (the whole ``whsec_...`` string, UTF-8), of the bytes ``t``, ``.`` and the raw body. After a
secret rotation there is one ``v1`` per secret still valid. A receiver recomputes it with its secret,
compares in constant time, and refuses a ``t`` too far from its clock (replays). README "Events and
webhooks" has the receiver's snippet; ``verify`` here is the same check.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

HEADER = "Ledgerline-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()


def header_value(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={signature(secret, timestamp, body)}" for secret in secrets)])


def verify(secret: str, header: str, body: bytes, *, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    parts = [part.split("=", 1) for part in header.split(",") if "=" in part]
    timestamps = [value for key, value in parts if key == "t"]
    if len(timestamps) != 1 or not timestamps[0].isdigit():
        return False
    timestamp = int(timestamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, value) for key, value in parts if key == "v1")
