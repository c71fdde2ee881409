"""Payment queries. Rows that money moves through are locked, always in one order: the
customer first, then its invoices, so concurrent money changes of a customer serialize.

The locks are FOR NO KEY UPDATE, not FOR UPDATE: no key column ever changes here, and FOR
UPDATE would also block the FOR KEY SHARE lock that PostgreSQL's foreign-key check takes when
another transaction inserts a row referencing the customer (a draft invoice, a bill, a site).
Such an insert may already hold other locks (a number sequence row), so blocking it closes
deadlock cycles with requests that wait for this customer."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from sqlalchemy import (
    BigInteger, RowMapping, String, Subquery, and_, case, cast, exists, false, func, insert, literal, null, or_,
    select, true, union_all, update,
)
from sqlalchemy.orm import Session

from ledgerline.kit.bulk import expire_rows, insert_rows, reserve_ids, update_rows
from ledgerline.kit.ids import new_locator
from ledgerline.kit.money import Money
from ledgerline.kit.criteria import ColumnMap, Criteria, Page, amount, choice, day, flag, ident, text
from ledgerline.kit.refs import Ref
from ledgerline.ledger import journal
from ledgerline.kit.repository import TenantRows, count_matching, ref_clause, utc_day
from ledgerline.models import (
    Bill, Credit, CreditTarget, Customer, CustomerBalanceAdjustment, Invoice, JournalEntry, Payment,
    PaymentAllocation, PaymentCancellation, PaymentMethodSetting, Refund, Tenant, User,
)
from ledgerline.models.enums import (
    BillRunType, CreditState, CreditType, InvoiceStatus, JournalKind, PaymentMethod, PaymentStatus,
)
from ledgerline.gift_certificates import repository as certificates
from ledgerline.payments.planning import (
    CancellationPlan, CustomerSnapshot, InvoiceChange, InvoiceSnapshot, LiveAllocation, LiveDistribution,
    LiveShortfall, PostingPlan,
)
from ledgerline.payments.values import AllocationLine, AppliedCertificate, AppliedCredit, TransactionKind

PAYMENT_COLUMNS = ColumnMap({
    "id": ident(Payment.id),
    "customer_id": ident(Payment.customer_id),
    "status": choice(Payment.status, PaymentStatus),
    "payment_method": choice(Payment.payment_method, PaymentMethod),
    "type_id": ident(Payment.type_id),
    "category_id": ident(Payment.category_id),
    "number": text(Payment.number),
    "reference_number": text(Payment.reference_number),
    "back_office_code": text(Payment.back_office_code),
    "currency": text(Payment.currency),
    "received_on": day(Payment.received_on),
    "posted_on": day(Payment.posted_on),
    "created_at": day(Payment.created_at),
    "amount": amount(Payment.amount_minor, Payment.currency),
    # Payments that have (or had: reversed allocations count) money applied to the invoice.
    "invoice_id": ident(PaymentAllocation.invoice_id, within=lambda clause: exists().where(
        PaymentAllocation.tenant_id == Payment.tenant_id, PaymentAllocation.payment_id == Payment.id, clause)),
}, tiebreak=Payment.id)

PAYMENTS = TenantRows(Payment, PAYMENT_COLUMNS)


def customer_id_of_payment(session: Session, tenant_id: uuid.UUID, payment_id: int) -> int | None:
    if not -(2**63) <= payment_id < 2**63:
        return None
    return session.execute(
        select(Payment.customer_id).where(Payment.tenant_id == tenant_id, Payment.id == payment_id)
    ).scalar_one_or_none()


def active_allocations(session: Session, tenant_id: uuid.UUID, payment_id: int) -> Sequence[PaymentAllocation]:
    stmt = select(PaymentAllocation).where(
        PaymentAllocation.tenant_id == tenant_id, PaymentAllocation.payment_id == payment_id,
        PaymentAllocation.reversed_at.is_(None)).order_by(PaymentAllocation.id)
    return list(session.execute(stmt).scalars())


def allocations_by_payment(session: Session, tenant_id: uuid.UUID,
                           payment_ids: Sequence[int]) -> dict[int, list[PaymentAllocation]]:
    result: dict[int, list[PaymentAllocation]] = {payment_id: [] for payment_id in payment_ids}
    if not payment_ids:
        return result
    stmt = select(PaymentAllocation).where(
        PaymentAllocation.tenant_id == tenant_id, PaymentAllocation.payment_id.in_(payment_ids),
        PaymentAllocation.reversed_at.is_(None)).order_by(PaymentAllocation.id)
    for allocation in session.execute(stmt).scalars():
        result[allocation.payment_id].append(allocation)
    return result


def cancellations_by_payment(session: Session, tenant_id: uuid.UUID,
                             payment_ids: Sequence[int]) -> dict[int, PaymentCancellation]:
    if not payment_ids:
        return {}
    stmt = select(PaymentCancellation).where(
        PaymentCancellation.tenant_id == tenant_id, PaymentCancellation.payment_id.in_(payment_ids))
    return {cancellation.payment_id: cancellation for cancellation in session.execute(stmt).scalars()}


def back_office_code_taken(session: Session, tenant_id: uuid.UUID, type_id: int, code: str,
                           own_id: int | None = None) -> bool:
    """Whether another payment of the financial transaction type has the back office code (seed 004)."""
    return session.execute(select(Payment.id).where(
        Payment.tenant_id == tenant_id, Payment.type_id == type_id, Payment.back_office_code == code,
        Payment.id != (own_id or 0))).first() is not None


_PAYMENTS = Payment.__table__
_ALLOCATIONS = PaymentAllocation.__table__
_CANCELLATIONS = PaymentCancellation.__table__
_INVOICES = Invoice.__table__
_CUSTOMERS = Customer.__table__
_CREDITS = Credit.__table__
_TARGETS = CreditTarget.__table__
_REFUNDS = Refund.__table__
_ADJUSTMENTS = CustomerBalanceAdjustment.__table__
_JOURNAL = JournalEntry.__table__


# --- a customer's payments list: payments (credits) beside refunds and balance adjustments (debits) ----------

def _customer_transactions(tenant_id: uuid.UUID) -> Subquery:
    """The tenant's posted (and later cancelled) payments, refunds and balance adjustments, as rows of one shape.

    ``amount_minor`` is signed by the effect on the customer's balance: a refund takes money back (negative),
    an adjustment is its own signed amount. A row is a debit when it lowers the balance. Ids are unique
    within a kind only, so ``kind_order`` orders kinds apart; ``tenant_id`` ties the look-ups made for a page to
    its rows' tenant (tests/distribution). Enums are text: the three tables have their
    own enum types, which PostgreSQL does not unite. A payment's invoice and resulting balance are found
    once the page is cut (``page_of_customer_transactions``); the other kinds carry theirs.
    """
    no_id, no_text = cast(null(), BigInteger), cast(null(), String)
    payments = select(
        literal(TransactionKind.PAYMENT.value).label("kind"), literal(0).label("kind_order"),
        _PAYMENTS.c.tenant_id, _PAYMENTS.c.id, _PAYMENTS.c.customer_id, _PAYMENTS.c.currency, _PAYMENTS.c.amount_minor,
        false().label("is_debit"), (_PAYMENTS.c.status == PaymentStatus.CANCELLED).label("cancelled"),
        cast(_PAYMENTS.c.payment_method, String).label("payment_method"), _PAYMENTS.c.received_on.label("occurred_on"),
        _PAYMENTS.c.notes.label("description"), _PAYMENTS.c.reference_number.label("reference"),
        no_id.label("invoice_id"), no_text.label("bill_run_type"), no_id.label("balance_minor"),
    ).where(_PAYMENTS.c.tenant_id == tenant_id,
            _PAYMENTS.c.status.in_([PaymentStatus.POSTED, PaymentStatus.CANCELLED]))
    refunds = select(
        literal(TransactionKind.REFUND.value), literal(1), _REFUNDS.c.tenant_id, _REFUNDS.c.id, _REFUNDS.c.customer_id,
        _REFUNDS.c.currency, -_REFUNDS.c.amount_minor, true(), false(), cast(_REFUNDS.c.payment_method, String),
        utc_day(_REFUNDS.c.created_at), _REFUNDS.c.description, no_text, _REFUNDS.c.invoice_id,
        cast(_REFUNDS.c.bill_run_type, String), no_id,
    ).where(_REFUNDS.c.tenant_id == tenant_id)
    adjustments = select(
        literal(TransactionKind.ADJUSTMENT.value), literal(2), _ADJUSTMENTS.c.tenant_id, _ADJUSTMENTS.c.id, _ADJUSTMENTS.c.customer_id,
        _ADJUSTMENTS.c.currency, _ADJUSTMENTS.c.amount_minor, _ADJUSTMENTS.c.amount_minor < 0, false(), no_text,
        utc_day(_ADJUSTMENTS.c.created_at), _ADJUSTMENTS.c.description, no_text, _ADJUSTMENTS.c.invoice_id,
        # The debt a negative adjustment leaves is carried by an ADHOC invoice (adjustments/service.py).
        case((_ADJUSTMENTS.c.invoice_id.is_not(None), literal(BillRunType.ADHOC.value)), else_=no_text),
        _ADJUSTMENTS.c.resulting_balance_minor,
    ).where(_ADJUSTMENTS.c.tenant_id == tenant_id)
    return union_all(payments, refunds, adjustments).subquery("transactions")


def _transaction_columns(rows: Any) -> ColumnMap:
    """The attributes of the transaction rows, over the union or over a page cut from it (same columns)."""
    return ColumnMap({
        "id": ident(rows.c.id),
        "customer_id": ident(rows.c.customer_id),
        "received_on": day(rows.c.occurred_on),
        "amount": amount(rows.c.amount_minor, rows.c.currency),
        "payment_type": text(literal("CUSTOMER")),
        "is_debit": flag(rows.c.is_debit),
    }, tiebreak=(rows.c.kind_order, rows.c.id))


# The attributes (names and kinds) a customer's payments list is filtered and sorted by, for the surfaces to
# declare their parameters over; statements compile against the tenant's own union.
CUSTOMER_PAYMENT_COLUMNS = _transaction_columns(_customer_transactions(uuid.UUID(int=0)))


def _balance_right_after(tenant_id: uuid.UUID, rows: Any) -> Any:
    """The customer's balance right after a payment was posted or a refund made: its journal entries applied."""
    journal, own = _JOURNAL.c, _JOURNAL.alias("own_entries").c

    def last_entry(*conditions: Any) -> Any:
        # Correlated explicitly: the page is two levels up, beyond what automatic correlation looks at.
        return (select(func.max(own.id))
                .where(own.tenant_id == tenant_id, own.tenant_id == rows.c.tenant_id, *conditions)
                .correlate(rows).scalar_subquery())

    last = case(
        (rows.c.kind == TransactionKind.PAYMENT.value, last_entry(
            own.payment_id == rows.c.id, own.kind.in_([JournalKind.PAYMENT_POSTED, JournalKind.ALLOCATION]))),
        (rows.c.kind == TransactionKind.REFUND.value, last_entry(
            own.refund_id == rows.c.id, own.kind == JournalKind.REFUND)))
    total = select(func.sum(journal.balance_delta)).where(
        journal.tenant_id == tenant_id, journal.tenant_id == rows.c.tenant_id, journal.customer_id == rows.c.customer_id,
        journal.id <= last)
    return func.coalesce(rows.c.balance_minor, total.scalar_subquery())


def _first_invoice_paid(tenant_id: uuid.UUID, rows: Any) -> Any:
    """A payment's first invoice paid (live or reversed allocation); the other kinds name theirs."""
    allocations = _ALLOCATIONS.c
    first = (select(allocations.invoice_id).where(allocations.tenant_id == tenant_id,
                                                  allocations.tenant_id == rows.c.tenant_id,
                                                  allocations.payment_id == rows.c.id)
             .order_by(allocations.id).limit(1).scalar_subquery())
    return case((rows.c.kind == TransactionKind.PAYMENT.value, first), else_=rows.c.invoice_id)


def page_of_customer_transactions(session: Session, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    """A page of payments, refunds and adjustments with their invoice (id, number) and resulting balance.

    One statement for the page: the union is filtered, sorted and cut, and only then are the page's rows
    completed, so the correlated look-ups run for a page, never for every row of the customer."""
    rows = _customer_transactions(tenant_id)
    columns = _transaction_columns(rows)
    total = session.execute(columns.count_statement(select(rows), criteria)).scalar_one()
    cut = columns.page_statement(select(rows), criteria).subquery("page")
    completed = select(*(column for column in cut.c if column.key not in ("invoice_id", "balance_minor")),
                       _first_invoice_paid(tenant_id, cut).label("invoice_id"),
                       _balance_right_after(tenant_id, cut).label("balance_minor")).subquery("completed")
    stmt = (select(completed, _INVOICES.c.number.label("invoice_number"))
            .outerjoin(_INVOICES, and_(_INVOICES.c.tenant_id == completed.c.tenant_id,
                                       _INVOICES.c.id == completed.c.invoice_id))
            .order_by(*_transaction_columns(completed).order_by(criteria.sorts)))
    return Page(items=list(session.execute(stmt).mappings()), total=total)


def count_customer_transactions(session: Session, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    rows = _customer_transactions(tenant_id)
    return count_matching(session, select(rows), _transaction_columns(rows), criteria)


# --- the money path: locked snapshots (Core rows, no ORM) and the apply step ---------------------------


_INVOICE_SNAPSHOT = (_INVOICES.c.id, _INVOICES.c.number, _INVOICES.c.customer_id, _INVOICES.c.status,
                     _INVOICES.c.issue_date, _INVOICES.c.total_minor, _INVOICES.c.outstanding_minor,
                     _INVOICES.c.refunded_minor, _INVOICES.c.written_off_minor)


def lock_customer(session: Session, tenant_id: uuid.UUID, ref: Ref) -> CustomerSnapshot | None:
    """The customer, locked (the first lock of every money change), with its tenant's settings version."""
    stmt = (select(_CUSTOMERS.c.id, _CUSTOMERS.c.currency, _CUSTOMERS.c.credit_minor, Tenant.settings_version)
            .join(Tenant, Tenant.id == _CUSTOMERS.c.tenant_id)
            .where(ref_clause(Customer, tenant_id, ref))
            .with_for_update(key_share=True, of=_CUSTOMERS))
    row = session.execute(stmt).one_or_none()
    return None if row is None else CustomerSnapshot(*row)


def lock_customer_of_payment(session: Session, tenant_id: uuid.UUID, payment_id: int) -> CustomerSnapshot | None:
    if not -(2**63) <= payment_id < 2**63:
        return None
    stmt = (select(_CUSTOMERS.c.id, _CUSTOMERS.c.currency, _CUSTOMERS.c.credit_minor, Tenant.settings_version)
            .join(Tenant, Tenant.id == _CUSTOMERS.c.tenant_id)
            .join(_PAYMENTS, and_(_PAYMENTS.c.tenant_id == _CUSTOMERS.c.tenant_id,
                                  _PAYMENTS.c.customer_id == _CUSTOMERS.c.id))
            .where(_PAYMENTS.c.tenant_id == tenant_id, _PAYMENTS.c.id == payment_id)
            .with_for_update(key_share=True, of=_CUSTOMERS))
    row = session.execute(stmt).one_or_none()
    return None if row is None else CustomerSnapshot(*row)


def lock_payment(session: Session, tenant_id: uuid.UUID, payment_id: int) -> RowMapping | None:
    stmt = (select(_PAYMENTS).where(_PAYMENTS.c.tenant_id == tenant_id, _PAYMENTS.c.id == payment_id)
            .with_for_update(key_share=True))
    return session.execute(stmt).mappings().one_or_none()


def lock_open_invoices(session: Session, tenant_id: uuid.UUID, customer_id: int, *,
                       bill_run_type: BillRunType | None = None) -> list[InvoiceSnapshot]:
    """The customer's posted invoices that still owe money (of one bill run type when named), locked, oldest
    first (the partial index of open invoices answers it). Whoever locks them holds the customer row first,
    so the order is safe."""
    of_type = () if bill_run_type is None else (_INVOICES.c.bill_run_type == bill_run_type,)
    stmt = (select(*_INVOICE_SNAPSHOT)
            .where(_INVOICES.c.tenant_id == tenant_id, _INVOICES.c.customer_id == customer_id,
                   _INVOICES.c.status == InvoiceStatus.POSTED, _INVOICES.c.outstanding_minor > 0, *of_type)
            .order_by(_INVOICES.c.issue_date, _INVOICES.c.id)
            .with_for_update(key_share=True))
    return [InvoiceSnapshot(*row) for row in session.execute(stmt)]


def lock_invoices(session: Session, tenant_id: uuid.UUID, invoice_ids: Sequence[int]) -> list[InvoiceSnapshot]:
    if not invoice_ids:
        return []
    stmt = (select(*_INVOICE_SNAPSHOT)
            .where(_INVOICES.c.tenant_id == tenant_id, _INVOICES.c.id.in_(sorted(set(invoice_ids))))
            .order_by(_INVOICES.c.id).with_for_update(key_share=True))
    return [InvoiceSnapshot(*row) for row in session.execute(stmt)]


def invoices_named(session: Session, tenant_id: uuid.UUID, refs: Sequence[Ref]) -> list[InvoiceSnapshot | None]:
    """Each referenced invoice (None where none is), in the order named: one query."""
    if not refs:
        return []
    stmt = select(*_INVOICE_SNAPSHOT, _INVOICES.c.bill_run_type).where(
        or_(*(ref_clause(Invoice, tenant_id, ref) for ref in refs)))
    rows = list(session.execute(stmt))
    found = []
    for ref in refs:
        name, value = ref.key
        column = {"id": 0, "number": 1}.get(name)
        match = next((row for row in rows if column is not None and row[column] == value), None)
        if match is None and column is None:  # uuid, locator, reference number: a query of its own
            match = session.execute(select(*_INVOICE_SNAPSHOT, _INVOICES.c.bill_run_type)
                                    .where(ref_clause(Invoice, tenant_id, ref))).first()
        found.append(None if match is None else InvoiceSnapshot(*match))
    return found


def live_parts(session: Session, tenant_id: uuid.UUID, payment_id: int) -> tuple[list[LiveAllocation], list[LiveShortfall]]:
    """The payment's live allocations and live shortfall write-off targets, in one query."""
    allocations = select(literal("a").label("part"), _ALLOCATIONS.c.id, _ALLOCATIONS.c.invoice_id,
                         _ALLOCATIONS.c.amount_minor).where(
        _ALLOCATIONS.c.tenant_id == tenant_id, _ALLOCATIONS.c.payment_id == payment_id,
        _ALLOCATIONS.c.reversed_at.is_(None))
    shortfalls = (select(literal("s").label("part"), _CREDITS.c.id, _TARGETS.c.invoice_id, _TARGETS.c.amount_minor)
                  .join(_TARGETS, and_(_TARGETS.c.tenant_id == _CREDITS.c.tenant_id,
                                       _TARGETS.c.credit_id == _CREDITS.c.id))
                  .where(_CREDITS.c.tenant_id == tenant_id, _CREDITS.c.payment_id == payment_id,
                         _CREDITS.c.type == CreditType.SHORTFALL_WRITE_OFF,
                         _CREDITS.c.state != CreditState.REVERSED))
    rows = session.execute(union_all(allocations, shortfalls).order_by("part", "id")).all()
    return ([LiveAllocation(row.id, row.invoice_id, row.amount_minor) for row in rows if row.part == "a"],
            [LiveShortfall(row.id, row.invoice_id, row.amount_minor) for row in rows if row.part == "s"])


def live_distributions(session: Session, tenant_id: uuid.UUID, payment_id: int) -> list[LiveDistribution]:
    """The targets of the payment's live creditDistribution credits (spent credit and redeemed certificates)."""
    stmt = (select(_CREDITS.c.id, _TARGETS.c.invoice_id, _TARGETS.c.amount_minor)
            .join(_TARGETS, and_(_TARGETS.c.tenant_id == _CREDITS.c.tenant_id, _TARGETS.c.credit_id == _CREDITS.c.id))
            .where(_CREDITS.c.tenant_id == tenant_id, _CREDITS.c.payment_id == payment_id,
                   _CREDITS.c.type == CreditType.CREDIT_DISTRIBUTION, _CREDITS.c.state != CreditState.REVERSED)
            .order_by(_TARGETS.c.id))
    return [LiveDistribution(*row) for row in session.execute(stmt)]


def credits_named(session: Session, tenant_id: uuid.UUID, customer_id: int,
                  refs: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Each reference (a credit's id or locator) that names a live ``payment`` credit of the customer's
    posted payment: the credit's id and what is left of it to spend (its payment's unallocated money less
    the live credit distributions drawn from it). The customer is locked: no one spends it meanwhile."""
    if not refs:
        return {}
    ids = [int(ref) for ref in refs if ref.isdigit() and int(ref) < 2**63]
    spent = _CREDITS.alias("spent")
    drawn = (select(func.coalesce(func.sum(spent.c.amount_minor), 0))
             .where(spent.c.tenant_id == tenant_id, spent.c.parent_id == _CREDITS.c.id,
                    spent.c.type == CreditType.CREDIT_DISTRIBUTION, spent.c.state != CreditState.REVERSED)
             .scalar_subquery())
    stmt = (select(_CREDITS.c.id, _CREDITS.c.locator, _PAYMENTS.c.unallocated_minor - drawn)
            .join(_PAYMENTS, and_(_PAYMENTS.c.tenant_id == _CREDITS.c.tenant_id,
                                  _PAYMENTS.c.id == _CREDITS.c.payment_id))
            .where(_CREDITS.c.tenant_id == tenant_id, _CREDITS.c.customer_id == customer_id,
                   _CREDITS.c.type == CreditType.PAYMENT, _CREDITS.c.state != CreditState.REVERSED,
                   _PAYMENTS.c.status == PaymentStatus.POSTED,
                   or_(_CREDITS.c.id.in_(ids), _CREDITS.c.locator.in_(list(refs)))))
    found: dict[str, tuple[int, int]] = {}
    for credit_id, locator, left in session.execute(stmt):
        for ref in refs:
            if ref in (str(credit_id), locator):
                found[ref] = (credit_id, max(int(left), 0))
    return found


def _change_invoices(session: Session, tenant_id: uuid.UUID, changes: Sequence[InvoiceChange], now: dt.datetime) -> None:
    update_rows(session, _INVOICES, tenant_id,
                [{"id": c.id, "outstanding_minor": c.outstanding_minor, "payment_status": c.payment_status}
                 for c in changes],
                also={"version": _INVOICES.c.version + 1, "updated_at": now})
    expire_rows(session, Invoice, [change.id for change in changes])


def _change_customer_credit(session: Session, tenant_id: uuid.UUID, customer_id: int, delta: int,
                            now: dt.datetime) -> None:
    if delta:
        session.execute(update(_CUSTOMERS).where(_CUSTOMERS.c.tenant_id == tenant_id, _CUSTOMERS.c.id == customer_id)
                        .values(credit_minor=_CUSTOMERS.c.credit_minor + delta, version=_CUSTOMERS.c.version + 1,
                                updated_at=now))
        expire_rows(session, Customer, [customer_id])


@dataclass(frozen=True)
class Posting:
    """One payment to post: its row (a new one to insert, or a draft to update) and its plan."""

    tenant_id: uuid.UUID
    customer_id: int
    payment: dict
    plan: PostingPlan
    is_new: bool


def apply_postings(session: Session, postings: Sequence[Posting], now: dt.datetime) -> list[list[dict[str, Any]]]:
    """Write the postings with one statement per table, whatever their number: the ids first (so rows
    can point at each other), then the payments, allocations, journal lines, credits and targets, the
    invoices and the customers. The rows the plans touch are locked already. Answers, per posting, the
    creditDistribution credits written for its spent credit and redeemed certificates (with their targets)."""
    if not postings:
        return []
    ids = reserve_ids(session, {_PAYMENTS: sum(p.is_new for p in postings),
                                _CREDITS: sum(len(p.plan.credits) + len(p.plan.distributions) for p in postings)})
    payment_ids, credit_ids = iter(ids[_PAYMENTS]), iter(ids[_CREDITS])
    new_payments, drafts, allocations, journal_lines, credits, targets = [], [], [], [], [], []
    redemptions: list[dict[str, Any]] = []
    drawn: dict[int, int] = {}
    written: list[list[dict[str, Any]]] = []
    for posting in postings:
        payment, plan = posting.payment, posting.plan
        if posting.is_new:
            payment["id"] = next(payment_ids)
            new_payments.append(payment)
        else:
            drafts.append(payment)
        allocations += [{"tenant_id": posting.tenant_id, "payment_id": payment["id"], "invoice_id": part.invoice_id,
                         "amount_minor": part.amount.minor, "refunded_minor": 0, "created_at": now,
                         "reversed_at": None} for part in plan.allocations]
        credit_row = partial(_credit_row, posting, now)
        distributed = []
        for distribution in plan.distributions:
            row = credit_row(next(credit_ids), CreditType.CREDIT_DISTRIBUTION, CreditState.EXECUTED,
                             distribution.amount_minor, distribution.parent_credit_id,
                             description=("customer credit spent" if distribution.code is None
                                          else f"gift certificate {distribution.code}"))
            credits.append(row)
            distributed.append({**row, "targets": distribution.targets, "certificate_id": distribution.certificate_id,
                                "code": distribution.code})
            targets += [{"tenant_id": posting.tenant_id, "credit_id": row["id"], "invoice_id": invoice_id,
                         "amount_minor": minor} for invoice_id, minor in distribution.targets]
            journal_lines += [replace(line, payment_id=payment["id"], credit_id=row["id"])
                              for line in distribution.lines]
            if distribution.certificate_id is not None:
                redemptions.append({"tenant_id": posting.tenant_id, "gift_certificate_id": distribution.certificate_id,
                                    "payment_id": payment["id"], "customer_id": posting.customer_id,
                                    "credit_id": row["id"], "amount_minor": distribution.amount_minor,
                                    "currency": plan.currency, "created_at": now, "reversed_at": None})
                drawn[distribution.certificate_id] = drawn.get(distribution.certificate_id, 0) - distribution.amount_minor
        written.append(distributed)
        journal_lines += [replace(line, payment_id=payment["id"]) for line in plan.journal]
        parent_id = None  # the payment credit, when there is cash: the parent of its subpayments and shortfalls
        for line in plan.credits:
            credit_id = next(credit_ids)
            credits.append(credit_row(credit_id, line.type, line.state, line.amount_minor, parent_id))
            if line.type is CreditType.PAYMENT:
                parent_id = credit_id
            if line.invoice_id is not None:
                targets.append({"tenant_id": posting.tenant_id, "credit_id": credit_id,
                                "invoice_id": line.invoice_id, "amount_minor": line.amount_minor})
    insert_rows(session, _PAYMENTS, new_payments)
    if drafts:
        update_rows(session, _PAYMENTS, postings[0].tenant_id,
                    [{"id": p["id"], "status": p["status"], "posted_on": p["posted_on"],
                      "unallocated_minor": p["unallocated_minor"], "updated_by": p["updated_by"]} for p in drafts],
                    also={"version": _PAYMENTS.c.version + 1, "updated_at": now})
        expire_rows(session, Payment, [p["id"] for p in drafts])
    insert_rows(session, _ALLOCATIONS, allocations)
    # Lines of credit distributions name their credits, so those go first; other postings keep the order
    # the bench's floor mirrors.
    distributing = bool(redemptions) or any(p.plan.distributions for p in postings)
    if not distributing:
        journal.append(session, tenant_id=postings[0].tenant_id, lines=journal_lines, now=now)
    insert_rows(session, _CREDITS, credits)
    if distributing:
        journal.append(session, tenant_id=postings[0].tenant_id, lines=journal_lines, now=now)
    insert_rows(session, _TARGETS, targets)
    certificates.insert_redemptions(session, redemptions)
    if drawn:
        certificates.change_balances(session, postings[0].tenant_id, drawn, postings[0].payment["updated_by"])
    _change_invoices(session, postings[0].tenant_id, [c for p in postings for c in p.plan.invoices], now)
    for posting in postings:
        _change_customer_credit(session, posting.tenant_id, posting.customer_id, posting.plan.customer_credit_delta,
                                now)
    return written


def _credit_row(posting: Posting, now: dt.datetime, credit_id: int, type_: CreditType, state: CreditState,
                amount_minor: int, parent_id: int | None, description: str | None = None) -> dict[str, Any]:
    payment = posting.payment
    return {"id": credit_id, "tenant_id": posting.tenant_id, "locator": new_locator(), "type": type_, "state": state,
            "customer_id": posting.customer_id, "payment_id": payment["id"], "parent_id": parent_id,
            "amount_minor": amount_minor, "currency": posting.plan.currency, "description": description,
            "created_by": payment["updated_by"] or payment["created_by"], "created_at": now, "realized_at": now,
            "reversed_at": None, "reversal_reason": None}


def insert_payment(session: Session, payment: dict) -> None:
    payment["id"] = reserve_ids(session, {_PAYMENTS: 1})[_PAYMENTS][0]
    insert_rows(session, _PAYMENTS, [payment])


def apply_cancellation(session: Session, *, tenant_id: uuid.UUID, customer_id: int, payment: Mapping[str, Any],
                       plan: CancellationPlan, cancellation: dict, reason: str, now: dt.datetime) -> None:
    """Write a cancellation: its row, the journal, the allocations and credits reversed, the invoices
    reopened, the payment CANCELLED and the customer's credit taken back."""
    cancellation["id"] = session.execute(insert(_CANCELLATIONS).values(cancellation)
                                         .returning(_CANCELLATIONS.c.id)).scalar_one()
    journal.append(session, tenant_id=tenant_id, lines=plan.journal, now=now)
    if plan.reversed_allocations:
        session.execute(update(_ALLOCATIONS).where(_ALLOCATIONS.c.tenant_id == tenant_id,
                                                   _ALLOCATIONS.c.id.in_(plan.reversed_allocations))
                        .values(reversed_at=now))
    # The payment credit, its subpayments and its shortfall write-offs: every live credit of the payment.
    session.execute(update(_CREDITS).where(_CREDITS.c.tenant_id == tenant_id, _CREDITS.c.payment_id == payment["id"],
                                           _CREDITS.c.state != CreditState.REVERSED)
                    .values(state=CreditState.REVERSED, reversed_at=now, reversal_reason=reason))
    _change_invoices(session, tenant_id, plan.invoices, now)
    certificates.reverse_redemptions(session, tenant_id, plan.reversed_redemptions, now)
    if plan.restored_certificates:
        certificates.change_balances(session, tenant_id, dict(plan.restored_certificates), payment["updated_by"])
    session.execute(update(_PAYMENTS).where(_PAYMENTS.c.tenant_id == tenant_id, _PAYMENTS.c.id == payment["id"])
                    .values(status=PaymentStatus.CANCELLED, unallocated_minor=0, updated_by=payment["updated_by"],
                            version=_PAYMENTS.c.version + 1, updated_at=now))
    expire_rows(session, Payment, [payment["id"]])
    _change_customer_credit(session, tenant_id, customer_id, plan.customer_credit_delta, now)


def as_row(payment: Payment) -> dict[str, Any]:
    return {column.key: getattr(payment, column.key) for column in _PAYMENTS.columns}


def payment_row(session: Session, tenant_id: uuid.UUID, ref: Ref) -> RowMapping | None:
    return session.execute(select(_PAYMENTS).where(ref_clause(Payment, tenant_id, ref))).mappings().one_or_none()


def payment_id_named(session: Session, tenant_id: uuid.UUID, ref: Ref) -> int | None:
    return session.execute(select(_PAYMENTS.c.id).where(ref_clause(Payment, tenant_id, ref))).scalar_one_or_none()


def status_of_payment(session: Session, tenant_id: uuid.UUID, payment_id: int) -> PaymentStatus | None:
    if not -(2**63) <= payment_id < 2**63:
        return None
    return session.execute(select(_PAYMENTS.c.status).where(_PAYMENTS.c.tenant_id == tenant_id,
                                                            _PAYMENTS.c.id == payment_id)).scalar_one_or_none()


def update_payment(session: Session, tenant_id: uuid.UUID, row: Mapping[str, Any], columns: Sequence[str],
                   now: dt.datetime) -> None:
    session.execute(update(_PAYMENTS).where(_PAYMENTS.c.tenant_id == tenant_id, _PAYMENTS.c.id == row["id"])
                    .values({**{name: row[name] for name in columns}, "version": _PAYMENTS.c.version + 1, "updated_at": now}))
    expire_rows(session, Payment, [row["id"]])


def allocation_lines_by_payment(session: Session, tenant_id: uuid.UUID,
                                payment_ids: Sequence[int]) -> dict[int, list[AllocationLine]]:
    """Live allocations of the payments, oldest first, with their invoices' numbers: one query."""
    if not payment_ids:
        return {}
    stmt = (select(_ALLOCATIONS.c.payment_id, _ALLOCATIONS.c.invoice_id, _INVOICES.c.number,
                   _ALLOCATIONS.c.amount_minor, _INVOICES.c.currency)
            .join(_INVOICES, and_(_INVOICES.c.tenant_id == _ALLOCATIONS.c.tenant_id,
                                  _INVOICES.c.id == _ALLOCATIONS.c.invoice_id))
            .where(_ALLOCATIONS.c.tenant_id == tenant_id, _ALLOCATIONS.c.payment_id.in_(payment_ids),
                   _ALLOCATIONS.c.reversed_at.is_(None))
            .order_by(_ALLOCATIONS.c.id))
    result: dict[int, list[AllocationLine]] = {}
    for payment_id, invoice_id, number, amount_minor, currency in session.execute(stmt):
        result.setdefault(payment_id, []).append(AllocationLine(invoice_id, number, Money(amount_minor, currency)))
    return result


def applied_by_payment(session: Session, tenant_id: uuid.UUID, payments: Sequence[Mapping[str, Any]]
                       ) -> tuple[dict[int, list[AppliedCredit]], dict[int, list[AppliedCertificate]]]:
    """The live credit distributions of the payments that applied credit or certificates, with the invoices
    they settled: no statement at all when none did (most payments), else two."""
    ids = [p["id"] for p in payments if p.get("credit_applied_minor") or p.get("gift_applied_minor")]
    if not ids:
        return {}, {}
    stmt = (select(_CREDITS.c.payment_id, _CREDITS.c.id, _CREDITS.c.locator, _CREDITS.c.amount_minor,
                   _CREDITS.c.currency, _CREDITS.c.parent_id, _TARGETS.c.invoice_id, _INVOICES.c.number,
                   _TARGETS.c.amount_minor.label("target_minor"))
            .join(_TARGETS, and_(_TARGETS.c.tenant_id == _CREDITS.c.tenant_id, _TARGETS.c.credit_id == _CREDITS.c.id))
            .join(_INVOICES, and_(_INVOICES.c.tenant_id == _TARGETS.c.tenant_id,
                                  _INVOICES.c.id == _TARGETS.c.invoice_id))
            .where(_CREDITS.c.tenant_id == tenant_id, _CREDITS.c.payment_id.in_(ids),
                   _CREDITS.c.type == CreditType.CREDIT_DISTRIBUTION, _CREDITS.c.state != CreditState.REVERSED)
            .order_by(_CREDITS.c.id, _TARGETS.c.id))
    by_credit: dict[int, dict[str, Any]] = {}
    for row in session.execute(stmt):
        entry = by_credit.setdefault(row.id, {"row": row, "invoices": []})
        entry["invoices"].append(AllocationLine(row.invoice_id, row.number, Money(row.target_minor, row.currency)))
    redeemed = certificates.redemptions_by_payment(session, tenant_id, ids)
    redeemed_credits = {r.credit_id: r for found in redeemed.values() for r in found}
    credit: dict[int, list[AppliedCredit]] = {}
    gift: dict[int, list[AppliedCertificate]] = {}
    for credit_id, entry in by_credit.items():
        row, invoices = entry["row"], tuple(entry["invoices"])
        amount = Money(row.amount_minor, row.currency)
        if credit_id in redeemed_credits:
            redemption = redeemed_credits[credit_id]
            gift.setdefault(row.payment_id, []).append(AppliedCertificate(
                redemption.code, redemption.gift_certificate_id, amount, credit_id, row.locator, invoices))
        else:
            credit.setdefault(row.payment_id, []).append(AppliedCredit(credit_id, row.locator, amount, row.parent_id,
                                                                       invoices))
    return credit, gift


def cancellation_rows_by_payment(session: Session, tenant_id: uuid.UUID,
                                 payment_ids: Sequence[int]) -> dict[int, RowMapping]:
    if not payment_ids:
        return {}
    stmt = select(_CANCELLATIONS).where(_CANCELLATIONS.c.tenant_id == tenant_id,
                                        _CANCELLATIONS.c.payment_id.in_(payment_ids))
    return {row["payment_id"]: row for row in session.execute(stmt).mappings()}


def invoice_summaries(session: Session, tenant_id: uuid.UUID, invoice_ids: Sequence[int]) -> dict[int, RowMapping]:
    """The invoices' numbers, dates and amounts now, by id: one query."""
    if not invoice_ids:
        return {}
    stmt = (select(_INVOICES.c.id, _INVOICES.c.number, _INVOICES.c.issue_date, _INVOICES.c.due_date,
                   _INVOICES.c.total_minor, _INVOICES.c.outstanding_minor, _INVOICES.c.currency)
            .where(_INVOICES.c.tenant_id == tenant_id, _INVOICES.c.id.in_(sorted(set(invoice_ids)))))
    return {row["id"]: row for row in session.execute(stmt).mappings()}


def invoice_id_named(session: Session, tenant_id: uuid.UUID, ref: Ref) -> int | None:
    return session.execute(select(_INVOICES.c.id).where(ref_clause(Invoice, tenant_id, ref))).scalar_one_or_none()


def customer_id_named(session: Session, tenant_id: uuid.UUID, ref: Ref) -> int | None:
    return session.execute(select(_CUSTOMERS.c.id).where(ref_clause(Customer, tenant_id, ref))).scalar_one_or_none()


# --- what a payment points at, read in batch for surfaces that render it whole (seed 004) -------------

def rows_by_id(session: Session, model: type[Any], tenant_id: uuid.UUID, ids: Sequence[int],
               *columns: str) -> dict[int, RowMapping]:
    """The tenant's rows of ``model`` with these ids (only ``columns``, plus id): one query."""
    wanted = sorted({each for each in ids if each is not None})
    if not wanted:
        return {}
    table = model.__table__
    stmt = select(table.c.id, *(table.c[name] for name in columns)).where(table.c.tenant_id == tenant_id,
                                                                           table.c.id.in_(wanted))
    return {row["id"]: row for row in session.execute(stmt).mappings()}


def method_rows(session: Session, tenant_id: uuid.UUID, methods: Sequence[PaymentMethod]) -> dict[PaymentMethod, RowMapping]:
    wanted = sorted({method.value for method in methods})
    if not wanted:
        return {}
    stmt = select(PaymentMethodSetting.id, PaymentMethodSetting.method, PaymentMethodSetting.name,
                  PaymentMethodSetting.alternative_code, PaymentMethodSetting.description).where(
        PaymentMethodSetting.tenant_id == tenant_id, PaymentMethodSetting.method.in_(wanted))
    return {row["method"]: row for row in session.execute(stmt).mappings()}


def user_rows(session: Session, tenant_id: uuid.UUID, usernames: Sequence[str]) -> dict[str, RowMapping]:
    wanted = sorted({name for name in usernames if name})
    if not wanted:
        return {}
    stmt = select(User.id, User.username).where(User.tenant_id == tenant_id, User.username.in_(wanted))
    return {row["username"]: row for row in session.execute(stmt).mappings()}


def bill_rows(session: Session, tenant_id: uuid.UUID, bill_ids: Sequence[int]) -> dict[int, RowMapping]:
    """Bills with what their posted invoices add up to (total, outstanding, latest due date, how many)."""
    wanted = sorted(set(bill_ids))
    if not wanted:
        return {}
    sums = (select(_INVOICES.c.tenant_id, _INVOICES.c.bill_id, func.sum(_INVOICES.c.total_minor).label("total_minor"),
                   func.sum(_INVOICES.c.outstanding_minor).label("outstanding_minor"),
                   func.max(_INVOICES.c.due_date).label("due_date"))
            .where(_INVOICES.c.tenant_id == tenant_id, _INVOICES.c.bill_id.in_(wanted),
                   _INVOICES.c.status == InvoiceStatus.POSTED)
            .group_by(_INVOICES.c.tenant_id, _INVOICES.c.bill_id).subquery())
    bills = Bill.__table__
    stmt = (select(bills.c.id, bills.c.number, bills.c.period_start, bills.c.period_end, _CUSTOMERS.c.currency,
                   sums.c.total_minor, sums.c.outstanding_minor, sums.c.due_date)
            .join(_CUSTOMERS, and_(_CUSTOMERS.c.tenant_id == bills.c.tenant_id, _CUSTOMERS.c.id == bills.c.customer_id))
            .outerjoin(sums, and_(sums.c.tenant_id == bills.c.tenant_id, sums.c.bill_id == bills.c.id))
            .where(bills.c.tenant_id == tenant_id, bills.c.id.in_(wanted)))
    return {row["id"]: row for row in session.execute(stmt).mappings()}


def bills_paid_by_payment(session: Session, tenant_id: uuid.UUID,
                          payment_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
    """Per payment, the bills (id, number) of the invoices it pays now (live allocations), in bill id order."""
    if not payment_ids:
        return {}
    bills = Bill.__table__
    stmt = (select(_ALLOCATIONS.c.payment_id, bills.c.id, bills.c.number).distinct()
            .join(_INVOICES, and_(_INVOICES.c.tenant_id == _ALLOCATIONS.c.tenant_id,
                                  _INVOICES.c.id == _ALLOCATIONS.c.invoice_id))
            .join(bills, and_(bills.c.tenant_id == _INVOICES.c.tenant_id, bills.c.id == _INVOICES.c.bill_id))
            .where(_ALLOCATIONS.c.tenant_id == tenant_id, _ALLOCATIONS.c.payment_id.in_(payment_ids),
                   _ALLOCATIONS.c.reversed_at.is_(None))
            .order_by(_ALLOCATIONS.c.payment_id, bills.c.id))
    result: dict[int, list[tuple[int, str]]] = {}
    for payment_id, bill_id, number in session.execute(stmt):
        result.setdefault(payment_id, []).append((bill_id, number))
    return result


def latest_payment_rows(session: Session, tenant_id: uuid.UUID, criteria: Criteria) -> list[RowMapping]:
    """Payments meeting the criteria, in the criteria's order and window, as rows."""
    return list(session.execute(PAYMENT_COLUMNS.page_statement(select(_PAYMENTS).where(
        _PAYMENTS.c.tenant_id == tenant_id), criteria)).mappings())
