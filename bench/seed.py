"""Seed a realistic tenant fast, with COPY, writing exactly the rows the API would have written.

At ``--scale 1``: 10,000 customers, each with 100 invoices of 10.00 GBP issued a week apart and
100 payments with their allocations and credits (a ``payment`` credit and a ``subpayment`` with its
target per allocation, as posting writes them), plus every journal entry (so ``ledgerline verify`` passes):

- invoices 1..80 are each paid by one payment of 10.00 (one allocation),
- invoices 81..90 are each paid by two payments of 5.00 (two allocations each),
- invoices 91..100 are POSTED and UNPAID: each ``POST /v1/customer-payments`` of 50.00 allocates
  across exactly 5 of them (2 payments per customer until cancelled).

Rows mirror what ``POST /v1/customers``, ``POST /v1/invoices {"status": "POSTED"}`` and
``POST /v1/customer-payments`` write (``bench/run.py --check-seed`` compares them column by column
with rows written through the API). Numbers continue the tenant's sequences, so API-created rows
never collide with seeded ones. ``--scale`` multiplies the customers; the per-customer history is
fixed. Growth customers (``history``) have N paid invoices and 10 open ones, for the allocation
growth measurement.

Run alone: ``python bench/seed.py --scale 0.01`` (recreates the database ``ledgerline_bench``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass

import psycopg
from ulid import ULID

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench.common import Cluster, DEFAULT_URL, cli, log  # noqa: E402

CUSTOMERS_AT_SCALE_1 = 10_000
INVOICE_MINOR = 1000               # 10.00 GBP
OPEN_PER_CUSTOMER = 10             # two 50.00 customer payments of 5 invoices each
PAY_DAYS_AFTER_ISSUE = 10
SUBJECT = "bench"                  # the token's subject: created_by / updated_by
START = dt.date(2024, 1, 1)
TABLES = ("customers", "invoices", "payments", "payment_allocations", "journal_entries", "credits",
          "credit_targets")


@dataclass(frozen=True)
class Profile:
    """One kind of customer: how many invoices were paid (in full, or by two halves) and are open."""

    paid_full: int
    paid_halves: int
    open: int = OPEN_PER_CUSTOMER

    @property
    def invoices(self) -> int:
        return self.paid_full + self.paid_halves + self.open

    @property
    def payments(self) -> int:
        return self.paid_full + 2 * self.paid_halves


STANDARD = Profile(paid_full=80, paid_halves=10)           # 100 invoices, 100 payments


def history(paid: int) -> Profile:
    return Profile(paid_full=paid, paid_halves=0)


@dataclass
class Plan:
    """Which customers get which profile, in id order."""

    groups: list[tuple[str, Profile, int]]   # (name, profile, customers)

    @property
    def customers(self) -> int:
        return sum(count for _, _, count in self.groups)

    def rows(self) -> int:
        return sum(count * (1 + p.invoices * 2 + p.payments * 7) for _, p, count in self.groups)


def plan_for(scale: float, history_customers: int = 0, histories: tuple[int, ...] = ()) -> Plan:
    groups = [("standard", STANDARD, max(1, round(CUSTOMERS_AT_SCALE_1 * scale)))]
    groups += [(f"history-{paid}", history(paid), history_customers) for paid in histories if history_customers]
    return Plan(groups)


# --- text COPY -----------------------------------------------------------------------------

def _line(*values: object) -> str:
    """One row of COPY's text format. No value the seeder makes holds a backslash, tab or newline
    (the only characters that format escapes), so none is escaped: this is the seed's hot loop."""
    return "\t".join(r"\N" if value is None else str(value) for value in values) + "\n"


class Writers:
    """Rows buffered per table and flushed by COPY in chunks (one connection cannot hold several
    COPYs open at once)."""

    COLUMNS = {
        "customers": "id, tenant_id, locator, uuid, version, created_at, updated_at, number, name, currency, "
                     "credit_threshold_minor, credit_minor, status, contract_owner_id, billing_cycle_id, "
                     "sub_brand_id, reference_number",
        "invoices": "id, tenant_id, locator, uuid, version, created_at, updated_at, number, customer_id, "
                    "bill_run_type, bill_run_id, bill_id, issue_date, due_date, currency, total_minor, "
                    "outstanding_minor, status, payment_status, reference_number, back_office_code, posted_at, "
                    "cancelled_at, refunded_minor, written_off_minor",
        "payments": "id, tenant_id, locator, uuid, version, created_at, updated_at, number, customer_id, currency, "
                    "amount_minor, unallocated_minor, status, payment_method, type_id, category_id, tenders, "
                    "reference_number, received_on, issued_on, posted_on, notes, invoices_to_pay, bills_to_pay, "
                    "custom_attributes, created_by, updated_by, refunded_minor, credit_applied_minor, gift_applied_minor",
        "payment_allocations": "id, tenant_id, payment_id, invoice_id, amount_minor, created_at, reversed_at, "
                               "refunded_minor",
        "journal_entries": "id, tenant_id, customer_id, invoice_id, payment_id, adjustment_id, kind, currency, "
                           "balance_delta, credit_delta, outstanding_delta, created_at",
        "credits": "id, tenant_id, locator, type, state, customer_id, payment_id, parent_id, amount_minor, currency, "
                   "description, created_by, created_at, realized_at, reversed_at, reversal_reason",
        "credit_targets": "id, tenant_id, credit_id, invoice_id, amount_minor",
    }

    def __init__(self, conn: psycopg.Connection, chunk: int = 20_000) -> None:
        self.conn, self.chunk = conn, chunk
        self.buffers: dict[str, list[str]] = {table: [] for table in TABLES}
        self.written = 0

    def add(self, table: str, line: str) -> None:
        buffer = self.buffers[table]
        buffer.append(line)
        if len(buffer) >= self.chunk:
            self.flush(table)

    @property
    def rows(self) -> int:
        """Rows written or waiting in a buffer."""
        return self.written + sum(len(buffer) for buffer in self.buffers.values())

    def flush(self, table: str | None = None) -> None:
        for name in ([table] if table else TABLES):
            buffer = self.buffers[name]
            if not buffer:
                continue
            with self.conn.cursor() as cur, cur.copy(f"COPY {name} ({self.COLUMNS[name]}) FROM STDIN") as copy:
                copy.write("".join(buffer))
            self.written += len(buffer)
            buffer.clear()


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.started, self.last = max(total, 1), label, time.perf_counter(), 0.0

    def update(self, done: int, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.last < 0.5:
            return
        self.last = now
        share = min(done / self.total, 1.0)
        bar = "#" * int(share * 30)
        rate = done / max(now - self.started, 1e-9)
        print(f"\r  {self.label} [{bar:<30}] {share:6.1%} {done:,}/{self.total:,} rows, {rate:,.0f} rows/s",
              end="", file=sys.stderr, flush=True)

    def finish(self, done: int) -> None:
        self.update(done, force=True)
        print(file=sys.stderr, flush=True)


def _ts(day: dt.date, hour: int = 9) -> str:
    return f"{day.isoformat()} {hour:02d}:00:00+00"


@functools.lru_cache(maxsize=64)
def _tenders(method: str, amount_minor: int) -> str:
    # What the API stores for a payment without explicit tenders (payments.service.create_payment).
    return json.dumps([{"method": method, "processor": None, "reference": None, "amountMinor": amount_minor}])


METHODS = ("CREDIT_CARD", "DIRECT_DEBIT", "BACS", "CHEQUE")


class Seeder:
    def __init__(self, conn: psycopg.Connection, tenant_id: uuid.UUID, payment_type_id: int) -> None:
        self.conn, self.tenant, self.type_id = conn, str(tenant_id), payment_type_id
        self.out = Writers(conn)
        self.next_id = dict.fromkeys(TABLES, 1)
        self.numbers = {"customer": 0, "invoice": 0, "payment": 0}

    def _id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def _number(self, kind: str, prefix: str) -> str:
        self.numbers[kind] += 1
        return f"{prefix}-{self.numbers[kind]:07d}"

    def customer(self, profile: Profile, group: str) -> int:
        tenant, out = self.tenant, self.out
        cid = self._id("customers")
        threshold = (cid % 5) * 50_000              # 0 (no percentage) .. 2,000.00
        created = _ts(START - dt.timedelta(days=1))
        number = self._number("customer", "CUS")
        out.add("customers", _line(cid, tenant, ULID(), uuid.uuid4(), 1, created, created, number,
                                   f"{group.capitalize()} customer {cid}", "GBP", threshold, 0, "ACTIVE",
                                   None, None, None, None))
        method = METHODS[cid % len(METHODS)]
        # Journal entries per customer are in time order, as the API would have appended them.
        events: list[tuple[dt.date, int, str]] = []
        invoices: list[tuple[int, dt.date]] = []
        for k in range(profile.invoices):
            issue = START + dt.timedelta(days=7 * k) if profile.invoices <= 100 else \
                START + dt.timedelta(days=k * 700 // profile.invoices)
            invoices.append((self._id("invoices"), issue))
        payments_of: dict[int, list[int]] = {}
        for k, (iid, issue) in enumerate(invoices):
            if k < profile.paid_full:
                payments_of[k] = [INVOICE_MINOR]
            elif k < profile.paid_full + profile.paid_halves:
                payments_of[k] = [INVOICE_MINOR // 2, INVOICE_MINOR - INVOICE_MINOR // 2]
        for k, (iid, issue) in enumerate(invoices):
            paid = k in payments_of
            pay_day = issue + dt.timedelta(days=PAY_DAYS_AFTER_ISSUE)
            version = 1 + len(payments_of.get(k, ()))   # one UPDATE per allocation
            updated = _ts(pay_day, 9 + len(payments_of.get(k, ()))) if paid else _ts(issue)
            number = self._number("invoice", "INV")
            out.add("invoices", _line(iid, tenant, ULID(), uuid.uuid4(), version, _ts(issue), updated, number, cid,
                                      "NORMAL", None, None, issue, issue, "GBP", INVOICE_MINOR,
                                      0 if paid else INVOICE_MINOR, "POSTED", "PAID" if paid else "UNPAID",
                                      None, None, _ts(issue), None, 0, 0))
            events.append((issue, 0, f"I{iid}"))
            for n, amount in enumerate(payments_of.get(k, ())):
                pid, hour = self._id("payments"), 10 + n
                stamp = _ts(pay_day, hour)
                out.add("payments", _line(pid, tenant, ULID(), uuid.uuid4(), 2, stamp, stamp,
                                          self._number("payment", "PAY"), cid, "GBP", amount, 0, "POSTED", method,
                                          self.type_id, None, _tenders(method, amount), f"REF-{pid}", pay_day,
                                          pay_day, pay_day, "bench seed", "[]", "[]", "[]", SUBJECT, SUBJECT, 0, 0, 0))
                out.add("payment_allocations", _line(self._id("payment_allocations"), tenant, pid, iid, amount,
                                                     stamp, None, 0))
                # credits.service.record_payment_credits: the payment credit, then a subpayment per allocation
                # (parent first, one target each), created and realized when the payment posted.
                parent = self._id("credits")
                out.add("credits", _line(parent, tenant, ULID(), "payment", "posted", cid, pid, None, amount, "GBP",
                                         None, SUBJECT, stamp, stamp, None, None))
                child = self._id("credits")
                out.add("credits", _line(child, tenant, ULID(), "subpayment", "posted", cid, pid, parent, amount,
                                         "GBP", None, SUBJECT, stamp, stamp, None, None))
                out.add("credit_targets", _line(self._id("credit_targets"), tenant, child, iid, amount))
                events.append((pay_day, hour, f"P{pid}:{iid}:{amount}:{stamp}"))
        events.sort()
        for day, _, event in events:
            if event[0] == "I":
                iid = int(event[1:])
                out.add("journal_entries", _line(self._id("journal_entries"), tenant, cid, iid, None, None,
                                                 "INVOICE_POSTED", "GBP", -INVOICE_MINOR, 0, INVOICE_MINOR,
                                                 _ts(day)))
            else:
                pid, iid, amount, stamp = event[1:].split(":", 3)
                out.add("journal_entries", _line(self._id("journal_entries"), tenant, cid, None, pid, None,
                                                 "PAYMENT_POSTED", "GBP", amount, amount, 0, stamp))
                out.add("journal_entries", _line(self._id("journal_entries"), tenant, cid, iid, pid, None,
                                                 "ALLOCATION", "GBP", 0, -int(amount), -int(amount), stamp))
        return cid


def _secondary_indexes(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """Plain (not constraint-backed) indexes of the seeded tables: dropped during COPY, rebuilt after."""
    return conn.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
           FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
           WHERE t.relname = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        (list(TABLES),)).fetchall()


def seed(cluster: Cluster, tenant_id: uuid.UUID, plan: Plan) -> dict[str, list[int]]:
    """COPY the plan's customers and their history; returns the customer ids of each group."""
    started = time.perf_counter()
    ids: dict[str, list[int]] = {}
    with psycopg.connect(cluster.conninfo) as conn:
        type_id = conn.execute(
            "SELECT id FROM financial_transaction_types WHERE tenant_id = %s AND alternative_code = 'PAYMENT'",
            (tenant_id,)).fetchone()[0]
        conn.execute("SET session_replication_role = replica")   # no FK triggers: the rows are consistent
        indexes = _secondary_indexes(conn)
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {name}")
        seeder = Seeder(conn, tenant_id, type_id)
        progress = Progress(plan.rows(), "seeding")
        for group, profile, count in plan.groups:
            ids[group] = []
            for _ in range(count):
                ids[group].append(seeder.customer(profile, group))
                progress.update(seeder.out.rows)
        seeder.out.flush()
        progress.finish(seeder.out.written)
        log(f"copied {seeder.out.written:,} rows in {time.perf_counter() - started:.0f}s; rebuilding "
            f"{len(indexes)} indexes")
        conn.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            conn.execute(definition)
        for table in TABLES:
            conn.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
                         (table, seeder.next_id[table]))
        for kind, value in seeder.numbers.items():
            conn.execute(
                """INSERT INTO number_sequences (tenant_id, kind, last_value) VALUES (%s, %s, %s)
                   ON CONFLICT (tenant_id, kind) DO UPDATE SET last_value = EXCLUDED.last_value""",
                (tenant_id, kind, value))
        conn.commit()
    with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    log(f"seeded {plan.customers:,} customers, {seeder.next_id['invoices'] - 1:,} invoices, "
        f"{seeder.next_id['payments'] - 1:,} payments in {time.perf_counter() - started:.0f}s (indexes and "
        f"VACUUM ANALYZE included)")
    return ids


def prepare(cluster: Cluster, env: dict[str, str], plan: Plan) -> tuple[uuid.UUID, dict[str, list[int]], float]:
    """A fresh database: migrated by ``ledgerline migrate``, one tenant by ``ledgerline tenant create``, seeded."""
    started = time.perf_counter()
    log(f"recreating database {cluster.database}")
    cluster.recreate()
    log(cli(env, "migrate"))
    tenant_id = uuid.UUID(cli(env, "tenant", "create", "Bench tenant"))
    ids = seed(cluster, tenant_id, plan)
    return tenant_id, ids, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database", default="ledgerline_bench")
    args = parser.parse_args()
    cluster = Cluster(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL), args.database)
    env = {**os.environ, "DATABASE_URL": cluster.sqlalchemy_url}
    env.pop("LEDGERLINE_DATABASE_URL", None)
    tenant_id, _, seconds = prepare(cluster, env, plan_for(args.scale))
    print(f"tenant {tenant_id} seeded at scale {args.scale} in {seconds:.0f}s; database {cluster.database}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
