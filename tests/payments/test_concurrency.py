"""Concurrent money movements on PostgreSQL: no deadlock reaches a client, no update is lost.

Many threads pay, cancel payments, post and cancel invoices and adjust balances against the
same few customers, each operation in its own committed transaction. A ``LedgerlineError``
(409 and friends) is an acknowledged refusal; anything else (deadlock, serialization failure,
integrity error) fails the test.
Afterwards the journal, the stored figures and the acknowledged operations must agree.
Real commits are needed, so each test works in a fresh tenant of the per-run schema.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine, and_, event, func, select, text
from sqlalchemy.orm import Session

from ledgerline.adjustments.service import NewAdjustment, adjust_balance
from ledgerline.customers.service import create_customer
from ledgerline.db import Database, make_engine
from ledgerline.errors import Conflict, LedgerlineError
from ledgerline.invoices.service import cancel_invoice, create_invoice, get_invoice, post_invoice, update_invoice
from ledgerline.ledger.repository import balance_of
from ledgerline.kit.money import Money
from ledgerline.kit.refs import CustomerRef
from ledgerline.ledger.service import verify
from ledgerline.models import (
    Credit, CreditTarget, Customer, CustomerBalanceAdjustment, Invoice, Payment, PaymentAllocation, PaymentCancellation,
)
from ledgerline.models.enums import CreditType, InvoiceStatus, PaymentMethod, PaymentStatus
from ledgerline.tenants.context import TenantContext
from tests import payment_calls as service
from ledgerline.tenants.service import create_tenant
from tests.conftest import PG_SCHEMA

THREADS = 50
OPERATIONS = 400
CUSTOMERS = 3
POSTED_INVOICES_PER_CUSTOMER = 4
DRAFT_INVOICES_PER_CUSTOMER = 8
# Draft invoices are also created while others post and pay (this once deadlocked: see
# test_creating_a_draft_invoice_never_deadlocks_with_posting_one).
CONCURRENT_DRAFT_INVOICES = True
SEED = int(os.environ.get("LEDGERLINE_CONCURRENCY_SEED", "20260101"))
BASE_DAY = dt.date(2026, 1, 1)


@pytest.fixture
def wide_engine(engine: Engine, backend: str) -> Iterator[Engine]:
    """An engine on the test schema whose pool lets every worker hold a connection at once."""
    if backend != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL")
    wide = make_engine(engine.url.render_as_string(hide_password=False), search_path=PG_SCHEMA,
                       pool_size=THREADS, max_overflow=0)
    yield wide
    wide.dispose()


def _day(rng: random.Random) -> dt.date:
    # Issue dates out of id order, so oldest-first (issue date) and id order differ.
    return BASE_DAY + dt.timedelta(days=rng.randrange(60))


def _committed(db: Database, work: Callable[[Session], object]) -> object:
    with db.session() as s:
        result = work(s)
        s.commit()
        return result


def _new_tenant(db: Database) -> uuid.UUID:
    return _committed(db, lambda s: create_tenant(s, name=f"concurrency-{uuid.uuid4().hex[:12]}").id)


def _new_customer(db: Database, tenant_id: uuid.UUID, name: str) -> int:
    return _committed(db, lambda s: create_customer(s, tenant_id=tenant_id, name=name, currency="GBP").id)


def _new_invoice(db: Database, tenant_id: uuid.UUID, customer_id: int, total_minor: int, issue_date: dt.date,
                 status: InvoiceStatus = InvoiceStatus.POSTED) -> int:
    return _committed(db, lambda s: create_invoice(s, tenant_id=tenant_id, customer_id=customer_id,
                                                   total_minor=total_minor, issue_date=issue_date,
                                                   status=status).id)


# --- many workers, random operations -----------------------------------------------------------------

@dataclass
class Outcomes:
    """What the clients were told, shared by every worker under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    payments: dict[int, list[int]] = field(default_factory=dict)  # customer -> acknowledged payment ids
    invoices: dict[int, list[int]] = field(default_factory=dict)  # customer -> acknowledged posted invoices
    drafts: dict[int, list[int]] = field(default_factory=dict)  # customer -> draft invoices
    adjustments: list[int] = field(default_factory=list)  # acknowledged balance adjustments
    cancelled_payments: set[int] = field(default_factory=set)
    cancelled_invoices: set[int] = field(default_factory=set)
    done: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def pick(self, rng: random.Random, ids: dict[int, list[int]], customer_id: int) -> int | None:
        with self.lock:
            choices = ids[customer_id]
            return rng.choice(choices) if choices else None

    def add(self, ids: dict[int, list[int]], customer_id: int, new_id: int) -> None:
        with self.lock:
            ids[customer_id].append(new_id)

    def mark(self, cancelled: set[int], what: str, cancelled_id: int) -> None:
        with self.lock:
            if cancelled_id in cancelled:
                self.failures.append(f"{what} {cancelled_id} was cancelled twice")
            cancelled.add(cancelled_id)


def _setup(db: Database) -> tuple[uuid.UUID, Outcomes]:
    rng = random.Random(SEED)
    tenant_id = _new_tenant(db)
    outcomes = Outcomes()
    for n in range(CUSTOMERS):
        customer_id = _new_customer(db, tenant_id, f"Customer {n}")
        outcomes.payments[customer_id] = []
        outcomes.invoices[customer_id] = [_new_invoice(db, tenant_id, customer_id, rng.randrange(1_000, 20_000),
                                                       _day(rng)) for _ in range(POSTED_INVOICES_PER_CUSTOMER)]
        outcomes.drafts[customer_id] = [_new_invoice(db, tenant_id, customer_id, rng.randrange(1_000, 20_000),
                                                     _day(rng), InvoiceStatus.DRAFT)
                                        for _ in range(DRAFT_INVOICES_PER_CUSTOMER)]
    return tenant_id, outcomes


def _unit_of_work(db: Database, outcomes: Outcomes, name: str, work: Callable[[Session], object]) -> object | None:
    """One transaction: commit on success; a LedgerlineError is a refusal; anything else a failure."""
    try:
        with db.session() as s:
            try:
                result = work(s)
                s.commit()
            except LedgerlineError as error:
                s.rollback()
                with outcomes.lock:
                    outcomes.refused[f"{name}: {type(error).__name__}"] += 1
                return None
    except Exception as error:  # noqa: BLE001 - every other outcome is what this test hunts
        with outcomes.lock:
            outcomes.failures.append(f"{name}: {type(error).__name__}: {error}")
        return None
    with outcomes.lock:
        outcomes.done[name] += 1
    return result


ACTIONS = {  # action -> weight
    "pay": 4, "pay_targeted": 3, "pay_draft_then_post": 1, "cancel_payment": 3, "pay_invoice": 3,
    "create_posted_invoice": 3, "post_draft_invoice": 2, "cancel_invoice": 2,
    "create_draft_invoice": 1 if CONCURRENT_DRAFT_INVOICES else 0, "adjust_balance": 2,
}


def _operation(db: Database, tenant_id: uuid.UUID, outcomes: Outcomes, number: int) -> None:
    rng = random.Random(SEED * 1_000 + number)
    customer_id = rng.choice(sorted(outcomes.payments))
    action = rng.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
    run = lambda name, work: _unit_of_work(db, outcomes, name, work)  # noqa: E731

    if action in ("pay", "pay_targeted"):
        targets: list[int] = []
        tolerance = 0
        if action == "pay_targeted":
            with outcomes.lock:
                known = list(outcomes.invoices[customer_id])
            targets = rng.sample(known, k=min(len(known), rng.randint(1, 2)))
            tolerance = rng.choice([0, 0, 50, 500])
        amount = rng.randrange(100, 15_000)
        payment = run(action, lambda s: service.create_payment(
            s, tenant_id=tenant_id, customer_id=customer_id, amount_minor=amount,
            payment_method=PaymentMethod.BACS, status=PaymentStatus.POSTED, invoices_to_pay=targets,
            tolerance_minor=tolerance))
        if payment is not None:
            outcomes.add(outcomes.payments, customer_id, payment.id)
    elif action == "pay_draft_then_post":  # two requests: create a draft payment, then post it
        amount = rng.randrange(100, 15_000)
        draft = run("create_draft_payment", lambda s: service.create_payment(
            s, tenant_id=tenant_id, customer_id=customer_id, amount_minor=amount,
            payment_method=PaymentMethod.CHEQUE))
        if draft is not None:
            outcomes.add(outcomes.payments, customer_id, draft.id)
            if run("post_payment", lambda s: service.post_payment(s, tenant_id=tenant_id,
                                                                   payment_id=draft.id)) is None:
                with outcomes.lock:
                    outcomes.failures.append(f"draft payment {draft.id} could not be posted")
    elif action == "cancel_payment":
        payment_id = outcomes.pick(rng, outcomes.payments, customer_id)
        if payment_id is not None and run(action, lambda s: service.cancel_payment(
                s, tenant_id=tenant_id, payment_id=payment_id)) is not None:
            outcomes.mark(outcomes.cancelled_payments, "payment", payment_id)
    elif action == "pay_invoice":
        invoice_id = outcomes.pick(rng, outcomes.invoices, customer_id)
        payment = invoice_id and run(action, lambda s: service.pay_invoice(
            s, tenant_id=tenant_id, invoice_id=invoice_id, payment_method=PaymentMethod.DIRECT_DEBIT))
        if payment:
            outcomes.add(outcomes.payments, customer_id, payment.id)
    elif action == "create_posted_invoice":
        total, day = rng.randrange(0, 20_000), _day(rng)
        invoice = run(action, lambda s: create_invoice(s, tenant_id=tenant_id, customer_id=customer_id,
                                                       total_minor=total, issue_date=day,
                                                       status=InvoiceStatus.POSTED))
        if invoice is not None:
            outcomes.add(outcomes.invoices, customer_id, invoice.id)
    elif action == "post_draft_invoice":  # two workers may pick the same draft: one gets a 409
        invoice_id = outcomes.pick(rng, outcomes.drafts, customer_id)
        if invoice_id is not None and run(action, lambda s: post_invoice(
                s, tenant_id=tenant_id, invoice_id=invoice_id)) is not None:
            outcomes.add(outcomes.invoices, customer_id, invoice_id)
    elif action == "create_draft_invoice":
        total, day = rng.randrange(1, 20_000), _day(rng)
        draft = run(action, lambda s: create_invoice(s, tenant_id=tenant_id, customer_id=customer_id,
                                                     total_minor=total, issue_date=day))
        if draft is not None:
            outcomes.add(outcomes.drafts, customer_id, draft.id)
    elif action == "adjust_balance":  # a debit may use credit a concurrent cancel needs, or post an invoice
        amount = rng.choice([-1, 1]) * rng.randrange(1, 10_000)
        tenant = TenantContext(tenant_id=tenant_id, version=1)
        adjustment = run(action, lambda s: adjust_balance(s, tenant=tenant, new=NewAdjustment(
            CustomerRef(id=customer_id), Money(amount, "GBP").amount)))
        if adjustment is not None:
            with outcomes.lock:
                outcomes.adjustments.append(adjustment.id)
            if adjustment.invoice_id is not None:
                outcomes.add(outcomes.invoices, customer_id, adjustment.invoice_id)
    else:  # cancel_invoice: money on it is an expected 409
        invoice_id = outcomes.pick(rng, outcomes.invoices, customer_id)
        if invoice_id is not None and run(action, lambda s: cancel_invoice(
                s, tenant_id=tenant_id, invoice_id=invoice_id)) is not None:
            outcomes.mark(outcomes.cancelled_invoices, "invoice", invoice_id)


def _sums(s: Session, model: type, key, tenant_id: uuid.UUID, *conditions) -> dict[int, int]:
    stmt = select(key, func.sum(model.amount_minor)).where(model.tenant_id == tenant_id, *conditions).group_by(key)
    return {row[0]: int(row[1]) for row in s.execute(stmt)}


def _check_invariants(s: Session, tenant_id: uuid.UUID, outcomes: Outcomes) -> None:
    assert verify(s, tenant_id) == []

    invoices = s.execute(select(Invoice).where(Invoice.tenant_id == tenant_id)).scalars().all()
    payments = s.execute(select(Payment).where(Payment.tenant_id == tenant_id)).scalars().all()
    customers = s.execute(select(Customer).where(Customer.tenant_id == tenant_id)).scalars().all()
    active_allocation = PaymentAllocation.reversed_at.is_(None)
    allocated_from = _sums(s, PaymentAllocation, PaymentAllocation.payment_id, tenant_id, active_allocation)
    allocated_to = _sums(s, PaymentAllocation, PaymentAllocation.invoice_id, tenant_id, active_allocation)
    live_shortfall = (Credit.reversed_at.is_(None), Credit.type == CreditType.SHORTFALL_WRITE_OFF)
    written_off_by = _sums(s, Credit, Credit.payment_id, tenant_id, *live_shortfall)
    written_off_on = {row[0]: int(row[1]) for row in s.execute(
        select(CreditTarget.invoice_id, func.sum(CreditTarget.amount_minor))
        .join(Credit, and_(Credit.tenant_id == CreditTarget.tenant_id, Credit.id == CreditTarget.credit_id))
        .where(CreditTarget.tenant_id == tenant_id, *live_shortfall).group_by(CreditTarget.invoice_id))}
    written_off_for = _sums(s, Credit, Credit.customer_id, tenant_id, *live_shortfall)
    cancellations = Counter(s.execute(select(PaymentCancellation.payment_id).where(
        PaymentCancellation.tenant_id == tenant_id)).scalars())
    adjustments = s.execute(select(CustomerBalanceAdjustment).where(
        CustomerBalanceAdjustment.tenant_id == tenant_id)).scalars().all()
    assert sorted(adjustment.id for adjustment in adjustments) == sorted(outcomes.adjustments)
    adjusted_credit: Counter = Counter()
    for adjustment in adjustments:
        amount = adjustment.amount_minor
        adjusted_credit[adjustment.customer_id] += amount if amount > 0 else -adjustment.credit_used_minor

    # Every acknowledged payment exists exactly once, and no refused or failed request left one behind.
    acknowledged = [payment_id for ids in outcomes.payments.values() for payment_id in ids]
    assert len(acknowledged) == len(set(acknowledged))
    assert sorted(payment.id for payment in payments) == sorted(acknowledged)
    assert len({payment.number for payment in payments}) == len(payments)

    posted_invoices = {invoice_id for ids in outcomes.invoices.values() for invoice_id in ids}
    for invoice in invoices:
        assert 0 <= invoice.outstanding_minor <= invoice.total_minor, invoice.id
        money_on_it = allocated_to.get(invoice.id, 0) + written_off_on.get(invoice.id, 0)
        if invoice.status is InvoiceStatus.POSTED:
            assert invoice.outstanding_minor == invoice.total_minor - money_on_it, invoice.id
        else:
            assert (invoice.outstanding_minor, money_on_it) == (0, 0), invoice.id
        assert (invoice.status is InvoiceStatus.CANCELLED) == (invoice.id in outcomes.cancelled_invoices), invoice.id
        assert (invoice.status is not InvoiceStatus.DRAFT) == (invoice.id in posted_invoices), invoice.id

    for payment in payments:
        allocated = allocated_from.get(payment.id, 0)
        assert allocated <= payment.amount_minor, payment.id
        if payment.status is PaymentStatus.POSTED:
            assert payment.amount_minor == allocated + payment.unallocated_minor, payment.id
            assert payment.id not in cancellations and payment.id not in outcomes.cancelled_payments, payment.id
        else:
            assert payment.status is PaymentStatus.CANCELLED, (payment.id, payment.status)
            assert (allocated, payment.unallocated_minor, written_off_by.get(payment.id, 0)) == (0, 0, 0)
            assert cancellations[payment.id] == 1 and payment.id in outcomes.cancelled_payments, payment.id

    for customer in customers:
        posted = [p for p in payments if p.customer_id == customer.id and p.status is PaymentStatus.POSTED]
        owed = [i for i in invoices if i.customer_id == customer.id and i.status is InvoiceStatus.POSTED]
        assert customer.credit_minor == (sum(payment.unallocated_minor for payment in posted)
                                         + adjusted_credit[customer.id]), customer.id
        # DESIGN "Balances": payments posted - invoices posted + shortfall write-offs + adjustments
        # = credit - outstanding (a debit adjustment's invoice counts among the invoices).
        identity = (sum(payment.amount_minor for payment in posted) - sum(invoice.total_minor for invoice in owed)
                    + written_off_for.get(customer.id, 0) + adjusted_credit[customer.id])
        assert balance_of(s, tenant_id, customer.id) == identity, customer.id


def test_concurrent_payments_invoices_and_cancellations_stay_consistent(wide_engine: Engine) -> None:
    db = Database(wide_engine)
    tenant_id, outcomes = _setup(db)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for future in [pool.submit(_operation, db, tenant_id, outcomes, n) for n in range(OPERATIONS)]:
            future.result()
    elapsed = time.monotonic() - started
    print(f"\n{OPERATIONS} operations on {THREADS} threads in {elapsed:.2f}s (seed {SEED}): "
          f"committed {sum(outcomes.done.values())} {dict(outcomes.done)}; "
          f"refused {sum(outcomes.refused.values())} {dict(outcomes.refused)}; failed {len(outcomes.failures)}")
    assert outcomes.failures == []
    assert sum(outcomes.done.values()) > OPERATIONS // 2
    with db.session(write=False) as s:
        _check_invariants(s, tenant_id, outcomes)


# --- exact interleavings -----------------------------------------------------------------------------

class PauseBefore:
    """Holds one thread just before it sends a statement starting with ``prefix``, once, until released."""

    def __init__(self, engine: Engine, prefix: str) -> None:
        self.engine, self.prefix = engine, prefix
        self.thread_id: int | None = None
        self.paused, self.released = threading.Event(), threading.Event()

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if (threading.get_ident() == self.thread_id and not self.paused.is_set()
                and statement.lstrip().upper().startswith(self.prefix)):
            self.paused.set()
            assert self.released.wait(30), "never released"

    def __enter__(self) -> PauseBefore:
        event.listen(self.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        event.remove(self.engine, "before_cursor_execute", self)


class Worker:
    """One unit of work in its own thread; knows its backend pid so the test can see it wait."""

    def __init__(self, pool: ThreadPoolExecutor, db: Database, work: Callable[[Session], object],
                 pause: PauseBefore | None = None) -> None:
        self.pid: int | None = None
        self.started = threading.Event()
        self.future: Future = pool.submit(self._run, db, work, pause)
        assert self.started.wait(10)

    def _run(self, db: Database, work: Callable[[Session], object], pause: PauseBefore | None) -> object:
        if pause is not None:
            pause.thread_id = threading.get_ident()
        with db.session() as s:
            self.pid = s.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            self.started.set()
            result = work(s)
            s.commit()
            return result

    def wait_until_blocked_or_done(self, db: Database, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        with db.session(write=False) as s:
            while not self.future.done():
                waiting = s.execute(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                                    {"pid": self.pid}).scalar_one_or_none()
                s.rollback()  # a fresh snapshot of pg_stat_activity each time
                if waiting == "Lock":
                    return
                assert time.monotonic() < deadline, "worker neither blocked nor finished"
                time.sleep(0.01)

    def error(self) -> BaseException | None:
        return self.future.exception(timeout=30)


def _primed_customer(db: Database) -> tuple[uuid.UUID, int]:
    """A customer with a posted invoice and a payment, so every number sequence row exists."""
    tenant_id = _new_tenant(db)
    customer_id = _new_customer(db, tenant_id, "Contended")
    _new_invoice(db, tenant_id, customer_id, 5_000, BASE_DAY)
    _committed(db, lambda s: service.create_payment(s, tenant_id=tenant_id, customer_id=customer_id,
                                                    amount_minor=1_000, payment_method=PaymentMethod.BACS,
                                                    status=PaymentStatus.POSTED))
    return tenant_id, customer_id


def _posting_and_draft_race(db: Database, *, with_payment: bool) -> tuple[Worker, Worker | None, Worker]:
    """Posting an invoice holds the customer row and is about to take the invoice number; a payment
    (optionally) queues for the customer; then a draft invoice of the customer is created."""
    tenant_id, customer_id = _primed_customer(db)
    with ThreadPoolExecutor(max_workers=3) as pool, PauseBefore(db.engine, "UPDATE NUMBER_SEQUENCES") as pause:
        posting = Worker(pool, db, lambda s: create_invoice(
            s, tenant_id=tenant_id, customer_id=customer_id, total_minor=700, issue_date=BASE_DAY,
            status=InvoiceStatus.POSTED), pause)
        assert pause.paused.wait(10)
        payment = None
        if with_payment:
            payment = Worker(pool, db, lambda s: service.create_payment(
                s, tenant_id=tenant_id, customer_id=customer_id, amount_minor=300,
                payment_method=PaymentMethod.BACS, status=PaymentStatus.POSTED))
            payment.wait_until_blocked_or_done(db)
        draft = Worker(pool, db, lambda s: create_invoice(s, tenant_id=tenant_id, customer_id=customer_id,
                                                          total_minor=900, issue_date=BASE_DAY))
        draft.wait_until_blocked_or_done(db)
        pause.released.set()
        for worker in (posting, payment, draft):
            if worker is not None:
                worker.error()
    with db.session(write=False) as s:
        assert verify(s, tenant_id) == []
    return posting, payment, draft


def test_a_payment_is_never_the_victim_of_a_deadlock_between_invoice_requests(wide_engine: Engine) -> None:
    """A payment waiting for the customer row must not stand in the way of the foreign-key check of
    a draft invoice insert (FOR NO KEY UPDATE, not FOR UPDATE); with FOR UPDATE the payment was the
    one PostgreSQL aborted with "deadlock detected"."""
    _, payment, _ = _posting_and_draft_race(Database(wide_engine), with_payment=True)
    assert payment is not None and payment.error() is None


def test_pay_invoice_refuses_an_invoice_that_moved_to_another_customer_while_it_waited(wide_engine: Engine) -> None:
    """pay_invoice reads the invoice, then locks its customer: a draft moved to another customer and
    posted in between must not be paid while holding the old customer's lock (two customer locks in
    no fixed order can deadlock); the request is refused with a 409 to retry instead."""
    db = Database(wide_engine)
    tenant_id = _new_tenant(db)
    first, second = _new_customer(db, tenant_id, "First"), _new_customer(db, tenant_id, "Second")
    invoice_id = _new_invoice(db, tenant_id, first, 2_500, BASE_DAY, InvoiceStatus.DRAFT)
    with ThreadPoolExecutor(max_workers=1) as pool, PauseBefore(db.engine, "SELECT CUSTOMERS") as pause:
        paying = Worker(pool, db, lambda s: service.pay_invoice(s, tenant_id=tenant_id, invoice_id=invoice_id,
                                                                 payment_method=PaymentMethod.BACS), pause)
        assert pause.paused.wait(10)
        _committed(db, lambda s: update_invoice(s, invoice=get_invoice(s, tenant_id=tenant_id, invoice_id=invoice_id,
                                                                        for_update=True),
                                                changes={"customer_id": second}))
        _committed(db, lambda s: post_invoice(s, tenant_id=tenant_id, invoice_id=invoice_id))
        pause.released.set()
        assert isinstance(paying.error(), Conflict)
    with db.session(write=False) as s:
        assert s.execute(select(func.count()).select_from(Payment).where(Payment.tenant_id == tenant_id)).scalar() == 0
        assert verify(s, tenant_id) == []


def test_creating_a_draft_invoice_never_deadlocks_with_posting_one(wide_engine: Engine) -> None:
    posting, _, draft = _posting_and_draft_race(Database(wide_engine), with_payment=False)
    assert (posting.error(), draft.error()) == (None, None)
