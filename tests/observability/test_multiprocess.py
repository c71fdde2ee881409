"""``ledgerline serve --workers 2``: a scrape of any worker reports the requests every worker served."""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.live_server import live_server

# `make metrics-smoke` raises these (METRICS_SMOKE_REQUESTS, METRICS_SMOKE_WORKERS).
REQUESTS = int(os.environ.get("METRICS_SMOKE_REQUESTS", "120"))
WORKERS = int(os.environ.get("METRICS_SMOKE_WORKERS", "2"))


def healthz_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "ledgerline_http_request_duration_seconds_count" and \
                    sample.labels == {"route": "/healthz", "method": "GET", "status": "200"}:
                return sample.value
    return 0.0


def test_metrics_aggregate_every_worker(tmp_path):
    metrics_dir = tmp_path / "metrics"
    with live_server(tmp_path, workers=WORKERS, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)) as (base_url, _env):
        before = healthz_count(httpx.get(f"{base_url}/metrics", timeout=10).text)

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
    assert len(pids) == WORKERS, pids   # every worker started and keeps its own files there
