"""What must hold after any crash: no money movement half-applied, no write applied twice.

Two kinds of check, both plain SQL that runs on PostgreSQL and SQLite:

- ``run_checks``: the ledger's invariants, tenant by tenant. Each check is a query returning the
  rows that break it, so a crash that interrupted a write part-way (a payment without its
  allocations or journal entries, an allocation without its payment, a cancellation without its
  reversal entries) shows up as offending rows. ``ledgerline verify`` is the other half: stored
  balances and outstanding amounts against the journal.
- ``applied_by_key`` and ``judge_writes``: every write the crash test sends carries its
  ``Idempotency-Key`` in a column of what it creates (a payment's ``notes``, a cancellation's
  ``notes``, an invoice's ``referenceNumber``), so SQL finds how many times each was applied,
  and ``judge_writes`` compares that with what the client was told.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Uuid, bindparam, text
from sqlalchemy.engine import Connection

# A posted payment is POSTED, or CANCELLED after posting (posted_on is set when it is posted; a
# collection cancelled while PENDING_VERIFICATION never moved money).
_WAS_POSTED = "(p.status = 'POSTED' OR (p.status = 'CANCELLED' AND p.posted_on IS NOT NULL))"

# providers/planning.py: the collection statuses, as SQL lists.
_OPEN = ("'NEW', 'CREATED', 'PENDING_CUSTOMER_APPROVAL', 'PENDING_SUBMISSION', 'SUBMITTED', "
         "'CUSTOMER_APPROVAL_GRANTED', 'FAILED_RETRYING', 'RESUBMISSION_REQUESTED'")
_FAILED = ("'FAILED', 'CUSTOMER_APPROVAL_DENIED', 'UNSUPPORTED_PAYMENT_TYPE', 'UNAUTHORISED_PAYMENT_TYPE', "
           "'CUSTOMER_APPROVAL_MISSING'")

CHECKS: dict[str, str] = {
    # Every posted payment has exactly one PAYMENT_POSTED entry for its whole amount.
    "posted payment has its PAYMENT_POSTED entry": f"""
        SELECT p.id, p.status, count(j.id) AS entries
        FROM payments p
        LEFT JOIN journal_entries j ON j.tenant_id = p.tenant_id AND j.payment_id = p.id
             AND j.kind = 'PAYMENT_POSTED' AND j.balance_delta = p.amount_minor AND j.credit_delta = p.amount_minor
        WHERE p.tenant_id = :tenant AND {_WAS_POSTED}
        GROUP BY p.id, p.status
        HAVING count(j.id) <> 1""",
    # A payment that never posted has moved no money at all.
    "unposted payment moved no money": f"""
        SELECT p.id, p.status FROM payments p
        WHERE p.tenant_id = :tenant AND NOT {_WAS_POSTED} AND (
              EXISTS (SELECT 1 FROM journal_entries j WHERE j.tenant_id = p.tenant_id AND j.payment_id = p.id)
           OR EXISTS (SELECT 1 FROM payment_allocations a WHERE a.tenant_id = p.tenant_id AND a.payment_id = p.id)
           OR EXISTS (SELECT 1 FROM payment_cancellations c WHERE c.tenant_id = p.tenant_id AND c.payment_id = p.id)
           OR EXISTS (SELECT 1 FROM credits c WHERE c.tenant_id = p.tenant_id AND c.payment_id = p.id))""",
    # A posted payment's amount is exactly its live allocations plus its customer credit plus what refunds
    # took from that credit (refunds on invoices leave the allocations whole).
    "posted payment = live allocations + credit": """
        SELECT p.id, p.amount_minor, p.unallocated_minor, coalesce(sum(a.amount_minor), 0) AS allocated
        FROM payments p
        LEFT JOIN payment_allocations a ON a.tenant_id = p.tenant_id AND a.payment_id = p.id AND a.reversed_at IS NULL
        WHERE p.tenant_id = :tenant AND p.status = 'POSTED'
        GROUP BY p.id, p.amount_minor, p.unallocated_minor, p.refunded_minor
        HAVING p.amount_minor <> p.unallocated_minor + coalesce(sum(a.amount_minor), 0)
                                 + p.refunded_minor - coalesce(sum(a.refunded_minor), 0)""",
    # A cancelled payment has one cancellation and one PAYMENT_CANCELLED entry for its amount, and
    # nothing of it is left live: no allocation, no credit, no shortfall write-off.
    "cancelled payment is fully reversed": f"""
        SELECT * FROM (
            SELECT p.id, p.unallocated_minor,
                   (SELECT count(*) FROM payment_cancellations c WHERE c.tenant_id = p.tenant_id
                        AND c.payment_id = p.id AND c.amount_minor = p.amount_minor) AS cancellations,
                   (SELECT count(*) FROM journal_entries j WHERE j.tenant_id = p.tenant_id AND j.payment_id = p.id
                        AND j.kind = 'PAYMENT_CANCELLED' AND j.balance_delta = -p.amount_minor
                        AND j.credit_delta = -p.amount_minor) AS cancel_entries,
                   (SELECT count(*) FROM payment_allocations a WHERE a.tenant_id = p.tenant_id
                        AND a.payment_id = p.id AND a.reversed_at IS NULL) AS live_allocations,
                   (SELECT count(*) FROM credits c WHERE c.tenant_id = p.tenant_id AND c.payment_id = p.id
                        AND c.reversed_at IS NULL) AS live_write_offs
            FROM payments p WHERE p.tenant_id = :tenant AND p.status = 'CANCELLED' AND {_WAS_POSTED}) cancelled
        WHERE cancellations <> 1 OR cancel_entries <> 1 OR live_allocations <> 0 OR live_write_offs <> 0
           OR unallocated_minor <> 0""",
    # Nothing of a cancellation exists on a payment that is not cancelled.
    "live payment has no cancellation": """
        SELECT p.id, p.status FROM payments p
        WHERE p.tenant_id = :tenant AND p.status <> 'CANCELLED' AND (
              EXISTS (SELECT 1 FROM payment_cancellations c WHERE c.tenant_id = p.tenant_id AND c.payment_id = p.id)
           OR EXISTS (SELECT 1 FROM payment_allocations a WHERE a.tenant_id = p.tenant_id AND a.payment_id = p.id
                          AND a.reversed_at IS NOT NULL)
           OR EXISTS (SELECT 1 FROM journal_entries j WHERE j.tenant_id = p.tenant_id AND j.payment_id = p.id
                          AND j.kind IN ('PAYMENT_CANCELLED', 'ALLOCATION_REVERSED')))""",
    # Allocations and their journal entries match per payment and invoice, both ways, and so do
    # their reversals.
    "allocations match ALLOCATION entries": """
        SELECT payment_id, invoice_id, sum(allocated) AS allocated, sum(journal_allocated) AS journal_allocated,
               sum(reversed) AS reversed, sum(journal_reversed) AS journal_reversed
        FROM (
            SELECT a.payment_id, a.invoice_id, a.amount_minor AS allocated, 0 AS journal_allocated,
                   CASE WHEN a.reversed_at IS NULL THEN 0 ELSE a.amount_minor END AS reversed, 0 AS journal_reversed
            FROM payment_allocations a WHERE a.tenant_id = :tenant
            UNION ALL
            SELECT j.payment_id, j.invoice_id, 0,
                   CASE WHEN j.kind = 'ALLOCATION' THEN -j.outstanding_delta ELSE 0 END, 0,
                   CASE WHEN j.kind = 'ALLOCATION_REVERSED' THEN j.outstanding_delta ELSE 0 END
            FROM journal_entries j WHERE j.tenant_id = :tenant AND j.kind IN ('ALLOCATION', 'ALLOCATION_REVERSED')
        ) movements
        GROUP BY payment_id, invoice_id
        HAVING sum(allocated) <> sum(journal_allocated) OR sum(reversed) <> sum(journal_reversed)""",
    # Allocation entries move credit and outstanding together and never the balance.
    "allocation entries are well formed": """
        SELECT j.id, j.kind FROM journal_entries j
        WHERE j.tenant_id = :tenant AND j.kind IN ('ALLOCATION', 'ALLOCATION_REVERSED')
          AND (j.payment_id IS NULL OR j.invoice_id IS NULL OR j.balance_delta <> 0
               OR j.credit_delta <> j.outstanding_delta
               OR (j.kind = 'ALLOCATION' AND j.outstanding_delta >= 0)
               OR (j.kind = 'ALLOCATION_REVERSED' AND j.outstanding_delta <= 0))""",
    # An allocation belongs to a posted (or cancelled) payment and to an invoice of the same customer.
    "allocation has its payment": """
        SELECT a.id, a.payment_id, p.status, a.invoice_id FROM payment_allocations a
        LEFT JOIN payments p ON p.id = a.payment_id AND p.tenant_id = a.tenant_id
        LEFT JOIN invoices i ON i.id = a.invoice_id AND i.tenant_id = a.tenant_id
        WHERE a.tenant_id = :tenant AND (p.id IS NULL OR i.id IS NULL OR p.status NOT IN ('POSTED', 'CANCELLED')
              OR i.customer_id <> p.customer_id OR (a.reversed_at IS NULL AND i.status <> 'POSTED'))""",
    # Every invoice that was posted has exactly one INVOICE_POSTED entry for its total; a draft none.
    "posted invoice has its INVOICE_POSTED entry": """
        SELECT i.id, i.status, count(j.id) AS entries FROM invoices i
        LEFT JOIN journal_entries j ON j.tenant_id = i.tenant_id AND j.invoice_id = i.id
             AND j.kind = 'INVOICE_POSTED' AND j.outstanding_delta = i.total_minor AND j.balance_delta = -i.total_minor
        WHERE i.tenant_id = :tenant
        GROUP BY i.id, i.status, i.posted_at
        HAVING count(j.id) <> CASE WHEN i.status = 'POSTED' OR i.posted_at IS NOT NULL THEN 1 ELSE 0 END""",
    # A posted invoice owes its total less its live allocations (net of refunds) and live write-offs, and
    # its payment status says so.
    "invoice outstanding = total - live allocations": f"""
        SELECT i.id, i.total_minor, i.outstanding_minor, i.payment_status, coalesce(a.live, 0) AS allocated,
               coalesce(w.live, 0) AS written_off
        FROM invoices i
        LEFT JOIN (SELECT invoice_id, sum(amount_minor - refunded_minor) AS live FROM payment_allocations
                   WHERE tenant_id = :tenant AND reversed_at IS NULL GROUP BY invoice_id) a ON a.invoice_id = i.id
        LEFT JOIN (SELECT t.invoice_id, sum(t.amount_minor) AS live FROM credit_targets t
                   JOIN credits c ON c.id = t.credit_id AND c.tenant_id = t.tenant_id
                   WHERE t.tenant_id = :tenant AND c.reversed_at IS NULL
                     AND c.type IN ('shortfallWriteOff', 'writeOff')
                   GROUP BY t.invoice_id) w ON w.invoice_id = i.id
        WHERE i.tenant_id = :tenant AND i.status = 'POSTED' AND (
              i.outstanding_minor <> i.total_minor - coalesce(a.live, 0) - coalesce(w.live, 0)
           OR (i.payment_status <> CASE WHEN i.outstanding_minor = 0 AND i.written_off_minor > 0 THEN 'WRITTEN_OFF'
                                       WHEN i.outstanding_minor = 0 THEN 'PAID'
                                       WHEN i.refunded_minor > 0 AND i.outstanding_minor = i.total_minor
                                           THEN 'REFUNDED'
                                       WHEN i.refunded_minor > 0 THEN 'PART_REFUNDED'
                                       WHEN i.outstanding_minor = i.total_minor THEN 'UNPAID'
                                       ELSE 'PARTIALLY_PAID' END
               -- a collection submitted for it and not settled yet: PENDING (until other money moves it)
               AND NOT (i.payment_status = 'PENDING' AND EXISTS (
                   SELECT 1 FROM provider_collections pc WHERE pc.tenant_id = i.tenant_id AND pc.invoice_id = i.id
                      AND pc.kind = 'collection' AND pc.status IN ({_OPEN})))))""",
    # A provider event is stored once per provider and event id, and stored only with its change applied
    # (the event row and what it did commit together).
    "provider event stored once and applied": """
        SELECT e.provider_id, e.event_id, count(*) AS stored, count(e.applied_at) AS applied
        FROM provider_events e WHERE e.tenant_id = :tenant
        GROUP BY e.provider_id, e.event_id
        HAVING count(*) <> 1 OR count(e.applied_at) <> 1""",
    # A collection's payment is where the collection's status says: pending while it is open, posted once
    # collected, rejected when it failed, cancelled (never posted) when cancelled, cancelled after posting
    # when charged back; and it carries the provider's status and the collection's amount.
    "collection agrees with its payment": f"""
        SELECT c.id, c.status, p.id AS payment_id, p.status AS payment_status, p.third_party_status
        FROM provider_collections c
        LEFT JOIN payments p ON p.tenant_id = c.tenant_id AND p.id = c.payment_id
        WHERE c.tenant_id = :tenant AND c.kind = 'collection' AND (
              p.id IS NULL OR p.amount_minor <> c.amount_minor OR p.third_party_status <> c.status
           OR p.status <> CASE WHEN c.status IN ({_OPEN}) THEN 'PENDING_VERIFICATION'
                               WHEN c.status IN ('CONFIRMED', 'PAID_OUT') THEN 'POSTED'
                               WHEN c.status IN ({_FAILED}) THEN 'REJECTED'
                               ELSE 'CANCELLED' END
           OR (c.status = 'CANCELLED' AND p.posted_on IS NOT NULL)
           OR (c.status = 'CHARGED_BACK' AND p.posted_on IS NULL))""",
    # Each collection is one invoice payment row (issue 14) that says what the collection says.
    "collection has its invoice payment row": """
        SELECT c.id, c.status, count(r.id) AS rows_, min(r.third_party_status) AS row_status
        FROM provider_collections c
        LEFT JOIN invoice_payments r ON r.tenant_id = c.tenant_id AND r.payment_id = c.payment_id
             AND r.invoice_id = c.invoice_id AND r.amount_minor = c.amount_minor
             AND r.third_party_status = c.status
        WHERE c.tenant_id = :tenant AND c.kind = 'collection'
        GROUP BY c.id, c.status
        HAVING count(r.id) <> 1""",
    # Without balance adjustments, a customer's credit is the credit of its posted payments.
    "customer credit = credit of its payments": """
        SELECT c.id, c.credit_minor, coalesce(sum(p.unallocated_minor), 0) AS payments_credit
        FROM customers c
        LEFT JOIN payments p ON p.tenant_id = c.tenant_id AND p.customer_id = c.id AND p.status = 'POSTED'
        WHERE c.tenant_id = :tenant AND NOT EXISTS (
              SELECT 1 FROM customer_balance_adjustments b WHERE b.tenant_id = c.tenant_id AND b.customer_id = c.id)
        GROUP BY c.id, c.credit_minor
        HAVING c.credit_minor <> coalesce(sum(p.unallocated_minor), 0)""",
}

MAX_ROWS_SHOWN = 5


@dataclass(frozen=True)
class CheckResult:
    name: str
    offending: int
    examples: list[tuple]

    @property
    def passed(self) -> bool:
        return self.offending == 0


def _tenant_query(sql: str):
    return text(sql).bindparams(bindparam("tenant", type_=Uuid()))


def run_checks(connection: Connection, tenant_id: uuid.UUID) -> list[CheckResult]:
    """Every invariant of CHECKS and OUTBOX_CHECKS for the tenant, with the rows that break it."""
    results = []
    for name, sql in CHECKS.items():
        rows = [tuple(row) for row in connection.execute(_tenant_query(sql), {"tenant": tenant_id})]
        results.append(CheckResult(name, len(rows), rows[:MAX_ROWS_SHOWN]))
    outbox = _Outbox.read(connection, tenant_id)
    for name, check in OUTBOX_CHECKS.items():
        rows = check(outbox)
        results.append(CheckResult(name, len(rows), rows[:MAX_ROWS_SHOWN]))
    return results


# --- the outbox: an event for each committed change (issue 16) ----------------------------------

@dataclass(frozen=True)
class _Outbox:
    """The tenant's events, counted by (type, id of the resource in ``data``), beside what they are about.
    Read in Python: the event's ``data`` is JSON text, which the two databases take apart differently."""

    events: dict[tuple[str, int], int]
    sequences: dict[int, list[int]]
    payments: list[tuple]        # id, status, posted_on
    failed_collections: set[int]  # their payments
    invoices: list[tuple]        # id, status, posted_at
    customers: list[int]
    mandates: list[tuple]        # id, status
    last_mandate_status: dict[int, str]

    @classmethod
    def read(cls, connection: Connection, tenant_id: uuid.UUID) -> "_Outbox":
        def rows(sql: str) -> list[tuple]:
            return [tuple(row) for row in connection.execute(_tenant_query(sql), {"tenant": tenant_id})]

        counts: dict[tuple[str, int], int] = {}
        sequences: dict[int, list[int]] = {}
        last_mandate: dict[int, str] = {}
        for type_, customer_id, sequence, data in rows(
                "SELECT type, customer_id, sequence, data FROM events WHERE tenant_id = :tenant ORDER BY id"):
            document = json.loads(data)
            key = (type_, int(document.get("id", 0)))
            counts[key] = counts.get(key, 0) + 1
            if customer_id is not None:
                sequences.setdefault(int(customer_id), []).append(sequence)
            if type_ == "mandate.updated":
                last_mandate[key[1]] = document["status"]
        return cls(
            counts, sequences, rows("SELECT id, status, posted_on FROM payments WHERE tenant_id = :tenant"),
            {row[0] for row in rows(f"SELECT payment_id FROM provider_collections WHERE tenant_id = :tenant "
                                    f"AND kind = 'collection' AND status IN ({_FAILED})")},
            rows("SELECT id, status, posted_at FROM invoices WHERE tenant_id = :tenant"),
            [row[0] for row in rows("SELECT id FROM customers WHERE tenant_id = :tenant")],
            rows("SELECT id, status FROM site_payment_mandates WHERE tenant_id = :tenant"), last_mandate)

    def count(self, type_: str, resource_id: int) -> int:
        return self.events.get((type_, resource_id), 0)


def _payment_events(outbox: _Outbox) -> list[tuple]:
    """payment.posted once if it was ever posted, payment.rejected once if rejected, payment.cancelled
    once if cancelled; none of them otherwise (a provider event delivered twice records nothing twice)."""
    wrong = []
    for payment_id, status, posted_on in outbox.payments:
        expected = (int(status == "POSTED" or (status == "CANCELLED" and posted_on is not None)),
                    int(status == "REJECTED"), int(status == "CANCELLED"))
        found = tuple(outbox.count(kind, payment_id) for kind in ("payment.posted", "payment.rejected",
                                                                  "payment.cancelled"))
        if found != expected:
            wrong.append((payment_id, status, found, expected))
    return wrong


def _collection_failed_events(outbox: _Outbox) -> list[tuple]:
    """collection.failed once for each failed collection's payment, for no other payment."""
    return [(payment_id, status, outbox.count("collection.failed", payment_id))
            for payment_id, status, _ in outbox.payments
            if outbox.count("collection.failed", payment_id) != int(payment_id in outbox.failed_collections)]


def _invoice_events(outbox: _Outbox) -> list[tuple]:
    return [(invoice_id, status, outbox.count("invoice.posted", invoice_id))
            for invoice_id, status, posted_at in outbox.invoices
            if outbox.count("invoice.posted", invoice_id) != int(status == "POSTED" or posted_at is not None)]


def _customer_events(outbox: _Outbox) -> list[tuple]:
    """customer.created once per customer, and each customer's events numbered 1, 2, 3... without gaps."""
    return [(customer_id, outbox.count("customer.created", customer_id))
            for customer_id in outbox.customers if outbox.count("customer.created", customer_id) != 1] + [
        (customer_id, "sequences", numbers[:10]) for customer_id, numbers in outbox.sequences.items()
        if numbers != list(range(1, len(numbers) + 1))]


def _mandate_events(outbox: _Outbox) -> list[tuple]:
    """A mandate that left PENDING_CUSTOMER_APPROVAL has mandate.updated events, the last one in its state."""
    return [(mandate_id, status, outbox.last_mandate_status.get(mandate_id))
            for mandate_id, status in outbox.mandates
            if outbox.last_mandate_status.get(mandate_id, "PENDING_CUSTOMER_APPROVAL") != status]


OUTBOX_CHECKS = {
    "payment events once per change": _payment_events,
    "collection.failed once per failed collection": _collection_failed_events,
    "invoice.posted once per posted invoice": _invoice_events,
    "customer events numbered without gaps": _customer_events,
    "mandate.updated says the mandate's state": _mandate_events,
}


# What each kind of write creates, and so where its key is found.
PAYMENT, CANCELLATION, INVOICE = "payment", "cancellation", "invoice"
# A signed batch of a payment provider's events: no key of ours; each event's id is stored once.
PROVIDER_EVENT = "provider event"

_APPLIED_SQL = """
    SELECT 'payment' AS what, notes AS key, id FROM payments WHERE tenant_id = :tenant AND notes LIKE :pattern
    UNION ALL
    SELECT 'cancellation', notes, payment_id FROM payment_cancellations
    WHERE tenant_id = :tenant AND notes LIKE :pattern
    UNION ALL
    SELECT 'invoice', reference_number, id FROM invoices WHERE tenant_id = :tenant AND reference_number LIKE :pattern"""


def applied_by_key(connection: Connection, tenant_id: uuid.UUID, key_prefix: str) -> dict[tuple[str, str], list[int]]:
    """(what, key) -> ids of the rows that carry the key: a payment's or cancellation's notes, an
    invoice's reference number. For a cancellation the id is the cancelled payment's."""
    found: dict[tuple[str, str], list[int]] = {}
    for what, key, row_id in connection.execute(_tenant_query(_APPLIED_SQL),
                                                {"tenant": tenant_id, "pattern": key_prefix + "%"}):
        found.setdefault((what, key), []).append(int(row_id))
    return found


_ORPHANS_SQL = """
    SELECT key FROM idempotency_keys
    WHERE tenant_id = :tenant AND key LIKE :pattern AND response_status IS NULL ORDER BY key"""


def orphaned_reservations(connection: Connection, tenant_id: uuid.UUID, key_prefix: str) -> list[str]:
    """Keys still reserved without a stored answer: a request that died and was never retried, or
    one whose failure did not release its key (a retry would be told 409 until the lock expires)."""
    return [row[0] for row in connection.execute(_tenant_query(_ORPHANS_SQL),
                                                 {"tenant": tenant_id, "pattern": key_prefix + "%"})]


# 409s about the key itself, not the request: another attempt holds it, or let it go just now.
_KEY_BUSY = ("still in progress", "released concurrently")


def definite(status: int | None, detail: str = "") -> bool:
    """Whether an answer says if the write was applied: 2xx yes, 4xx no. No answer, a 5xx, or a
    409 about the key (an earlier attempt, perhaps orphaned by the crash, still holds it) say nothing."""
    return status is not None and status < 500 and not (status == 409 and any(busy in detail for busy in _KEY_BUSY))


@dataclass
class Write:
    """One write the client sent, what it was told, and what its retries were told."""

    key: str
    what: str                        # PAYMENT, CANCELLATION or INVOICE: what it creates
    method: str
    path: str
    body: str
    status: int | None = None        # the first answer; None when none came (the server died, was down, was slow)
    resource_id: int | None = None   # the id a 2xx answer named (for a cancellation: the payment's)
    detail: str = ""                 # the error text of a non-2xx answer, or the transport error
    retries: int = 0                 # the same key and body sent again
    final_status: int | None = None  # the last retry's answer (retried writes only)
    final_id: int | None = None
    final_detail: str = ""
    replayed: bool = False           # the last retry was answered with an earlier attempt's stored response
    # An acknowledged write sent again after the last restart: it must be answered from the record.
    replay_status: int | None = None
    replay_id: int | None = None
    replay_was_replayed: bool = False
    attempted: bool = False

    @property
    def outcome(self) -> tuple[int | None, int | None, str]:
        """The answer that counts: the last retry's for a retried write, else the first."""
        if self.retries:
            return self.final_status, self.final_id, self.final_detail
        return self.status, self.resource_id, self.detail

    @property
    def acknowledged(self) -> bool:
        status = self.outcome[0]
        return status is not None and 200 <= status < 300

    @property
    def needs_retry(self) -> bool:
        status, _, detail = self.outcome
        return not definite(status, detail)

    def answered(self, status: int | None, resource_id: int | None, detail: str, replayed: bool = False) -> None:
        """Record an attempt's answer: the first one, or a retry's."""
        if not self.attempted:
            self.status, self.resource_id, self.detail, self.attempted = status, resource_id, detail, True
        else:
            self.retries += 1
            self.final_status, self.final_id, self.final_detail, self.replayed = status, resource_id, detail, replayed


def judge_writes(writes: Sequence[Write], applied: Mapping[tuple[str, str], Iterable[int]],
                 orphans: Iterable[str] = ()) -> list[str]:
    """Violations: a write applied twice, an acknowledged write missing or under another id or not
    replayed from its record, a write told 'no' (4xx) that was applied anyway, a write that never
    got a definite answer, a key left reserved."""
    violations = [f"{key}: still reserved without an answer" for key in orphans]
    for (what, key), ids in applied.items():
        ids = list(ids)
        if len(ids) > 1:
            violations.append(f"{key}: {what} applied {len(ids)} times (ids {ids})")
    for write in writes:
        ids = sorted(set(applied.get((write.what, write.key), ())))
        status, resource_id, detail = write.outcome
        if not definite(status, detail):
            violations.append(f"{write.key}: no definite answer after {write.retries} retries "
                              f"({status}: {detail[:200] or 'no answer'})")
        elif write.what == PROVIDER_EVENT:
            continue  # judge_provider_events
        elif 200 <= status < 300 and ids != [resource_id]:
            violations.append(f"{write.key}: answered {status} with id {resource_id}, "
                              f"but the database holds {ids or 'nothing'}")
        elif 200 <= status < 300 and write.replay_status is not None and (
                (write.replay_status, write.replay_id, write.replay_was_replayed) != (status, resource_id, True)):
            violations.append(f"{write.key}: answered {status} with id {resource_id}, but sent again it was "
                              f"answered {write.replay_status} with id {write.replay_id}"
                              f"{'' if write.replay_was_replayed else ', not replayed'}")
        elif not 200 <= status < 300 and ids:
            violations.append(f"{write.key}: answered {status}, yet applied as {write.what} {ids}")
    return violations


def stored_provider_events(connection: Connection, tenant_id: uuid.UUID) -> set[str]:
    """The ids of the provider events the tenant stored (and, by the checks, applied)."""
    return {row[0] for row in connection.execute(_tenant_query(
        "SELECT event_id FROM provider_events WHERE tenant_id = :tenant"), {"tenant": tenant_id})}


def judge_provider_events(writes: Sequence[Write], stored: set[str]) -> list[str]:
    """Every event of a batch the provider was told 200 for is stored (so applied: the checks say so); a
    refused batch (4xx: the signature is ours, so none should be) is a violation too."""
    violations = []
    for write in writes:
        if write.what != PROVIDER_EVENT:
            continue
        status = write.outcome[0]
        ids = [each["id"] for each in json.loads(write.body)["events"]]
        if status is not None and 400 <= status < 500:
            violations.append(f"{write.key}: provider events refused with {status}: {write.outcome[2][:200]}")
        elif status == 200 and set(ids) - stored:
            violations.append(f"{write.key}: answered 200, but events {sorted(set(ids) - stored)} are not stored")
    return violations
