"""The crash test's checks (crash/invariants.py) on a small ledger: they pass on what the services
write, and each names the half-applied write a crash could leave behind."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest
from sqlalchemy import Uuid, bindparam, text

from ledgerline import events
from ledgerline.customers.service import create_customer
from ledgerline.invoices.service import create_invoice
from ledgerline.ledger.service import verify
from ledgerline.models.enums import InvoiceStatus, PaymentMethod, PaymentStatus
from tests import payment_calls as service


def _load_invariants():
    path = Path(__file__).resolve().parents[2] / "crash" / "invariants.py"
    spec = importlib.util.spec_from_file_location("crash_invariants", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


invariants = _load_invariants()
Write = invariants.Write


@pytest.fixture
def ledger(session, tenant_id):
    """Two invoices, a posted payment, a posted-then-cancelled one, a draft, keys in their notes."""
    customer = create_customer(session, tenant_id=tenant_id, name="Crash", currency="GBP")
    invoices = [create_invoice(session, tenant_id=tenant_id, customer_id=customer.id, total_minor=minor,
                               issue_date=dt.date(2026, 1, day), status=InvoiceStatus.POSTED,
                               reference_number=f"k-inv-{day}")
                for day, minor in ((1, 3000), (2, 2000))]

    def pay(minor: int, key: str, status: PaymentStatus = PaymentStatus.POSTED):
        return service.create_payment(session, tenant_id=tenant_id, customer_id=customer.id, amount_minor=minor,
                                      payment_method=PaymentMethod.CHEQUE, status=status, notes=key)

    posted = pay(4000, "k-pay-1")
    cancelled = pay(1500, "k-pay-2")
    service.cancel_payment(session, tenant_id=tenant_id, payment_id=cancelled.id, notes="k-cancel-2")
    draft = pay(700, "k-pay-3", PaymentStatus.DRAFT)
    session.flush()
    events.flush(session)  # the outbox rows a commit would write
    return {"invoices": invoices, "posted": posted, "cancelled": cancelled, "draft": draft}


def failing(session, tenant_id) -> set[str]:
    return {check.name for check in invariants.run_checks(session.connection(), tenant_id) if not check.passed}


def test_what_the_services_write_passes_every_check(session, tenant_id, ledger):
    results = invariants.run_checks(session.connection(), tenant_id)
    assert len(results) == len(invariants.CHECKS) + len(invariants.OUTBOX_CHECKS)
    assert [check for check in results if not check.passed] == []
    assert verify(session, tenant_id) == []


CORRUPTIONS = {
    "payment without its allocations": (
        "DELETE FROM payment_allocations WHERE payment_id = :posted",
        {"posted payment = live allocations + credit", "allocations match ALLOCATION entries",
         "invoice outstanding = total - live allocations"}),
    "allocations without their journal entries": (
        "DELETE FROM journal_entries WHERE payment_id = :posted AND kind = 'ALLOCATION'",
        {"allocations match ALLOCATION entries"}),
    "payment without its PAYMENT_POSTED entry": (
        "DELETE FROM journal_entries WHERE payment_id = :posted AND kind = 'PAYMENT_POSTED'",
        {"posted payment has its PAYMENT_POSTED entry"}),
    "cancellation without its reversal entries": (
        "DELETE FROM journal_entries WHERE payment_id = :cancelled AND kind IN ('ALLOCATION_REVERSED', "
        "'PAYMENT_CANCELLED')",
        {"cancelled payment is fully reversed", "allocations match ALLOCATION entries"}),
    "cancelled payment with a live allocation": (
        "UPDATE payment_allocations SET reversed_at = NULL WHERE payment_id = :cancelled",
        {"cancelled payment is fully reversed", "allocations match ALLOCATION entries",
         "invoice outstanding = total - live allocations"}),
    "cancellation row on a payment left POSTED": (
        "UPDATE payments SET status = 'POSTED' WHERE id = :cancelled",
        {"live payment has no cancellation", "posted payment = live allocations + credit",
         "payment events once per change"}),
    "draft payment with an allocation": (
        "INSERT INTO payment_allocations (tenant_id, payment_id, invoice_id, amount_minor, refunded_minor, created_at) "
        "SELECT tenant_id, :draft, :invoice, 100, 0, created_at FROM payments WHERE id = :draft",
        {"unposted payment moved no money", "allocation has its payment", "allocations match ALLOCATION entries",
         "invoice outstanding = total - live allocations"}),
    "posted invoice without its journal entry": (
        "DELETE FROM journal_entries WHERE invoice_id = :invoice AND kind = 'INVOICE_POSTED'",
        {"posted invoice has its INVOICE_POSTED entry"}),
    "payment posted without its event": (
        "DELETE FROM events WHERE id = (SELECT min(e.id) FROM events e JOIN payments p ON p.tenant_id = e.tenant_id "
        "AND p.customer_id = e.customer_id WHERE e.type = 'payment.posted' AND p.id = :posted)",
        {"payment events once per change", "customer events numbered without gaps"}),
    "payment cancelled twice in the outbox": (
        "INSERT INTO events (tenant_id, type, customer_id, sequence, data, created_at) "
        "SELECT e.tenant_id, e.type, e.customer_id, e.sequence + 100, e.data, e.created_at FROM events e "
        "JOIN payments p ON p.tenant_id = e.tenant_id AND p.customer_id = e.customer_id "
        "WHERE e.type = 'payment.cancelled' AND p.id = :cancelled",
        {"payment events once per change", "customer events numbered without gaps"}),
    "customer credit not moved": (
        "UPDATE customers SET credit_minor = credit_minor + 1 WHERE id = (SELECT customer_id FROM payments "
        "WHERE id = :posted)",
        {"customer credit = credit of its payments"}),
}


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_each_half_applied_write_is_named(session, tenant_id, ledger, corruption):
    statement, expected = CORRUPTIONS[corruption]
    ids = {"posted": ledger["posted"].id, "cancelled": ledger["cancelled"].id, "draft": ledger["draft"].id,
           "invoice": ledger["invoices"][0].id}
    session.execute(text(statement), {name: value for name, value in ids.items() if f":{name}" in statement})
    assert failing(session, tenant_id) == expected


def test_keys_are_found_where_the_writes_put_them(session, tenant_id, ledger):
    applied = invariants.applied_by_key(session.connection(), tenant_id, "k-")
    assert applied == {
        ("payment", "k-pay-1"): [ledger["posted"].id], ("payment", "k-pay-2"): [ledger["cancelled"].id],
        ("payment", "k-pay-3"): [ledger["draft"].id], ("cancellation", "k-cancel-2"): [ledger["cancelled"].id],
        ("invoice", "k-inv-1"): [ledger["invoices"][0].id], ("invoice", "k-inv-2"): [ledger["invoices"][1].id]}


def test_a_reservation_without_an_answer_is_an_orphan(session, tenant_id):
    now = dt.datetime.now(dt.timezone.utc)
    insert = text("INSERT INTO idempotency_keys (tenant_id, key, request_hash, response_status, locked_at, "
                  "expires_at) VALUES (:tenant, :key, 'h', :status, :now, :now)").bindparams(
        bindparam("tenant", type_=Uuid()))
    session.execute(insert, {"tenant": tenant_id, "key": "k-open", "status": None, "now": now})
    session.execute(insert, {"tenant": tenant_id, "key": "k-done", "status": 201, "now": now})
    assert invariants.orphaned_reservations(session.connection(), tenant_id, "k-") == ["k-open"]


def write(key: str, status: int | None, resource_id: int | None = None, **extra) -> Write:
    return Write(key, invariants.PAYMENT, "POST", "/v1/payments", "{}", status=status, resource_id=resource_id,
                 **extra)


def test_judge_accepts_writes_applied_as_answered():
    writes = [write("a", 201, 1), write("b", 409, detail="nothing outstanding"),
              write("c", None, detail="ReadError", retries=1, final_status=201, final_id=3, replayed=True),
              write("d", None, retries=2, final_status=409, final_detail="nothing to pay"),
              write("e", 201, 5, replay_status=201, replay_id=5, replay_was_replayed=True)]
    applied = {("payment", "a"): [1], ("payment", "c"): [3], ("payment", "e"): [5]}
    assert invariants.judge_writes(writes, applied) == []


@pytest.mark.parametrize("writes, applied, orphans, expected", [
    ([write("a", 201, 1)], {("payment", "a"): [1, 2]}, [], "applied 2 times"),
    ([write("a", 201, 1)], {}, [], "database holds nothing"),
    ([write("a", 201, 1)], {("payment", "a"): [2]}, [], "database holds [2]"),
    ([write("a", 400, detail="bad")], {("payment", "a"): [4]}, [], "answered 400, yet applied"),
    ([write("a", None, retries=3, final_status=409, final_detail="still in progress")], {}, [],
     "no definite answer"),
    ([write("a", 503)], {}, [], "no definite answer"),
    ([write("a", 409, detail="this Idempotency-Key was released concurrently; retry the request")], {}, [],
     "no definite answer"),
    ([write("a", None, retries=1, final_status=201, final_id=7)], {}, [], "answered 201 with id 7"),
    ([write("a", 201, 1, replay_status=201, replay_id=9, replay_was_replayed=False)], {("payment", "a"): [1]}, [],
     "sent again it was answered 201 with id 9, not replayed"),
    ([], {}, ["a"], "a: still reserved"),
])
def test_judge_names_each_violation(writes, applied, orphans, expected):
    violations = invariants.judge_writes(writes, applied, orphans)
    assert any(expected in violation for violation in violations), violations
