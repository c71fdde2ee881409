"""Benchmark: POST /v1/customer-payments, each payment allocated across 5 open invoices.

Loopback only and bounded: a fresh PostgreSQL database ``ledgerline_bench`` on the local
cluster, ``ledgerline migrate``, ``ledgerline serve --workers N`` as a subprocess, then a pool of
httpx clients for a fixed duration. Every measured request pays exactly 50.00 for a customer
that has 5 POSTED invoices of 10.00 open (each customer is used once), so each one allocates
across 5 invoices and must answer 201 with resultingCustomerBalance 0.00.

Usage (from the repository root):
    .venv/bin/python bench/customer_payments.py [--duration 20] [--concurrency 16] [--workers 2]

See bench/README.md. Results go to stdout and bench/results/customer_payments-latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import psycopg

from live_server import (ADMIN_URL, BIN, ROOT, cli, drop_database, free_port, recreate_database, start_server,
                         stop_server, wait_healthy)

RESULTS = ROOT / "bench" / "results"
INVOICES_PER_CUSTOMER = 5
INVOICE_MINOR = 1000          # 10.00 GBP
PAYMENT = "50.00"             # exactly the 5 invoices


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def seed_by_sql(database_url: str, tenant_id: str, customers: int) -> list[int]:
    """Customers with 5 POSTED, UNPAID invoices each, plus the journal entries posting them.

    Uses the application's own tables (Python-side defaults give locator, uuid, timestamps),
    exactly what POST /v1/invoices with status POSTED writes: outstanding = total, one
    INVOICE_POSTED entry per invoice with balance_delta = -total, outstanding_delta = +total.
    """
    import uuid

    from sqlalchemy import create_engine, insert

    from ledgerline.models import Customer, Invoice, JournalEntry
    from ledgerline.models.enums import (BillRunType, CustomerStatus, InvoicePaymentStatus, InvoiceStatus,
                                         JournalKind)

    tenant = uuid.UUID(tenant_id)
    now = dt.datetime.now(dt.timezone.utc)
    engine = create_engine(database_url)
    ids: list[int] = []
    batch = 1000
    try:
        for start in range(0, customers, batch):
            count = min(batch, customers - start)
            with engine.begin() as conn:
                rows = [dict(tenant_id=tenant, number=f"BCUS-{start + i + 1:07d}", name=f"Bench customer {start + i + 1}",
                             currency="GBP", credit_threshold_minor=0, credit_minor=0, status=CustomerStatus.ACTIVE)
                        for i in range(count)]
                customer_ids = [row[0] for row in conn.execute(
                    insert(Customer.__table__).returning(Customer.__table__.c.id, sort_by_parameter_order=True), rows)]
                invoice_rows = []
                for index, customer_id in enumerate(customer_ids):
                    for k in range(INVOICES_PER_CUSTOMER):
                        issue = dt.date(2026, 1, 1) + dt.timedelta(days=k)   # distinct dates: oldest first is defined
                        invoice_rows.append(dict(
                            tenant_id=tenant, number=f"BINV-{(start + index) * INVOICES_PER_CUSTOMER + k + 1:08d}",
                            customer_id=customer_id, bill_run_type=BillRunType.NORMAL, issue_date=issue,
                            due_date=issue, currency="GBP", total_minor=INVOICE_MINOR, outstanding_minor=INVOICE_MINOR,
                            status=InvoiceStatus.POSTED, payment_status=InvoicePaymentStatus.UNPAID, posted_at=now))
                invoices = conn.execute(
                    insert(Invoice.__table__).returning(Invoice.__table__.c.id, Invoice.__table__.c.customer_id,
                                                        sort_by_parameter_order=True), invoice_rows).all()
                conn.execute(insert(JournalEntry.__table__), [
                    dict(tenant_id=tenant, customer_id=customer_id, invoice_id=invoice_id, payment_id=None,
                         kind=JournalKind.INVOICE_POSTED, currency="GBP", balance_delta=-INVOICE_MINOR, credit_delta=0,
                         outstanding_delta=INVOICE_MINOR)
                    for invoice_id, customer_id in invoices])
                ids.extend(customer_ids)
    finally:
        engine.dispose()
    return ids


def seed_by_api(client: httpx.Client, count: int, concurrency: int) -> list[int]:
    """A few customers through the API itself (also warms up every worker)."""
    def one(index: int) -> int:
        response = client.post("/v1/customers", json={"name": f"Warm-up customer {index}", "currency": "GBP"})
        response.raise_for_status()
        customer_id = response.json()["id"]
        for k in range(INVOICES_PER_CUSTOMER):
            issue = (dt.date(2026, 1, 1) + dt.timedelta(days=k)).isoformat()
            invoice = client.post("/v1/invoices", json={"customerId": customer_id, "issueDate": issue,
                                                        "totalInMajorCurrency": 10.00, "status": "POSTED"})
            invoice.raise_for_status()
        return customer_id

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, range(count)))


def pay(client: httpx.Client, customer_id: int, tag: str) -> tuple[float, int, str | None]:
    content = (f'{{"customerId": {customer_id}, "amountInMajorCurrency": {PAYMENT}, "type": "CREDIT_CARD", '
               f'"description": "bench", "reference": "{tag}-{customer_id}"}}')   # amount as an exact JSON number
    started = time.perf_counter()
    try:
        response = client.post("/v1/customer-payments", content=content,
                               headers={"Content-Type": "application/json"})
    except httpx.HTTPError as exc:
        return time.perf_counter() - started, 0, f"{type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - started
    if response.status_code != 201:
        return elapsed, response.status_code, response.text[:300]
    balance = response.json().get("resultingCustomerBalance")
    if Decimal(str(balance)) != 0:
        return elapsed, response.status_code, f"resultingCustomerBalance {balance}, expected 0.00"
    return elapsed, response.status_code, None


def drive(base_url: str, headers: dict[str, str], customer_ids: list[int], concurrency: int,
          duration: float) -> dict:
    """Each worker thread owns one keep-alive client; customers are handed out once each."""
    next_customer = iter(customer_ids).__next__
    take = threading.Lock()
    latencies: list[float] = []
    errors: list[tuple[int, str]] = []
    record = threading.Lock()
    exhausted = threading.Event()
    start = time.perf_counter()
    deadline = start + duration
    finished_at = [start]

    def worker() -> None:
        with httpx.Client(base_url=base_url, headers=headers, timeout=30.0,
                          limits=httpx.Limits(max_connections=1, max_keepalive_connections=1)) as client:
            while time.perf_counter() < deadline:
                with take:
                    try:
                        customer_id = next_customer()
                    except StopIteration:
                        exhausted.set()
                        return
                elapsed, status, error = pay(client, customer_id, "bench")
                with record:
                    latencies.append(elapsed)
                    if error is not None:
                        errors.append((status, error))
                    finished_at[0] = max(finished_at[0], time.perf_counter())

    threads = [threading.Thread(target=worker, name=f"load-{n}") for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = finished_at[0] - start
    return {"latencies": latencies, "errors": errors, "wall": wall, "exhausted": exhausted.is_set()}


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, int(-(-p * len(sorted_values) // 100)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def check_allocations(conninfo: str, tenant_id: str) -> dict:
    with psycopg.connect(conninfo) as conn:
        payments, wrong = conn.execute(
            """SELECT count(*), count(*) FILTER (WHERE n <> %s) FROM (
                   SELECT p.id, count(a.id) AS n FROM payments p
                   LEFT JOIN payment_allocations a ON a.payment_id = p.id AND a.reversed_at IS NULL
                   WHERE p.tenant_id = %s GROUP BY p.id) per_payment""",
            (INVOICES_PER_CUSTOMER, tenant_id)).fetchone()
    return {"payments": payments, "payments_without_5_allocations": wrong}


class WaitSampler(threading.Thread):
    """Samples pg_stat_activity of the bench database every 0.25 s: what the server's sessions wait on."""

    def __init__(self, database: str) -> None:
        super().__init__(name="wait-sampler", daemon=True)
        self.database, self.stop, self.samples = database, threading.Event(), 0
        self.counts: dict[str, int] = {}

    def run(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            while not self.stop.wait(0.25):
                rows = conn.execute(
                    """SELECT state, coalesce(wait_event_type || ':' || wait_event, 'on CPU'),
                              left(regexp_replace(query, '\\s+', ' ', 'g'), 60)
                       FROM pg_stat_activity WHERE datname = %s AND state <> 'idle' AND pid <> pg_backend_pid()""",
                    (self.database,)).fetchall()
                self.samples += 1
                for state, wait, query in rows:
                    key = f"{state} | {wait}" + (f" | {query}" if wait.startswith("Lock") else "")
                    self.counts[key] = self.counts.get(key, 0) + 1

    def summary(self) -> dict:
        top = sorted(self.counts.items(), key=lambda item: -item[1])[:6]
        return {"samples": self.samples,
                "mean_sessions_per_sample": {key: round(count / max(self.samples, 1), 2) for key, count in top}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of measured load (default 20)")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (default 2)")
    parser.add_argument("--customers", type=int, default=5000,
                        help="customers seeded by SQL, each paid at most once (default 5000); "
                             "the run ends early if they run out")
    parser.add_argument("--warmup-customers", type=int, default=32, help="customers seeded and paid through the API "
                        "before measuring (default 32)")
    parser.add_argument("--database", default="ledgerline_bench")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards (default: keep it)")
    args = parser.parse_args()

    database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.database}"
    conninfo = f"postgresql://postgres@127.0.0.1:5432/{args.database}"
    secret = os.urandom(32).hex()
    env = {**os.environ, "DATABASE_URL": database_url, "LEDGERLINE_JWT_SECRET": secret,
           "LEDGERLINE_ENVIRONMENT": "production", "LEDGERLINE_SQL_ECHO": "false"}
    env.pop("LEDGERLINE_DATABASE_URL", None)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    RESULTS.mkdir(parents=True, exist_ok=True)

    log(f"recreating database {args.database}")
    recreate_database(args.database)
    log(cli(env, "migrate"))
    tenant_id = cli(env, "tenant", "create", "Bench tenant")
    token = cli(env, "token", "--tenant", tenant_id, "--scope", "*", "--ttl", "7200")

    t0 = time.perf_counter()
    customer_ids = seed_by_sql(database_url, tenant_id, args.customers)
    seed_seconds = time.perf_counter() - t0
    log(f"seeded {len(customer_ids)} customers x {INVOICES_PER_CUSTOMER} invoices by SQL in {seed_seconds:.1f}s")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")

    server_log = open(RESULTS / "server.log", "w")
    server = start_server(env, port, args.workers, server_log)
    verify_output, verify_rc = "", None
    try:
        wait_healthy(base_url, server)
        log(f"server up on {base_url} (pid {server.pid}, {args.workers} workers)")
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=30.0,
                          limits=httpx.Limits(max_connections=args.concurrency)) as client:
            warm_ids = seed_by_api(client, args.warmup_customers, args.concurrency)
            with ThreadPoolExecutor(args.concurrency) as pool:
                warm = list(pool.map(lambda cid: pay(client, cid, "warmup"), warm_ids))
        warm_errors = [w for w in warm if w[2] is not None]
        log(f"warm-up: {len(warm_ids)} customers created through the API and paid, {len(warm_errors)} error(s)")
        if warm_errors:
            log(f"first warm-up error: {warm_errors[0]}")

        log(f"measuring: {args.concurrency} clients for {args.duration:.0f}s")
        sampler = WaitSampler(args.database)
        sampler.start()
        run = drive(base_url, headers, customer_ids, args.concurrency, args.duration)
        sampler.stop.set()
        sampler.join()
    finally:
        stop_server(server)
        server_log.close()
        log(f"server stopped (exit {server.returncode})")

    allocations = check_allocations(conninfo, tenant_id)
    done = subprocess.run([str(BIN / "ledgerline"), "verify"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    verify_output, verify_rc = (done.stdout + done.stderr).strip(), done.returncode
    match = re.search(r"verify: (\d+) mismatch", verify_output)
    mismatches = int(match.group(1)) if match else None

    latencies = sorted(run["latencies"])
    ms = lambda seconds: round(seconds * 1000, 2)  # noqa: E731
    errors_by_status: dict[str, int] = {}
    for status, _ in run["errors"]:
        errors_by_status[str(status)] = errors_by_status.get(str(status), 0) + 1
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                    capture_output=True, text=True).stdout.strip())
    except OSError:
        commit, dirty = None, None
    result = {
        "benchmark": "POST /v1/customer-payments, 50.00 allocated across 5 open invoices of 10.00",
        "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "git_commit": commit, "git_dirty": dirty,
        "python": platform.python_version(), "cores": os.cpu_count(),
        "database": "PostgreSQL (local cluster, 127.0.0.1:5432), database " + args.database,
        "workers": args.workers, "concurrency": args.concurrency, "duration_target_s": args.duration,
        "duration_s": round(run["wall"], 2), "customers_seeded": len(customer_ids),
        "customers_exhausted": run["exhausted"],
        "requests": len(latencies), "errors": len(run["errors"]), "errors_by_status": errors_by_status,
        "first_errors": [e[1] for e in run["errors"][:3]],
        "requests_per_s": round(len(latencies) / run["wall"], 1) if run["wall"] else None,
        "latency_ms": {"p50": ms(percentile(latencies, 50)), "p95": ms(percentile(latencies, 95)),
                       "p99": ms(percentile(latencies, 99)), "max": ms(latencies[-1]) if latencies else None,
                       "mean": ms(statistics.fmean(latencies)) if latencies else None},
        "allocations_check": allocations,
        "db_sessions_during_load": sampler.summary(),
        "verify": {"exit_code": verify_rc, "mismatches": mismatches, "output_tail": verify_output[-500:]},
        "database_kept": not args.drop,
    }
    if args.drop:
        drop_database(args.database)
    (RESULTS / "customer_payments-latest.json").write_text(json.dumps(result, indent=2) + "\n")

    lat = result["latency_ms"]
    print(f"customer-payments (5 allocations each): {result['requests']} requests in {result['duration_s']}s "
          f"-> {result['requests_per_s']} req/s | p50 {lat['p50']} ms  p95 {lat['p95']} ms  p99 {lat['p99']} ms  "
          f"max {lat['max']} ms | errors {result['errors']} {errors_by_status or ''}")
    print(f"cores {result['cores']}, workers {args.workers}, concurrency {args.concurrency}, "
          f"customers exhausted: {run['exhausted']}")
    print(f"allocation check: {allocations}")
    print("server DB sessions during load (mean per 0.25 s sample):")
    for key, mean in result["db_sessions_during_load"]["mean_sessions_per_sample"].items():
        print(f"  {mean:6.2f}  {key}")
    print(f"ledgerline verify: exit {verify_rc}, {mismatches} mismatch(es)")
    print(f"database {args.database} {'dropped' if args.drop else 'kept'}; "
          f"results in {RESULTS / 'customer_payments-latest.json'}")
    ok = (not run["errors"] and mismatches == 0 and verify_rc == 0
          and allocations["payments_without_5_allocations"] == 0 and not warm_errors)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
