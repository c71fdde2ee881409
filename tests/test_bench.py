"""The bench's own logic, without a database (bench/README.md): seeded money adds up, the floors'
statements are complete, the fixed floors send what pgbench sends, statements and COMMITs are counted,
the report computes its ratios and targets. ``make bench`` itself never runs here."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import uuid
from contextlib import asynccontextmanager
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, text

from bench import fixed_floor, floor_app, floor_sql, seed
from bench.loadgen import Run
from bench.pgbench_floor import CANCEL_PLAN, cancel_script, customer_payment_script, render, tpcb_script
from bench.run import ENDPOINTS, FIXED, compute_ratios, markdown, ratio, same_statements, target_rows
from bench.show_sql import constants, narrow
from bench.sqlcapture import Recorder, family, normalize


class _NoCopy:
    """Stands in for the connection: the rows stay in the seeder's buffers."""


def _rows(seeder: seed.Seeder, table: str) -> list[dict[str, str]]:
    columns = [name.strip() for name in seed.Writers.COLUMNS[table].split(",")]
    return [dict(zip(columns, line.rstrip("\n").split("\t"))) for line in seeder.out.buffers[table]]


@pytest.mark.parametrize("profile", [seed.STANDARD, seed.history(30)])
def test_a_seeded_customer_adds_up_as_verify_checks_it(profile):
    seeder = seed.Seeder(_NoCopy(), uuid.uuid4(), payment_type_id=1)   # type: ignore[arg-type]
    seeder.out.chunk = 10**9
    customer_id = seeder.customer(profile, "standard")
    invoices, payments = _rows(seeder, "invoices"), _rows(seeder, "payments")
    allocations, journal = _rows(seeder, "payment_allocations"), _rows(seeder, "journal_entries")
    assert (len(invoices), len(payments), len(allocations)) == (profile.invoices, profile.payments, profile.payments)
    assert len(journal) == profile.invoices + 2 * profile.payments
    for invoice in invoices:   # outstanding = what the journal says, status follows it
        summed = sum(int(e["outstanding_delta"]) for e in journal if e["invoice_id"] == invoice["id"])
        assert int(invoice["outstanding_minor"]) == summed
        assert invoice["payment_status"] == ("PAID" if summed == 0 else "UNPAID")
    open_minor = sum(int(i["outstanding_minor"]) for i in invoices)
    assert open_minor == profile.open * seed.INVOICE_MINOR
    assert sum(int(e["credit_delta"]) for e in journal) == 0                  # no unallocated credit
    assert sum(int(e["balance_delta"]) for e in journal) == -open_minor        # balance = credit - outstanding
    assert all(p["customer_id"] == str(customer_id) and p["status"] == "POSTED" and p["version"] == "2"
               for p in payments)
    assert [e["id"] for e in journal] == sorted((e["id"] for e in journal), key=int)


@pytest.mark.parametrize("profile", [seed.STANDARD, seed.history(30)])
def test_every_seeded_payment_has_the_credits_posting_writes(profile):
    seeder = seed.Seeder(_NoCopy(), uuid.uuid4(), payment_type_id=1)   # type: ignore[arg-type]
    seeder.out.chunk = 10**9
    seeder.customer(profile, "standard")
    payments, allocations = _rows(seeder, "payments"), _rows(seeder, "payment_allocations")
    credits, targets = _rows(seeder, "credits"), _rows(seeder, "credit_targets")
    by_id = {c["id"]: c for c in credits}
    parents = [c for c in credits if c["type"] == "payment"]
    children = [c for c in credits if c["type"] == "subpayment"]
    assert len(parents) == len(payments) and len(children) == len(targets) == len(allocations)
    assert all(c["state"] == "posted" and c["reversed_at"] == "\\N" and c["created_by"] == seed.SUBJECT
               and c["realized_at"] == c["created_at"] for c in credits)
    for payment, parent in zip(payments, parents):   # the payment's credit, created when it posted
        assert (parent["payment_id"], parent["amount_minor"], parent["created_at"]) == \
            (payment["id"], payment["amount_minor"], payment["created_at"])
    for child in children:
        assert int(by_id[child["parent_id"]]["id"]) < int(child["id"])          # parent inserted first
        assert by_id[child["parent_id"]]["payment_id"] == child["payment_id"]
    # ledgerline verify: per invoice, live subpayment targets = live allocations
    live = sorted((a["invoice_id"], a["amount_minor"]) for a in allocations)
    assert sorted((t["invoice_id"], t["amount_minor"]) for t in targets) == live
    assert {t["credit_id"] for t in targets} == {c["id"] for c in children}
    assert {p["refunded_minor"] for p in payments} | {a["refunded_minor"] for a in allocations} == {"0"}
    assert {(i["refunded_minor"], i["written_off_minor"]) for i in _rows(seeder, "invoices")} == {("0", "0")}


def test_the_sql_check_allows_a_reordered_flush_only():
    reads, writes = ["SELECT a", "SELECT b"], ["INSERT INTO x", "UPDATE y", "INSERT INTO z"]
    assert same_statements(reads + writes, reads + writes) == (True, False)
    assert same_statements(reads + writes, reads + writes[::-1]) == (True, True)
    assert same_statements(reads + writes, reads[::-1] + writes)[0] is False      # reads keep their order
    assert same_statements(reads + writes, reads + writes[:2] + ["INSERT INTO w"])[0] is False


def test_the_pgbench_scripts_give_every_parameter_a_value():
    post, cancel = customer_payment_script(), cancel_script()
    assert "%(" not in post and "%(" not in cancel
    # one statement per table written, as Ledgerline's apply step sends them
    for table in ("payments", "payment_allocations", "journal_entries", "credits", "credit_targets"):
        assert post.count(f"INSERT INTO {table} ") == 1, table
    assert post.count("UPDATE invoices SET") == 1 and post.count("::BIGINT, 0::BIGINT, 'PAID')") == 5
    assert cancel.count("::BIGINT, 1000::BIGINT, 'UNPAID')") == 5 and cancel.count(":alloc") == 5
    assert "(:credits::bigint[])[6]" in post and "(:credits::bigint[])[7]" not in post   # 1 + 5 credit ids
    for statement in ("UPDATE invoices SET", "UPDATE payment_allocations SET", "UPDATE credits SET",
                      "UPDATE payments SET", "INSERT INTO journal_entries ", "INSERT INTO payment_cancellations "):
        assert cancel.count(statement) == 1, statement
    with pytest.raises(KeyError):
        render(floor_sql.LOCK_CUSTOMER, {"tenant_id_1": ":tenant"})


def test_widened_statements_have_the_shape_sqlalchemy_sends():
    three = floor_sql.multi_values(floor_sql.INSERT_ALLOCATIONS, 3)
    assert "%(invoice_id_m2)s::BIGINT" in three and three.count("TIME ZONE), (") == 2
    assert normalize(floor_sql.in_list(floor_sql.LOCK_INVOICES, "id_1", 2)).count("?::BIGINT, ?::BIGINT)") == 1
    two = floor_sql.values_table(floor_sql.UPDATE_INVOICES, 2)
    assert "(%(param_1)s::BIGINT, %(param_2)s::BIGINT, %(param_3)s), (%(param_4)s::BIGINT, " \
           "%(param_5)s::BIGINT, %(param_6)s)) AS changes" in two
    assert floor_sql.table_params([(1, 10, "PAID"), (2, 20, "UNPAID")]) == {
        "param_1": 1, "param_2": 10, "param_3": "PAID", "param_4": 2, "param_5": 20, "param_6": "UNPAID"}
    assert floor_sql.multi_params([{"a": 1}, {"a": 2}]) == {"a_m0": 1, "a_m1": 2}


def test_the_tpcb_script_is_pgbenchs_builtin_over_the_given_scale():
    script = tpcb_script(8).splitlines()
    assert script[:4] == ["\\set aid random(1, 800000)", "\\set bid random(1, 8)", "\\set tid random(1, 80)",
                          "\\set delta random(-5000, 5000)"]
    assert script[4] == "BEGIN;" and script[-1] == "END;"
    assert script[5:-1] == [
        "UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;",
        "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;",
        "UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;",
        "UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;",
        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, "
        "CURRENT_TIMESTAMP);"]


def test_tpcb_inputs_are_drawn_over_the_scale_as_pgbench_draws_them():
    rng = random.Random(1)
    draws = [fixed_floor.tpcb_draw(rng, 3) for _ in range(2000)]
    assert {d["bid"] for d in draws} == {1, 2, 3}
    assert min(d["tid"] for d in draws) >= 1 and max(d["tid"] for d in draws) == 30
    assert 1 <= min(d["aid"] for d in draws) and max(d["aid"] for d in draws) <= 300_000
    assert all(-5000 <= d["delta"] <= 5000 for d in draws)


def test_the_load_generator_sends_the_fixed_floors_requests():
    rng = random.Random(0)
    method, path, body = Run({"scenario": "fixed-get", "payment_ids": [5, 5]}).next_request(rng)
    assert (method, path, body) == ("GET", "/fixed/payments/5", None)
    method, path, body = Run({"scenario": "fixed-tpcb", "tpcb_scale": 2}).next_request(rng)
    assert (method, path) == ("POST", "/fixed/tpcb") and set(json.loads(body)) == {"aid", "bid", "tid", "delta"}


def test_a_queue_ends_its_warmup_once_a_quarter_of_it_is_taken():
    run = Run({"scenario": "cancel", "payment_ids": list(range(1, 9))})
    assert [run.next_request(random.Random(0))[1] for _ in range(2)] == ["/v1/payments/1/cancel",
                                                                         "/v1/payments/2/cancel"]
    assert run.measuring
    run = Run({"scenario": "cancel", "payment_ids": list(range(1, 9))})
    run.next_request(random.Random(0))
    assert not run.measuring


def test_the_recorder_counts_statements_and_only_the_commits_sent():
    engine = create_engine("sqlite://")
    table = Table("t", MetaData(), Column("x", Integer))
    recorder = Recorder()
    recorder.listen(engine)
    with engine.begin() as conn:   # before recording: neither counted
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    with recorder.recording() as statements:
        with engine.connect() as conn:
            conn.commit()                                     # nothing open: no COMMIT sent
            conn.execute(text("INSERT INTO t VALUES (1)"))
            conn.execute(text("INSERT INTO t VALUES (2)"))
            conn.commit()
        with engine.begin() as conn:
            conn.execute(text("UPDATE t SET x = x + :d"), [{"d": 1}, {"d": 2}, {"d": 3}])   # an executemany
            # "insertmanyvalues": one multi-row INSERT, which SQLAlchemy also reports as an executemany
            conn.execute(insert(table).returning(table.c.x), [{"x": 7}, {"x": 8}, {"x": 9}])
    shapes = [normalize(s) for s, _ in statements]
    assert shapes[:3] == ["INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (2)", "UPDATE t SET x = x + ?"]
    assert len(shapes) == 4 and shapes[3].startswith("INSERT INTO t (x) VALUES (?), (?), (?)")
    assert recorder.executions == 6 and recorder.commits == 2


class _Cursor:
    def __init__(self, row: dict | None) -> None:
        self.row = row

    async def fetchone(self) -> dict | None:
        return self.row


class _Connection:
    """Stands in for a pooled psycopg connection: records statements, transactions and commits."""

    def __init__(self, log: list[str], rows: dict[str, dict | None]) -> None:
        self.log, self.rows = log, rows

    async def execute(self, statement: str, params: dict) -> _Cursor:
        self.log.append(statement.split(" ", 2)[0] + " " + statement.split(" ", 2)[1])
        return _Cursor(self.rows.get(statement))

    @asynccontextmanager
    async def transaction(self):  # noqa: ANN201
        self.log.append("BEGIN")
        yield
        self.log.append("COMMIT")


class _Pool:
    def __init__(self, conn: _Connection) -> None:
        self.conn = conn

    @asynccontextmanager
    async def connection(self):  # noqa: ANN201
        yield self.conn


def _fixed_app(rows: dict[str, dict | None]) -> tuple[TestClient, list[str]]:
    app, log = FastAPI(), []
    fixed_floor.add_fixed_routes(app)
    app.state.pool = _Pool(_Connection(log, rows))
    return TestClient(app), log


def test_the_tpcb_floor_sends_pgbenchs_five_statements_in_one_transaction():
    client, log = _fixed_app({fixed_floor.TPCB[1]: {"abalance": -42}})
    response = client.post("/fixed/tpcb", json={"aid": 7, "bid": 1, "tid": 3, "delta": -42})
    assert response.status_code == 200 and response.json() == {"aid": 7, "abalance": -42}
    assert log == ["BEGIN", "UPDATE pgbench_accounts", "SELECT abalance", "UPDATE pgbench_tellers",
                   "UPDATE pgbench_branches", "INSERT INTO", "COMMIT"]


def test_the_one_row_floor_reads_one_payment_and_renders_exact_money():
    row = {"id": 9, "number": "PAY-0000009", "customer_id": 2, "currency": "BHD", "amount_minor": 10005,
           "status": "POSTED"}
    client, log = _fixed_app({fixed_floor.PAYMENT: row})
    response = client.get("/fixed/payments/9")
    assert response.status_code == 200 and log == ["SELECT id,"]
    assert response.json() == {"id": 9, "number": "PAY-0000009", "customerId": 2, "currency": "BHD",
                               "amount": "10.005", "status": "POSTED"}
    client, _ = _fixed_app({})
    assert client.get("/fixed/payments/10").status_code == 404


def _result(measurements: dict, sql_check: dict, growth: dict, fixed: dict | None = None) -> dict:
    return {"date": "2026-11-23", "scale": 0.01, "git_commit": "abc", "git_dirty": False,
            "seed": {"customers": 100, "invoices": 10000, "payments": 10000, "seconds": 3},
            "settings": {"workers": 2, "concurrency": 8, "duration": 10, "warmup": 2},
            "machine": {"cores": 2, "cpu": "x", "postgres": "15", "python": "3.11", "load_before": [0.1],
                        "load_after": [0.2]},
            "measurements": measurements, "fixed_floors": fixed or {}, "tpcb": {"scale": 8},
            "sql_check": sql_check, "fixed_check": {}, "verify": "verify: 0 mismatch(es)", "growth": growth}


def test_ratios_are_against_the_same_sql_floor_the_fixed_floor_and_pgbench():
    measured = {key: {"ledgerline": {"requests_per_s": 50.0}, "floor_app": {"requests_per_s": 100.0}}
                for key, *_ in ENDPOINTS}
    measured["post"]["pgbench"] = {"requests_per_s": 200.0}
    fixed = {"fixed_get": {"floor_app": {"requests_per_s": 500.0}},
             "fixed_tpcb": {"floor_app": {"requests_per_s": 400.0}, "pgbench": {"requests_per_s": 1600.0}}}
    measured, fixed = compute_ratios(measured, fixed)
    assert measured["get"]["ratio_floor_app"] == 0.5 and measured["get"]["ratio_fixed_floor"] == 0.1
    assert measured["post"]["ratio_fixed_floor"] == 0.12 and measured["post"]["ratio_pgbench"] == 0.25
    assert measured["list"]["ratio_fixed_floor"] is None and measured["cancel"]["ratio_pgbench"] is None
    assert fixed["fixed_tpcb"]["floor_app_over_pgbench"] == 0.25


def test_every_target_is_reported_with_whether_it_is_met():
    measured = {key: {"ratio_floor_app": 0.7, "ratio_fixed_floor": 0.2} for key, *_ in ENDPOINTS}
    sql_check = {"post": {"statements": 10, "commits": 2}, "cancel": {"statements": 13, "commits": 1}}
    growth = {"get": {"label": "get", "ratio": 1.5}, "credit": {"label": "credit", "ratio": 1.51}}
    met = {t["key"]: t["met"] for t in target_rows(_result(measured, sql_check, growth))}
    assert met == {"get_floor_app": True, "get_fixed": False, "list_floor_app": True, "credit_floor_app": True,
                   "post_statements": True, "post_commits": False, "post_floor_app": True, "post_fixed": True,
                   "cancel_statements": False, "cancel_floor_app": True, "growth_get": True, "growth_credit": False}
    unmeasured = target_rows(_result({}, {}, {}))
    assert all(t["met"] is None for t in unmeasured) and unmeasured[-1]["key"] == "growth"


def test_the_report_gives_each_ratio_and_whether_its_target_is_met():
    run = {"requests_per_s": 70.0, "p50_ms": 10.0, "p99_ms": 30.0}
    floor = {"requests_per_s": 100.0, "p50_ms": 7.0, "p99_ms": 20.0}
    measurements = {key: {"ledgerline": run, "floor_app": floor, "ratio_floor_app": ratio(70.0, 100.0)}
                    for key, *_ in ENDPOINTS}
    fixed = {"fixed_tpcb": {"floor_app": {"requests_per_s": 400.0}, "pgbench": {"requests_per_s": 1600.0},
                            "floor_app_over_pgbench": 0.25}}
    growth = {"get": {"label": "get", "small": "s", "large": "l", "small_p50_ms": 2.0, "large_p50_ms": 4.0,
                      "ratio": 2.0}}
    report = markdown(_result(measurements, {"post": {"statements": 9, "commits": 1, "same_sql": True,
                                                      "same_json": True}}, growth, fixed))
    assert "| `GET /v1/payments/{id}` / same-SQL floor app | 0.7 | >= 0.7 | yes |" in report
    assert "| `POST /v1/customer-payments` (5 invoices): statements | 9 | <= 10 | yes |" in report
    assert "| `POST /v1/customer-payments` / fixed TPC-B-like HTTP floor | — | >= 0.2 | not measured |" in report
    assert f"| {FIXED[1][1]} | 400.0 |" in report and "| 1600.0 |" in report and "| 0.25 |" in report
    assert "| 2.0 | <= 1.5 | **no** |" in report
    assert "| growth, get: p50 large / small | 2.0 | <= 1.5 | **no** |" in report
    assert "post ok (9 statement(s), 1 COMMIT(s))" in report


# --- the same-SQL floor follows floor_sql.SEQUENCES ------------------------------------------------------

def _family(name: str) -> str:
    return family(normalize(getattr(floor_sql, name)))


class _Rows:
    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    async def fetchone(self) -> dict | None:
        return self.rows[0] if self.rows else None

    async def fetchall(self) -> list[dict]:
        return self.rows


class _FloorConnection:
    """Stands in for the floor app's pooled connection: answers each statement by its family, keeps what
    was sent."""

    def __init__(self, answers: dict[str, list[dict]]) -> None:
        self.answers = {_family(name): rows for name, rows in answers.items()}
        self.sent: dict[str, dict] = {}

    async def execute(self, statement: str, params: dict | None = None) -> _Rows:
        self.sent[family(normalize(statement))] = params or {}
        return _Rows(self.answers.get(family(normalize(statement)), []))

    @asynccontextmanager
    async def transaction(self):  # noqa: ANN201
        yield


def _floor_app(monkeypatch, answers: dict[str, list[dict]],
               numbers: dict[str, int] | None = None) -> tuple[TestClient, _FloorConnection]:
    """The floor app on a stand-in connection; ``numbers``: the next number of each kind in the block the
    process holds (a warm process: no number taken), else none held."""
    tenant = uuid.uuid4()
    monkeypatch.setenv("FLOOR_DATABASE_URL", "postgresql://nowhere/none")
    monkeypatch.setenv("FLOOR_TENANT", str(tenant))
    monkeypatch.setattr(floor_app, "RECORDED", [])
    monkeypatch.setattr(floor_app, "_BLOCKS", {(tenant, kind): (n, n + 9) for kind, n in (numbers or {}).items()})
    app, conn = floor_app.create_app(), _FloorConnection(answers)
    app.state.pool = _Pool(conn)   # the client is not entered: no lifespan, no real pool
    app.state.context = floor_app.Context()
    app.state.context.version, app.state.context.default_types = 1, {"PAYMENT": 11, "PAYMENT_CANCELLATION": 12}
    return TestClient(app), conn


_CUSTOMER = {"id": 7, "currency": "GBP", "credit_minor": 0, "settings_version": 1}


def test_the_floor_app_posts_a_payment_with_the_statements_ledgerline_sends(monkeypatch):
    invoices = [{"id": 100 + k, "number": f"INV-{k}", "total_minor": 1000, "outstanding_minor": 1000}
                for k in range(6)]
    client, conn = _floor_app(monkeypatch, {
        "LOCK_CUSTOMER": [_CUSTOMER], "LOCK_OPEN_INVOICES": invoices,
        "RESERVE_PAYMENT_AND_CREDIT_IDS": [{"payments": [500], "credits": list(range(900, 906))}]},
        numbers={"payment": 42})
    response = client.post("/v1/customer-payments", json={"customerId": 7, "amountInMajorCurrency": 50.00,
                                                         "type": "CREDIT_CARD", "reference": "r"})
    assert response.status_code == 201
    assert [family(shape) for shape in floor_app.RECORDED] == [_family(n) for n in floor_sql.SEQUENCES["post"]]
    answer = json.loads(response.content, parse_float=Decimal)
    assert (answer["id"], answer["invoiceId"], answer["invoiceNumber"]) == (500, 100, "INV-0")
    assert answer["resultingCustomerBalance"] == Decimal("-10.00")   # the sixth invoice is still owed
    sent = lambda name: conn.sent[_family(name)]  # noqa: E731
    assert sent("INSERT_PAYMENTS")["id_m0"] == 500 and sent("INSERT_PAYMENTS")["number_m0"] == "PAY-0000042"
    assert sent("INSERT_PAYMENTS")["status_m0"] == "POSTED" and sent("INSERT_PAYMENTS")["type_id_m0"] == 11
    credits = sent("INSERT_CREDITS")
    assert [credits[f"parent_id_m{n}"] for n in range(6)] == [None] + [900] * 5
    assert [credits[f"type_m{n}"] for n in range(6)] == ["payment"] + ["subpayment"] * 5
    assert [sent("INSERT_CREDIT_TARGETS")[f"credit_id_m{n}"] for n in range(5)] == list(range(901, 906))
    assert [sent("INSERT_JOURNAL_ENTRIES")[f"kind_m{n}"] for n in range(6)] == ["PAYMENT_POSTED"] + ["ALLOCATION"] * 5
    assert floor_sql.table_params([(100 + k, 0, "PAID") for k in range(5)]).items() <= sent("UPDATE_INVOICES").items()


def test_the_floor_app_cancels_with_the_statements_ledgerline_sends_and_answers_from_what_it_wrote(monkeypatch):
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)
    payment = {**dict.fromkeys(floor_app.UDF), "id": 500, "locator": "L", "uuid": uuid.uuid4(), "number": "PAY-1",
               "customer_id": 7, "currency": "GBP", "amount_minor": 5000, "unallocated_minor": 0, "refunded_minor": 0,
               "status": "POSTED", "payment_method": "CREDIT_CARD", "type_id": 11, "category_id": None,
               "tenders": [{"method": "CREDIT_CARD", "amountMinor": 5000}], "reference_number": None,
               "back_office_code": None, "received_on": now.date(), "issued_on": now.date(), "posted_on": now.date(),
               "notes": None, "rejection_reason": None, "rejection_reason_id": None, "received_by_user": None,
               "received_by_unit": None, "invoices_to_pay": [], "bills_to_pay": [], "custom_attributes": [],
               "third_party_status": None, "version": 1, "created_by": "bench", "updated_by": "bench",
               "created_at": now, "updated_at": now}
    client, conn = _floor_app(monkeypatch, {
        "LOCK_CUSTOMER_OF_PAYMENT": [_CUSTOMER], "PAYMENT_FOR_UPDATE": [payment],
        "LIVE_PARTS": [{"part": "a", "id": 60 + k, "invoice_id": 100 + k, "amount_minor": 1000} for k in range(5)],
        "LOCK_INVOICES": [{"id": 100 + k, "total_minor": 1000, "outstanding_minor": 0} for k in range(5)],
        "INSERT_CANCELLATION": [{"id": 77}]}, numbers={"payment_cancellation": 3})
    response = client.post("/v1/payments/500/cancel")
    assert response.status_code == 200
    assert [family(shape) for shape in floor_app.RECORDED] == [_family(n) for n in floor_sql.SEQUENCES["cancel"]]
    answer = response.json()
    assert (answer["status"], answer["version"], answer["allocations"]) == ("CANCELLED", 2, [])
    assert (answer["cancellation"]["id"], answer["cancellation"]["number"]) == (77, "PCN-0000003")
    assert [conn.sent[_family("REVERSE_ALLOCATIONS")][f"id_1_{k}"] for k in range(1, 6)] == [60, 61, 62, 63, 64]
    journal = conn.sent[_family("INSERT_JOURNAL_ENTRIES")]
    assert [journal[f"kind_m{n}"] for n in range(6)] == ["ALLOCATION_REVERSED"] * 5 + ["PAYMENT_CANCELLED"]
    assert journal["balance_delta_m5"] == -5000
    changes = floor_sql.table_params([(100 + k, 1000, "UNPAID") for k in range(5)])
    assert changes.items() <= conn.sent[_family("UPDATE_INVOICES")].items()


def _constant_of(line: str) -> list[str]:
    """The floor_sql constants a pgbench line may have been rendered from (each parameter any value)."""
    names = {"NEXT_NUMBER"} | {name for sequence in floor_sql.SEQUENCES.values() for name in sequence}
    found = []
    for name in sorted(names):
        pattern = re.escape(" ".join(getattr(floor_sql, name).split()) + ";")
        pattern = re.sub(r"%\\\(\w+\\\)s", "[^;]+?", pattern)
        if re.fullmatch(pattern, re.sub(r" \\gset( \w+)?$", ";", line)):   # a \gset line keeps its row
            found.append(name)
    return found


@pytest.mark.parametrize("key, script", [("post", customer_payment_script), ("cancel", cancel_script)])
def test_the_pgbench_scripts_send_the_sequence_the_number_first(key, script):
    lines = [line for line in script(block=50).splitlines()
             if not line.startswith("\\") and line not in ("BEGIN;", "COMMIT;") and CANCEL_PLAN not in line]
    sent = [_constant_of(line) for line in lines]
    assert all(len(names) == 1 for names in sent), list(zip(lines, sent))
    expected = floor_sql.SEQUENCES[key]
    assert [names[0] for names in sent] == ["NEXT_NUMBER"] + expected


def test_show_sql_narrows_a_captured_statement_back_to_its_constant():
    for statement, widened in ((floor_sql.INSERT_CREDITS, floor_sql.multi_values(floor_sql.INSERT_CREDITS, 6)),
                               (floor_sql.UPDATE_INVOICES, floor_sql.values_table(floor_sql.UPDATE_INVOICES, 5)),
                               (floor_sql.LOCK_INVOICES, floor_sql.in_list(floor_sql.LOCK_INVOICES, "id_1", 5)),
                               (floor_sql.LOCK_CUSTOMER, floor_sql.LOCK_CUSTOMER)):
        assert narrow(widened) == statement
        assert family(normalize(widened)) == family(normalize(statement))
    assert family(normalize(floor_sql.LOCK_INVOICES)) != family(normalize(floor_sql.LOCK_OPEN_INVOICES))
    assert constants()[family(normalize(floor_sql.values_table(floor_sql.UPDATE_INVOICES, 2)))] == "UPDATE_INVOICES"


def test_the_floor_app_takes_numbers_in_blocks_as_ledgerline_does(monkeypatch):
    invoices = [{"id": 100 + k, "number": f"INV-{k}", "total_minor": 1000, "outstanding_minor": 1000}
                for k in range(10)]
    client, conn = _floor_app(monkeypatch, {
        "LOCK_CUSTOMER": [_CUSTOMER], "NEXT_NUMBER": [{"last_value": 30}], "LOCK_OPEN_INVOICES": invoices,
        "RESERVE_PAYMENT_AND_CREDIT_IDS": [{"payments": [500], "credits": list(range(900, 906))}]})
    monkeypatch.setattr(floor_app, "NUMBER_BLOCK_SIZE", 3)
    numbers = []
    for _ in range(4):
        client.post("/v1/customer-payments", json={"customerId": 7, "amountInMajorCurrency": 50.00,
                                                  "type": "CREDIT_CARD"})
        numbers.append(conn.sent[_family("INSERT_PAYMENTS")]["number_m0"])
    assert numbers == ["PAY-0000028", "PAY-0000029", "PAY-0000030", "PAY-0000028"]   # the fake counter stays at 30
    shapes = [family(shape) for shape in floor_app.RECORDED]
    assert shapes.count(_family("NEXT_NUMBER")) == 2   # the first request of the process, and the fourth
    assert shapes[:3] == [_family("LOCK_CUSTOMER"), _family("NEXT_NUMBER"), _family("LOCK_OPEN_INVOICES")]
    assert conn.sent[_family("NEXT_NUMBER")]["last_value"] == 3


def test_a_pgbench_client_takes_a_block_of_numbers_every_block_transactions():
    post = customer_payment_script(block=50).splitlines()
    take = next(n for n, line in enumerate(post) if line.startswith("INSERT INTO number_sequences"))
    assert post[take - 1:take + 3:2] == ["\\if (:i - 1) % 50 = 0", "\\endif"]
    assert "50::BIGINT" in post[take] and post[take + 2] == "\\set number :last_value - 50 + 1 + (:i - 1) % 50"
    one = cancel_script(block=1).splitlines()
    take = next(n for n, line in enumerate(one) if line.startswith("INSERT INTO number_sequences"))
    assert "\\if" not in "".join(one) and one[take + 1] == "\\set number :last_value"
    assert "'PCN-' || lpad(:number::text, 7, '0')" in "".join(one)


def test_the_outbox_insert_widens_as_sqlalchemy_writes_it_and_narrows_to_one_family():
    from sqlalchemy.dialects.postgresql import psycopg as pg

    from ledgerline.events.repository import EVENTS, _next_sequence
    tenant, now = uuid.uuid4(), dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    rows = [{"tenant_id": tenant, "type": "invoice.paid", "customer_id": 7, "sequence": _next_sequence(tenant, 7, k + 1),
             "data": "{}", "created_at": now} for k in range(4)]
    compiled = insert(EVENTS).values(rows).compile(dialect=pg.dialect())
    widened = floor_sql.events_rows(floor_sql.INSERT_EVENTS, 4)
    assert " ".join(widened.split()) == " ".join(str(compiled).split())          # names and labels too
    assert family(normalize(widened)) == family(normalize(floor_sql.INSERT_EVENTS))
    assert constants()[family(normalize(str(compiled)))] == "INSERT_EVENTS"
    params = floor_sql.events_params([{k: row[k] for k in ("tenant_id", "type", "customer_id", "data", "created_at")}
                                      for row in rows])
    assert set(params) == set(compiled.params)
    assert all(params[name] == compiled.params[name] for name in compiled.params
               if name.startswith(("coalesce_", "customer_id_", "type_")))   # the sequence offsets 1, 2, 3, 4 too


def test_the_floor_app_answers_credit_status_as_ledgerline_does(monkeypatch):
    figures = [{"customer_id": 1, "name": "Acme", "currency": "GBP", "threshold_minor": 30000, "debt_minor": 10000,
                "open_bill_run_value_minor": 0},
               {"customer_id": 2, "name": "Zero", "currency": "GBP", "threshold_minor": 0, "debt_minor": 500,
                "open_bill_run_value_minor": 0}]
    client, _ = _floor_app(monkeypatch, {"COUNT_CUSTOMERS": [{"count_1": 2}], "PAGE_CREDIT_FIGURES": figures})
    response = client.get("/v1/customer-credit-status")
    assert response.status_code == 200 and response.headers["x-total-count"] == "2"
    first, second = json.loads(response.content, parse_float=Decimal)
    assert (first["id"], first["name"], first["percentageDifference"]) == (1, "Acme", Decimal("33.33"))
    assert second["percentageDifference"] == Decimal("0.00")   # a zero threshold: 0, as balances.service says
    assert [family(shape) for shape in floor_app.RECORDED] == [_family(n) for n in floor_sql.SEQUENCES["credit"]]
