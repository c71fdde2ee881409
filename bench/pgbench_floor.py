"""The pgbench floor of the writes: ``pgbench -f`` scripts with Ledgerline's statements.

The scripts are generated from ``bench/floor_sql.py`` (the statements Ledgerline sends) by putting a
pgbench ``:variable`` where Ledgerline sends a value that changes per request, and the constant
itself where it does not (``NULL``, ``'GBP'``, ``'[]'``: pgbench has no NULL variables). Timestamps are
``now()``, the payment's locator and uuid are made by SQL, and the number's text by ``'PAY-' ||
lpad(...)``: values Ledgerline computes in Python. Each transaction takes its number first in a
transaction of its own (Ledgerline takes it on another connection mid-request: the same work).

What pgbench cannot do, ``make bench`` arranges: every transaction of ``customer-payments.sql``
pays the next customer of a slice nobody else touches, whose open invoices have known ids and
version 1 (see ``bench/seed.py``), so the statements are those Ledgerline sends for the same
payment; ``cancel.sql`` cancels the payments the first script created (``cancel_plan_sql``).

``tpcb_script`` is pgbench's built-in TPC-B-like script, made from the statements the fixed TPC-B-like
HTTP floor sends (``bench/fixed_floor.py``), on the tables ``init_tpcb`` (``pgbench -i``) makes.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

from bench import fixed_floor as fixed
from bench import floor_sql as sql
from bench.loadgen import percentile

_PARAM = re.compile(r"%\((\w+)\)s")


def render(statement: str, values: dict[str, str]) -> str:
    """The statement with each ``%(name)s`` replaced by ``values[name]`` (all must be given)."""
    missing = sorted(set(_PARAM.findall(statement)) - set(values))
    if missing:
        raise KeyError(f"no value for {missing} in {statement[:60]}...")
    return " ".join(_PARAM.sub(lambda m: values[m.group(1)], statement).split()) + ";"


T = ":tenant"   # -D tenant=<uuid>

_CUSTOMER = {"tenant_id_1": T, "id_1": ":customer"}
_NUMBER = {"tenant_id": T, "last_value": "1", "last_value_1": "1"}


def _journal(rows: list[dict[str, str]], customer: str, payment: str) -> str:
    statement = sql.values_rows(sql.INSERT_JOURNAL_ENTRIES, len(rows))
    values = {}
    for n, row in enumerate(rows):
        base = {"tenant_id": T, "customer_id": customer, "invoice_id": "NULL", "payment_id": payment,
                "adjustment_id": "NULL", "refund_id": "NULL", "credit_id": "NULL", "currency": "'GBP'",
                "balance_delta": "0", "credit_delta": "0", "outstanding_delta": "0", "created_at": "now()"}
        values.update({f"{name}__{n}": value for name, value in {**base, **row}.items()})
    return render(statement, values)


def customer_payment_script(invoices: int = 5, invoice_minor: int = 1000) -> str:
    """POST /v1/customer-payments paying ``invoices`` open invoices of ``invoice_minor`` each, oldest first.

    Variables: -D tenant, first (first customer of the slice), customers (slice length),
    invoices_per_customer, first_open (offset of a customer's first open invoice), nclients; i counts.
    """
    amount = invoices * invoice_minor
    lines = [
        "\\set i :i + 1",
        "\\set n :client_id + :nclients * (:i - 1)",
        "\\set customer :first + (:n % :customers)",
        f"\\set invoice0 (:customer - 1) * :invoices_per_customer + :first_open + (:n / :customers) * {invoices}",
        render(sql.NEXT_NUMBER, {**_NUMBER, "kind": "'payment'"}).removesuffix(";") + " \\gset",
        "BEGIN;",
        render(sql.CUSTOMER, _CUSTOMER),
        render(sql.SHORTFALL_TOLERANCE, {"pk_1": T, "pk_2": "'GBP'"}),
        render(sql.CUSTOMER_FOR_UPDATE, _CUSTOMER),
        render(sql.DEFAULT_TRANSACTION_TYPE, {"tenant_id_1": T, "classification_1": "'PAYMENT'",
                                              "alternative_code_1": "'PAYMENT'", "param_1": "1"}),
        render(sql.PAYMENT_METHOD_SETTING, {"tenant_id_1": T, "method_1": "'CREDIT_CARD'"}),
        render(sql.INSERT_PAYMENT, {
            "number": "'PAY-' || lpad(:last_value::text, 7, '0')", "customer_id": ":customer", "currency": "'GBP'",
            "amount_minor": str(amount), "unallocated_minor": "0", "refunded_minor": "0", "status": "'DRAFT'",
            "payment_method": "'CREDIT_CARD'", "type_id": ":type_payment", "category_id": "NULL",
            "rejection_reason_id": "NULL",
            "tenders": f"'[{{\"method\": \"CREDIT_CARD\", \"processor\": null, \"reference\": null, "
                       f"\"amountMinor\": {amount}}}]'",
            "reference_number": "'pgbench'", "back_office_code": "NULL", "received_on": "current_date",
            "issued_on": "current_date", "posted_on": "NULL", "notes": "'bench'", "rejection_reason": "NULL",
            "received_by_user": "NULL", "received_by_unit": "NULL", "invoices_to_pay": "'[]'", "bills_to_pay": "'[]'",
            "custom_attributes": "'[]'", "third_party_status": "NULL", "created_by": "'bench'",
            "updated_by": "'bench'", **{f"udf_{kind}_{n}": "NULL" for kind, count in (("string", 8), ("float", 4),
                                                                                     ("date", 4))
                                       for n in range(1, count + 1)},
            "tenant_id": T, "locator": "upper(substr(md5(random()::text), 1, 26))", "uuid": "gen_random_uuid()",
            "version": "1", "created_at": "now()", "updated_at": "now()"}).removesuffix(";") + " \\gset p_",
        render(sql.OPEN_INVOICES_FOR_UPDATE, {"tenant_id_1": T, "customer_id_1": ":customer", "status_1": "'POSTED'",
                                              "outstanding_minor_1": "0"}),
    ]
    # In the order of one of SQLAlchemy's flushes (bench/run.py same_statements).
    lines += [f"\\set inv{k} :invoice0 + {k}" for k in range(invoices)]
    lines.append(render(sql.UPDATE_PAYMENT_POSTED, {"status": "'POSTED'", "posted_on": "current_date", "version": "2",
                                                    "updated_at": "now()", "payments_id": ":p_id",
                                                    "payments_version": "1"}))
    credit = {"tenant_id": T, "customer_id": ":customer", "payment_id": ":p_id", "currency": "'GBP'",
              "description": "NULL", "created_by": "'bench'", "created_at": "now()", "realized_at": "now()",
              "reversed_at": "NULL", "reversal_reason": "NULL"}
    lines.append(render(sql.INSERT_CREDIT, {
        **credit, "locator": "upper(substr(md5(random()::text), 1, 26))", "type": "'payment'", "state": "'posted'",
        "parent_id": "NULL", "amount_minor": str(amount)}).removesuffix(";") + " \\gset c_")
    lines.append(_journal([{"kind": "'PAYMENT_POSTED'", "balance_delta": str(amount), "credit_delta": str(amount)}]
                          + [{"kind": "'ALLOCATION'", "invoice_id": f":inv{k}", "credit_delta": str(-invoice_minor),
                              "outstanding_delta": str(-invoice_minor)} for k in range(invoices)],
                          ":customer", ":p_id"))
    allocations = {}
    for k in range(invoices):
        allocations.update({f"tenant_id__{k}": T, f"payment_id__{k}": ":p_id", f"invoice_id__{k}": f":inv{k}",
                            f"amount_minor__{k}": str(invoice_minor), f"refunded_minor__{k}": "0",
                            f"created_at__{k}": "now()", f"reversed_at__{k}": "NULL"})
    lines.append(render(sql.values_rows(sql.INSERT_ALLOCATIONS, invoices), allocations))
    for k in range(invoices):
        lines.append(render(sql.UPDATE_INVOICE_OUTSTANDING, {
            "outstanding_minor": "0", "payment_status": "'PAID'", "version": "2", "updated_at": "now()",
            "invoices_id": f":inv{k}", "invoices_version": "1"}))
    children = {}
    for k in range(invoices):
        children.update({f"{name}__{k}": value for name, value in {
            **credit, "locator": "upper(substr(md5(random()::text), 1, 26))", "type": "'subpayment'",
            "state": "'posted'", "parent_id": ":c_id", "amount_minor": str(invoice_minor)}.items()})
    # The targets need the subpayments' ids; concurrent multi-row inserts interleave ids and \\gset keeps one
    # row, so pgbench reads them back: one index lookup per transaction that Ledgerline does not make.
    lines.append(render(sql.values_rows(sql.INSERT_CREDITS, invoices), children))
    lines.append("SELECT " + ", ".join(f"(array_agg(id ORDER BY id))[{k + 1}] AS sub{k}" for k in range(invoices))
                 + " FROM credits WHERE tenant_id = :tenant AND parent_id = :c_id \\gset")
    targets = {}
    for k in range(invoices):
        targets.update({f"tenant_id__{k}": T, f"credit_id__{k}": f":sub{k}", f"invoice_id__{k}": f":inv{k}",
                        f"amount_minor__{k}": str(invoice_minor)})
    lines.append(render(sql.values_rows(sql.INSERT_CREDIT_TARGETS, invoices), targets))
    lines.append(render(sql.FIRST_ALLOCATED_INVOICE, {"tenant_id_1": T, "payment_id_1_1": ":p_id"}))
    lines.append(render(sql.CUSTOMER_BALANCE, {"coalesce_2": "0", "tenant_id_1": T, "customer_id_1": ":customer",
                                               "status_1": "'POSTED'", "outstanding_minor_1": "0", "tenant_id_2": T,
                                               "id_1": ":customer"}))
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


CANCEL_PLAN = "bench_cancel_plan"


def cancel_plan_sql(invoices: int = 5) -> list[str]:
    """Which allocation and invoice ids each cancelled payment has. Concurrent multi-row inserts interleave
    allocation ids, so pgbench cannot compute them; it reads them from this table, one primary-key lookup
    per transaction that Ledgerline does not make (the floor is that much slower: the ratio errs in
    Ledgerline's favour by about one such lookup)."""
    columns = ", ".join([f"(array_agg(a.invoice_id ORDER BY a.id))[{k + 1}] AS inv{k}" for k in range(invoices)]
                        + [f"(array_agg(a.id ORDER BY a.id))[{k + 1}] AS alloc{k}" for k in range(invoices)])
    return [f"DROP TABLE IF EXISTS {CANCEL_PLAN}",
            f"""CREATE TABLE {CANCEL_PLAN} AS SELECT (row_number() OVER (ORDER BY p.id) - 1)::int AS n,
                p.id AS payment, {columns}
                FROM payments p JOIN payment_allocations a ON a.tenant_id = p.tenant_id AND a.payment_id = p.id
                WHERE p.tenant_id = %(tenant)s AND p.reference_number = 'pgbench' AND p.status = 'POSTED'
                GROUP BY p.id""",
            f"ALTER TABLE {CANCEL_PLAN} ADD PRIMARY KEY (n)"]


def cancel_script(invoices: int = 5, invoice_minor: int = 1000) -> str:
    """POST /v1/payments/{id}/cancel of the payments ``customer_payment_script`` created (``cancel_plan_sql``),
    each of ``invoices`` allocations of ``invoice_minor``."""
    amount = invoices * invoice_minor
    lines = [
        "\\set i :i + 1",
        "\\set n :client_id + :nclients * (:i - 1)",
        f"SELECT * FROM {CANCEL_PLAN} WHERE n = :n \\gset",
        render(sql.NEXT_NUMBER, {**_NUMBER, "kind": "'payment_cancellation'"}).removesuffix(";") + " \\gset",
        "BEGIN;",
        render(sql.CUSTOMER_ID_OF_PAYMENT, {"tenant_id_1": T, "id_1": ":payment"}).removesuffix(";") + " \\gset",
        render(sql.CUSTOMER_FOR_UPDATE, {"tenant_id_1": T, "id_1": ":customer_id"}),
        render(sql.PAYMENT_FOR_UPDATE, {"tenant_id_1": T, "id_1": ":payment"}),
        render(sql.DEFAULT_TRANSACTION_TYPE, {"tenant_id_1": T, "classification_1": "'PAYMENT_CANCELLATION'",
                                              "alternative_code_1": "'PAYMENT_CANCELLATION'", "param_1": "1"}),
        render(sql.ACTIVE_ALLOCATIONS, {"tenant_id_1": T, "payment_id_1": ":payment"}),
        render(sql.ACTIVE_SHORTFALL_CREDITS, {"tenant_id_1": T, "payment_id_1": ":payment",
                                              "type_1": "'shortfallWriteOff'", "state_1": "'reversed'"}),
    ]
    lines.append(render(sql.in_list(sql.INVOICES_FOR_UPDATE, "id_1", invoices),
                        {"tenant_id_1": T, **{f"id_1_{k + 1}": f":inv{k}" for k in range(invoices)}}))
    for k in range(invoices):
        lines.append(render(sql.UPDATE_INVOICE_OUTSTANDING, {
            "outstanding_minor": str(invoice_minor), "payment_status": "'UNPAID'", "version": "3",
            "updated_at": "now()", "invoices_id": f":inv{k}", "invoices_version": "2"}))
    lines.append(_journal([{"kind": "'ALLOCATION_REVERSED'", "invoice_id": f":inv{k}",
                            "credit_delta": str(invoice_minor), "outstanding_delta": str(invoice_minor)}
                           for k in range(invoices)], ":customer_id", ":payment"))
    for k in range(invoices):   # SQLAlchemy's executemany: one statement per row
        lines.append(render(sql.REVERSE_ALLOCATION, {"reversed_at": "now()", "payment_allocations_id": f":alloc{k}"}))
    lines.append(render(sql.REVERSE_PAYMENT_CREDITS, {
        "state": "'reversed'", "reversed_at": "now()", "reversal_reason": "'payment cancelled'", "tenant_id_1": T,
        "payment_id_1": ":payment", "type_1_1": "'payment'", "type_1_2": "'subpayment'", "state_1": "'reversed'"}))
    lines.append(render(sql.INSERT_JOURNAL_ENTRY, {
        "tenant_id": T, "customer_id": ":customer_id", "invoice_id": "NULL", "payment_id": ":payment",
        "adjustment_id": "NULL", "refund_id": "NULL", "credit_id": "NULL", "kind": "'PAYMENT_CANCELLED'",
        "currency": "'GBP'", "balance_delta": str(-amount), "credit_delta": str(-amount), "outstanding_delta": "0",
        "created_at": "now()"}))
    lines.append(render(sql.UPDATE_PAYMENT_CANCELLED, {"status": "'CANCELLED'", "version": "3", "updated_at": "now()",
                                                       "payments_id": ":payment", "payments_version": "2"}))
    lines.append(render(sql.INSERT_CANCELLATION, {
        "tenant_id": T, "number": "'PCN-' || lpad(:last_value::text, 7, '0')", "payment_id": ":payment",
        "type_id": ":type_cancellation", "category_id": "NULL", "amount_minor": str(amount), "currency": "'GBP'",
        "posted_on": "current_date", "notes": "NULL", "issue_reason": "NULL", "created_by": "'bench'",
        "created_at": "now()"}))
    lines.append(render(sql.LIVE_ALLOCATIONS_OF_PAYMENTS, {"tenant_id_1": T, "payment_id_1_1": ":payment"}))
    lines.append(render(sql.CANCELLATIONS_OF_PAYMENTS, {"tenant_id_1": T, "payment_id_1_1": ":payment"}))
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def tpcb_script(scale: int) -> str:
    """pgbench's tpcb-like script over ``scale`` branches, from ``fixed_floor.TPCB`` (the HTTP floor's statements)."""
    variables = {name: f":{name}" for name in ("aid", "bid", "tid", "delta")}
    return "\n".join([
        f"\\set aid random(1, {fixed.ACCOUNTS_PER_BRANCH * scale})",
        f"\\set bid random(1, {scale})",
        f"\\set tid random(1, {fixed.TELLERS_PER_BRANCH * scale})",
        "\\set delta random(-5000, 5000)",
        "BEGIN;",
        *(render(statement, variables) for statement in fixed.TPCB),
        "END;",
    ]) + "\n"


def init_tpcb(env: dict[str, str], scale: int) -> float:
    """``pgbench -i -s scale`` in the database of ``env`` (PGDATABASE): drops and recreates the pgbench_*
    tables, fills them, vacuums them, adds the primary keys. Returns the seconds it took."""
    started = time.perf_counter()
    done = subprocess.run(["pgbench", "-i", "-q", "-s", str(scale)], env=env, capture_output=True, text=True,
                          timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"pgbench -i failed ({done.returncode}): {done.stderr[-2000:]}")
    return time.perf_counter() - started


def run_pgbench(script: Path, env: dict[str, str], variables: dict[str, object], clients: int,
                transactions_per_client: int, log_dir: Path) -> dict:
    """Run one script; requests/s from pgbench, p50/p99 from its per-transaction log."""
    for old in log_dir.glob("pgbench_log*"):
        old.unlink()
    argv = ["pgbench", "-n", "-M", "prepared", "-f", str(script), "-c", str(clients), "-j", str(min(clients, 2)),
            "-t", str(transactions_per_client), "-l", f"--log-prefix={log_dir / 'pgbench_log'}",
            *[f"-D{name}={value}" for name, value in {**variables, "i": 0, "nclients": clients}.items()]]
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed ({done.returncode}): {done.stderr[-2000:]}")
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    latencies = []
    for log in log_dir.glob("pgbench_log*"):
        for line in log.read_text().splitlines():
            fields = line.split()
            latencies.append(int(fields[2]) / 1e6)
        log.unlink()
    latencies.sort()
    ms = lambda seconds: None if seconds is None else round(seconds * 1000, 2)  # noqa: E731
    return {"scenario": script.stem, "concurrency": clients, "requests": len(latencies), "errors": 0,
            "requests_per_s": round(float(tps.group(1)), 1) if tps else None, "duration_s": round(wall, 2),
            "p50_ms": ms(percentile(latencies, 50)), "p90_ms": ms(percentile(latencies, 90)),
            "p99_ms": ms(percentile(latencies, 99)), "max_ms": ms(latencies[-1] if latencies else None)}
