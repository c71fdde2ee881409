"""One pure ASGI middleware for request metrics and the request log.

Per request it reads a clock twice, finds or makes a request id, adds one response header, observes
one histogram child (cached per route, method and status) and, when the log level lets it, writes one
log line. It neither buffers nor wraps the body, so streaming answers stream as before.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any

from ledgerline.observability import metrics
from ledgerline.observability.logs import REQUEST_LOGGER, SAFE

Scope = dict[str, Any]

REQUEST_ID_HEADER = b"x-request-id"
# A request id a client sends is echoed only when it is short and plain (it lands in logs and headers).
_ACCEPTABLE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
UNMATCHED_ROUTE = "<unmatched>"


def _route_of(scope: Scope) -> str:
    """The route template (``/v1/payments/{payment_id}``), never the raw path: bounded label values,
    and no ids or other data from the URL in logs."""
    # FastAPI (0.16x) keeps the routes of an included router as they were declared (without the
    # prefix) and records the route as mounted, prefix included, in its effective route context.
    context = scope.get("fastapi", {}).get("effective_route_context")
    if context is not None:
        path = getattr(getattr(context, "starlette_route", None), "path_format", None) or \
            getattr(context, "path_format", None)
        if path:
            return path
    route = scope.get("route")
    return getattr(route, "path_format", None) or UNMATCHED_ROUTE


def _tenant_of(state: dict[str, Any] | None) -> str | None:
    principal = state.get("principal") if state else None
    tenant = getattr(principal, "tenant_id", None)
    return str(tenant) if tenant is not None else None


class ObservabilityMiddleware:
    def __init__(self, app: Any, *, log_requests: bool = True) -> None:
        self.app = app
        self.log = logging.getLogger(REQUEST_LOGGER)
        self.log_requests = log_requests
        self._children: dict[tuple[str, str, int], Any] = {}
        self._in_progress = metrics.REQUESTS_IN_PROGRESS

    def _histogram(self, route: str, method: str, status: int) -> Any:
        key = (route, method, status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metrics.REQUEST_SECONDS.labels(route, method, str(status))
        return child

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = None
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                if _ACCEPTABLE_ID.fullmatch(value):
                    request_id = value
                break
        if request_id is None:
            request_id = os.urandom(8).hex().encode()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id.decode()
        status = 500

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (REQUEST_ID_HEADER, request_id)]
            await send(message)

        self._in_progress.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._in_progress.dec()
            elapsed = time.perf_counter() - started
            route = _route_of(scope)
            method = scope["method"]
            self._histogram(route, method, status).observe(elapsed)
            log = self.log
            if self.log_requests and log.isEnabledFor(logging.INFO):
                # makeRecord + handle is what log.info does, less its walk up the stack for the caller.
                log.handle(log.makeRecord(log.name, logging.INFO, __file__, 0, "%s %s %d", (method, route, status),
                                          None, extra={
                    SAFE: True, "request_id": state["request_id"], "tenant": _tenant_of(state),
                    "method": method, "route": route, "status": status,
                    "duration_ms": round(elapsed * 1000, 3)}))
