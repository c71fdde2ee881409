"""Load generator: asyncio + httpx, one process, loopback only, bounded in time (wrk is not installed).

    python bench/loadgen.py SPEC.json OUT.json

SPEC: {"base_url", "token", "scenario", "duration", "warmup", "concurrency", ...scenario inputs}.
Each of ``concurrency`` tasks keeps one keep-alive connection and sends its next request as soon as
the previous one is answered (closed loop). Requests during ``warmup`` seconds are not recorded.
Latency is measured here, from sending to having read the whole body.

Scenarios (every answer must have the expected status, anything else is an error):
  get           GET /v1/payments/{id}, ids drawn at random from ``payment_ids`` ([first, last])
  list          GET /v1/payments?customerId=..&pageSize=100&sort=receivedOn:desc, customers from ``customer_ids``
  credit        GET /v1/customer-credit-status?page=..&pageSize=100, pages drawn from 1..``pages``
  post          POST /v1/customer-payments of 50.00 for the next customer of ``customers`` (a queue); the
                created payment ids are written to OUT as ``created``
  cancel        POST /v1/payments/{id}/cancel for the next id of ``payment_ids`` (a queue)
  post-cancel   each task owns customers of ``customers`` in turn: POST a 50.00 payment (measured), then
                cancel it (not measured), so the customer's 5 oldest open invoices are paid every time
  fixed-get     GET /fixed/payments/{id} of the floor app (the fixed one-row floor), ids as for ``get``
  fixed-tpcb    POST /fixed/tpcb of the floor app (the fixed TPC-B-like floor): account, teller, branch and
                delta drawn as pgbench draws them over ``tpcb_scale`` branches
A queue that runs out ends the run early (``exhausted`` in OUT). On a queue, the warm-up ends after
``warmup`` seconds or once a quarter of the queue is taken, whichever comes first, so that a short
queue (a small ``--scale``) is not used up before anything is measured.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.fixed_floor import tpcb_draw  # noqa: E402

EXPECTED = {"get": 200, "list": 200, "credit": 200, "post": 201, "cancel": 200, "post-cancel": 201,
            "fixed-get": 200, "fixed-tpcb": 200}


def percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not sorted_values:
        return None
    rank = max(1, int(-(-p * len(sorted_values) // 100)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def payment_body(customer_id: int, tag: str) -> str:
    # The amount as an exact JSON number, as a client that knows money would send it.
    return (f'{{"customerId": {customer_id}, "amountInMajorCurrency": 50.00, "type": "CREDIT_CARD", '
            f'"description": "bench", "reference": "{tag}-{customer_id}"}}')


class Run:
    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.scenario = spec["scenario"]
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.created: list[int] = []
        self.queue = list(reversed(spec.get("customers") or spec.get("payment_ids") or []))
        self.warm_until = len(self.queue) * 3 // 4   # queue left when the warm-up ends at the latest
        self.exhausted = False
        self.measuring = False
        self.first_recorded: float | None = None
        self.last_recorded: float | None = None

    def next_request(self, rng: random.Random) -> tuple[str, str, str | None] | None:
        spec, scenario = self.spec, self.scenario
        if scenario == "get":
            first, last = spec["payment_ids"]
            return "GET", f"/v1/payments/{rng.randint(first, last)}", None
        if scenario == "list":
            customer = rng.choice(spec["customer_ids"])
            return "GET", f"/v1/payments?customerId={customer}&pageSize=100&sort=receivedOn:desc", None
        if scenario == "credit":
            return "GET", f"/v1/customer-credit-status?page={rng.randint(1, spec['pages'])}&pageSize=100", None
        if scenario == "fixed-get":
            first, last = spec["payment_ids"]
            return "GET", f"/fixed/payments/{rng.randint(first, last)}", None
        if scenario == "fixed-tpcb":
            return "POST", "/fixed/tpcb", json.dumps(tpcb_draw(rng, spec["tpcb_scale"]))
        if not self.queue:
            self.exhausted = True
            return None
        item = self.queue.pop()
        if len(self.queue) <= self.warm_until:
            self.measuring = True
        if scenario == "post":
            return "POST", "/v1/customer-payments", payment_body(item, "bench")
        return "POST", f"/v1/payments/{item}/cancel", None

    def record(self, started: float, ended: float, error: str | None) -> None:
        if not self.measuring:
            return
        self.latencies.append(ended - started)
        if self.first_recorded is None:
            self.first_recorded = started
        self.last_recorded = ended
        if error is not None:
            self.errors.append(error)


async def send(client: httpx.AsyncClient, method: str, path: str, body: str | None, expected: int,
               ) -> tuple[float, float, str | None, httpx.Response | None]:
    started = time.perf_counter()
    try:
        response = await client.request(method, path, content=body)
        await response.aread()
    except httpx.HTTPError as exc:
        return started, time.perf_counter(), f"{type(exc).__name__}: {exc}", None
    ended = time.perf_counter()
    if response.status_code != expected:
        return started, ended, f"{response.status_code}: {response.text[:200]}", response
    return started, ended, None, response


async def worker(run: Run, index: int, deadline: float) -> None:
    spec = run.spec
    rng = random.Random(spec.get("seed", 0) * 1000 + index)
    headers = {"Authorization": f"Bearer {spec['token']}", "Content-Type": "application/json"}
    expected = EXPECTED[run.scenario]
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=spec["base_url"], headers=headers, timeout=60.0, limits=limits) as client:
        if run.scenario == "post-cancel":
            mine = spec["customers"][index::spec["concurrency"]]
            turn = 0
            while time.perf_counter() < deadline and mine:
                customer = mine[turn % len(mine)]
                turn += 1
                started, ended, error, response = await send(client, "POST", "/v1/customer-payments",
                                                             payment_body(customer, "growth"), 201)
                run.record(started, ended, error)
                if response is None or error is not None:
                    continue
                cancel = await client.post(f"/v1/payments/{response.json()['id']}/cancel")
                if cancel.status_code != 200:
                    run.errors.append(f"cancel {cancel.status_code}: {cancel.text[:200]}")
            return
        while time.perf_counter() < deadline:
            request = run.next_request(rng)
            if request is None:
                return
            started, ended, error, response = await send(client, *request, expected)
            run.record(started, ended, error)
            if run.scenario == "post" and response is not None and error is None:
                run.created.append(response.json()["id"])


async def main_async(spec: dict) -> dict:
    run = Run(spec)
    start = time.perf_counter()
    warmup, duration = float(spec.get("warmup", 2.0)), float(spec["duration"])
    deadline = start + warmup + duration

    async def start_measuring() -> None:
        await asyncio.sleep(warmup)
        run.measuring = True

    timer = asyncio.create_task(start_measuring())
    await asyncio.gather(*(worker(run, n, deadline) for n in range(spec["concurrency"])))
    timer.cancel()
    latencies = sorted(run.latencies)
    wall = (run.last_recorded - run.first_recorded) if latencies and run.last_recorded else 0.0
    ms = lambda seconds: None if seconds is None else round(seconds * 1000, 2)  # noqa: E731
    return {
        "scenario": run.scenario, "concurrency": spec["concurrency"], "duration_s": round(wall, 2),
        "requests": len(latencies), "errors": len(run.errors), "first_errors": run.errors[:3],
        "requests_per_s": round(len(latencies) / wall, 1) if wall else None,
        "p50_ms": ms(percentile(latencies, 50)), "p90_ms": ms(percentile(latencies, 90)),
        "p99_ms": ms(percentile(latencies, 99)), "max_ms": ms(latencies[-1] if latencies else None),
        "exhausted": run.exhausted, "created": run.created,
    }


def main() -> int:
    spec = json.loads(open(sys.argv[1]).read())
    result = asyncio.run(main_async(spec))
    with open(sys.argv[2], "w") as out:
        json.dump(result, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
