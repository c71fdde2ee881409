"""GET /metrics: request histograms by route template, payments counted when they commit, pool gauges."""

from __future__ import annotations

import asyncio
import re

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from ledgerline.app import create_app
from ledgerline.observability import metrics
from ledgerline.observability.middleware import ObservabilityMiddleware
from tests.factories import create_customer, create_invoice

REQUESTS = "ledgerline_http_request_duration_seconds"


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_observed_by_route_template_method_and_status(client, auth):
    customer = create_customer(client, auth)
    before = scrape(client)
    for _ in range(3):
        assert client.get(f"/v1/customers/{customer['id']}", headers=auth).status_code == 200
    assert client.get("/v1/customers/999999999", headers=auth).status_code == 404
    assert client.get("/no/such/path").status_code == 404
    after = scrape(client)

    route = {"route": "/v1/customers/{customer_id}", "method": "GET"}
    assert value(after, f"{REQUESTS}_count", **route, status="200") - \
        value(before, f"{REQUESTS}_count", **route, status="200") == 3
    assert value(after, f"{REQUESTS}_count", **route, status="404") - \
        value(before, f"{REQUESTS}_count", **route, status="404") == 1
    # The buckets of a histogram, not only its count; an unknown path is one label value, never the path.
    assert value(after, f"{REQUESTS}_bucket", **route, status="200", le="+Inf") >= 3
    assert value(after, f"{REQUESTS}_count", route="<unmatched>", method="GET", status="404") >= 1
    assert not any("/no/such/path" in str(labels) for _, labels in after)
    assert not any(re.search(r"/\d+(/|$)", dict(labels).get("route", "")) for _, labels in after)  # no ids


def test_payments_posted_are_counted_when_they_commit_and_not_when_refused(client, auth):
    customer = create_customer(client, auth)
    create_invoice(client, auth, customer["id"], totalInMajorCurrency="10.00", status="POSTED")
    posted = metrics.PAYMENTS_POSTED.labels("GBP")
    before = posted._value.get()
    body = {"customerId": customer["id"], "amountInMajorCurrency": 4, "type": "CREDIT_CARD"}
    assert client.post("/v1/customer-payments", json=body, headers=auth).status_code == 201
    assert posted._value.get() == before + 1
    refused = {**body, "amountInMajorCurrency": "4.001"}   # more decimals than GBP has: 400, nothing commits
    assert client.post("/v1/customer-payments", json=refused, headers=auth).status_code == 400
    assert posted._value.get() == before + 1
    samples = scrape(client)
    assert value(samples, "ledgerline_payments_posted_total", currency="GBP") == before + 1


def test_a_cancelled_payment_is_counted(client, auth):
    customer = create_customer(client, auth)
    created = client.post("/v1/payments", json={"customerId": customer["id"], "amountInMajorCurrency": 5,
                                                "paymentMethod": "CHEQUE", "status": "POSTED"}, headers=auth)
    assert created.status_code == 201, created.text
    cancelled = metrics.PAYMENTS_CANCELLED.labels("GBP")
    before = cancelled._value.get()
    response = client.post(f"/v1/payments/{created.json()['id']}/cancel", json={"notes": "bounced"}, headers=auth)
    assert response.status_code == 200, response.text
    assert cancelled._value.get() == before + 1


def test_allocation_time_is_observed(client, auth):
    before = metrics.ALLOCATION_SECONDS._sum.get(), sum(b.get() for b in metrics.ALLOCATION_SECONDS._buckets)
    customer = create_customer(client, auth)
    body = {"customerId": customer["id"], "amountInMajorCurrency": 4, "type": "CREDIT_CARD"}
    assert client.post("/v1/customer-payments", json=body, headers=auth).status_code == 201
    assert sum(b.get() for b in metrics.ALLOCATION_SECONDS._buckets) == before[1] + 1


def test_pool_gauges_are_reported(settings, database):
    with TestClient(create_app(settings, database=database)) as client:
        samples = scrape(client)
    names = {name for name, _ in samples}
    assert "ledgerline_db_pool_checked_out" in names
    # Outbox lag and webhook deliveries are declared (documented) before the worker reports them.
    text = TestClient(create_app(settings, database=database)).get("/metrics").text
    assert "# TYPE ledgerline_outbox_lag_seconds gauge" in text
    assert "# TYPE ledgerline_webhook_deliveries_total counter" in text


def test_request_id_is_echoed_or_generated(client):
    assert client.get("/healthz", headers={"X-Request-Id": "abc-123.x:y"}).headers["x-request-id"] == "abc-123.x:y"
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 16 and int(generated, 16) >= 0
    # A header a client could use to inject log lines or huge values is replaced, not echoed.
    refused = client.get("/healthz", headers={"X-Request-Id": "a b\tc" + "x" * 200}).headers["x-request-id"]
    assert refused != "a b\tc" + "x" * 200 and len(refused) == 16


def test_metrics_can_be_turned_off(database):
    from tests.conftest import make_settings

    client = TestClient(create_app(make_settings(metrics_enabled=False), database=database))
    assert client.get("/metrics").status_code == 404


def test_other_scopes_pass_through_untouched():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    asyncio.run(ObservabilityMiddleware(app)({"type": "lifespan"}, None, None))
    assert seen == ["lifespan"]


@pytest.mark.parametrize("status", [200, 500])
def test_a_failing_app_is_still_observed(status):
    async def app(scope, receive, send):
        if status == 500:
            raise RuntimeError("boom")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "headers": [], "path": "/x"}
    child = metrics.REQUEST_SECONDS.labels("<unmatched>", "GET", str(status))
    before = child._sum.get(), sum(b.get() for b in child._buckets)
    middleware = ObservabilityMiddleware(app, log_requests=False)
    if status == 500:
        with pytest.raises(RuntimeError):
            asyncio.run(middleware(scope, None, send))
    else:
        asyncio.run(middleware(scope, None, send))
        assert (b"x-request-id", scope["state"]["request_id"].encode()) in sent[0]["headers"]
    assert sum(b.get() for b in child._buckets) == before[1] + 1
