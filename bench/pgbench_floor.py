"""The pgbench floor of the writes: ``pgbench -f`` scripts with Ledgerline's statements.

The scripts are generated from ``bench/floor_sql.py`` (the statements Ledgerline sends) by putting a
pgbench ``:variable`` where Ledgerline sends a value that changes per request, and the constant
itself where it does not (``NULL``, ``'GBP'``, ``'[]'``: pgbench has no NULL variables). Timestamps are
``now()``, the payment's locator and uuid are made by SQL, and the number's text by ``'PAY-' ||
lpad(...)``: values Ledgerline computes in Python. Numbers come from blocks of
``NUMBER_BLOCK_SIZE`` (Ledgerline's, 1 where it takes them one at a time), each client taking its next
block first, in a transaction of its own, when it has used up the last (Ledgerline takes a block on
another connection mid-request: the same work).

What pgbench cannot do, ``make bench`` arranges: every transaction of ``customer-payments.sql``
pays the next customer of a slice nobody else touches, whose open invoices have known ids (see
``bench/seed.py``), so the statements are those Ledgerline sends for the same
payment; ``cancel.sql`` cancels the payments the first script created (``cancel_plan_sql``).

``tpcb_script`` is pgbench's built-in TPC-B-like script, made from the statements the fixed TPC-B-like
HTTP floor sends (``bench/fixed_floor.py``), on the tables ``init_tpcb`` (``pgbench -i``) makes.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

from bench import fixed_floor as fixed
from bench import floor_sql as sql
from bench.floor_app import NUMBER_BLOCK_SIZE
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


def _rows(statement: str, rows: list[dict[str, str]], base: dict[str, str]) -> str:
    """A multi-row INSERT (``floor_sql.multi_values``) of ``rows``, each over the values of ``base``."""
    return render(sql.multi_values(statement, len(rows)), sql.multi_params([{**base, **row} for row in rows]))


def _journal(rows: list[dict[str, str]], customer: str, payment: str) -> str:
    return _rows(sql.INSERT_JOURNAL_ENTRIES, rows, {
        "tenant_id": T, "customer_id": customer, "invoice_id": "NULL", "payment_id": payment, "adjustment_id": "NULL",
        "refund_id": "NULL", "credit_id": "NULL", "currency": "'GBP'", "balance_delta": "0", "credit_delta": "0",
        "outstanding_delta": "0", "created_at": "now()"})


def _invoices(changes: list[tuple[str, str, str]]) -> str:
    """The one UPDATE of the invoices (``floor_sql.values_table``): (id, outstanding, payment status) each."""
    return render(sql.values_table(sql.UPDATE_INVOICES, len(changes)),
                  {"version_1": "1", "updated_at": "now()", "tenant_id_1": T, **sql.table_params(changes)})


def _number(kind: str, block: int) -> list[str]:
    """Lines that leave the transaction's number in ``:number``: a block of ``block`` numbers taken in a
    transaction of its own every ``block`` transactions of a client (Ledgerline's workers reserve theirs
    the same way, ``floor_app.NUMBER_BLOCK_SIZE``), handed out one by one in between."""
    take = render(sql.NEXT_NUMBER, {"tenant_id": T, "kind": f"'{kind}'", "last_value": str(block),
                                    "last_value_1": str(block)}).removesuffix(";") + " \\gset"
    if block == 1:
        return [take, "\\set number :last_value"]
    return [f"\\if (:i - 1) % {block} = 0", take, "\\endif",
            f"\\set number :last_value - {block} + 1 + (:i - 1) % {block}"]


def _events(customer: str, documents: list[tuple[str, str]]) -> str:
    """The outbox's one INSERT (``floor_sql.events_rows``) of (type, document) pairs."""
    rows = [{"tenant_id": T, "type": f"'{kind}'", "customer_id": customer, "data": _literal(document),
             "created_at": "now()"} for kind, document in documents]
    return render(sql.events_rows(sql.INSERT_EVENTS, len(rows)),
                  {name: str(value) for name, value in sql.events_params(rows).items()})


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sample_documents(invoices: int, invoice_minor: int) -> tuple[str, str, str]:
    """Documents of the size Ledgerline writes (payment.posted, invoice.paid, payment.cancelled): Ledgerline
    renders them in Python, so the scripts send them as constants. ``": "`` keeps pgbench from reading a
    ``:name`` in them as a variable."""
    import datetime as dt
    import uuid

    from bench.floor_app import UDF, payment_json
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    amount = invoices * invoice_minor
    payment = {**dict.fromkeys(UDF), "id": 10001, "locator": "0" * 26, "uuid": uuid.UUID(int=0),
               "number": "PAY-0000001", "customer_id": 1, "currency": "GBP", "amount_minor": amount,
               "unallocated_minor": 0, "status": "POSTED", "payment_method": "CREDIT_CARD", "type_id": 1,
               "category_id": None, "tenders": [{"method": "CREDIT_CARD", "amountMinor": amount}],
               "reference_number": "pgbench", "back_office_code": None, "received_on": now.date(),
               "issued_on": now.date(), "posted_on": now.date(), "notes": "bench", "rejection_reason": None,
               "rejection_reason_id": None, "received_by_user": None, "received_by_unit": None,
               "invoices_to_pay": [], "bills_to_pay": [], "custom_attributes": [], "third_party_status": None,
               "version": 1, "created_by": "bench", "updated_by": "bench", "created_at": now, "updated_at": now}
    allocations = [{"invoice_id": 1 + k, "amount_minor": invoice_minor, "currency": "GBP"} for k in range(invoices)]
    invoice = {"id": 1, "number": "INV-0000001", "customerId": 1, "currency": "GBP", "totalInMajorCurrency": "10.00",
               "outstandingInMajorCurrency": "0.00", "status": "POSTED", "paymentStatus": "PAID",
               "paidByPaymentId": 10001}
    cancellation = {"id": 1, "number": "PCN-0000001", "type_id": 2, "category_id": None, "posted_on": now.date(),
                    "amount_minor": amount, "notes": None, "issue_reason": None}
    cancelled = {**payment, "status": "CANCELLED", "version": 2}

    def text(document: dict) -> str:
        return json.dumps(document, default=str, separators=(",", ": "))

    return (text(payment_json(payment, allocations, None)), text(invoice),
            text(payment_json(cancelled, [], cancellation)))


def _element(array: str, index: int) -> str:
    """Element ``index`` (from 1) of an array a ``\\gset`` kept as its text, ``{1,2,3}``."""
    return f"(:{array}::bigint[])[{index}]"


def customer_payment_script(invoices: int = 5, invoice_minor: int = 1000, block: int = NUMBER_BLOCK_SIZE) -> str:
    """POST /v1/customer-payments paying ``invoices`` open invoices of ``invoice_minor`` each, oldest first.

    Variables: -D tenant, type_payment, first (first customer of the slice), customers (slice length),
    invoices_per_customer, first_open (offset of a customer's first open invoice), nclients; i counts.
    """
    amount = invoices * invoice_minor
    payment = _element("payments", 1)
    posted, paid, _ = _sample_documents(invoices, invoice_minor)
    lines = [
        "\\set i :i + 1",
        "\\set n :client_id + :nclients * (:i - 1)",
        "\\set customer :first + (:n % :customers)",
        f"\\set invoice0 (:customer - 1) * :invoices_per_customer + :first_open + (:n / :customers) * {invoices}",
        *(f"\\set inv{k} :invoice0 + {k}" for k in range(invoices)),
        *_number("payment", block),
        "BEGIN;",
        render(sql.LOCK_CUSTOMER, _CUSTOMER),
        render(sql.LOCK_OPEN_INVOICES, {"tenant_id_1": T, "customer_id_1": ":customer", "status_1": "'POSTED'",
                                        "outstanding_minor_1": "0"}),
        # The new ids, as two arrays (:payments, :credits): the rows below point at each other through them.
        render(sql.RESERVE_PAYMENT_AND_CREDIT_IDS, {
            "pg_get_serial_sequence_1": "'payments'", "pg_get_serial_sequence_2": "'id'", "generate_series_1": "1",
            "generate_series_2": "1", "pg_get_serial_sequence_3": "'credits'", "pg_get_serial_sequence_4": "'id'",
            "generate_series_3": "1", "generate_series_4": str(1 + invoices)}).removesuffix(";") + " \\gset",
        _rows(sql.INSERT_PAYMENTS, [{
            "number": "'PAY-' || lpad(:number::text, 7, '0')", "customer_id": ":customer", "currency": "'GBP'",
            "amount_minor": str(amount), "unallocated_minor": "0", "refunded_minor": "0",
            "credit_applied_minor": "0", "gift_applied_minor": "0", "status": "'POSTED'",
            "payment_method": "'CREDIT_CARD'", "type_id": ":type_payment", "category_id": "NULL",
            "rejection_reason_id": "NULL",
            "tenders": f"'[{{\"method\": \"CREDIT_CARD\", \"processor\": null, \"reference\": null, "
                       f"\"amountMinor\": {amount}}}]'",
            "reference_number": "'pgbench'", "back_office_code": "NULL", "received_on": "current_date",
            "issued_on": "current_date", "posted_on": "current_date", "notes": "'bench'", "rejection_reason": "NULL",
            "received_by_user": "NULL", "received_by_unit": "NULL", "invoices_to_pay": "'[]'", "bills_to_pay": "'[]'",
            "custom_attributes": "'[]'", "third_party_status": "NULL", "created_by": "'bench'",
            "updated_by": "'bench'", **{f"udf_{kind}_{n}": "NULL" for kind, count in (("string", 8), ("float", 4),
                                                                                     ("date", 4))
                                       for n in range(1, count + 1)},
            "id": payment, "tenant_id": T, "locator": "upper(substr(md5(random()::text), 1, 26))",
            "uuid": "gen_random_uuid()", "version": "1", "created_at": "now()", "updated_at": "now()"}], {}),
        _rows(sql.INSERT_ALLOCATIONS, [{"invoice_id": f":inv{k}"} for k in range(invoices)], {
            "tenant_id": T, "payment_id": payment, "amount_minor": str(invoice_minor), "refunded_minor": "0",
            "created_at": "now()", "reversed_at": "NULL"}),
        _journal([{"kind": "'PAYMENT_POSTED'", "balance_delta": str(amount), "credit_delta": str(amount)}]
                 + [{"kind": "'ALLOCATION'", "invoice_id": f":inv{k}", "credit_delta": str(-invoice_minor),
                     "outstanding_delta": str(-invoice_minor)} for k in range(invoices)], ":customer", payment),
        _rows(sql.INSERT_CREDITS, [{"id": _element("credits", 1), "type": "'payment'", "parent_id": "NULL",
                                    "amount_minor": str(amount)}]
              + [{"id": _element("credits", k + 2), "type": "'subpayment'", "parent_id": _element("credits", 1),
                  "amount_minor": str(invoice_minor)} for k in range(invoices)], {
            "tenant_id": T, "locator": "upper(substr(md5(random()::text), 1, 26))", "state": "'posted'",
            "customer_id": ":customer", "payment_id": payment, "currency": "'GBP'", "description": "NULL",
            "created_by": "'bench'", "created_at": "now()", "realized_at": "now()", "reversed_at": "NULL",
            "reversal_reason": "NULL"}),
        _rows(sql.INSERT_CREDIT_TARGETS, [{"credit_id": _element("credits", k + 2), "invoice_id": f":inv{k}"}
                                          for k in range(invoices)],
              {"tenant_id": T, "amount_minor": str(invoice_minor)}),
        _invoices([(f":inv{k}", "0", "'PAID'") for k in range(invoices)]),
        _events(":customer", [("payment.posted", posted)] + [("invoice.paid", paid)] * invoices),
        "COMMIT;",
    ]
    return "\n".join(lines) + "\n"


CANCEL_PLAN = "bench_cancel_plan"


def cancel_plan_sql(invoices: int = 5) -> list[str]:
    """Which allocation and invoice ids each cancelled payment has. Concurrent multi-row inserts interleave
    allocation ids, and ``\\gset`` keeps one row, so pgbench cannot take them from the live parts it reads;
    it reads them from this table, one primary-key lookup per transaction that Ledgerline does not make
    (the floor is that much slower: the ratio errs in Ledgerline's favour by about one such lookup)."""
    columns = ", ".join([f"(array_agg(a.invoice_id ORDER BY a.id))[{k + 1}] AS inv{k}" for k in range(invoices)]
                        + [f"(array_agg(a.id ORDER BY a.id))[{k + 1}] AS alloc{k}" for k in range(invoices)])
    return [f"DROP TABLE IF EXISTS {CANCEL_PLAN}",
            f"""CREATE TABLE {CANCEL_PLAN} AS SELECT (row_number() OVER (ORDER BY p.id) - 1)::int AS n,
                p.id AS payment, {columns}
                FROM payments p JOIN payment_allocations a ON a.tenant_id = p.tenant_id AND a.payment_id = p.id
                WHERE p.tenant_id = %(tenant)s AND p.reference_number = 'pgbench' AND p.status = 'POSTED'
                GROUP BY p.id""",
            f"ALTER TABLE {CANCEL_PLAN} ADD PRIMARY KEY (n)"]


def cancel_script(invoices: int = 5, invoice_minor: int = 1000, block: int = NUMBER_BLOCK_SIZE) -> str:
    """POST /v1/payments/{id}/cancel of the payments ``customer_payment_script`` created (``cancel_plan_sql``),
    each of ``invoices`` allocations of ``invoice_minor``."""
    amount = invoices * invoice_minor
    cancelled = _sample_documents(invoices, invoice_minor)[2]
    lines = [
        "\\set i :i + 1",
        "\\set n :client_id + :nclients * (:i - 1)",
        f"SELECT * FROM {CANCEL_PLAN} WHERE n = :n \\gset",
        *_number("payment_cancellation", block),
        "BEGIN;",
        render(sql.LOCK_CUSTOMER_OF_PAYMENT, {"tenant_id_1": T, "id_1": ":payment"}).removesuffix(";") + " \\gset c_",
        render(sql.PAYMENT_FOR_UPDATE, {"tenant_id_1": T, "id_1": ":payment"}),
        render(sql.LIVE_PARTS, {"param_1": "'a'", "tenant_id_1": T, "payment_id_1": ":payment", "param_2": "'s'",
                                "tenant_id_2": T, "payment_id_2": ":payment", "type_1": "'shortfallWriteOff'",
                                "state_1": "'reversed'"}),
        render(sql.in_list(sql.LOCK_INVOICES, "id_1", invoices),
               {"tenant_id_1": T, **sql.in_params("id_1", [f":inv{k}" for k in range(invoices)])}),
        render(sql.INSERT_CANCELLATION, {
            "tenant_id": T, "number": "'PCN-' || lpad(:number::text, 7, '0')", "payment_id": ":payment",
            "type_id": ":type_cancellation", "category_id": "NULL", "amount_minor": str(amount), "currency": "'GBP'",
            "posted_on": "current_date", "notes": "NULL", "issue_reason": "NULL", "created_by": "'bench'",
            "created_at": "now()"}),
        _journal([{"kind": "'ALLOCATION_REVERSED'", "invoice_id": f":inv{k}", "credit_delta": str(invoice_minor),
                   "outstanding_delta": str(invoice_minor)} for k in range(invoices)]
                 + [{"kind": "'PAYMENT_CANCELLED'", "balance_delta": str(-amount), "credit_delta": str(-amount)}],
                 ":c_id", ":payment"),
        render(sql.in_list(sql.REVERSE_ALLOCATIONS, "id_1", invoices),
               {"reversed_at": "now()", "tenant_id_1": T, **sql.in_params("id_1", [f":alloc{k}" for k in range(invoices)])}),
        render(sql.REVERSE_CREDITS, {"state": "'reversed'", "reversed_at": "now()", "reversal_reason": "'payment cancelled'",
                                     "tenant_id_1": T, "payment_id_1": ":payment", "state_1": "'reversed'"}),
        _invoices([(f":inv{k}", str(invoice_minor), "'UNPAID'") for k in range(invoices)]),
        render(sql.CANCEL_PAYMENT, {"unallocated_minor": "0", "status": "'CANCELLED'", "updated_by": "'bench'",
                                    "version_1": "1", "updated_at": "now()", "tenant_id_1": T, "id_1": ":payment"}),
        _events(":c_id", [("payment.cancelled", cancelled)]),
        "COMMIT;",
    ]
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
