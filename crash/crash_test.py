"""Crash test: SIGKILL the server mid-load, restart it, and prove nothing was lost, doubled or half-done.

Loopback only and bounded (about a minute): a fresh PostgreSQL database ``ledgerline_crash`` on
the local cluster (``CRASH_DATABASE_URL`` to use another), ``ledgerline serve --workers N`` as a
subprocess, and client threads sending payment, invoice and cancellation writes, each with a
unique ``Idempotency-Key`` that the write also carries in a column (payment and cancellation
``notes``, invoice ``referenceNumber``). Each round kills the whole server process group at a
random moment and starts it again. Afterwards every write without a definite answer is retried
with its key, and the database is checked: see crash/README.md and crash/invariants.py.

Usage (from the repository root):
    .venv/bin/python crash/crash_test.py [--rounds 5] [--concurrency 12] [--workers 2] [--seed N]

Exits 1 on any violation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import Uuid, bindparam, create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from live_server import (BIN, ROOT, cli, drop_database, free_port, kill_server, recreate_database,  # noqa: E402
                         start_server, stop_server, wait_healthy)
from invariants import (CANCELLATION, INVOICE, PAYMENT, PROVIDER_EVENT, CheckResult, Write, applied_by_key,  # noqa: E402
                        definite, judge_provider_events, judge_writes, orphaned_reservations, run_checks,
                        stored_provider_events)

RESULTS = ROOT / "crash" / "results"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ledgerline_crash"
# A reservation left by a killed request is taken over by its retry after this many seconds
# (LEDGERLINE_IDEMPOTENCY_LOCK_SECONDS; 60 by default, shortened so the run stays short).
LOCK_SECONDS = 2
RETRY_WINDOW = 30.0  # seconds a retry keeps trying while the answer is not definite
IMPATIENT_RETRIES = 20  # during load, retries of a request the client stopped waiting for

# Relative weights of the writes the clients send.
MIX = {"invoice": 18, "customer-payment": 24, "payment": 14, "pay-invoice": 10, "invoice-payment": 10, "cancel": 24,
       "collected-invoice": 12, "provider-event": 16}
WEBHOOK_SECRET = "whsec_crash_test_0123456789"
# What a provider says about a collection, weighted; the sandbox's own events come at the end as well.
PROVIDER_STATUSES = {"CONFIRMED": 3, "PAID_OUT": 5, "FAILED": 3, "CHARGED_BACK": 2, "CANCELLED": 2}
# Invoice totals of the collected customers, as minor-unit endings: the sandbox fails 13, charges back 66.
COLLECTED_ENDINGS = (0, 13, 66, 50)


def log(message: str) -> None:
    print(f"[crash {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


class Traffic:
    """What the clients know: customers, acknowledged invoices and cancellable payments, every write."""

    def __init__(self, customers: dict[int, list[int]], run_id: str, rng: random.Random,
                 collected: list[int] = (), provider_id: int | None = None) -> None:
        self.customers = customers           # customer id -> acknowledged POSTED invoice ids
        self.collected = list(collected)     # customers with a usable sandbox mandate: invoices are collected
        self.provider_id = provider_id
        self.references: list[str] = []      # collections the clients have seen (a provider's events name them)
        self.batches: list[list[dict]] = []  # provider event batches sent, for duplicates and reordering
        self.cancellable: list[int] = []     # acknowledged POSTED payments not yet sent a cancel
        self.writes: list[Write] = []
        self.lock = threading.Lock()
        self.run_id = run_id
        self.rng = rng
        self.serial = 0
        self.round = 0                       # moves on at every restart: clients drop their dead connections
        self.acknowledged = 0

    def next_write(self) -> Write:
        """The next write to send, with its key in its body; it is recorded before it is sent."""
        with self.lock:
            self.serial += 1
            key = f"{self.run_id}-{self.serial:06d}"
            kinds, weights = zip(*MIX.items())
            kind = self.rng.choices(kinds, weights)[0]
            if kind == "cancel" and not self.cancellable:
                kind = "customer-payment"
            customer = self.rng.choice(list(self.customers))
            invoices = self.customers[customer]
            if kind in ("pay-invoice", "invoice-payment") and not invoices:
                kind = "customer-payment"
            if kind == "provider-event" and not self.references:
                kind = "collected-invoice"
            if kind == "collected-invoice" and not self.collected:
                kind = "invoice"
            amount = money(self.rng.randint(100, 4000))
            if kind == "invoice":
                write = Write(key, INVOICE, "POST", "/v1/invoices", json.dumps(
                    {"customerId": customer, "issueDate": f"2026-{self.rng.randint(1, 12):02d}-01",
                     "totalInMajorCurrency": amount, "status": "POSTED", "referenceNumber": key}))
            elif kind == "collected-invoice":
                minor = self.rng.randint(10, 60) * 100 + self.rng.choice(COLLECTED_ENDINGS)
                write = Write(key, INVOICE, "POST", "/v1/invoices", json.dumps(
                    {"customerId": self.rng.choice(self.collected), "issueDate": "2026-06-01",
                     "totalInMajorCurrency": money(minor), "status": "POSTED", "referenceNumber": key}))
            elif kind == "provider-event":
                write = Write(key, PROVIDER_EVENT, "POST", f"/v1/payment-provider-webhooks/{self.provider_id}",
                              json.dumps({"events": self._provider_events()}))
            elif kind == "customer-payment":
                write = Write(key, PAYMENT, "POST", "/v1/customer-payments", json.dumps(
                    {"customerId": customer, "amountInMajorCurrency": amount, "type": "CREDIT_CARD",
                     "description": key, "reference": key}))
            elif kind == "payment":
                write = Write(key, PAYMENT, "POST", "/v1/payments", json.dumps(
                    {"customerId": customer, "amountInMajorCurrency": amount, "paymentMethod": "CHEQUE",
                     "status": "POSTED", "invoicesToPay": self.rng.sample(invoices, min(2, len(invoices))),
                     "notes": key, "referenceNumber": key}))
            elif kind == "pay-invoice":
                write = Write(key, PAYMENT, "POST", f"/v1/invoices/{self.rng.choice(invoices)}/pay", json.dumps(
                    {"paymentMethod": "BACS", "notes": key}))
            elif kind == "invoice-payment":
                write = Write(key, PAYMENT, "POST", "/v1/invoice-payments", json.dumps(
                    {"generatedInvoiceId": self.rng.choice(invoices), "amountInMajorCurrency": amount,
                     "paymentMethod": "DIRECT_DEBIT", "description": key}))
            else:
                payment_id = self.cancellable.pop(self.rng.randrange(len(self.cancellable)))
                write = Write(key, CANCELLATION, "POST", f"/v1/payments/{payment_id}/cancel", json.dumps(
                    {"notes": key, "issueReason": "crash test"}))
            self.writes.append(write)
            return write

    def _provider_events(self) -> list[dict]:
        """1 to 3 events of seen collections; an event id is its reference and status, so saying the same
        again is a duplicate delivery. One batch in four is an earlier batch again, in reverse order."""
        if self.batches and self.rng.random() < 0.25:
            return list(reversed(self.rng.choice(self.batches)))
        statuses, weights = zip(*PROVIDER_STATUSES.items())
        batch = []
        for _ in range(self.rng.randint(1, 3)):
            reference, status = self.rng.choice(self.references), self.rng.choices(statuses, weights)[0]
            batch.append({"id": f"{self.run_id}-{reference}-{status}", "resourceType": "payment",
                          "reference": reference, "status": status,
                          "occurredAt": dt.datetime.now(dt.timezone.utc).isoformat()})
        self.batches.append(batch)
        return batch

    def collects(self, write: Write) -> bool:
        return write.what == INVOICE and json.loads(write.body)["customerId"] in self.collected

    def learn_references(self, references: list[str]) -> None:
        with self.lock:
            self.references.extend(ref for ref in references if ref and ref not in self.references)

    def learn(self, write: Write, body: dict) -> None:
        """An acknowledged write adds what later writes may use."""
        with self.lock:
            self.acknowledged += 1
            if write.what == INVOICE and body["customerId"] in self.customers:
                self.customers[body["customerId"]].append(body["id"])
            elif write.what == PAYMENT and body.get("status", "POSTED") == "POSTED":
                self.cancellable.append(payment_id(write, body))


@dataclass(frozen=True)
class Answer:
    status: int | None        # None: no answer (the server died or was down)
    resource_id: int | None   # the id a 2xx answer names (a cancellation answers its payment)
    detail: str               # the error text of any other answer
    replayed: bool            # Idempotent-Replayed: the stored answer of an earlier attempt
    body: dict | None
    timed_out: bool = False   # the client stopped waiting; the server may still be working on it

    @property
    def key_busy(self) -> bool:
        """409 about the key: an earlier attempt still holds it (retry after a pause)."""
        return self.status == 409 and not definite(self.status, self.detail)


def payment_id(write: Write, body: dict) -> int:
    """The id a 2xx answer names; an invoice payment is a row of its own that names its payment."""
    return int(body["customerPaymentId"] if write.path == "/v1/invoice-payments" else body["id"])


def signature(body: str) -> str:
    """The provider's Webhook-Signature of the body, made now (the server refuses old timestamps)."""
    timestamp = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def send(client: httpx.Client, write: Write) -> Answer:
    """One attempt of the write, with its Idempotency-Key and the very same body bytes each time (a provider
    event batch is signed instead: providers deliver at least once, the events' ids deduplicate)."""
    headers = {"Content-Type": "application/json", "Idempotency-Key": write.key}
    if write.what == PROVIDER_EVENT:
        headers = {"Content-Type": "application/json", "Webhook-Signature": signature(write.body)}
    try:
        response = client.request(write.method, write.path, content=write.body, headers=headers)
    except httpx.TimeoutException as exc:
        return Answer(None, None, f"{type(exc).__name__}: {exc}", False, None, timed_out=True)
    except httpx.HTTPError as exc:
        return Answer(None, None, f"{type(exc).__name__}: {exc}", False, None)
    replayed = response.headers.get("idempotent-replayed") == "true"
    if 200 <= response.status_code < 300:
        body = response.json()
        resource_id = None if write.what == PROVIDER_EVENT else payment_id(write, body)
        return Answer(response.status_code, resource_id, "", replayed, body)
    return Answer(response.status_code, None, response.text[:300], replayed, None)


def new_client(base_url: str, headers: dict[str, str], timeout: float = 15.0) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers=headers, timeout=timeout)


def drive(base_url: str, headers: dict[str, str], traffic: Traffic, concurrency: int, timeout: float,
          gate: threading.Event, stop: threading.Event) -> list[threading.Thread]:
    """Client threads that send writes while ``gate`` is open (the server is up), until ``stop``."""

    def worker() -> None:
        client, round_number = new_client(base_url, headers, timeout), traffic.round
        try:
            while not stop.is_set():
                if not gate.wait(timeout=0.1):
                    continue
                if round_number != traffic.round:  # a new server: connections to the killed one are dead
                    client.close()
                    client, round_number = new_client(base_url, headers, timeout), traffic.round
                write = traffic.next_write()
                answer = send(client, write)
                write.answered(answer.status, answer.resource_id, answer.detail)
                # A client that gave up waiting retries at once, as clients do; the server is still working
                # on the first attempt, so the retry must be told 409 until that one is done, then replay it.
                while (answer.timed_out or answer.key_busy) and gate.is_set() and write.retries < IMPATIENT_RETRIES:
                    if answer.key_busy:
                        time.sleep(0.25)
                    answer = send(client, write)
                    write.answered(answer.status, answer.resource_id, answer.detail, answer.replayed)
                if answer.body is not None:
                    traffic.learn(write, answer.body)
                    if traffic.collects(write):
                        learn_collections(client, traffic, answer.body["customerId"])
                elif answer.status is None:  # the connection died with the server: a fresh one next time
                    client.close()
                    client = new_client(base_url, headers, timeout)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, name=f"client-{n}", daemon=True) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    return threads


def learn_collections(client: httpx.Client, traffic: Traffic, customer_id: int) -> None:
    """The references of the customer's collections, as a client reads them (the provider would know them)."""
    try:
        response = client.get("/v1/payments", params={"customerId": customer_id, "status": "PENDING_VERIFICATION",
                                                      "pageSize": 1000})
    except httpx.HTTPError:
        return  # the server died: the next collected invoice of the customer shows them again
    if response.status_code == 200:
        traffic.learn_references([payment.get("referenceNumber") for payment in response.json()])


def redeliver(base_url: str, writes: list[Write], concurrency: int) -> list[str]:
    """Deliver every acknowledged provider event batch once more: each event is a duplicate now."""

    def one(write: Write) -> str | None:
        with new_client(base_url, {}) as client:
            answer = send(client, write)
        if answer.status != 200 or answer.body is None or answer.body["stored"]:
            return f"{write.key}: delivered again, answered {answer.status} {answer.body or answer.detail[:200]}"
        return None

    with ThreadPoolExecutor(concurrency) as pool:
        return [problem for problem in pool.map(one, writes) if problem]


def setup_collections(base_url: str, headers: dict[str, str], customers: int) -> tuple[int | None, list[int]]:
    """A sandbox provider and customers whose sites hold a mandate approved on its hosted page: each POSTED
    invoice of theirs starts a collection."""
    if customers <= 0:
        return None, []
    with new_client(base_url, headers) as client:
        owner = client.post("/v1/contract-owners", json={
            "name": "Crash owner", "availableFrom": "2024-01-01", "siBccEmailAddress": "bcc@example.com",
            "taxRegistrationNumber": "GB123456789",
            "address": {"address1": "1 High Street", "town": "London", "postcode": "EC1A 1BB", "country": "GB"}})
        owner.raise_for_status()
        provider = client.post("/v1/payment-providers", json={
            "type": "GO_CARDLESS", "name": "Crash sandbox", "contractOwnerIds": [owner.json()["id"]],
            "webhookSecret": WEBHOOK_SECRET, "credentials": "sk_crash"})
        provider.raise_for_status()
        ids = []
        for index in range(customers):
            customer = client.post("/v1/customers", json={"name": f"Collected customer {index}", "currency": "GBP",
                                                          "contractOwnerId": owner.json()["id"]})
            customer.raise_for_status()
            site = client.post("/v1/sites", json={"customerId": customer.json()["id"], "name": "Head office"})
            site.raise_for_status()
            mandate = client.post("/v1/site-payment-mandates", json={
                "siteId": site.json()["id"], "returnURL": "https://shop.example/done",
                "exitURL": "https://shop.example/exit"})
            mandate.raise_for_status()
            page = httpx.URL(mandate.json()["redirectURL"])
            approved = client.post(page.raw_path.decode(), data={
                "first_name": "Ada", "last_name": "Lovelace", "email_address": "ada@example.com"},
                follow_redirects=False)
            if approved.status_code != 303:
                raise RuntimeError(f"mandate approval answered {approved.status_code}: {approved.text[:200]}")
            ids.append(customer.json()["id"])
    return provider.json()["id"], ids


def settle_sandbox(base_url: str, headers: dict[str, str]) -> dict:
    """The sandbox's own events for every collection, due or not (a day ahead): through the webhook path."""
    as_of = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).isoformat()
    with new_client(base_url, headers, timeout=120) as client:
        response = client.post("/v1/payment-provider-sandbox-settlements", json={"asOf": as_of})
    response.raise_for_status()
    return response.json()


def retry(base_url: str, headers: dict[str, str], writes: list[Write], concurrency: int) -> None:
    """Resend every write without a definite answer, same key and body, until one comes (bounded)."""

    def one(write: Write) -> None:
        deadline = time.monotonic() + RETRY_WINDOW
        with new_client(base_url, headers) as client:
            while True:
                answer = send(client, write)
                write.answered(answer.status, answer.resource_id, answer.detail, answer.replayed)
                if definite(answer.status, answer.detail) or time.monotonic() > deadline:
                    return
                time.sleep(0.5)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, writes))


def replay(base_url: str, headers: dict[str, str], writes: list[Write], concurrency: int) -> None:
    """Send acknowledged writes again: each must be answered from its idempotency record, applying nothing."""

    def one(write: Write) -> None:
        with new_client(base_url, headers) as client:
            answer = send(client, write)
        write.replay_status, write.replay_id, write.replay_was_replayed = (answer.status, answer.resource_id,
                                                                           answer.replayed)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, writes))


def seed(base_url: str, headers: dict[str, str], customers: int, invoices: int) -> dict[int, list[int]]:
    """Customers with a few POSTED invoices each, through the API (not part of what is checked per key)."""

    def one(index: int) -> tuple[int, list[int]]:
        with new_client(base_url, headers) as client:
            response = client.post("/v1/customers", json={"name": f"Crash customer {index}", "currency": "GBP"})
            response.raise_for_status()
            customer_id = response.json()["id"]
            ids = []
            for k in range(invoices):
                invoice = client.post("/v1/invoices", json={
                    "customerId": customer_id, "issueDate": f"2026-01-{k + 1:02d}",
                    "totalInMajorCurrency": "25.00", "status": "POSTED"})
                invoice.raise_for_status()
                ids.append(invoice.json()["id"])
            return customer_id, ids

    with ThreadPoolExecutor(4) as pool:
        return dict(pool.map(one, range(customers)))


def resend(base_url: str, headers: dict[str, str], traffic: Traffic, concurrency: int, replays: int,
           rng: random.Random) -> None:
    """After the load: every write without a definite answer again until it has one, then ``replays``
    acknowledged writes at random, which must be answered from their records."""
    pending = [write for write in traffic.writes if write.needs_retry]
    log(f"retrying {len(pending)} write(s) without a definite answer (up to {RETRY_WINDOW:.0f} s each)")
    retry(base_url, headers, pending, concurrency)
    acknowledged = [write for write in traffic.writes if write.acknowledged and write.what != PROVIDER_EVENT]
    again = rng.sample(acknowledged, min(replays, len(acknowledged)))
    log(f"sending {len(again)} acknowledged write(s) again with their keys")
    replay(base_url, headers, again, concurrency)


def judge(database_url: str, tenant_id: str, traffic: Traffic) -> tuple[list[CheckResult], list[str]]:
    """The ledger invariants of the tenant, and every write judged exactly once against what the database holds."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            checks = run_checks(connection, uuid.UUID(tenant_id))
            applied = applied_by_key(connection, uuid.UUID(tenant_id), traffic.run_id)
            orphans = orphaned_reservations(connection, uuid.UUID(tenant_id), traffic.run_id)
            stored_events = stored_provider_events(connection, uuid.UUID(tenant_id))
    finally:
        engine.dispose()
    return checks, judge_writes(traffic.writes, applied, orphans) + judge_provider_events(traffic.writes, stored_events)


def verify(env: dict[str, str]) -> tuple[int, int | None, str]:
    done = subprocess.run([str(BIN / "ledgerline"), "verify"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    output = (done.stdout + done.stderr).strip()
    match = re.search(r"verify: (\d+) mismatch", output)
    return done.returncode, int(match.group(1)) if match else None, output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="SIGKILLs, each at a random moment (default 5)")
    parser.add_argument("--min-load", type=float, default=1.0,
                        help="shortest load before a kill, s from the first answer after a start (default 1)")
    parser.add_argument("--max-load", type=float, default=5.0, help="longest load before a kill, s (default 5)")
    parser.add_argument("--concurrency", type=int, default=12, help="client threads (default 12)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (default 2)")
    parser.add_argument("--customers", type=int, default=24, help="customers the writes share (default 24)")
    parser.add_argument("--collected-customers", type=int, default=8,
                        help="customers with a sandbox mandate, whose invoices are collected (default 8)")
    parser.add_argument("--client-timeout", type=float, default=3.0,
                        help="seconds a client waits for an answer during load before it retries (default 3)")
    parser.add_argument("--replays", type=int, default=200,
                        help="acknowledged writes sent again at the end, at random (default 200)")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards (default: keep it)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random, printed)")
    args = parser.parse_args()
    seed_value = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    rng = random.Random(seed_value)

    url = make_url(os.environ.get("CRASH_DATABASE_URL", DEFAULT_URL))
    if url.get_backend_name() != "postgresql" or not url.database:
        raise SystemExit("CRASH_DATABASE_URL must name a PostgreSQL database (postgresql+psycopg://.../name)")
    database_url = url.render_as_string(hide_password=False)
    admin_url = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": database_url, "LEDGERLINE_JWT_SECRET": os.urandom(32).hex(),
           "LEDGERLINE_ENVIRONMENT": "production", "LEDGERLINE_SQL_ECHO": "false",
           "LEDGERLINE_IDEMPOTENCY_LOCK_SECONDS": str(LOCK_SECONDS)}
    env.pop("LEDGERLINE_DATABASE_URL", None)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    log(f"seed {seed_value}; recreating database {url.database}")
    recreate_database(url.database, admin_url)
    cli(env, "migrate")
    server_log = open(RESULTS / "server.log", "w")
    server = start_server(env, port, args.workers, server_log)  # starts while the CLI makes a tenant and token
    traffic: Traffic | None = None
    gate, stop = threading.Event(), threading.Event()
    kills = 0
    try:
        tenant_id = cli(env, "tenant", "create", "Crash tenant")
        token = cli(env, "token", "--tenant", tenant_id, "--scope", "*", "--ttl", "3600")
        headers = {"Authorization": f"Bearer {token}"}
        wait_healthy(base_url, server)
        provider_id, collected = setup_collections(base_url, headers, args.collected_customers)
        traffic = Traffic(seed(base_url, headers, args.customers, 3), uuid.uuid4().hex[:8], rng, collected,
                          provider_id)
        log(f"server up on {base_url} ({args.workers} workers); {args.customers} customers seeded, "
            f"{len(collected)} with a mandate")
        threads = drive(base_url, headers, traffic, args.concurrency, args.client_timeout, gate, stop)
        for round_number in range(1, args.rounds + 1):
            acknowledged = traffic.acknowledged
            gate.set()
            # The first requests after a start are slow (cold workers): time the kill from the first answer.
            deadline = time.monotonic() + 60
            while traffic.acknowledged == acknowledged and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(args.min_load, args.max_load))
            gate.clear()                   # no new requests; those in flight die with the server
            kill_server(server)
            kills += 1
            traffic.round += 1
            log(f"round {round_number}: killed the server (SIGKILL to its process group) after "
                f"{len(traffic.writes)} writes in all")
            restarted = time.monotonic()
            server = start_server(env, port, args.workers, server_log)
            wait_healthy(base_url, server)
            log(f"  restarted in {time.monotonic() - restarted:.1f} s")
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        resend(base_url, headers, traffic, args.concurrency, args.replays, rng)
        batches = [write for write in traffic.writes if write.acknowledged and write.what == PROVIDER_EVENT]
        log(f"delivering {len(batches)} acknowledged provider event batch(es) again")
        redelivery_problems = redeliver(base_url, batches, args.concurrency)
        settled = settle_sandbox(base_url, headers) if provider_id is not None else {"stored": 0, "duplicates": 0}
        log(f"sandbox settlement: {settled['stored']} event(s) stored, {settled['duplicates']} duplicate(s)")
    finally:
        stop.set()
        gate.set()
        stop_server(server)
        server_log.close()

    checks, violations = judge(database_url, tenant_id, traffic)
    violations += redelivery_problems
    verify_rc, mismatches, verify_output = verify(env)
    collections = collections_summary(database_url, uuid.UUID(tenant_id), settled)
    if args.drop:
        drop_database(url.database, admin_url)
    return report(traffic, kills, checks, violations, verify_rc, mismatches, verify_output, seed_value,
                  time.monotonic() - started, collections)


def collections_summary(database_url: str, tenant_id: uuid.UUID, settled: dict) -> dict:
    """How the collections ended, what the provider events did, and the outbox's events, for the report."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            def counts(sql: str) -> dict[str, int]:
                return {str(key): int(value) for key, value in connection.execute(
                    text(sql).bindparams(bindparam("tenant", type_=Uuid())), {"tenant": tenant_id})}

            return {
                "collections_by_status": counts("SELECT status, count(*) FROM provider_collections "
                                                "WHERE tenant_id = :tenant AND kind = 'collection' GROUP BY status"),
                "provider_events_stored": counts("SELECT CASE WHEN outcome LIKE 'ignored%' THEN 'ignored' "
                                                 "ELSE 'applied' END, count(*) FROM provider_events "
                                                 "WHERE tenant_id = :tenant GROUP BY 1"),
                "invoice_payment_rows": counts("SELECT third_party_status, count(*) FROM invoice_payments "
                                               "WHERE tenant_id = :tenant GROUP BY third_party_status"),
                "outbox_events": counts("SELECT type, count(*) FROM events WHERE tenant_id = :tenant GROUP BY type"),
                "sandbox_settlement": {"stored": settled["stored"], "duplicates": settled["duplicates"]},
            }
    finally:
        engine.dispose()


def report(traffic: Traffic, kills: int, checks, violations: list[str], verify_rc: int, mismatches: int | None,
           verify_output: str, seed_value: int, seconds: float, collections: dict) -> int:
    writes = traffic.writes
    retried = [write for write in writes if write.retries]
    replays = [write for write in writes if write.replay_status is not None]
    by_first: dict[str, int] = {}
    for write in writes:
        label = "no answer" if write.status is None else str(write.status)
        by_first[label] = by_first.get(label, 0) + 1
    refusals: dict[str, int] = {}
    for write in writes:
        status, _, detail = write.outcome
        if status is not None and 400 <= status < 500:
            try:  # the detail is cut at 300 characters: a long error body is no longer JSON
                message = json.loads(detail).get("message", "") if detail.startswith("{") else detail
            except json.JSONDecodeError:
                message = detail
            path, message = re.sub(r"/\d+", "/{id}", write.path), re.sub(r"\d+", "N", message)[:90]
            label = f"{status} {path}: {message}"
            refusals[label] = refusals.get(label, 0) + 1
    server_errors = [write for write in writes if write.status is not None and write.status >= 500
                     and write.status != 503]
    failed_checks = [check for check in checks if not check.passed]
    summary = {
        "seed": seed_value, "seconds": round(seconds, 1), "kills": kills,
        "requests_sent": len(writes) + sum(write.retries for write in writes) + len(replays),
        "writes": len(writes),
        "acknowledged": sum(write.acknowledged for write in writes),
        "first_answers": dict(sorted(by_first.items())),
        "timed_out_and_retried_during_load": sum(1 for write in retried if "Timeout" in write.detail),
        "retried_writes": len(retried), "retry_requests": sum(write.retries for write in retried),
        "retries_replayed": sum(write.replayed for write in retried),
        "retries_applied_now": sum(1 for write in retried if write.final_status and 200 <= write.final_status < 300
                                   and not write.replayed),
        "retries_refused": sum(1 for write in retried if write.final_status and 400 <= write.final_status < 500),
        "acknowledged_sent_again": len(replays),
        "refusals": dict(sorted(refusals.items(), key=lambda item: -item[1])),
        "write_violations": violations,
        "unexpected_5xx": [f"{write.key} {write.path}: {write.status} {write.detail[:200]}" for write in server_errors],
        "checks_passed": len(checks) - len(failed_checks), "checks": len(checks),
        "failed_checks": {check.name: {"rows": check.offending, "examples": [list(map(str, row)) for row in
                                                                              check.examples]}
                          for check in failed_checks},
        "verify": {"exit_code": verify_rc, "mismatches": mismatches},
        "provider_event_batches": sum(write.what == PROVIDER_EVENT for write in writes),
        "collections": collections,
    }
    (RESULTS / "latest.json").write_text(json.dumps(summary, indent=2) + "\n")
    ok = (not violations and not server_errors and not failed_checks and verify_rc == 0 and mismatches == 0
          and kills > 0)
    print(f"crash test: {summary['requests_sent']} requests ({len(writes)} writes + {summary['retry_requests']} "
          f"retries + {len(replays)} replays) in {summary['seconds']} s, {kills} SIGKILLs, seed {seed_value}")
    print(f"  acknowledged (2xx): {summary['acknowledged']}; first answers: {summary['first_answers']}")
    print(f"  retried {len(retried)} unacknowledged write(s) ({summary['timed_out_and_retried_during_load']} at once "
          f"after a client timeout, the rest after the last restart): {summary['retries_replayed']} replayed "
          f"(applied by an earlier attempt), {summary['retries_applied_now']} applied by the retry, "
          f"{summary['retries_refused']} refused (4xx, never applied)")
    for label, count in list(summary["refusals"].items())[:4]:
        print(f"    refused {count}x: {label}")
    print(f"  sent {len(replays)} acknowledged write(s) again: "
          f"{sum(w.replay_was_replayed and w.replay_id == w.outcome[1] for w in replays)} replayed from the record")
    print(f"  provider event batches: {summary['provider_event_batches']} (each delivered again at the end); "
          f"provider events stored: {collections['provider_events_stored']}; sandbox settlement: "
          f"{collections['sandbox_settlement']}")
    print(f"  collections by status: {collections['collections_by_status']}; invoice payment rows by status: "
          f"{collections['invoice_payment_rows']}")
    print(f"  outbox events: {collections['outbox_events']}")
    print(f"  every write exactly once: {'ok' if not violations else f'{len(violations)} violation(s)'}")
    for line in violations[:10]:
        print(f"    {line}")
    for line in summary["unexpected_5xx"][:5]:
        print(f"    server error: {line}")
    print(f"  invariant checks: {summary['checks_passed']}/{len(checks)} passed")
    for check in checks:
        print(f"    [{'ok' if check.passed else 'FAIL'}] {check.name}"
              + ("" if check.passed else f": {check.offending} row(s), e.g. {check.examples[:2]}"))
    print(f"  ledgerline verify: exit {verify_rc}, {mismatches} mismatch(es)")
    if verify_rc != 0:
        print("    " + verify_output[-500:].replace("\n", "\n    "))
    print(f"crash test {'PASSED' if ok else 'FAILED'} (details in {RESULTS / 'latest.json'})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
