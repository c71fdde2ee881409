"""Refunds through providers (issue 14 item 7): not built yet. Refunds stay as /v1/refunds makes them
(MANUALLY_REFUNDED); refund events are stored and answered as ignored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ledgerline.models import PaymentProvider
from ledgerline.providers.base import ProviderEventData, ProviderRuntime
from ledgerline.tenants.context import TenantContext


def apply_refund_event(session: Session, *, tenant: TenantContext, provider: PaymentProvider,
                       event: ProviderEventData) -> str:
    return f"ignored: refund {event.reference} is not tracked"


def resolve_stuck_refunds(session: Session, *, tenant: TenantContext, runtime: ProviderRuntime,
                          deadline_seconds: float, now: dt.datetime) -> list[str]:
    return []
