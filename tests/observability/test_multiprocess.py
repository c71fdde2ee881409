"""``ledgerline serve --workers 2``: a scrape of any worker reports the requests every worker served, and the
money path's histograms and counters of whichever worker posted the payments."""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.live_server import cli, live_server

# `make metrics-smoke` raises these (METRICS_SMOKE_REQUESTS, METRICS_SMOKE_WORKERS).
REQUESTS = int(os.environ.get("METRICS_SMOKE_REQUESTS", "120"))
PAYMENTS = 12
WORKERS = int(os.environ.get("METRICS_SMOKE_WORKERS", "2"))


def healthz_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "ledgerline_http_request_duration_seconds_count" and \
                    sample.labels == {"route": "/healthz", "method": "GET", "status": "200"}:
                return sample.value
    return 0.0


def sample(text: str, name: str, **labels: str) -> float:
    return sum(each.value for family in text_string_to_metric_families(text) for each in family.samples
               if each.name == name and labels.items() <= each.labels.items())


def test_metrics_aggregate_every_worker(tmp_path):
    metrics_dir = tmp_path / "metrics"
    with live_server(tmp_path, workers=WORKERS, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)) as (base_url, env):
        before = healthz_count(httpx.get(f"{base_url}/metrics", timeout=10).text)
        token = cli(env, tmp_path, "token", "--tenant", cli(env, tmp_path, "tenant", "create", "Metrics Ltd"))
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, headers=auth, limits=httpx.Limits(max_keepalive_connections=0),
                          timeout=30) as client:   # payments on whichever worker takes each connection
            customer = client.post("/v1/customers", json={"name": "Metered", "currency": "GBP"}).json()["id"]
            client.post("/v1/invoices", json={"customerId": customer, "totalInMajorCurrency": "100.00",
                                              "status": "POSTED", "issueDate": "2026-01-01"}).raise_for_status()
            for _ in range(PAYMENTS):
                client.post("/v1/customer-payments", json={"customerId": customer, "amountInMajorCurrency": "5.00",
                                                           "type": "CHEQUE"}).raise_for_status()

        # No keep-alive: a new connection per request, which the kernel spreads over the workers.
        no_keepalive = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=base_url, limits=no_keepalive, timeout=30) as client, \
                ThreadPoolExecutor(max_workers=8) as pool:
            assert set(pool.map(lambda _: client.get("/healthz").status_code, range(REQUESTS))) == {200}
        scrapes = [httpx.get(f"{base_url}/metrics", timeout=10).text for _ in range(2 * WORKERS)]
        pids = {match.group(1) for name in os.listdir(metrics_dir)
                if (match := re.fullmatch(r"histogram_(\d+)\.db", name))}
    # The scrape before counted healthz probes of the start-up wait; every later scrape, whichever worker
    # answered it, counts all of those plus every request sent since.
    for text in scrapes:
        assert healthz_count(text) == before + REQUESTS
        assert "ledgerline_http_request_duration_seconds_bucket" in text
        assert 'ledgerline_db_pool_checked_out{pool="main"}' in text
        assert sample(text, "ledgerline_allocation_duration_seconds_count") == PAYMENTS
        assert "ledgerline_allocation_duration_seconds_bucket" in text
        assert sample(text, "ledgerline_payments_posted_total") == PAYMENTS
        assert sample(text, "ledgerline_http_request_duration_seconds_count", route="/v1/customer-payments",
                      status="201") == PAYMENTS
    assert len(pids) == WORKERS, pids   # every worker started and keeps its own files there
