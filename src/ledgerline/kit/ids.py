"""Identifiers: int64 ids (database), ULID locators, UUIDs and human numbers."""

from __future__ import annotations

import uuid

from ulid import ULID


def new_locator() -> str:
    """A ULID: sortable by creation time, the locator Socotra-style surfaces use."""
    return str(ULID())


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()


def format_number(prefix: str, value: int) -> str:
    """Human numbers such as ``PAY-0000123``: a per-tenant, per-kind sequence."""
    return f"{prefix}-{value:07d}"
