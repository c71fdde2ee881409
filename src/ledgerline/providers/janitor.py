"""The janitor (after Kill Bill's): delivers the sandbox's due events, and resolves collections stuck
pending past ``LEDGERLINE_JANITOR_DEADLINE_SECONDS`` by asking their provider where they stand.

``ledgerline janitor`` runs it once (or every ``--every`` seconds); the server runs it in the background
when ``LEDGERLINE_JANITOR_INTERVAL_SECONDS`` is above 0. Each tenant is one transaction of its own.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from fastapi.concurrency import run_in_threadpool

from ledgerline.config import Settings
from ledgerline.db import Database
from ledgerline.providers import collections, repository
from ledgerline.providers.runtime import runtime_for
from ledgerline.tenants import context as tenant_contexts

log = logging.getLogger("ledgerline.janitor")


def run_once(db: Database, settings: Settings, *, now: dt.datetime | None = None) -> list[str]:
    """One pass over every tenant; answers what it did, one line per event applied or collection resolved."""
    runtime = runtime_for(settings)
    with db.independent_transaction() as session:
        tenant_ids = repository.tenant_ids(session)
    outcomes: list[str] = []
    for tenant_id in tenant_ids:
        with db.independent_transaction() as session:
            tenant = tenant_contexts.load(session, tenant_id, settings.shortfall_tolerance)
            if tenant is None:
                continue
            settled = collections.settle_sandbox(session, tenant=tenant, runtime=runtime, now=now)
            outcomes += [f"{tenant_id}: {outcome}" for outcome in settled.outcomes]
            outcomes += [f"{tenant_id}: {outcome}" for outcome in collections.resolve_stuck(
                session, tenant=tenant, runtime=runtime, deadline_seconds=settings.janitor_deadline_seconds,
                now=now)]
    return outcomes


async def run_periodically(db: Database, settings: Settings, interval_seconds: float) -> None:
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            outcomes = await run_in_threadpool(run_once, db, settings)
        except Exception:  # noqa: BLE001 - a failed pass is retried at the next interval
            log.exception("the payment provider janitor failed")
        else:
            for outcome in outcomes:
                log.info("janitor: %s", outcome)
