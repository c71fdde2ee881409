"""Credit use cases (seed 002; DESIGN "Credits").

A posted payment is a ``payment`` credit whose ``subpayment`` children each settle one
invoice; a tolerance shortfall is a ``shortfallWriteOff`` under the payment credit. These
follow the payment: written when it posts, reversed when it is cancelled. A ``writeOff`` is
an administrative decision: it settles invoices without money and can be reversed with a
reason. Every change runs under the customer row lock and is journaled.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ledgerline.credits import repository
from ledgerline.errors import Conflict, InvalidRequest, not_found
from ledgerline.invoices import repository as invoices_repository
from ledgerline.invoices.service import change_outstanding
from ledgerline.kit.listing import ListQuery, Page
from ledgerline.kit.money import Money
from ledgerline.kit.repository import get_scoped, id_holding
from ledgerline.ledger.service import record
from ledgerline.models import Credit, CreditTarget, Customer, Invoice
from ledgerline.models.base import utcnow
from ledgerline.models.enums import CreditState, CreditType, InvoiceStatus, JournalKind


def mark_reversed(credit: Credit, reason: str, now: dt.datetime) -> None:
    credit.state = CreditState.REVERSED
    credit.reversed_at = now
    credit.reversal_reason = reason


# --- write-offs -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WriteOffTarget:
    invoice_id: int
    amount_minor: int | None  # None: all that is outstanding


def currency_of_write_off(session: Session, *, tenant_id: uuid.UUID, customer_id: int | None,
                          first_invoice_id: int) -> str:
    """The currency target amounts are read in: the customer's, else the first target invoice's."""
    if customer_id is not None:
        customer = get_scoped(session, Customer, tenant_id, customer_id)
        if customer is None:
            raise InvalidRequest.for_field("customerId", f"customer {customer_id} does not exist")
        return customer.currency
    invoice = get_scoped(session, Invoice, tenant_id, first_invoice_id)
    if invoice is None:
        raise InvalidRequest.for_field("targets[0].invoiceId", f"invoice {first_invoice_id} does not exist")
    return invoice.currency


def write_off(session: Session, *, tenant_id: uuid.UUID, targets: Sequence[WriteOffTarget],
              customer_id: int | None = None, description: str | None = None,
              created_by: str | None = None) -> Credit:
    """A ``writeOff`` credit settling the targets in the order given. Every target must be a POSTED invoice of
    the same customer with at least that much outstanding (422 naming the target)."""
    if not targets:
        raise InvalidRequest.for_field("targets", "name at least one invoice to write off")
    if len({target.invoice_id for target in targets}) != len(targets):
        raise InvalidRequest.for_field("targets", "each invoice may appear once")
    first = get_scoped(session, Invoice, tenant_id, targets[0].invoice_id)
    if first is None:
        raise InvalidRequest.for_field("targets[0].invoiceId", f"invoice {targets[0].invoice_id} does not exist")
    customer_id = customer_id if customer_id is not None else first.customer_id
    customer = get_scoped(session, Customer, tenant_id, customer_id, for_update=True)
    if customer is None:
        raise InvalidRequest.for_field("customerId", f"customer {customer_id} does not exist")
    invoices = invoices_repository.invoices_for_update(session, tenant_id, [t.invoice_id for t in targets])
    now = utcnow()
    credit = Credit(tenant_id=tenant_id, type=CreditType.WRITE_OFF, state=CreditState.POSTED, customer_id=customer.id,
                    currency=customer.currency, amount_minor=0, description=description, created_by=created_by,
                    created_at=now, realized_at=now)
    parts: list[tuple[Invoice, int]] = []
    for position, target in enumerate(targets):
        invoice = invoices.get(target.invoice_id)
        field = f"targets[{position}]"
        if invoice is None or invoice.customer_id != customer.id:
            raise InvalidRequest.for_field(f"{field}.invoiceId",
                                           f"invoice {target.invoice_id} is not an invoice of customer {customer.id}")
        if invoice.status is not InvoiceStatus.POSTED or invoice.outstanding_minor == 0:
            raise Conflict(f"invoice {invoice.id} is {invoice.status.value} with nothing outstanding; "
                           "nothing to write off")
        amount = invoice.outstanding_minor if target.amount_minor is None else target.amount_minor
        if amount <= 0:
            raise InvalidRequest.for_field(f"{field}.amountInMajorCurrency", "must be greater than zero")
        if amount > invoice.outstanding_minor:
            limit = Money(invoice.outstanding_minor, invoice.currency)
            raise InvalidRequest.for_field(f"{field}.amountInMajorCurrency",
                                           f"must not exceed what invoice {invoice.id} owes ({limit.amount})")
        parts.append((invoice, amount))
    credit.amount_minor = sum(amount for _, amount in parts)
    credit.targets = [CreditTarget(tenant_id=tenant_id, invoice_id=invoice.id, amount_minor=amount)
                      for invoice, amount in parts]
    session.add(credit)
    session.flush()
    for invoice, amount in parts:
        invoice.written_off_minor += amount
        change_outstanding(invoice, -amount)
        record(session, tenant_id=tenant_id, customer_id=customer.id, currency=credit.currency,
               kind=JournalKind.WRITE_OFF, balance=amount, outstanding=-amount, invoice_id=invoice.id,
               credit_id=credit.id)
    session.flush()
    return credit


def reverse_credit(session: Session, *, tenant_id: uuid.UUID, credit_id: int, reason: str) -> Credit:
    """writeOff -> reversed: its invoices owe again what it settled. Credits that follow a payment are
    reversed by cancelling the payment (409)."""
    found = get_scoped(session, Credit, tenant_id, credit_id)
    if found is None:
        raise not_found("Credit", credit_id)
    customer = get_scoped(session, Customer, tenant_id, found.customer_id, for_update=True)
    credit = get_scoped(session, Credit, tenant_id, credit_id, for_update=True)
    assert customer is not None and credit is not None
    if credit.type is not CreditType.WRITE_OFF:
        raise Conflict(f"credit {credit.id} is a {credit.type.value} credit; it follows its payment and is "
                       "reversed by cancelling the payment")
    if credit.state is CreditState.REVERSED:
        raise Conflict(f"credit {credit.id} is reversed already")
    targets = repository.targets_for_update(session, tenant_id, credit.id)
    invoices = invoices_repository.invoices_for_update(session, tenant_id, [target.invoice_id for target in targets])
    for target in targets:
        invoice = invoices[target.invoice_id]
        invoice.written_off_minor -= target.amount_minor
        change_outstanding(invoice, target.amount_minor)
        record(session, tenant_id=tenant_id, customer_id=customer.id, currency=credit.currency,
               kind=JournalKind.WRITE_OFF_REVERSED, balance=-target.amount_minor, outstanding=target.amount_minor,
               invoice_id=invoice.id, credit_id=credit.id)
    mark_reversed(credit, reason, utcnow())
    session.flush()
    return credit


# --- reading ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CreditView:
    """A credit with what its wire forms show beside it: targets and the locators of related rows."""

    credit: Credit
    targets: list[tuple[CreditTarget, str]]  # each target with its invoice's locator
    account_locator: str
    parent_locator: str | None


def views(session: Session, *, tenant_id: uuid.UUID, credits: Sequence[Credit]) -> list[CreditView]:
    targets = repository.targets_of(session, tenant_id, credits)
    invoice_locators = repository.locators_of(session, tenant_id, Invoice,
                                              {t.invoice_id for found in targets.values() for t in found})
    account_locators = repository.locators_of(session, tenant_id, Customer, {c.customer_id for c in credits})
    parent_locators = repository.locators_of(session, tenant_id, Credit,
                                             {c.parent_id for c in credits if c.parent_id is not None})
    return [CreditView(credit, [(t, invoice_locators[t.invoice_id]) for t in targets[credit.id]],
                       account_locators[credit.customer_id],
                       parent_locators.get(credit.parent_id) if credit.parent_id is not None else None)
            for credit in credits]


def get_credit(session: Session, *, tenant_id: uuid.UUID, credit_id: int) -> CreditView:
    credit = get_scoped(session, Credit, tenant_id, credit_id)
    if credit is None:
        raise not_found("Credit", credit_id)
    return views(session, tenant_id=tenant_id, credits=[credit])[0]


def list_credits(session: Session, *, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    page = repository.CREDITS.page(session, tenant_id, query)
    page.items = views(session, tenant_id=tenant_id, credits=page.items)
    return page


def count_credits(session: Session, *, tenant_id: uuid.UUID, query: ListQuery) -> int:
    return repository.CREDITS.count(session, tenant_id, query)


@dataclass(frozen=True)
class Slice:
    """Socotra paging: the items from ``offset`` and whether the last one was reached."""

    items: list[CreditView]
    list_completed: bool


def slice_of_credits(session: Session, *, tenant_id: uuid.UUID, offset: int, count: int,
                     account_locator: str | None = None, credit_type: CreditType | None = None,
                     invoice_locator: str | None = None, include_reversed: bool = True) -> Slice:
    """Unknown account locators match nothing (an empty, completed list); an unknown invoice is 404."""
    customer_id = invoice_id = None
    if account_locator is not None:
        customer_id = id_holding(session, Customer, tenant_id, {"locator": account_locator}, other_than=None)
        if customer_id is None:
            return Slice([], True)
    if invoice_locator is not None:
        invoice_id = id_holding(session, Invoice, tenant_id, {"locator": invoice_locator}, other_than=None)
        if invoice_id is None:
            raise not_found("Invoice", invoice_locator)
    rows = repository.slice_of_credits(session, tenant_id, offset=offset, count=count, customer_id=customer_id,
                                       credit_type=credit_type, invoice_id=invoice_id,
                                       include_reversed=include_reversed)
    return Slice(views(session, tenant_id=tenant_id, credits=rows[:count]), len(rows) <= count)


def credit_by_locator(session: Session, *, tenant_id: uuid.UUID, locator: str,
                      credit_type: CreditType | None = None) -> CreditView:
    credit = repository.credit_by_locator(session, tenant_id, locator)
    if credit is None or (credit_type is not None and credit.type is not credit_type):
        raise not_found("Shortfall credit" if credit_type is CreditType.SHORTFALL_WRITE_OFF else "Credit", locator)
    return views(session, tenant_id=tenant_id, credits=[credit])[0]
