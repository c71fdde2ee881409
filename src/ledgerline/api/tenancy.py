"""The caller's tenant context, as every surface hands it to the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from ledgerline.auth import Principal, SessionDep, current_principal
from ledgerline.errors import Unauthorized
from ledgerline.tenants.context import TenantContext, TenantContexts


async def current_tenant(request: Request, session: SessionDep,
                         principal: Annotated[Principal, Depends(current_principal)]) -> TenantContext:
    """The process's cached context of the token's tenant; read from the database the first time only
    (the money path checks its version under the customer lock, so a cached one is never applied stale)."""
    contexts: TenantContexts = request.app.state.tenant_contexts
    context = contexts.cached(principal.tenant_id)
    if context is None:
        context = await run_in_threadpool(contexts.get, session, principal.tenant_id)
        if context is None:
            raise Unauthorized("token names a tenant that does not exist")
    return context


TenantDep = Annotated[TenantContext, Depends(current_tenant)]
