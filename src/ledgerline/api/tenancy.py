"""The caller's tenant context, as every surface hands it to the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from ledgerline.auth import Principal, current_principal, current_tenant_context
from ledgerline.errors import Unauthorized
from ledgerline.tenants.context import TenantContext, TenantContexts


async def current_tenant(request: Request,
                         principal: Annotated[Principal, Depends(current_principal)]) -> TenantContext:
    """The process's cached context of the token's tenant (``current_principal`` loads it the first time
    it sees the tenant). A context unchecked for ``LEDGERLINE_CACHE_CHECK_SECONDS`` has its version read
    again first, so a change made through another node is applied here within that bound; the money path
    also checks the version under the customer lock, so a money rule is never applied stale.

    A context is read in a short session of its own: the request's transaction must not begin before
    the Idempotency-Key is reserved (on SQLite it would hold the one write lock the reservation needs)."""
    contexts: TenantContexts = request.app.state.tenant_contexts
    context = contexts.fresh(principal.tenant_id)
    if context is None:
        context = await run_in_threadpool(current_tenant_context, request.app.state.db, contexts,
                                          principal.tenant_id)
        if context is None:
            raise Unauthorized("token names a tenant that does not exist")
    return context


TenantDep = Annotated[TenantContext, Depends(current_tenant)]
