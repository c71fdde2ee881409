"""The bench's own logic, without a database (bench/README.md): seeded money adds up, the floors'
statements are complete, the report computes its ratios. ``make bench`` itself never runs here."""

from __future__ import annotations

import uuid

import pytest

from bench import floor_sql, seed
from bench.pgbench_floor import cancel_script, customer_payment_script, render
from bench.run import ENDPOINTS, markdown, ratio, same_statements
from bench.sqlcapture import normalize


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
    assert post.count("UPDATE invoices SET") == 5 and cancel.count("UPDATE payment_allocations SET") == 5
    assert post.count("INSERT INTO credits") == 2 and post.count("INSERT INTO credit_targets") == 1
    assert cancel.count("UPDATE credits SET") == 1
    with pytest.raises(KeyError):
        render(floor_sql.CUSTOMER, {"tenant_id_1": ":tenant"})


def test_widened_statements_have_the_shape_sqlalchemy_sends():
    three = floor_sql.values_rows(floor_sql.INSERT_ALLOCATIONS, 3)
    assert "%(invoice_id__2)s::BIGINT" in three and three.count("TIME ZONE, 2)") == 1
    assert normalize(floor_sql.in_list(floor_sql.INVOICES_FOR_UPDATE, "id_1", 2)).count("?::BIGINT, ?::BIGINT)") == 1


def test_the_report_gives_each_ratio_and_whether_its_target_is_met():
    run = {"requests_per_s": 70.0, "p50_ms": 10.0, "p99_ms": 30.0}
    floor = {"requests_per_s": 100.0, "p50_ms": 7.0, "p99_ms": 20.0}
    measurements = {key: {"ledgerline": run, "floor_app": floor, "ratio_floor_app": ratio(70.0, 100.0)}
                    for key, *_ in ENDPOINTS}
    result = {"date": "2026-11-23", "scale": 0.01, "git_commit": "abc", "git_dirty": False,
              "seed": {"customers": 100, "invoices": 10000, "payments": 10000, "seconds": 3},
              "settings": {"workers": 2, "concurrency": 8, "duration": 10, "warmup": 2},
              "machine": {"cores": 2, "cpu": "x", "postgres": "15", "python": "3.11", "load_before": [0.1],
                          "load_after": [0.2]},
              "measurements": measurements, "sql_check": {}, "verify": "verify: 0 mismatch(es)",
              "growth": {"get": {"label": "get", "small": "s", "large": "l", "small_p50_ms": 2.0,
                                 "large_p50_ms": 4.0, "ratio": 2.0}}}
    report = markdown(result)
    assert "| 0.7 |" in report and ">= 0.7 of floor app | yes |" in report
    assert ">= 0.5 of floor app | yes |" in report and "| 2.0 | <= 1.5 | **no** |" in report
