"""The caller's tenant context, as every surface hands it to the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from ledgerline.auth import Principal, current_principal, load_tenant
from ledgerline.errors import Unauthorized
from ledgerline.tenants.context import TenantContext, TenantContexts


async def current_tenant(request: Request,
                         principal: Annotated[Principal, Depends(current_principal)]) -> TenantContext:
    """The process's cached context of the token's tenant (``current_principal`` loads it the first time
    it sees the tenant; the money path checks its version under the customer lock, so a cached one is
    never applied stale).

    A context is read in a short session of its own: the request's transaction must not begin before
    the Idempotency-Key is reserved (on SQLite it would hold the one write lock the reservation needs)."""
    contexts: TenantContexts = request.app.state.tenant_contexts
    context = contexts.cached(principal.tenant_id)
    if context is None:
        context = await run_in_threadpool(load_tenant, request.app.state.db, contexts, principal.tenant_id)
        if context is None:
            raise Unauthorized("token names a tenant that does not exist")
    return context



TenantDep = Annotated[TenantContext, Depends(current_tenant)]
