"""Request plumbing measured over HTTP: one worker-thread hop per request, the JSON body parsed once.

Every thread-pool submission (FastAPI's sync endpoints and dependencies, Starlette's
``run_in_threadpool``, ours) goes through ``anyio.to_thread.run_sync``, so counting its calls
counts a request's hops.
"""

from __future__ import annotations

import inspect
import json

import anyio.to_thread
import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute

from ledgerline.api.wire import WireRoute
from ledgerline.db import SessionDep
from tests.factories import create_customer, create_invoice


@pytest.fixture
def hops(monkeypatch):
    counted: list[object] = []
    original = anyio.to_thread.run_sync

    async def counting(func, *args, **options):  # noqa: ANN001, ANN202
        counted.append(func)
        return await original(func, *args, **options)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return counted


@pytest.fixture
def paid(client, auth):
    """A customer with one open invoice and a payment, the tenant already known to the process."""
    customer = create_customer(client, auth)
    create_invoice(client, auth, customer["id"], totalInMajorCurrency="30.00", status="POSTED")
    payment = client.post("/v1/customer-payments", headers=auth, json={
        "customerId": customer["id"], "amountInMajorCurrency": "10.00", "type": "CHEQUE"})
    assert payment.status_code == 201, payment.text
    return customer, payment.json()


def pay(customer, key=None, amount="5.00"):
    return {"json": {"customerId": customer["id"], "amountInMajorCurrency": amount, "type": "CHEQUE"},
            "headers": {"Idempotency-Key": key} if key else {}}


def test_each_request_hops_threads_at_most_once(client, auth, tenant_id, paid, hops):
    customer, payment = paid

    def send(method, path, **options):
        hops.clear()
        options["headers"] = {**auth, **options.get("headers", {})}
        response = client.request(method, path, **options)
        return response, len(hops)

    answers = {
        "get by id": send("GET", f"/v1/payments/{payment['id']}"),
        "list": send("GET", "/v1/payments", params={"customerId": customer["id"], "sort": "receivedOn:desc"}),
        "head": send("HEAD", "/v1/payments", params={"customerId": customer["id"]}),
        "post": send("POST", "/v1/customer-payments", **pay(customer)),
        "post with a key": send("POST", "/v1/customer-payments", **pay(customer, "hop-1")),
        "replay": send("POST", "/v1/customer-payments", **pay(customer, "hop-1")),
        "same key, other body": send("POST", "/v1/customer-payments", **pay(customer, "hop-1", "6.00")),
        "refused in the service": send("POST", "/v1/customer-payments",
                                       json={"customerId": 10**9, "amountInMajorCurrency": "1.00", "type": "CHEQUE"},
                                       headers={"Idempotency-Key": "hop-2"}),
        "cancel": send("POST", f"/v1/payments/{payment['id']}/cancel", json={}),
        "socotra list": send("GET", f"/billing/{tenant_id}/credits/list"),
    }
    statuses = {name: response.status_code for name, (response, _) in answers.items()}
    assert statuses == {"get by id": 200, "list": 200, "head": 200, "post": 201, "post with a key": 201,
                        "replay": 201, "same key, other body": 400, "refused in the service": 400,
                        "cancel": 200, "socotra list": 200}, {name: r.text for name, (r, _) in answers.items()}
    assert answers["replay"][0].headers["Idempotent-Replayed"] == "true"
    assert {name: count for name, (_, count) in answers.items()} == dict.fromkeys(answers, 1)


def test_refusals_before_the_endpoint_make_no_hop(client, auth, paid, hops):
    customer, _ = paid
    refused = {
        "no token": client.get("/v1/payments"),
        "bad body": client.post("/v1/customer-payments", headers=auth, json={"customerId": "x"}),
        "malformed JSON": client.post("/v1/customer-payments", headers={**auth, "Content-Type": "application/json"},
                                      content=b'{"customerId": '),
        # A filter another operation declares, sent where it means nothing (never lists everything).
        "misplaced filter": client.get("/v1/payments", headers=auth, params={"generatedInvoiceId": 1}),
    }
    assert {name: r.status_code for name, r in refused.items()} == {
        "no token": 401, "bad body": 400, "malformed JSON": 400, "misplaced filter": 400}
    assert hops == []


def test_the_json_body_is_parsed_once(client, auth, paid, monkeypatch):
    customer, _ = paid
    body = json.dumps(pay(customer)["json"]).encode()
    parsed: list[object] = []
    original = json.loads

    def counting(text, *args, **kwargs):  # noqa: ANN001, ANN202
        if text == body or text == body.decode():
            parsed.append(text)
        return original(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", counting)
    response = client.post("/v1/customer-payments", content=body,
                           headers={**auth, "Content-Type": "application/json", "Idempotency-Key": "once"})
    assert response.status_code == 201, response.text
    assert len(parsed) == 1

    parsed.clear()
    body = b'{"customerId": 1, "amountInMajorCurrency": '
    response = client.post("/v1/customer-payments", content=body, headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "body", response.text
    assert len(parsed) == 1


def _dependency_calls(dependant):  # noqa: ANN001, ANN202
    pending = list(dependant.dependencies)
    while pending:
        current = pending.pop()
        yield current.call
        pending.extend(current.dependencies)


def test_no_route_has_a_sync_dependency(app):
    """FastAPI runs each sync dependency in a worker thread of its own: every dependency is async."""
    sync = sorted({f"{route.path}: {getattr(call, '__qualname__', call)}"
                   for route in app.routes if isinstance(route, APIRoute)
                   for call in _dependency_calls(route.dependant)
                   if not (inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call))})
    assert sync == []


def test_an_async_endpoint_cannot_take_the_request_session():
    """Its database work would block the event loop, and nothing would commit it."""
    router = APIRouter(route_class=WireRoute)
    with pytest.raises(TypeError, match="async endpoint"):
        @router.get("/sessions")
        async def sessions(session: SessionDep) -> None:  # pragma: no cover - never routed
            return None
