"""Any sequence of money moves keeps the books balanced (DESIGN "Balances"), on every backend.

A hypothesis state machine creates customers and invoices, posts and cancels payments, pays
invoices, cancels invoices, adjusts balances, refunds invoices and credit, writes invoices off and
reverses write-offs; after every step ``verify`` must be clean and every customer's balance must
equal both ``credit - outstanding`` and ``payments posted - refunds - invoices posted + shortfall
write-offs + write-offs + adjustment credit``. Each example is rolled back to a savepoint afterwards.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import TypeVar

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, MultipleResults, RuleBasedStateMachine, initialize, invariant, multiple,
                                precondition, rule, run_state_machine_as_test)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledgerline.adjustments.service import NewAdjustment, adjust_balance
from ledgerline.customers.service import create_customer
from ledgerline.credits.service import NewWriteOff, WriteOffTarget, reverse_write_off, write_off
from ledgerline.errors import Conflict, InvalidRequest
from ledgerline.invoices.service import cancel_invoice, create_invoice, post_invoice
from ledgerline.ledger.repository import balance_of
from ledgerline.ledger.service import verify
from ledgerline.models import (
    Credit, Customer, CustomerBalanceAdjustment, Invoice, Payment, PaymentAllocation, Refund,
)
from ledgerline.models.enums import CreditState, CreditType, InvoiceStatus, PaymentMethod, PaymentStatus
from ledgerline.kit.money import Money
from ledgerline.kit.refs import CreditRef, CustomerRef, InvoiceRef
from ledgerline.refunds.service import NewRefund, refund
from ledgerline.tenants.context import TenantContext
from tests import payment_calls as service

T = TypeVar("T")
BASE_DAY = dt.date(2026, 1, 1)
SETTINGS = settings(max_examples=25, stateful_step_count=15, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _refused_or(session: Session, name: str, call: Callable[[], T], *, refused: bool,
                refusal: type[Exception] = Conflict) -> T | None:
    """Run one request in its own savepoint; a refusal (409 unless told) rolls it back and must be what the
    state predicts."""
    try:
        with session.begin_nested():
            result = call()
    except refusal:
        assert refused, "refused a request the state allows"
        event(f"{name}: refused")
        return None
    assert not refused, "accepted a request the state forbids"
    event(f"{name}: accepted")
    return result


def _books(session: Session, tenant_id: uuid.UUID) -> dict[int, dict[str, int]]:
    """Every customer's figures from the tables themselves (not from the journal), by customer id."""
    books: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    payments = session.execute(
        select(Payment.customer_id, func.sum(Payment.amount_minor), func.sum(Payment.unallocated_minor))
        .where(Payment.tenant_id == tenant_id, Payment.status == PaymentStatus.POSTED).group_by(Payment.customer_id))
    for customer_id, paid, unallocated in payments:
        books[customer_id].update(paid=int(paid), unallocated=int(unallocated))
    invoices = session.execute(
        select(Invoice.customer_id, func.sum(Invoice.total_minor), func.sum(Invoice.outstanding_minor))
        .where(Invoice.tenant_id == tenant_id, Invoice.status == InvoiceStatus.POSTED).group_by(Invoice.customer_id))
    for customer_id, invoiced, outstanding in invoices:
        books[customer_id].update(invoiced=int(invoiced), outstanding=int(outstanding))
    write_offs = session.execute(
        select(Credit.customer_id, func.sum(Credit.amount_minor))
        .where(Credit.tenant_id == tenant_id, Credit.type.in_([CreditType.SHORTFALL_WRITE_OFF, CreditType.WRITE_OFF]),
               Credit.reversed_at.is_(None))
        .group_by(Credit.customer_id))
    for customer_id, written_off in write_offs:
        books[customer_id]["written_off"] = int(written_off)
    refunds = session.execute(select(Refund.customer_id, func.sum(Refund.amount_minor))
                              .where(Refund.tenant_id == tenant_id).group_by(Refund.customer_id))
    for customer_id, refunded in refunds:
        books[customer_id]["refunded"] = int(refunded)
    # What adjustments did to credit: a credit adds its amount, a debit takes what it used.
    adjustments = session.execute(select(CustomerBalanceAdjustment).where(
        CustomerBalanceAdjustment.tenant_id == tenant_id)).scalars()
    for adjustment in adjustments:
        amount = adjustment.amount_minor
        books[adjustment.customer_id]["adjusted_credit"] += amount if amount > 0 else -adjustment.credit_used_minor
    return books


def _major(minor: int, currency: str):  # noqa: ANN202 - the services take amounts in major units
    return Money(int(minor), currency).amount  # PostgreSQL sums are Decimal


def _by_payment(rows) -> dict[int, int]:  # noqa: ANN001
    return {payment_id: int(total) for payment_id, total in rows}


def test_balances_hold_after_any_sequence_of_money_moves(database, tenant_id: uuid.UUID) -> None:
    tenant = TenantContext(tenant_id=tenant_id, version=1)
    with database.session() as session:

        class Books(RuleBasedStateMachine):
            customers = Bundle("customers")
            invoices = Bundle("invoices")
            payments = Bundle("payments")
            write_offs = Bundle("write_offs")

            def __init__(self) -> None:
                super().__init__()
                self.customer_ids: list[int] = []

            def teardown(self) -> None:
                # Rolls back to the session's own savepoint in the test's outer transaction (the tenant was
                # committed before it), even after a failed flush; SQLite reuses rolled-back ids: expunge_all.
                session.rollback()
                session.expunge_all()

            def _open_invoices_of(self, customer_id: int) -> list[Invoice]:
                return list(session.execute(select(Invoice).where(
                    Invoice.tenant_id == tenant_id, Invoice.customer_id == customer_id,
                    Invoice.status == InvoiceStatus.POSTED, Invoice.outstanding_minor > 0,
                ).order_by(Invoice.id)).scalars())

            @initialize(target=customers, currency=st.sampled_from(["GBP", "JPY"]))
            def first_customer(self, currency: str) -> int:
                return self.add_customer(currency)

            @precondition(lambda self: len(self.customer_ids) < 2)  # few customers, many moves each
            @rule(target=customers, currency=st.sampled_from(["GBP", "JPY"]))
            def add_customer(self, currency: str) -> int:
                customer = create_customer(session, tenant_id=tenant_id, name=f"Customer {currency}", currency=currency)
                self.customer_ids.append(customer.id)
                return customer.id

            @rule(target=invoices, customer_id=customers, total=st.integers(0, 100_000), day=st.integers(0, 30),
                  as_draft_first=st.booleans())
            def post_an_invoice(self, customer_id: int, total: int, day: int, as_draft_first: bool) -> int:
                issue_date = BASE_DAY + dt.timedelta(days=day)
                status = InvoiceStatus.DRAFT if as_draft_first else InvoiceStatus.POSTED
                invoice = create_invoice(session, tenant_id=tenant_id, customer_id=customer_id, total_minor=total,
                                         issue_date=issue_date, status=status)
                if as_draft_first:
                    post_invoice(session, tenant_id=tenant_id, invoice_id=invoice.id)
                assert (invoice.status, invoice.outstanding_minor) == (InvoiceStatus.POSTED, total)
                return invoice.id

            def _pay(self, customer_id: int, amount: int, target: Invoice | None, tolerance: int,
                     as_draft_first: bool) -> int:
                owed_before = target.outstanding_minor if target is not None else 0
                status = PaymentStatus.DRAFT if as_draft_first else PaymentStatus.POSTED
                payment = service.create_payment(
                    session, tenant_id=tenant_id, customer_id=customer_id, amount_minor=amount,
                    payment_method=PaymentMethod.CHEQUE, status=status,
                    invoices_to_pay=[target.id] if target is not None else [], tolerance_minor=tolerance)
                if as_draft_first:
                    service.post_payment(session, tenant_id=tenant_id, payment_id=payment.id, tolerance_minor=tolerance)
                assert payment.status is PaymentStatus.POSTED
                if target is not None:
                    # DESIGN "Allocation": the intended invoice first; a shortfall within tolerance is written off.
                    short = owed_before - amount
                    assert target.outstanding_minor == (0 if short <= tolerance else short)
                return payment.id

            @rule(target=payments, customer_id=customers, amount=st.integers(1, 150_000),
                  pick=st.none() | st.integers(0, 50), tolerance=st.sampled_from([0, 1, 100]),
                  as_draft_first=st.booleans())
            def post_a_payment(self, customer_id: int, amount: int, pick: int | None, tolerance: int,
                               as_draft_first: bool) -> int:
                owing = self._open_invoices_of(customer_id)
                target = owing[pick % len(owing)] if pick is not None and owing else None
                return self._pay(customer_id, amount, target, tolerance, as_draft_first)

            @rule(target=payments, customer_id=customers, pick=st.integers(0, 50),
                  short_by=st.sampled_from([1, 2, 99, 100, 101]), tolerance=st.sampled_from([1, 100]),
                  as_draft_first=st.booleans())
            def pay_an_invoice_short(self, customer_id: int, pick: int, short_by: int, tolerance: int,
                                     as_draft_first: bool) -> MultipleResults[int]:
                """Around the tolerance, where shortfall write-offs happen (or just fail to)."""
                owing = [invoice for invoice in self._open_invoices_of(customer_id)
                         if invoice.outstanding_minor > short_by]
                if not owing:
                    return multiple()
                target = owing[pick % len(owing)]
                amount = target.outstanding_minor - short_by
                return multiple(self._pay(customer_id, amount, target, tolerance, as_draft_first))

            @rule(payment_id=payments)
            def cancel_a_payment(self, payment_id: int) -> None:
                payment = session.get(Payment, payment_id)
                credit = session.get(Customer, payment.customer_id).credit_minor
                # A debit adjustment may have used the payment's credit: then it cannot be undone.
                refused = (payment.status is not PaymentStatus.POSTED or credit < payment.unallocated_minor
                           or payment.refunded_minor > 0)
                _refused_or(session, "cancel payment",
                            lambda: service.cancel_payment(session, tenant_id=tenant_id, payment_id=payment_id),
                            refused=refused)
                assert refused or session.get(Payment, payment_id).status is PaymentStatus.CANCELLED

            @rule(invoice_id=invoices)
            def cancel_an_invoice(self, invoice_id: int) -> None:
                invoice = session.get(Invoice, invoice_id)
                money_on_it = invoice.status is InvoiceStatus.POSTED and invoice.outstanding_minor < invoice.total_minor
                _refused_or(session, "cancel invoice",
                            lambda: cancel_invoice(session, tenant_id=tenant_id, invoice_id=invoice_id),
                            refused=invoice.status is InvoiceStatus.CANCELLED or money_on_it)

            @rule(target=payments, invoice_id=invoices)
            def pay_an_invoice(self, invoice_id: int) -> MultipleResults[int]:
                invoice = session.get(Invoice, invoice_id)
                owed = invoice.outstanding_minor if invoice.status is InvoiceStatus.POSTED else 0
                payment = _refused_or(session, "pay invoice", lambda: service.pay_invoice(
                    session, tenant_id=tenant_id, invoice_id=invoice_id, payment_method=PaymentMethod.BACS),
                    refused=owed == 0)
                if payment is None:
                    return multiple()  # refused: no payment joins the bundle
                assert (payment.amount_minor, payment.unallocated_minor, invoice.outstanding_minor) == (owed, 0, 0)
                return multiple(payment.id)

            @rule(customer_id=customers, amount=st.integers(-100_000, 100_000).filter(bool))
            def adjust_a_balance(self, customer_id: int, amount: int) -> None:
                before = balance_of(session, tenant_id, customer_id)
                credit = session.get(Customer, customer_id).credit_minor
                currency = session.get(Customer, customer_id).currency
                adjustment = adjust_balance(session, tenant=tenant, new=NewAdjustment(
                    CustomerRef(id=customer_id), _major(amount, currency)))
                event("adjust: debit using credit" if amount < 0 and credit else "adjust")
                assert balance_of(session, tenant_id, customer_id) == adjustment.resulting_balance_minor == before + amount
                if amount < 0:  # a debit uses credit first; an invoice carries the rest
                    assert adjustment.credit_used_minor == min(credit, -amount)
                    invoice = session.get(Invoice, adjustment.invoice_id) if adjustment.invoice_id else None
                    assert adjustment.credit_used_minor + (invoice.total_minor if invoice else 0) == -amount

            @rule(invoice_id=invoices, share=st.integers(1, 120))
            def refund_an_invoice(self, invoice_id: int, share: int) -> None:
                """Some percent of what was collected on the invoice; above 100 must be refused."""
                collected = session.execute(
                    select(func.coalesce(func.sum(PaymentAllocation.amount_minor - PaymentAllocation.refunded_minor), 0))
                    .where(PaymentAllocation.tenant_id == tenant_id, PaymentAllocation.invoice_id == invoice_id,
                           PaymentAllocation.reversed_at.is_(None))).scalar_one()
                amount = max(1, collected * share // 100)
                outstanding = session.get(Invoice, invoice_id).outstanding_minor
                currency = session.get(Invoice, invoice_id).currency
                _refused_or(session, "refund invoice", lambda: refund(session, tenant=tenant, new=NewRefund(
                    amount=_major(amount, currency), invoice=InvoiceRef(id=invoice_id))),
                    refused=amount > collected, refusal=InvalidRequest)
                if amount <= collected:
                    assert session.get(Invoice, invoice_id).outstanding_minor == outstanding + amount

            @rule(customer_id=customers, share=st.integers(1, 120))
            def refund_credit(self, customer_id: int, share: int) -> None:
                """Some percent of the customer's refundable credit; above 100 must be refused."""
                unallocated = session.execute(
                    select(func.coalesce(func.sum(Payment.unallocated_minor), 0))
                    .where(Payment.tenant_id == tenant_id, Payment.customer_id == customer_id,
                           Payment.status == PaymentStatus.POSTED)).scalar_one()
                refundable = min(unallocated, session.get(Customer, customer_id).credit_minor)
                amount = max(1, refundable * share // 100)
                currency = session.get(Customer, customer_id).currency
                _refused_or(session, "refund credit", lambda: refund(session, tenant=tenant, new=NewRefund(
                    amount=_major(amount, currency), customer=CustomerRef(id=customer_id),
                    method=PaymentMethod.BACS)), refused=amount > refundable, refusal=InvalidRequest)

            @rule(target=write_offs, invoice_id=invoices, share=st.integers(1, 110))
            def write_off_an_invoice(self, invoice_id: int, share: int) -> MultipleResults[int]:
                invoice = session.get(Invoice, invoice_id)
                owed = invoice.outstanding_minor if invoice.status is InvoiceStatus.POSTED else 0
                if owed == 0:
                    _refused_or(session, "write off", lambda: write_off(session, tenant=tenant, new=NewWriteOff(
                        (WriteOffTarget(InvoiceRef(id=invoice_id)),))), refused=True)
                    return multiple()
                amount = max(1, owed * share // 100)
                target = WriteOffTarget(InvoiceRef(id=invoice_id), _major(amount, invoice.currency))
                written = _refused_or(session, "write off", lambda: write_off(
                    session, tenant=tenant, new=NewWriteOff((target,))), refused=amount > owed, refusal=InvalidRequest)
                return multiple() if written is None else multiple(written.credit.credit.id)

            @rule(credit_id=write_offs)
            def reverse_a_write_off(self, credit_id: int) -> None:
                reversed_already = session.get(Credit, credit_id).state is CreditState.REVERSED
                _refused_or(session, "reverse write-off", lambda: reverse_write_off(
                    session, tenant=tenant, credit=CreditRef(id=credit_id), reason="in error"), refused=reversed_already)

            @invariant()
            def books_balance(self) -> None:
                assert verify(session, tenant_id) == []
                all_books = _books(session, tenant_id)
                for customer_id in self.customer_ids:
                    books = all_books[customer_id]
                    credit = session.get(Customer, customer_id).credit_minor
                    balance = balance_of(session, tenant_id, customer_id)
                    assert credit == books["unallocated"] + books["adjusted_credit"]
                    assert balance == credit - books["outstanding"]
                    assert balance == (books["paid"] - books["invoiced"] + books["written_off"]
                                       + books["adjusted_credit"] - books["refunded"])

            @invariant()
            def every_payment_is_accounted_for(self) -> None:
                allocated = _by_payment(session.execute(
                    select(PaymentAllocation.payment_id, func.sum(PaymentAllocation.amount_minor))
                    .where(PaymentAllocation.tenant_id == tenant_id, PaymentAllocation.reversed_at.is_(None))
                    .group_by(PaymentAllocation.payment_id)))
                written_off = _by_payment(session.execute(
                    select(Credit.payment_id, func.sum(Credit.amount_minor))
                    .where(Credit.tenant_id == tenant_id, Credit.reversed_at.is_(None))
                    .group_by(Credit.payment_id)))
                refunded_from_invoices = _by_payment(session.execute(
                    select(PaymentAllocation.payment_id, func.sum(PaymentAllocation.refunded_minor))
                    .where(PaymentAllocation.tenant_id == tenant_id).group_by(PaymentAllocation.payment_id)))
                for payment in session.execute(select(Payment).where(Payment.tenant_id == tenant_id)).scalars():
                    if payment.status is PaymentStatus.POSTED:
                        # Refunds of credit took money off unallocated; refunds on invoices left allocations whole.
                        refunded_from_credit = payment.refunded_minor - refunded_from_invoices.get(payment.id, 0)
                        assert payment.amount_minor == (allocated.get(payment.id, 0) + payment.unallocated_minor
                                                        + refunded_from_credit)
                    else:  # cancelled: every allocation and write-off reversed, no credit left
                        assert (allocated.get(payment.id, 0), written_off.get(payment.id, 0),
                                payment.unallocated_minor) == (0, 0, 0)

        run_state_machine_as_test(Books, settings=SETTINGS)
