"""The cluster's fault test (issue 17 item 4): money traffic through HAProxy while hosts die and come back,
PgBouncer restarts and the standby stops and starts; then nothing may be lost, doubled or half-applied.

It reuses the crash test (crash/crash_test.py, crash/invariants.py): the same client threads and writes
(invoices, payments of four kinds, cancellations), each with a unique Idempotency-Key that the write
also carries in a column, plus refunds (of customer credit and of invoice payments, the key in the
refund's description), the same retries of unanswered writes, the same exactly-once judgement and
ledger invariants, and `ledgerline verify`. It runs against the cluster of deploy/cluster.sh (as root):

1. throughput: the load for ``--phase`` seconds with both hosts, then as long with host 2 disabled in
   HAProxy (its runtime API), then host 2 enabled again;
2. faults, in turn, over ``--duration`` seconds of the same load: host 1 killed (SIGKILL to everything
   in its namespace) and started, PgBouncer restarted, the standby stopped, then started, host 2 killed
   and started; two reader threads list payments meanwhile (those GETs read the standby);
3. every write without a definite answer is sent again with its key, up to ``--replays`` acknowledged
   ones too; the standby must catch up with the primary (WAL replayed up to the primary's position,
   and the tenant's rows counted alike on both);
4. the checks: every write exactly once, the invariants, `ledgerline verify`. A summary is printed and
   written to deploy/results/latest.json. Exit 1 on any violation.

Usage: make cluster-test [CLUSTER_TEST_ARGS="--duration 90 --phase 20"]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "crash"))
import crash_test  # noqa: E402
import invariants  # noqa: E402
from crash_test import Answer, Traffic, drive, new_client, replay, retry, seed  # noqa: E402
from invariants import Write, applied_by_key, judge_writes, orphaned_reservations, run_checks  # noqa: E402

SCRIPT = ROOT / "deploy" / "cluster.sh"
RUN_DIR = Path(os.environ.get("LEDGERLINE_CLUSTER_DIR", ROOT / "deploy" / "run"))
RESULTS = ROOT / "deploy" / "results"
REFUND = "refund"
REFUND_SHARE = 0.15          # of the writes: refunds (the crash test's mix makes the rest)
GATEWAY_ERRORS = (502, 504)  # HAProxy's answers when the host died under the request: no answer from Ledgerline


def log(message: str) -> None:
    print(f"[cluster-test {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- refunds on top of the crash test's writes ------------------------------------------------------------

REFUND_CHECK = """
    SELECT r.id, r.amount_minor, count(j.id) AS entries FROM refunds r
    LEFT JOIN journal_entries j ON j.tenant_id = r.tenant_id AND j.refund_id = r.id AND j.kind = 'REFUND'
         AND j.balance_delta = -r.amount_minor
    WHERE r.tenant_id = :tenant
    GROUP BY r.id, r.amount_minor
    HAVING count(j.id) <> 1"""
REFUNDS_APPLIED = """
    UNION ALL
    SELECT 'refund', description, id FROM refunds WHERE tenant_id = :tenant AND description LIKE :pattern"""


def extend_crash_test() -> None:
    """Refunds in the crash test's checks, and HAProxy's gateway errors read as no answer (done in ``main``
    only: importing this module changes nothing)."""
    invariants.CHECKS.setdefault("refund has its one REFUND entry", REFUND_CHECK)
    if REFUNDS_APPLIED not in invariants._APPLIED_SQL:
        invariants._APPLIED_SQL += REFUNDS_APPLIED
    crash_test.send = send


class ClusterTraffic(Traffic):
    """The crash test's traffic, and refunds: of customer credit, or of what was paid on an invoice."""

    def next_write(self) -> Write:
        with self.lock:
            if self.rng.random() >= REFUND_SHARE:
                refund = None
            else:
                self.serial += 1
                key = f"{self.run_id}-{self.serial:06d}"
                customer = self.rng.choice(list(self.customers))
                invoices = self.customers[customer]
                amount = crash_test.money(self.rng.randint(50, 500))
                if invoices and self.rng.random() < 0.5:
                    body = {"invoiceId": self.rng.choice(invoices), "amountInMajorCurrency": amount,
                            "paymentMethod": "CHEQUE", "description": key}
                else:
                    body = {"customerId": customer, "amountInMajorCurrency": amount, "paymentMethod": "CHEQUE",
                            "description": key}
                refund = Write(key, REFUND, "POST", "/v1/refunds", json.dumps(body))
                self.writes.append(refund)
        return refund if refund is not None else super().next_write()


_send = crash_test.send
gateway_errors: Counter[int] = Counter()


def send(client: httpx.Client, write: Write) -> Answer:
    """The crash test's send; HAProxy's 502/504 (the host died with the request) count as no answer."""
    answer = _send(client, write)
    if answer.status in GATEWAY_ERRORS:
        gateway_errors[answer.status] += 1
        return Answer(None, None, f"HAProxy {answer.status}: {answer.detail[:100]}", False, None)
    return answer


# -- the cluster ------------------------------------------------------------------------------------------

def cluster(*args: str) -> None:
    subprocess.run(["bash", str(SCRIPT), *args], check=True, cwd=ROOT)


def read_env() -> dict[str, str]:
    values = {}
    for line in (RUN_DIR / "cluster.env").read_text().splitlines():
        name, _, value = line.partition("=")
        if name:
            values[name] = value
    return values


def psql(port: int, sql: str) -> str:
    done = subprocess.run(["psql", "-qtAX", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "ledgerline",
                           "-c", sql], capture_output=True, text=True, timeout=30)
    if done.returncode:
        raise RuntimeError(done.stderr.strip())
    return done.stdout.strip()


def hosts_up(stats_url: str) -> dict[str, str]:
    rows = httpx.get(stats_url + ";csv", timeout=5).text.splitlines()
    return {row.split(",")[1]: row.split(",")[17] for row in rows
            if row.startswith("ledgerline,") and row.split(",")[1].startswith("host")}


def wait_all_up(stats_url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all(status == "UP" for status in hosts_up(stats_url).values()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"hosts not all UP: {hosts_up(stats_url)}")
        time.sleep(0.5)


class Readers:
    """Threads listing payments through HAProxy (the GETs the standby serves), counting the answers."""

    def __init__(self, base_url: str, headers: dict[str, str], count: int) -> None:
        self.codes: Counter[str] = Counter()
        self.read_from: Counter[str] = Counter()
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(base_url, headers), daemon=True)
                        for _ in range(count)]

    def _run(self, base_url: str, headers: dict[str, str]) -> None:
        client = new_client(base_url, headers, timeout=20)
        while not self.stop.is_set():
            try:
                response = client.get("/v1/payments", params={"pageSize": 20})
                code, source = str(response.status_code), response.headers.get("ledgerline-read-from", "-")
                if response.status_code >= 500:
                    with self.lock:
                        self.errors.append(f"{time.strftime('%H:%M:%S')} {response.status_code} from "
                                           f"{response.headers.get('ledgerline-host', 'HAProxy')}: "
                                           f"{response.text[:160]}")
            except httpx.HTTPError as exc:
                code, source = type(exc).__name__, "-"
                client.close()
                client = new_client(base_url, headers, timeout=20)
            with self.lock:
                self.codes[code] += 1
                self.read_from[source] += 1
            time.sleep(0.2)
        client.close()

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


def measure(traffic: Traffic, seconds: float) -> dict[str, float]:
    """Acknowledged writes (and every answered request) per second over the next ``seconds``."""
    writes, acknowledged, started = len(traffic.writes), traffic.acknowledged, time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    return {"seconds": round(elapsed, 1), "writes_sent": len(traffic.writes) - writes,
            "acknowledged": traffic.acknowledged - acknowledged,
            "acknowledged_per_second": round((traffic.acknowledged - acknowledged) / elapsed, 1)}


# The faults, in turn (deploy/cluster.sh subcommands).
MOVES = [("kill-host", "1"), ("restart-pgbouncer",), ("stop-replica",), ("start-replica",), ("kill-host", "2")]


def faults(duration: float, done: list[dict[str, object]]) -> None:
    """In turn, evenly over ``duration``: kill host 1, restart PgBouncer, stop and start the standby, kill host 2."""
    gap = duration / (len(MOVES) + 1)
    for move in MOVES:
        time.sleep(gap)
        started = time.monotonic()
        cluster(*move)
        done.append({"move": " ".join(move), "seconds": round(time.monotonic() - started, 1)})
        log(f"fault: {' '.join(move)} done in {done[-1]['seconds']} s")


def caught_up(tenant_id: str, primary_port: int, replica_port: int, timeout: float = 90) -> dict[str, object]:
    """Wait until the standby has replayed the primary's WAL position, then compare the tenant's rows."""
    target = psql(primary_port, "SELECT pg_current_wal_lsn()")
    started, deadline = time.monotonic(), time.monotonic() + timeout
    while True:
        try:
            if psql(replica_port, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t":
                break
        except RuntimeError:
            pass
        if time.monotonic() > deadline:
            return {"caught_up": False, "target_lsn": target}
        time.sleep(0.2)
    counts = " UNION ALL ".join(f"SELECT '{table}', count(*) FROM {table} WHERE tenant_id = '{tenant_id}'"
                                for table in ("payments", "invoices", "refunds", "payment_cancellations",
                                              "payment_allocations", "journal_entries"))
    primary, replica = psql(primary_port, counts), psql(replica_port, counts)
    return {"caught_up": primary == replica, "target_lsn": target,
            "seconds": round(time.monotonic() - started, 2),
            "rows": dict(line.split("|") for line in primary.splitlines()),
            "rows_on_replica": dict(line.split("|") for line in replica.splitlines())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=75.0, help="seconds of load while the faults happen")
    parser.add_argument("--phase", type=float, default=15.0, help="seconds of each throughput phase (2, then 1 host)")
    parser.add_argument("--concurrency", type=int, default=12, help="client threads sending writes (default 12)")
    parser.add_argument("--readers", type=int, default=2, help="client threads listing payments (default 2)")
    parser.add_argument("--customers", type=int, default=24, help="customers the writes share (default 24)")
    parser.add_argument("--client-timeout", type=float, default=5.0,
                        help="seconds a client waits for an answer before it retries with the same key")
    parser.add_argument("--replays", type=int, default=200, help="acknowledged writes sent again at the end")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random, printed)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("the cluster test needs root (deploy/cluster.sh)")
    if not (RUN_DIR / "cluster.env").exists():
        raise SystemExit("no cluster: `make cluster-test` starts one (deploy/cluster.sh up)")
    extend_crash_test()
    seed_value = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    rng = random.Random(seed_value)
    values = read_env()
    env = {**os.environ, **{name: value for name, value in values.items() if name.startswith(("LEDGERLINE_",
                                                                                              "DATABASE_URL"))}}
    base_url, stats_url = values["CLUSTER_URL"], values["CLUSTER_STATS_URL"]
    primary_port = int(values["CLUSTER_PRIMARY_URL"].rsplit(":", 1)[1].split("/")[0])
    replica_port = int(values["CLUSTER_REPLICA_URL"].rsplit(":", 1)[1].split("/")[0])
    lock_seconds = int(values.get("LEDGERLINE_IDEMPOTENCY_LOCK_SECONDS", "60"))
    # A key whose request died with its host is taken over by its retry after the lock: retry that long at least.
    crash_test.RETRY_WINDOW = max(crash_test.RETRY_WINDOW, lock_seconds + 20.0)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    wait_all_up(stats_url)

    tenant_id = crash_test.cli(env, "tenant", "create", f"Cluster test {uuid.uuid4().hex[:8]}")
    token = crash_test.cli(env, "token", "--tenant", tenant_id, "--scope", "*", "--ttl", "7200")
    headers = {"Authorization": f"Bearer {token}"}
    traffic = ClusterTraffic(seed(base_url, headers, args.customers, 3), uuid.uuid4().hex[:8], rng)
    log(f"seed {seed_value}; tenant {tenant_id}; {args.customers} customers seeded through HAProxy")
    gate, stop = threading.Event(), threading.Event()
    gate.set()
    threads = drive(base_url, headers, traffic, args.concurrency, args.client_timeout, gate, stop)
    moves: list[dict[str, object]] = []
    throughput: dict[str, dict[str, float]] = {}
    try:
        time.sleep(3)    # warm up: the first requests of a process are slow
        throughput["two_hosts"] = measure(traffic, args.phase)
        log(f"two hosts: {throughput['two_hosts']}")
        cluster("disable-host", "2")
        time.sleep(1)
        throughput["one_host"] = measure(traffic, args.phase)
        log(f"one host: {throughput['one_host']}")
        cluster("enable-host", "2")
        wait_all_up(stats_url)
        with Readers(base_url, headers, args.readers) as readers:
            fault_thread = threading.Thread(target=faults, args=(args.duration, moves))
            load_started, writes_before = time.monotonic(), len(traffic.writes)
            fault_thread.start()
            fault_thread.join()
            remaining = args.duration - (time.monotonic() - load_started)
            if remaining > 0:
                time.sleep(remaining)
            fault_seconds = time.monotonic() - load_started
            fault_writes = len(traffic.writes) - writes_before
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    wait_all_up(stats_url)
    pending = [write for write in traffic.writes if write.needs_retry]
    log(f"load over; retrying {len(pending)} write(s) without a definite answer (up to {crash_test.RETRY_WINDOW:.0f} s)")
    retry(base_url, headers, pending, args.concurrency)
    acknowledged = [write for write in traffic.writes if write.acknowledged]
    again = rng.sample(acknowledged, min(args.replays, len(acknowledged)))
    log(f"sending {len(again)} acknowledged write(s) again with their keys")
    replay(base_url, headers, again, args.concurrency)
    replica = caught_up(tenant_id, primary_port, replica_port)
    log(f"standby: {replica}")

    engine = create_engine(values["CLUSTER_PRIMARY_URL"])
    try:
        with engine.connect() as connection:
            checks = run_checks(connection, uuid.UUID(tenant_id))
            applied = applied_by_key(connection, uuid.UUID(tenant_id), traffic.run_id)
            orphans = orphaned_reservations(connection, uuid.UUID(tenant_id), traffic.run_id)
    finally:
        engine.dispose()
    violations = judge_writes(traffic.writes, applied, orphans)
    verify_rc, mismatches, verify_output = crash_test.verify({**env, "LEDGERLINE_LOG_FORMAT": "text"})
    crash_test.RESULTS = RESULTS
    code = crash_test.report(traffic, sum(1 for move in moves if move["move"].startswith("kill-host")), checks,
                             violations, verify_rc, mismatches, verify_output, seed_value,
                             time.monotonic() - started)
    summary = json.loads((RESULTS / "latest.json").read_text())
    kinds = Counter(write.what for write in traffic.writes)
    applied_kinds = Counter(write.what for write in traffic.writes if write.acknowledged)
    summary.update({
        "throughput": throughput, "faults": moves,
        "fault_phase": {"seconds": round(fault_seconds, 1), "writes_sent": fault_writes},
        "writes_by_kind": dict(kinds), "acknowledged_by_kind": dict(applied_kinds),
        "gateway_errors_counted_as_no_answer": dict(gateway_errors),
        "readers": {"codes": dict(readers.codes), "read_from": dict(readers.read_from), "errors": readers.errors},
        "replica": replica,
    })
    ok = code == 0 and replica.get("caught_up") is True and len(moves) == len(MOVES)
    summary["passed"] = ok
    (RESULTS / "latest.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"  throughput (acknowledged writes/s, {args.concurrency} clients): two hosts "
          f"{throughput['two_hosts']['acknowledged_per_second']}, one host {throughput['one_host']['acknowledged_per_second']}")
    print(f"  faults: {', '.join(move['move'] for move in moves)}; writes by kind {dict(kinds)}")
    print(f"  HAProxy 502/504 (counted as no answer, then retried): {dict(gateway_errors)}; "
          f"reader GETs {dict(readers.codes)} from {dict(readers.read_from)}")
    for line in readers.errors[:5]:
        print(f"    reader: {line}")
    print(f"  standby caught up: {replica.get('caught_up')} (in {replica.get('seconds')} s; rows {replica.get('rows')})")
    print(f"cluster test {'PASSED' if ok else 'FAILED'} (details in {RESULTS / 'latest.json'})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
