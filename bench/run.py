"""``make bench``: Ledgerline against its floors on PostgreSQL, and how it grows.

    .venv/bin/python bench/run.py [--scale 1] [--duration 10] [--concurrency 8] ...   (see --help, bench/README.md)

1. Growth, small side: a database at ``--small-scale`` (0.01), Ledgerline served, the three reads measured.
2. A database at ``--scale`` (1: 10,000 customers, 1,000,000 invoices and payments) plus the allocation
   growth customers (``--history``), seeded by COPY (``bench/seed.py``); ``pgbench -i -s --tpcb-scale``
   in the same database for the fixed TPC-B-like floor.
3. The SQL check: each measured request is made once in-process against Ledgerline and the floor app,
   recording their statements (and Ledgerline's COMMITs); the statement shapes must be equal, and the
   JSON answers too. The fixed floors answer once in-process.
4. Ledgerline (``ledgerline serve --workers <cores> --no-access-log``) and the floor app
   (``bench/floor_app.py``, uvicorn, same workers, also serving the fixed floors of
   ``bench/fixed_floor.py``) on the same database; each endpoint is loaded by ``bench/loadgen.py`` (a
   separate process) against one, then the other, then the fixed floors; the writes and TPC-B also by pgbench.
5. Allocation growth: POST /v1/customer-payments for customers with 10 and with 10,000 paid invoices.
6. ``ledgerline verify`` on the database; the report (the tables and every target of issue 11, met or
   not) to stdout, ``bench/results/latest.json`` and ``bench/results/<date>.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import psycopg  # noqa: E402

from bench import seed  # noqa: E402
from bench.common import (BIN, DEFAULT_URL, RESULTS, ROOT, Cluster, Server, cli, free_port, git_facts,  # noqa: E402
                          load_average, log)
from bench.pgbench_floor import (CANCEL_PLAN, cancel_plan_sql, cancel_script, customer_payment_script,  # noqa: E402
                                 init_tpcb, run_pgbench, tpcb_script)

# (key = loadgen scenario, what is measured, the fixed floor it is also compared with)
ENDPOINTS = [
    ("get", "GET /v1/payments/{id}", "fixed_get"),
    ("list", "GET /v1/payments?customerId=..&pageSize=100&sort=receivedOn:desc", None),
    ("credit", "GET /v1/customer-credit-status?page=..&pageSize=100", None),
    ("post", "POST /v1/customer-payments (allocating across 5 invoices)", "fixed_tpcb"),
    ("cancel", "POST /v1/payments/{id}/cancel (reversing 5 allocations)", None),
]
# (key = loadgen scenario, what is measured): bench/fixed_floor.py, served by the floor app.
FIXED = [
    ("fixed_get", "fixed one-row floor: GET /fixed/payments/{id} (one SELECT by primary key)"),
    ("fixed_tpcb", "fixed TPC-B-like HTTP floor: POST /fixed/tpcb (pgbench's 5 TPC-B statements, 1 COMMIT)"),
]
READS = ("get", "list", "credit")
GROWTH_LIMIT = 1.5
# Issue 11, "What it must show": (key, what, where the value is, comparison, limit). ``where`` is
# ("ratio", endpoint, ratio field) or ("sql", endpoint, "statements" | "commits"); growth rows follow.
TARGETS = [
    ("get_floor_app", "`GET /v1/payments/{id}` / same-SQL floor app", ("ratio", "get", "ratio_floor_app"),
     ">=", 0.7),
    ("get_fixed", "`GET /v1/payments/{id}` / fixed one-row floor", ("ratio", "get", "ratio_fixed_floor"),
     ">=", 0.3),
    ("list_floor_app", "`GET /v1/payments?customerId=..&pageSize=100` / same-SQL floor app",
     ("ratio", "list", "ratio_floor_app"), ">=", 0.6),
    ("credit_floor_app", "`GET /v1/customer-credit-status?pageSize=100` / same-SQL floor app",
     ("ratio", "credit", "ratio_floor_app"), ">=", 0.6),
    ("post_statements", "`POST /v1/customer-payments` (5 invoices): statements", ("sql", "post", "statements"),
     "<=", 10),
    ("post_commits", "`POST /v1/customer-payments` (5 invoices): COMMITs", ("sql", "post", "commits"), "<=", 1),
    ("post_floor_app", "`POST /v1/customer-payments` / same-SQL floor app", ("ratio", "post", "ratio_floor_app"),
     ">=", 0.7),
    ("post_fixed", "`POST /v1/customer-payments` / fixed TPC-B-like HTTP floor",
     ("ratio", "post", "ratio_fixed_floor"), ">=", 0.2),
    ("cancel_statements", "`POST /v1/payments/{id}/cancel`: statements", ("sql", "cancel", "statements"), "<=", 12),
    ("cancel_floor_app", "`POST /v1/payments/{id}/cancel` / same-SQL floor app",
     ("ratio", "cancel", "ratio_floor_app"), ">=", 0.7),
]


def environment(cluster: Cluster, secret: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": cluster.sqlalchemy_url, "LEDGERLINE_JWT_SECRET": secret,
           "LEDGERLINE_ENVIRONMENT": "production", "LEDGERLINE_SQL_ECHO": "false"}
    env.pop("LEDGERLINE_DATABASE_URL", None)
    return env


def start_ledgerline(env: dict[str, str], workers: int) -> Server:
    port = free_port()
    server = Server("ledgerline", [str(BIN / "ledgerline"), "serve", "--host", "127.0.0.1", "--port", str(port),
                                   "--workers", str(workers), "--no-access-log"], env, port)
    server.wait_healthy(workers)
    return server


def start_floor(cluster: Cluster, tenant_id: uuid.UUID, workers: int) -> Server:
    port = free_port()
    env = {**os.environ, "FLOOR_DATABASE_URL": cluster.conninfo, "FLOOR_TENANT": str(tenant_id),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    server = Server("floor", [str(BIN / "python"), "-m", "uvicorn", "bench.floor_app:create_app", "--factory",
                              "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                              "--no-access-log"], env, port)
    server.wait_healthy(workers)
    return server


def load(server: Server, token: str, scenario: str, args: argparse.Namespace, **inputs: object) -> dict:
    """One measurement by the load generator, in a process of its own."""
    with tempfile.TemporaryDirectory() as tmp:
        spec, out = Path(tmp) / "spec.json", Path(tmp) / "out.json"
        spec.write_text(json.dumps({"base_url": server.base_url, "token": token, "scenario": scenario,
                                    "duration": args.duration, "warmup": args.warmup,
                                    "concurrency": args.concurrency, **inputs}))
        subprocess.run([str(BIN / "python"), str(ROOT / "bench" / "loadgen.py"), str(spec), str(out)], check=True,
                       timeout=args.duration + args.warmup + 300)
        result = json.loads(out.read_text())
    log(f"  {server.name:<10} {scenario:<11} {result['requests_per_s']} req/s  p50 {result['p50_ms']} ms  "
        f"p99 {result['p99_ms']} ms  errors {result['errors']}" + (" (queue exhausted)" if result["exhausted"] else ""))
    if result["errors"]:
        log(f"  first errors: {result['first_errors']}")
    return result


def token_for(tenant_id: uuid.UUID, secret: str) -> str:
    from ledgerline.auth import issue_token
    from ledgerline.config import Settings

    return issue_token(Settings(jwt_secret=secret), tenant_id=tenant_id, subject=seed.SUBJECT, scopes="*",
                       ttl_seconds=6 * 3600)


# --- the SQL and JSON check ---------------------------------------------------------------------

def same_statements(ledgerline: list[str], floor: list[str]) -> tuple[bool, bool]:
    """(same, reordered): the shapes in the same order; or, where they differ, only writes that are the same
    multiset. Where a flush holds a self-referential mapper (credits.parent_id), SQLAlchemy's unit of work
    orders the INSERTs and UPDATEs of tables that do not depend on each other differently from process to
    process (its topological sort iterates sets), so the floor's order is one of the orders Ledgerline sends."""
    if ledgerline == floor:
        return True, False
    if len(ledgerline) != len(floor):
        return False, False
    differ = [n for n, (a, b) in enumerate(zip(ledgerline, floor)) if a != b]
    span = slice(differ[0], differ[-1] + 1)
    writes = all(s.split(" ", 1)[0] in ("INSERT", "UPDATE", "DELETE") for s in ledgerline[span] + floor[span])
    return writes and sorted(ledgerline[span]) == sorted(floor[span]), True


def check_request(key: str, listed: int, customer: int, created: object) -> tuple[str, str, dict | None]:
    """The SQL check's request of an endpoint: (method, path, JSON body). ``listed``: the customer whose
    payments are listed; ``customer``: the one paid; ``created``: the payment the POST made (cancelled)."""
    return {
        "get": ("GET", "/v1/payments/1", None),
        "list": ("GET", f"/v1/payments?customerId={listed}&pageSize=100&sort=receivedOn:desc", None),
        "credit": ("GET", "/v1/customer-credit-status?page=1&pageSize=100", None),
        "post": ("POST", "/v1/customer-payments",
                 {"customerId": customer, "amountInMajorCurrency": 50.00, "type": "CREDIT_CARD",
                  "description": "bench", "reference": "check"}),
        "cancel": ("POST", f"/v1/payments/{created}/cancel", None),
    }[key]


def warm_up(client: object, customer: int) -> None:
    """A payment of ``customer`` and its cancellation, not recorded. Afterwards the app's process is as a
    served worker is after its first money requests (the tenant's context read, numbers reserved in
    blocks where they are taken so), and the customer's invoices are open again."""
    method, path, body = check_request("post", customer, customer, None)
    posted = client.request(method, path, json=body)  # type: ignore[attr-defined]
    created = posted.json().get("id") if posted.status_code == 201 else None
    cancelled = client.request(*check_request("cancel", customer, customer, created)[:2])  # type: ignore[attr-defined]
    if posted.status_code != 201 or cancelled.status_code != 200:
        raise RuntimeError(f"warm-up of customer {customer}: POST {posted.status_code} {posted.text[:300]}, "
                           f"cancel {cancelled.status_code} {cancelled.text[:300]}")


def check_same_sql(cluster: Cluster, tenant_id: uuid.UUID, secret: str, customers: tuple[int, int]) -> dict:
    """Each measured request once against Ledgerline and once against the floor app, in-process:
    the statements (shapes) and the JSON answers must be the same; Ledgerline's statements (an
    executemany once per row: PostgreSQL executes each) and COMMITs are counted. ``customers``: two
    customers in the same state, one paid (and cancelled) through each app."""
    import warnings

    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

    from bench import floor_app
    from bench.sqlcapture import app_with_recorder, normalize

    ledgerline, recorder, dispose = app_with_recorder(cluster.sqlalchemy_url, {"jwt_secret": secret})
    os.environ.update(FLOOR_DATABASE_URL=cluster.conninfo, FLOOR_TENANT=str(tenant_id))
    headers = {"Authorization": f"Bearer {token_for(tenant_id, secret)}"}
    report: dict[str, dict] = {}
    volatile = {"id", "locator", "uuid", "number", "customerId", "reference", "invoiceNumber", "invoiceId",
                "createdAt", "updatedAt", "referenceNumber", "invoicesToPay", "allocations"}

    def masked(value: object) -> object:
        if isinstance(value, dict):
            return {key: ("*" if key in volatile else masked(item)) for key, item in value.items()}
        return value

    try:
        with TestClient(ledgerline, headers=headers) as lc, TestClient(floor_app.create_app(), headers=headers) as fc:
            for client, customer in ((lc, customers[0]), (fc, customers[1])):
                warm_up(client, customer)
            answers: dict[str, dict[str, object]] = {"ledgerline": {}, "floor": {}}
            apps = (("ledgerline", lc, customers[0]), ("floor", fc, customers[1]))
            created: dict[str, object] = {}
            for key, *_ in ENDPOINTS:   # reads first, on the same rows; then each app pays its own customer
                for name, client, customer in apps:
                    method, path, body = check_request(key, customers[0], customer, created.get(name))
                    floor_app.RECORDED = [] if name == "floor" else None
                    with recorder.recording() as statements:
                        response = client.request(method, path, json=body)
                    shapes = floor_app.RECORDED if name == "floor" else [normalize(s) for s, _ in statements]
                    floor_app.RECORDED = None
                    if key == "post":
                        created[name] = response.json().get("id")
                    answers[name][key] = (response.status_code, response.content, shapes,
                                          (recorder.executions, recorder.commits))
            for key, *_ in ENDPOINTS:
                (ls, lbody, lsql, (executed, commits)), (fs, fbody, fsql, _) = (answers["ledgerline"][key],
                                                                                answers["floor"][key])
                lj, fj = (json.loads(b, parse_float=Decimal) for b in (lbody, fbody))
                if key in ("post", "cancel"):   # other customers, payments, timestamps: compare the rest
                    lj, fj = masked(lj), masked(fj)
                    lj = [masked(x) for x in lj] if isinstance(lj, list) else lj
                    fj = [masked(x) for x in fj] if isinstance(fj, list) else fj
                same, reordered = same_statements(lsql, fsql)
                report[key] = {"statements": executed, "shapes": len(lsql), "commits": commits, "same_sql": same,
                               "flush_reordered": reordered,
                               "same_status": ls == fs, "same_json": lj == fj, "same_bytes": lbody == fbody}
                if not same:
                    report[key]["ledgerline_sql"] = lsql
                    report[key]["floor_sql"] = fsql
                if lj != fj:
                    report[key]["ledgerline_json"] = lbody.decode()[:2000]
                    report[key]["floor_json"] = fbody.decode()[:2000]
    finally:
        dispose()
    return report


def check_fixed_floors(cluster: Cluster, tenant_id: uuid.UUID, tpcb_scale: int) -> dict:
    """Each fixed floor once, in-process on the floor app: the status and the statements it sends."""
    from starlette.testclient import TestClient

    from bench import fixed_floor, floor_app

    os.environ.update(FLOOR_DATABASE_URL=cluster.conninfo, FLOOR_TENANT=str(tenant_id))
    report = {}
    with TestClient(floor_app.create_app()) as client:
        for key, method, path, body in (
                ("fixed_get", "GET", "/fixed/payments/1", None),
                ("fixed_tpcb", "POST", "/fixed/tpcb", fixed_floor.tpcb_draw(random.Random(0), tpcb_scale))):
            fixed_floor.RECORDED = []
            try:
                response = client.request(method, path, json=body)
                report[key] = {"status": response.status_code, "ok": response.status_code == 200,
                               "statements": len(fixed_floor.RECORDED), "answer": response.text[:300]}
            finally:
                fixed_floor.RECORDED = None
    return report


# --- the report -----------------------------------------------------------------------------

def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return round(numerator / denominator, 2) if numerator and denominator else None


def cell(value: object, suffix: str = "") -> str:
    return "—" if value is None else f"{value}{suffix}"


def compute_ratios(measured: dict[str, dict], fixed: dict[str, dict]) -> tuple[dict[str, dict], dict[str, dict]]:
    """Each endpoint's Ledgerline over its floors (the same-SQL floor app, its fixed floor, pgbench), and
    each floor app row over pgbench's."""
    def rps(row: dict, side: str) -> float | None:
        return (row.get(side) or {}).get("requests_per_s")

    for m in fixed.values():
        m["floor_app_over_pgbench"] = ratio(rps(m, "floor_app"), rps(m, "pgbench"))
    for key, _, fixed_key in ENDPOINTS:
        m = measured.get(key)
        if m is None:
            continue
        ll = rps(m, "ledgerline")
        m["ratio_floor_app"] = ratio(ll, rps(m, "floor_app"))
        m["ratio_fixed_floor"] = ratio(ll, rps(fixed.get(fixed_key) or {}, "floor_app")) if fixed_key else None
        m["ratio_pgbench"] = ratio(ll, rps(m, "pgbench"))
        m["floor_app_over_pgbench"] = ratio(rps(m, "floor_app"), rps(m, "pgbench"))
    return measured, fixed


def target_rows(result: dict) -> list[dict]:
    """Every target of issue 11 with what was measured and whether it is met (None: not measured)."""
    rows = []
    for key, label, (kind, endpoint, field), op, limit in TARGETS:
        source = result["measurements"] if kind == "ratio" else result.get("sql_check", {})
        rows.append((key, label, (source.get(endpoint) or {}).get(field), op, limit))
    for key, g in result.get("growth", {}).items():
        rows.append((f"growth_{key}", f"growth, {g['label']}: p50 large / small", g["ratio"], "<=", GROWTH_LIMIT))
    if not result.get("growth"):
        rows.append(("growth", "every growth row: p50 large / small", None, "<=", GROWTH_LIMIT))
    return [{"key": key, "what": label, "measured": value, "target": f"{op} {limit}",
             "met": None if value is None else (value >= limit if op == ">=" else value <= limit)}
            for key, label, value, op, limit in rows]


def markdown(result: dict) -> str:
    rows = ["| endpoint | Ledgerline req/s | p50 ms | p99 ms | floor app req/s | p50 ms | p99 ms | pgbench tps | "
            "p50 ms | p99 ms | Ledgerline / floor app | Ledgerline / fixed floor | Ledgerline / pgbench | "
            "floor app / pgbench |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, label, _ in ENDPOINTS:
        m = result["measurements"].get(key)
        if not m:
            continue
        ll, fa, pg = m.get("ledgerline") or {}, m.get("floor_app") or {}, m.get("pgbench") or {}
        rows.append(f"| `{label}` | {cell(ll.get('requests_per_s'))} | {cell(ll.get('p50_ms'))} | "
                    f"{cell(ll.get('p99_ms'))} | {cell(fa.get('requests_per_s'))} | {cell(fa.get('p50_ms'))} | "
                    f"{cell(fa.get('p99_ms'))} | {cell(pg.get('requests_per_s'))} | {cell(pg.get('p50_ms'))} | "
                    f"{cell(pg.get('p99_ms'))} | {cell(m.get('ratio_floor_app'))} | "
                    f"{cell(m.get('ratio_fixed_floor'))} | {cell(m.get('ratio_pgbench'))} | "
                    f"{cell(m.get('floor_app_over_pgbench'))} |")
    fixed = ["| fixed floor | floor app req/s | p50 ms | p99 ms | pgbench tps | p50 ms | p99 ms | "
             "floor app / pgbench |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for key, label in FIXED:
        m = result.get("fixed_floors", {}).get(key)
        if not m:
            continue
        fa, pg = m.get("floor_app") or {}, m.get("pgbench") or {}
        fixed.append(f"| {label} | {cell(fa.get('requests_per_s'))} | {cell(fa.get('p50_ms'))} | "
                     f"{cell(fa.get('p99_ms'))} | {cell(pg.get('requests_per_s'))} | {cell(pg.get('p50_ms'))} | "
                     f"{cell(pg.get('p99_ms'))} | {cell(m.get('floor_app_over_pgbench'))} |")
    growth = ["| measurement | small | large | large / small (p50) | target | met |", "|---|---:|---:|---:|---|---|"]
    for key, g in result.get("growth", {}).items():
        met = "—" if g["ratio"] is None else ("yes" if g["ratio"] <= GROWTH_LIMIT else "**no**")
        growth.append(f"| {g['label']} | p50 {cell(g['small_p50_ms'], ' ms')} ({g['small']}) | "
                      f"p50 {cell(g['large_p50_ms'], ' ms')} ({g['large']}) | {cell(g['ratio'])} | "
                      f"<= {GROWTH_LIMIT} | {met} |")
    targets = ["| target | measured | target | met |", "|---|---:|---|---|"]
    for t in result.get("targets") or target_rows(result):
        met = "not measured" if t["met"] is None else ("yes" if t["met"] else "**no**")
        targets.append(f"| {t['what']} | {cell(t['measured'])} | {t['target']} | {met} |")
    m = result["machine"]
    tpcb = result.get("tpcb") or {}
    lines = [
        f"# Ledgerline bench, {result['date']}",
        "",
        f"`make bench` at scale {result['scale']} ({result['seed']['customers']:,} customers, "
        f"{result['seed']['invoices']:,} invoices, {result['seed']['payments']:,} payments), "
        f"{m['cores']} cores ({m['cpu']}), PostgreSQL {m['postgres']}, Python {m['python']}; "
        f"{result['settings']['workers']} workers per server, {result['settings']['concurrency']} concurrent "
        f"clients, {result['settings']['duration']} s measured per row after {result['settings']['warmup']} s of "
        f"warm-up. Load average before: {m['load_before']}, after: {m['load_after']}. "
        f"Commit {result['git_commit']}{' (dirty)' if result['git_dirty'] else ''}.",
        "",
        "Targets (issue 11):",
        "",
        *targets,
        "",
        "Ledgerline against the same-SQL floor app, the fixed floors and pgbench with the same statements:",
        "",
        *rows,
        "",
        f"Fixed floors (bench/fixed_floor.py, served by the floor app; TPC-B on `pgbench -i -s "
        f"{cell(tpcb.get('scale'))}`, pgbench's row its built-in tpcb-like script):",
        "",
        *fixed,
        "",
        "Growth (Ledgerline only; the p50 must not grow with the data):",
        "",
        *(growth if result.get("growth") else ["Not measured (`--no-growth`)."]),
        "",
        f"SQL check (same statements and JSON as Ledgerline): "
        + ", ".join(f"{k} {'ok' if v['same_sql'] and v['same_json'] else 'DIFFERS'} ({v['statements']} statement(s)"
                    + (f", {v['commits']} COMMIT(s)" if v.get("commits") is not None
                       else "") + ")"
                    for k, v in result.get("sql_check", {}).items()) + ".",
        "Fixed floors check: " + ", ".join(f"{k} {'ok' if v['ok'] else 'FAILED ' + str(v['status'])} "
                                           f"({v['statements']} statement(s))"
                                           for k, v in result.get("fixed_check", {}).items()) + ".",
        f"`ledgerline verify`: {result['verify']}. Seeding took {result['seed']['seconds']} s.",
        "",
    ]
    return "\n".join(lines)


def postgres_version(cluster: Cluster) -> str:
    with psycopg.connect(cluster.admin) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# --- the run ----------------------------------------------------------------------------------

def measure_reads(server: Server, token: str, args: argparse.Namespace, customers: list[int], payments: int,
                  pages: int) -> dict[str, dict]:
    return {
        "get": load(server, token, "get", args, payment_ids=[1, payments]),
        "list": load(server, token, "list", args, customer_ids=customers),
        "credit": load(server, token, "credit", args, pages=pages),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 10,000 customers, 1,000,000 invoices and "
                        "payments (default 1)")
    parser.add_argument("--small-scale", type=float, default=0.01, help="the small side of the read growth "
                        "measurement (default 0.01)")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per row (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each row (default 2)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="workers per server "
                        "(default: the machine's cores)")
    parser.add_argument("--history", default="10,10000", help="paid invoices of the allocation growth customers, "
                        "small,large (default 10,10000)")
    parser.add_argument("--history-customers", type=int, default=8, help="customers of each history (default 8)")
    parser.add_argument("--pgbench-transactions", type=int, default=6000, help="most transactions per pgbench "
                        "floor run (default 6000; fewer when the scale has fewer customers)")
    parser.add_argument("--tpcb-scale", type=int, default=None, help="pgbench -i scale of the fixed TPC-B-like "
                        "floor's tables (default: --concurrency, so that clients seldom wait on one branch row)")
    parser.add_argument("--no-growth", action="store_true", help="skip the growth measurements")
    parser.add_argument("--database", default="ledgerline_bench", help="the bench's database (recreated)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards (default: drop them)")
    parser.add_argument("--output", default=str(RESULTS), help="directory of latest.json and <date>.md")
    args = parser.parse_args()
    tpcb_scale = args.tpcb_scale or args.concurrency

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    cluster = Cluster(url, args.database)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    secret = os.urandom(32).hex()
    histories = tuple(int(x) for x in args.history.split(",")) if not args.no_growth else ()
    load_before = load_average()
    started = time.perf_counter()
    log(f"load average {load_before}; {os.cpu_count()} cores; scale {args.scale}")
    result: dict = {"date": dt.date.today().isoformat(), "scale": args.scale, **git_facts(),
                    "settings": {"duration": args.duration, "warmup": args.warmup, "concurrency": args.concurrency,
                                 "workers": args.workers, "history": list(histories),
                                 "history_customers": args.history_customers, "tpcb_scale": tpcb_scale},
                    "measurements": {}, "growth": {}}

    # 1. the small side of the read growth
    small_reads = None
    if not args.no_growth:
        small = Cluster(url, args.database + "_small")
        env = environment(small, secret)
        plan = seed.plan_for(args.small_scale)
        tenant_id, ids, _ = seed.prepare(small, env, plan)
        server = start_ledgerline(env, args.workers)
        try:
            token = token_for(tenant_id, secret)
            standard = ids["standard"]
            log(f"growth, scale {args.small_scale}: reads")
            small_reads = measure_reads(server, token, args, standard, len(standard) * seed.STANDARD.payments,
                                        max(1, len(standard) // 100))
        finally:
            server.stop()
        if not args.keep:
            small.drop()

    # 2. the large database
    env = environment(cluster, secret)
    plan = seed.plan_for(args.scale, args.history_customers, histories)
    tenant_id, ids, seed_seconds = seed.prepare(cluster, env, plan)
    standard = ids["standard"]
    payments = len(standard) * seed.STANDARD.payments
    result["seed"] = {"customers": plan.customers, "invoices": sum(p.invoices * n for _, p, n in plan.groups),
                      "payments": sum(p.payments * n for _, p, n in plan.groups), "seconds": round(seed_seconds)}
    token = token_for(tenant_id, secret)
    log(f"pgbench -i -s {tpcb_scale}: the fixed TPC-B-like floor's tables")
    result["tpcb"] = {"scale": tpcb_scale, "init_seconds": round(init_tpcb(cluster.pgbench_env(), tpcb_scale), 1)}

    # Customers for the writes: two for the check, then Ledgerline, the floor app and pgbench each a slice
    # of their own (pgbench's untouched, so its invoice ids and versions are known). Two payments each.
    check_customers = (standard[-1], standard[-2])
    usable = standard[:-2]
    quarter = len(usable) // 4
    ledgerline_slice, floor_slice, pgbench_slice = usable[:quarter], usable[quarter:2 * quarter], usable[2 * quarter:]

    # 3. the SQL check
    log("SQL check: the same statements and JSON from Ledgerline and the floor app")
    result["sql_check"] = check_same_sql(cluster, tenant_id, secret, check_customers)
    for key, check in result["sql_check"].items():
        log(f"  {key:<7} {check['statements']} statements: same SQL {check['same_sql']}, "
            f"same JSON {check['same_json']}, {check['commits']} COMMIT(s)"
            + (" (flush order differs)" if check.get("flush_reordered") else ""))
    result["fixed_check"] = check_fixed_floors(cluster, tenant_id, tpcb_scale)
    for key, check in result["fixed_check"].items():
        log(f"  {key:<10} {check['statements']} statements: status {check['status']}")

    # 4. the servers and the floors
    ledgerline = start_ledgerline(env, args.workers)
    floor = start_floor(cluster, tenant_id, args.workers)
    try:
        measured: dict[str, dict] = {key: {} for key, *_ in ENDPOINTS}
        fixed: dict[str, dict] = {key: {} for key, _ in FIXED}
        for server, name in ((ledgerline, "ledgerline"), (floor, "floor_app")):
            log(f"measuring {server.name}")
            for key, value in measure_reads(server, token, args, standard, payments, len(standard) // 100).items():
                measured[key][name] = value
            if name == "floor_app":   # back to back with the same-SQL row, on the same server
                fixed["fixed_get"]["floor_app"] = load(server, token, "fixed-get", args, payment_ids=[1, payments])
            own = ledgerline_slice if name == "ledgerline" else floor_slice
            post = load(server, token, "post", args, customers=own + own)
            measured["post"][name] = {k: v for k, v in post.items() if k != "created"}
            measured["cancel"][name] = load(server, token, "cancel", args, payment_ids=post["created"])
            if name == "floor_app":
                fixed["fixed_tpcb"]["floor_app"] = load(server, token, "fixed-tpcb", args, tpcb_scale=tpcb_scale)

        log("pgbench floor of the writes")
        scripts = Path(tempfile.mkdtemp(prefix="ledgerline-pgbench-"))
        (scripts / "customer-payments.sql").write_text(customer_payment_script())
        (scripts / "cancel.sql").write_text(cancel_script())
        (scripts / "tpcb-like.sql").write_text(tpcb_script(tpcb_scale))
        with psycopg.connect(cluster.conninfo) as conn:
            types = dict(conn.execute("SELECT alternative_code, id FROM financial_transaction_types "
                                      "WHERE tenant_id = %s", (tenant_id,)).fetchall())
        clients = args.concurrency
        per_client = max(1, min(args.pgbench_transactions, 2 * len(pgbench_slice)) // clients)
        common = {"tenant": tenant_id, "type_payment": types["PAYMENT"],
                  "type_cancellation": types["PAYMENT_CANCELLATION"]}
        pg_env = cluster.pgbench_env()
        measured["post"]["pgbench"] = run_pgbench(
            scripts / "customer-payments.sql", pg_env,
            {**common, "first": pgbench_slice[0], "customers": len(pgbench_slice),
             "invoices_per_customer": seed.STANDARD.invoices,
             "first_open": seed.STANDARD.paid_full + seed.STANDARD.paid_halves + 1}, clients, per_client, scripts)
        with psycopg.connect(cluster.conninfo) as conn:
            for statement in cancel_plan_sql():
                conn.execute(statement, {"tenant": tenant_id})
            planned = conn.execute(f"SELECT count(*) FROM {CANCEL_PLAN}").fetchone()[0]
        measured["cancel"]["pgbench"] = run_pgbench(scripts / "cancel.sql", pg_env, common, clients,
                                                    planned // clients, scripts)
        with psycopg.connect(cluster.conninfo) as conn:
            conn.execute(f"DROP TABLE {CANCEL_PLAN}")
        fixed["fixed_tpcb"]["pgbench"] = run_pgbench(scripts / "tpcb-like.sql", pg_env, {}, clients,
                                                     max(1, args.pgbench_transactions // clients), scripts)
        for key, pg in (("post", measured["post"]["pgbench"]), ("cancel", measured["cancel"]["pgbench"]),
                        ("tpcb-like", fixed["fixed_tpcb"]["pgbench"])):
            log(f"  pgbench    {key:<11} {pg['requests_per_s']} tps  p50 {pg['p50_ms']} ms  p99 {pg['p99_ms']} ms "
                f"({pg['requests']} transactions)")
        result["measurements"], result["fixed_floors"] = compute_ratios(measured, fixed)

        # 5. growth
        if not args.no_growth:
            for key, label in (("get", "GET /v1/payments/{id}"), ("list", "GET /v1/payments?customerId=.."),
                               ("credit", "GET /v1/customer-credit-status")):
                small_p50, large_p50 = small_reads[key]["p50_ms"], measured[key]["ledgerline"]["p50_ms"]
                result["growth"][key] = {"label": f"`{label}`, scale {args.small_scale} vs {args.scale}",
                                         "small": f"scale {args.small_scale}", "large": f"scale {args.scale}",
                                         "small_p50_ms": small_p50, "large_p50_ms": large_p50,
                                         "ratio": ratio(large_p50, small_p50), "small_run": small_reads[key]}
            few, many = histories
            log(f"allocation growth: customers with {few} and {many} paid invoices")
            runs = {h: load(ledgerline, token, "post-cancel", args, customers=ids[f"history-{h}"])
                    for h in (few, many)}
            result["growth"]["allocation"] = {
                "label": "`POST /v1/customer-payments`, 10 vs 10,000 historic paid invoices per customer"
                if (few, many) == (10, 10000) else f"`POST /v1/customer-payments`, {few} vs {many} paid invoices",
                "small": f"{few} paid", "large": f"{many} paid",
                "small_p50_ms": runs[few]["p50_ms"], "large_p50_ms": runs[many]["p50_ms"],
                "ratio": ratio(runs[many]["p50_ms"], runs[few]["p50_ms"]),
                "small_run": runs[few], "large_run": runs[many]}
    finally:
        ledgerline.stop()
        floor.stop()

    # 6. verify and report
    done = subprocess.run([str(BIN / "ledgerline"), "verify"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1800)
    result["verify"] = (done.stdout + done.stderr).strip().splitlines()[-1] if (done.stdout + done.stderr).strip() \
        else f"exit {done.returncode}"
    result["machine"] = {"cores": os.cpu_count(), "cpu": cpu_model(), "python": platform.python_version(),
                         "postgres": postgres_version(cluster), "load_before": load_before,
                         "load_after": load_average()}
    result["total_seconds"] = round(time.perf_counter() - started)
    if not args.keep:
        cluster.drop()
    result["targets"] = target_rows(result)
    report = markdown(result)
    (output / "latest.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    (output / f"{result['date']}.md").write_text(report)
    print(report)
    log(f"done in {result['total_seconds']} s; {output / 'latest.json'}, {output / (result['date'] + '.md')}")
    ok = (done.returncode == 0 and all(c["same_sql"] and c["same_json"] for c in result["sql_check"].values())
          and all(c["ok"] for c in result["fixed_check"].values()))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
