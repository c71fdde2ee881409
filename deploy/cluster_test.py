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
import http.server
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "crash"))
import crash_test  # noqa: E402
import invariants  # noqa: E402
from ledgerline.events import signing  # noqa: E402
from crash_test import Answer, Traffic, drive, judge, new_client, resend, seed  # noqa: E402
from invariants import Write  # noqa: E402

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


# -- webhooks: both hosts' delivery workers deliver every event once ------------------------------------

@dataclass(frozen=True)
class Receipt:
    """One POST the receiver got: which delivery of which event, when it began and ended, whether it verified."""

    delivery_id: int
    event_id: int
    customer_id: int | None
    sequence: int | None
    started: float
    ended: float
    verified: bool
    sender: str = ""          # the address the POST came from: which host's worker sent it


class WebhookReceiver:
    """A real HTTP server on the bridge's address (the hosts' namespaces reach it, as they reach PgBouncer)
    that checks each delivery's signature with the endpoint's secret and answers 200. It notes every POST,
    and each one that came while another POST of the same delivery was still being answered."""

    def __init__(self, address: str) -> None:
        self.secret: str | None = None
        self.receipts: list[Receipt] = []
        self.concurrent: list[int] = []          # delivery ids posted again while a POST of them was in flight
        self.lock = threading.Lock()
        self.in_flight: Counter[int] = Counter()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                started = time.monotonic()
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                delivery_id = int(self.headers.get("Ledgerline-Delivery-Id", 0))
                with receiver.lock:
                    if receiver.in_flight[delivery_id]:
                        receiver.concurrent.append(delivery_id)
                    receiver.in_flight[delivery_id] += 1
                try:
                    time.sleep(0.005)    # an answer takes a moment, so overlapping POSTs would meet here
                    verified = receiver.secret is not None and signing.verify(
                        receiver.secret, self.headers.get(signing.HEADER, ""), body)
                    event = json.loads(body)
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                finally:
                    with receiver.lock:
                        receiver.in_flight[delivery_id] -= 1
                        receiver.receipts.append(Receipt(delivery_id, int(event["id"]), event.get("customerId"),
                                                         event.get("sequence"), started, time.monotonic(), verified,
                                                         self.client_address[0]))

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer((address, 0), Handler)
        self.url = f"http://{address}:{self.server.server_address[1]}/ledgerline"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def register(self, base_url: str, headers: dict[str, str]) -> int:
        """Create the tenant's endpoint for every event type; serve once its secret (shown once) is known."""
        response = httpx.post(f"{base_url}/v1/webhook-endpoints", headers=headers, timeout=30,
                              json={"url": self.url, "enabledEvents": ["*"], "description": "cluster test"})
        response.raise_for_status()
        self.secret = response.json()["secret"]
        self.thread.start()
        return int(response.json()["id"])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def judge(self, database_url: str, tenant_id: str, endpoint_id: int, timeout: float) -> dict[str, object]:
        """Wait until the outbox is drained, then: every event of the tenant has one delivery to the endpoint,
        DELIVERED with one successful attempt; the receiver got it (verified) and never twice at once; a
        second POST of a delivery is only one whose first attempt died with its host unrecorded (at least
        once: the lease lapses and another worker sends it again); each customer's events came in order."""
        engine = create_engine(database_url)
        started, drained = time.monotonic(), False
        try:
            while time.monotonic() - started < timeout:
                with engine.connect() as connection:
                    left = connection.execute(text(WEBHOOKS_LEFT), {"tenant": tenant_id}).one()
                if not any(left):
                    drained = True
                    break
                time.sleep(1)
            drain_seconds = round(time.monotonic() - started, 1)
            with engine.connect() as connection:
                deliveries = connection.execute(text(WEBHOOK_DELIVERIES),
                                                {"tenant": tenant_id, "endpoint": endpoint_id}).all()
                by_worker = dict(connection.execute(text(WEBHOOK_EVENTS), {"tenant": tenant_id}).all())
        finally:
            engine.dispose()
        with self.lock:
            receipts, concurrent = list(self.receipts), list(self.concurrent)
        return judge_webhooks(deliveries, receipts, concurrent, drained=drained, drain_seconds=drain_seconds,
                              events=by_worker.get("events", 0))


# Events not dispatched yet and deliveries still PENDING, of the tenant.
WEBHOOKS_LEFT = """
    SELECT (SELECT count(*) FROM events WHERE tenant_id = :tenant AND dispatched_at IS NULL),
           (SELECT count(*) FROM webhook_deliveries WHERE tenant_id = :tenant AND status = 'PENDING')"""
# Each event of the tenant with its deliveries to the endpoint (not replays) and their attempts.
WEBHOOK_DELIVERIES = """
    SELECT e.id AS event_id, d.id AS delivery_id, d.status,
           (SELECT count(*) FROM webhook_attempts a WHERE a.delivery_id = d.id) AS attempts,
           (SELECT count(*) FROM webhook_attempts a WHERE a.delivery_id = d.id AND a.outcome = 'DELIVERED')
               AS successes
    FROM events e
    LEFT JOIN webhook_deliveries d ON d.event_id = e.id AND d.endpoint_id = :endpoint AND NOT d.replay
    WHERE e.tenant_id = :tenant
    ORDER BY e.id, d.id"""
WEBHOOK_EVENTS = "SELECT 'events', count(*) FROM events WHERE tenant_id = :tenant"


def judge_webhooks(deliveries, receipts: list[Receipt], concurrent: list[int], *, drained: bool,
                   drain_seconds: float, events: int) -> dict[str, object]:
    """The webhook checks of ``WebhookReceiver.judge`` over what the database and the receiver hold (pure)."""
    violations: list[str] = []
    if not drained:
        violations.append(f"the outbox was not drained after {drain_seconds} s")
    by_event: dict[int, list] = defaultdict(list)
    for row in deliveries:
        if row.delivery_id is not None:
            by_event[row.event_id].append(row)
        else:
            by_event.setdefault(row.event_id, [])
    received: dict[int, list[Receipt]] = defaultdict(list)
    for receipt in receipts:
        received[receipt.delivery_id].append(receipt)
    lost = doubled = redelivered = 0
    for event_id, rows in by_event.items():
        if not rows:
            lost += 1
            violations.append(f"event {event_id}: no delivery to the endpoint")
            continue
        if len(rows) > 1:
            doubled += 1
            violations.append(f"event {event_id}: {len(rows)} deliveries to one endpoint (dispatched twice)")
        for row in rows:
            got = received.get(row.delivery_id, [])
            if row.status != "DELIVERED" or not got:
                lost += 1
                violations.append(f"event {event_id}: delivery {row.delivery_id} {row.status}, "
                                  f"{len(got)} POST(s) received")
            elif row.successes != 1:
                doubled += 1
                violations.append(f"event {event_id}: delivery {row.delivery_id} delivered {row.successes} times")
            elif len(got) > row.attempts:
                redelivered += 1     # an attempt that died with its host before it was recorded
            elif len(got) < row.attempts:
                violations.append(f"event {event_id}: delivery {row.delivery_id} has {row.attempts} attempts "
                                  f"logged but {len(got)} POST(s) received")
    for delivery_id in sorted(set(concurrent)):
        doubled += 1
        violations.append(f"delivery {delivery_id}: POSTed again while an earlier POST was in flight")
    unverified = [receipt.delivery_id for receipt in receipts if not receipt.verified]
    if unverified:
        violations.append(f"{len(unverified)} POST(s) whose signature did not verify, e.g. {unverified[:5]}")
    out_of_order = 0
    first: dict[int, Receipt] = {}
    for receipt in sorted(receipts, key=lambda each: each.started):
        first.setdefault(receipt.delivery_id, receipt)
    last_sequence: dict[int, int] = {}
    for receipt in sorted(first.values(), key=lambda each: each.started):
        if receipt.customer_id is None or receipt.sequence is None:
            continue
        if receipt.sequence < last_sequence.get(receipt.customer_id, 0):
            out_of_order += 1
            violations.append(f"customer {receipt.customer_id}: event of sequence {receipt.sequence} after "
                              f"{last_sequence[receipt.customer_id]}")
        last_sequence[receipt.customer_id] = max(receipt.sequence, last_sequence.get(receipt.customer_id, 0))
    by_sender = dict(sorted(Counter(receipt.sender for receipt in receipts).items()))
    summary = (f"{events} events, {sum(len(rows) for rows in by_event.values())} deliveries, {len(receipts)} POSTs "
               f"received in {len(set(received))} deliveries (by sender {by_sender}); {lost} lost, {doubled} "
               f"doubled, {redelivered} redelivered after a kill, {out_of_order} out of order, {len(unverified)} "
               f"unverified; drained {drain_seconds} s after the load")
    return {"summary": summary, "events": events, "posts_received": len(receipts), "lost": lost,
            "doubled": doubled, "redelivered_after_kill": redelivered, "out_of_order": out_of_order,
            "unverified": len(unverified), "drain_seconds": drain_seconds, "posts_by_sender": by_sender,
            "violations": violations}


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
    parser.add_argument("--delivery-timeout", type=float, default=300.0,
                        help="seconds the workers may take after the load to deliver every event (default 300)")
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
    # The endpoint exists before the first write, so every event of the tenant is delivered to it.
    receiver = WebhookReceiver(values["CLUSTER_BRIDGE_ADDR"])
    endpoint_id = receiver.register(base_url, headers)
    log(f"webhook endpoint {endpoint_id}: {receiver.url} (each host's worker delivers to it)")
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
    resend(base_url, headers, traffic, args.concurrency, args.replays, rng)
    replica = caught_up(tenant_id, primary_port, replica_port)
    log(f"standby: {replica}")
    checks, violations = judge(values["CLUSTER_PRIMARY_URL"], tenant_id, traffic)
    webhooks = receiver.judge(values["CLUSTER_PRIMARY_URL"], tenant_id, endpoint_id, args.delivery_timeout)
    receiver.close()
    log(f"webhooks: {webhooks['summary']}")
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
        "webhooks": webhooks,
    })
    ok = (code == 0 and replica.get("caught_up") is True and len(moves) == len(MOVES)
          and not webhooks["violations"])
    summary["passed"] = ok
    (RESULTS / "latest.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"  throughput (acknowledged writes/s, {args.concurrency} clients): two hosts "
          f"{throughput['two_hosts']['acknowledged_per_second']}, one host {throughput['one_host']['acknowledged_per_second']}")
    print(f"  faults: {', '.join(move['move'] for move in moves)}; writes by kind {dict(kinds)}")
    print(f"  HAProxy 502/504 (counted as no answer, then retried): {dict(gateway_errors)}; "
          f"reader GETs {dict(readers.codes)} from {dict(readers.read_from)}")
    for line in readers.errors[:5]:
        print(f"    reader: {line}")
    print(f"  webhooks: {webhooks['summary']}")
    for line in webhooks["violations"][:10]:
        print(f"    webhook: {line}")
    print(f"  standby caught up: {replica.get('caught_up')} (in {replica.get('seconds')} s; rows {replica.get('rows')})")
    print(f"cluster test {'PASSED' if ok else 'FAILED'} (details in {RESULTS / 'latest.json'})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
