"""Smoke test of a running `make cluster` (deploy/cluster.sh): prints what it measured, exits 1 on a failure.

Proves: every host is UP behind HAProxy and answers; a tenant, token, customer, invoice and payment
made through HAProxy (the CLI through PgBouncer); the payment allocated; the hot standby has it; lists
read the standby and a client's own writes are read back at once; no 5xx under a short concurrent load
through PgBouncer's transaction mode; `ledgerline verify` clean.

    .venv/bin/python scripts/cluster_smoke.py [--env deploy/run/cluster.env] [--requests 400]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"


def load_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


class Smoke:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.failures: list[str] = []
        self.figures: dict[str, object] = {}

    def check(self, ok: bool, what: str) -> bool:
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            self.failures.append(what)
        return ok

    def cli(self, *args: str) -> str:
        env = {**os.environ, **{k: v for k, v in self.env.items() if not k.startswith("CLUSTER_")}}
        done = subprocess.run([str(BIN / "ledgerline"), *args], env=env, capture_output=True, text=True, check=True)
        return done.stdout.strip()


def hosts_status(stats_url: str) -> dict[str, str]:
    rows = httpx.get(stats_url + ";csv", timeout=5).text.splitlines()
    header = rows[0].lstrip("# ").split(",")
    status = {}
    for row in rows[1:]:
        fields = dict(zip(header, row.split(",")))
        if fields.get("pxname") == "ledgerline" and fields.get("svname", "").startswith("host"):
            status[fields["svname"]] = fields["status"]
    return status


def superuser_url(url: str) -> str:
    return make_url(url).set(username="postgres").render_as_string(hide_password=False)


def paused_standby(smoke: Smoke, env: dict[str, str], base: str, headers: dict[str, str]) -> None:
    """With replay paused on the standby: a client's own write is read from the primary at once, and once
    the lag passes the bound nobody reads the standby; after resuming, the standby serves again."""
    standby = create_engine(superuser_url(env["CLUSTER_REPLICA_URL"]), isolation_level="AUTOCOMMIT")
    max_lag = float(env.get("LEDGERLINE_READ_MAX_LAG_SECONDS", "5"))
    try:
        with standby.connect() as connection:
            connection.execute(text("SELECT pg_wal_replay_pause()"))
        with httpx.Client(base_url=base, headers=headers, timeout=10) as writer:
            created = writer.post("/v1/customers", json={"name": "Written while paused", "currency": "GBP"}).json()
            listed = writer.get("/v1/customers", params={"pageSize": 1000})
            smoke.check(listed.headers.get("ledgerline-read-from") == "primary"
                        and created["id"] in [row["id"] for row in listed.json()],
                        f"standby paused: the writer's next list reads the "
                        f"{listed.headers.get('ledgerline-read-from')} and has its customer")
        time.sleep(max_lag + 1.5)
        with httpx.Client(base_url=base, headers=headers, timeout=10) as other:
            froms = {other.get("/v1/customers").headers.get("ledgerline-read-from") for _ in range(4)}
        smoke.check(froms == {"primary"}, f"standby {max_lag + 1.5:.1f}s behind (bound {max_lag}s): "
                                          f"every client reads the primary: {froms}")
    finally:
        with standby.connect() as connection:
            connection.execute(text("SELECT pg_wal_replay_resume()"))
        standby.dispose()
    deadline, served = time.monotonic() + 10, None
    with httpx.Client(base_url=base, headers=headers, timeout=10) as other:
        while time.monotonic() < deadline:
            response = other.get("/v1/customers", params={"pageSize": 1000})
            served = response.headers.get("ledgerline-read-from")
            if served == "replica" and created["id"] in [row["id"] for row in response.json()]:
                break
            time.sleep(0.2)
    smoke.check(served == "replica", "standby resumed: lists read it again, with the customer written meanwhile")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", type=Path, default=ROOT / "deploy" / "run" / "cluster.env")
    parser.add_argument("--requests", type=int, default=400, help="requests of the concurrent load (default 400)")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if not args.env.is_file():
        print(f"{args.env} is missing: run `make cluster` first", file=sys.stderr)
        return 1
    env = load_env(args.env)
    smoke = Smoke(env)
    base = env["CLUSTER_URL"]

    status = hosts_status(env["CLUSTER_STATS_URL"])
    smoke.check(len(status) == int(env["CLUSTER_HOSTS"]) and set(status.values()) == {"UP"},
                f"HAProxy sees every host UP: {status}")

    tenant = smoke.cli("tenant", "create", f"smoke-{uuid.uuid4().hex[:8]}")
    token = smoke.cli("token", "--tenant", tenant, "--sub", "smoke")
    headers = {"Authorization": f"Bearer {token}"}
    smoke.check(bool(uuid.UUID(tenant)), f"tenant {tenant} and a token made by the CLI through PgBouncer")

    replica = create_engine(env["CLUSTER_REPLICA_URL"])
    watcher = replica.connect()   # open before the payment, so the time to see it is replication's
    watcher.execute(text("SELECT 1"))
    watcher.rollback()
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:   # keeps the LSN cookie
        customer = client.post("/v1/customers", json={"name": "Smoke Ltd", "currency": "GBP"})
        smoke.check(customer.status_code == 201, f"POST /v1/customers through HAProxy: {customer.status_code}")
        customer_id = customer.json()["id"]
        invoice = client.post("/v1/invoices", json={"customerId": customer_id, "issueDate": "2026-11-01",
                                                    "totalInMajorCurrency": "100.00", "status": "POSTED"})
        smoke.check(invoice.status_code == 201, f"POST /v1/invoices: {invoice.status_code}")
        payment = client.post("/v1/customer-payments", headers={"Idempotency-Key": uuid.uuid4().hex}, json={
            "customerId": customer_id, "amountInMajorCurrency": "60.00", "type": "CREDIT_CARD",
            "description": "smoke", "reference": "smoke-1"})
        smoke.check(payment.status_code == 201, f"POST /v1/customer-payments: {payment.status_code}")
        payment_id = payment.json()["id"]
        lsn = payment.headers.get("ledgerline-lsn")
        smoke.check(bool(lsn), f"the write answers Ledgerline-Lsn {lsn} (and its cookie)")
        written_at = time.monotonic()
        # How long the standby took to replay the payment's commit, polled from the moment it was answered.
        replay_seconds = None
        while time.monotonic() - written_at < 10:
            reached = watcher.execute(text("SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)"),
                                      {"lsn": lsn}).scalar_one()
            watcher.rollback()
            if reached:
                replay_seconds = time.monotonic() - written_at
                break
        smoke.check(replay_seconds is not None, f"the standby had replayed the payment's commit {lsn} "
                                                f"{(replay_seconds or 0) * 1000:.1f} ms after its answer "
                                                f"(the first look that saw it)")
        smoke.figures["replayed_after_ms"] = round((replay_seconds or -1) * 1000, 2)

        # Read your writes: the list right after the payment names it, wherever it was read.
        listed = client.get("/v1/customer-payments", params={"customer_id": customer_id})
        smoke.check(listed.status_code == 200 and payment_id in [row["id"] for row in listed.json()],
                    f"the client's own payment is in the list at once (read from "
                    f"{listed.headers.get('ledgerline-read-from')})")
        invoice_now = client.get(f"/v1/invoices/{invoice.json()['id']}")
        outstanding = invoice_now.json().get("outstandingInMajorCurrency")
        smoke.check(invoice_now.status_code == 200 and Decimal(str(outstanding)) == Decimal("40.00"),
                    f"the payment allocated: the invoice's outstanding is {outstanding} of 100.00 (primary)")

    # The standby has the payment itself, as the primary wrote it.
    with watcher as connection:
        row = connection.execute(text("SELECT status, amount_minor FROM payments WHERE id = :id"),
                                 {"id": payment_id}).first()
    replica.dispose()
    smoke.check(row is not None and row[1] == 6000, f"the standby has payment {payment_id}: {row and tuple(row)}")

    paused_standby(smoke, env, base, headers)

    # A short concurrent load through HAProxy: both hosts answer, lists read the standby, no 5xx.
    hosts: collections.Counter[str] = collections.Counter()
    codes: collections.Counter[int] = collections.Counter()
    read_from: collections.Counter[str] = collections.Counter()

    def one(index: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
            if index % 4 == 0:
                response = client.post("/v1/customer-payments", headers={"Idempotency-Key": uuid.uuid4().hex},
                                       json={"customerId": customer_id, "amountInMajorCurrency": "1.00",
                                             "type": "CREDIT_CARD", "description": f"load {index}"})
            elif index % 4 == 1:
                response = client.get("/v1/customer-credit-status", params={"customerId": customer_id})
            else:
                response = client.get("/v1/payments", params={"pageSize": 20})
            hosts[response.headers.get("ledgerline-host", "?")] += 1
            codes[response.status_code] += 1
            if "ledgerline-read-from" in response.headers:
                read_from[response.headers["ledgerline-read-from"]] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(args.concurrency) as pool:
        list(pool.map(one, range(args.requests)))
    elapsed = time.monotonic() - started
    smoke.figures.update(requests=args.requests, seconds=round(elapsed, 2), per_second=round(args.requests / elapsed, 1),
                         hosts=dict(hosts), codes=dict(codes), read_from=dict(read_from))
    smoke.check(len(hosts) == int(env["CLUSTER_HOSTS"]) and "?" not in hosts, f"every host answered: {dict(hosts)}")
    smoke.check(all(code < 500 for code in codes), f"no 5xx through PgBouncer transaction mode: {dict(codes)}")
    smoke.check(read_from.get("replica", 0) > 0, f"lists read the replica: {dict(read_from)}")

    with create_engine(superuser_url(env["CLUSTER_PRIMARY_URL"])).connect() as connection:
        row = connection.execute(text(
            "SELECT state, coalesce(extract(epoch FROM replay_lag), 0)::float8, "
            "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint FROM pg_stat_replication "
            "WHERE application_name <> 'pg_basebackup'")).first()
    smoke.check(row is not None and row[0] == "streaming", f"replication {row and row[0]}: replay lag {row and row[1]:.4f}s,"
                                                            f" {row and row[2]} bytes behind")
    smoke.figures.update(replay_lag_s=row and row[1], bytes_behind=row and row[2])

    verify = subprocess.run([str(BIN / "ledgerline"), "verify", "--tenant", tenant], capture_output=True, text=True,
                            env={**os.environ, **{k: v for k, v in env.items() if not k.startswith("CLUSTER_")}})
    smoke.check(verify.returncode == 0, f"ledgerline verify: {(verify.stdout + verify.stderr).strip()[-120:]}")

    print("figures: " + json.dumps(smoke.figures))
    if smoke.failures:
        print(f"{len(smoke.failures)} check(s) failed", file=sys.stderr)
        return 1
    print("cluster smoke: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
