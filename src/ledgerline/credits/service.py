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
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy.orm import Session

from ledgerline.credits import planning, repository
from ledgerline.credits.planning import CreditPlan, CreditRecord, TargetRecord
from ledgerline import events
from ledgerline.customers import repository as customers
from ledgerline.errors import Conflict, InvalidRequest, not_found
from ledgerline.invoices import repository as invoices_repository, repository as invoices
from ledgerline.invoices.service import change_outstanding
from ledgerline.kit.criteria import Criteria, Criterion, Equals, NoneOf, Page
from ledgerline.kit.ids import new_locator
from ledgerline.kit.money import Money
from ledgerline.kit.refs import CreditRef, CustomerRef, InvoiceRef
from ledgerline.kit.repository import get_scoped, id_holding
from ledgerline.ledger import journal
from ledgerline.ledger.snapshot import InvoiceMoney
from ledgerline.models import Credit, CreditTarget, Customer, Invoice
from ledgerline.models.base import utcnow
from ledgerline.models.enums import CreditState, CreditType
from ledgerline.tenants.context import TenantContext


# --- write-offs ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WriteOffTarget:
    invoice: InvoiceRef
    amount: Decimal | None = None  # in the customer's currency; None: all that is outstanding


@dataclass(frozen=True)
class NewWriteOff:
    """A ``writeOff`` credit settling the targets, invoices of one customer, in the order given."""

    targets: tuple[WriteOffTarget, ...]
    customer: CustomerRef | None = None  # defaults to the first target's customer
    description: str | None = None


@dataclass(frozen=True)
class WrittenOff:
    """A write-off, or its reversal: the credit as rendered, the invoices after it and the balance after."""

    credit: CreditView
    invoices: tuple[InvoiceMoney, ...]
    balance_after: Money


def write_off(session: Session, *, tenant: TenantContext, new: NewWriteOff, actor: str | None = None) -> WrittenOff:
    return apply(session, tenant_id=tenant.tenant_id,
                 plans=[plan_write_off(session, tenant=tenant, new=new, actor=actor)])[0]


def plan_write_off(session: Session, *, tenant: TenantContext, new: NewWriteOff,
                   actor: str | None = None) -> CreditPlan:
    """Locks the customer, then the target invoices, and plans (422 naming the target it gets wrong)."""
    tenant_id = tenant.tenant_id
    refs = [target.invoice for target in new.targets]
    if not refs:
        raise InvalidRequest.for_field("targets", "name at least one invoice to write off")
    if len(set(refs)) != len(refs):
        raise InvalidRequest.for_field("targets", "each invoice may appear once")
    owners = invoices.invoice_owners(session, tenant_id, refs)
    if refs[0] not in owners:
        raise InvalidRequest.for_field("targets[0].invoice", f"invoice {refs[0]} does not exist")
    customer = customers.customer_money_for_update(session, tenant_id,
                                                   new.customer or CustomerRef(id=owners[refs[0]][1]))
    if customer is None:
        if new.customer is not None:
            raise InvalidRequest.for_field("customer", f"customer {new.customer} does not exist")
        raise Conflict(f"invoice {refs[0]} was modified concurrently; retry")
    # Only the customer's own invoices are locked: another customer's rows are locked under that customer only.
    locked = invoices.invoice_money_for_update(
        session, tenant_id, [invoice_id for invoice_id, owner_id in owners.values() if owner_id == customer.id])
    customer = replace(customer, owed_minor=invoices.owed_by(session, tenant_id, customer.id))
    targets = [planning.PlannedTarget(
        str(target.invoice), locked.get(owners[target.invoice][0]) if target.invoice in owners else None,
        None if target.amount is None else customer.money(target.amount, field=f"targets[{position}].amount"))
        for position, target in enumerate(new.targets)]
    return planning.plan_write_off(customer, targets, locator=new_locator(), now=utcnow(),
                                   description=new.description, created_by=actor)


def reverse_write_off(session: Session, *, tenant: TenantContext, credit: CreditRef, reason: str,
                      actor: str | None = None) -> WrittenOff:
    """writeOff -> reversed: its invoices owe again what it settled. Credits that follow a payment are
    reversed by cancelling the payment (409)."""
    tenant_id = tenant.tenant_id
    owner = repository.credit_owner(session, tenant_id, credit)
    if owner is None:
        raise not_found("Credit", credit)
    customer = customers.customer_money_for_update(session, tenant_id, CustomerRef(id=owner[1]))
    record = repository.credit_for_update(session, tenant_id, owner[0])
    if customer is None or record is None:
        raise not_found("Credit", credit)
    planning.check_reversible(record)
    targets = repository.targets_with_invoices_for_update(session, tenant_id, record.id)
    customer = replace(customer, owed_minor=invoices.owed_by(session, tenant_id, customer.id))
    plan = planning.plan_reversal(customer, record, targets, reason=reason, now=utcnow())
    return apply(session, tenant_id=tenant_id, plans=[plan])[0]


def apply(session: Session, *, tenant_id: uuid.UUID, plans: Sequence[CreditPlan]) -> list[WrittenOff]:
    """Writes planned write-offs (credits without an id: inserted with their targets) and reversals (credits
    with one: updated) with one statement per table, whatever their number. Plans touching the same invoices
    must have been planned one on top of the other, in this order."""
    now = utcnow()
    new_plans = [plan for plan in plans if plan.credit.id is None]
    new_ids = iter(repository.insert_credits(session, [_row(tenant_id, plan.credit) for plan in new_plans]))
    applied = [plan if plan.credit.id is not None else replace(plan, credit=replace(plan.credit, id=next(new_ids)))
               for plan in plans]
    repository.insert_targets(session, [
        {"tenant_id": tenant_id, "credit_id": plan.credit.id, "invoice_id": target.invoice_id,
         "amount_minor": target.amount_minor}
        for plan, original in zip(applied, plans) if original.credit.id is None for target in plan.targets])
    repository.update_credits(session, tenant_id, {
        plan.credit.id: {"state": plan.credit.state, "reversed_at": plan.credit.reversed_at,
                         "reversal_reason": plan.credit.reversal_reason}
        for plan, original in zip(applied, plans) if original.credit.id is not None})
    journal.append(session, tenant_id=tenant_id, now=now,
                   lines=[replace(line, credit_id=plan.credit.id) for plan in applied for line in plan.lines])
    invoices.update_invoice_money(session, tenant_id,
                                  list({invoice.id: invoice for plan in applied for invoice in plan.invoices}.values()))
    for plan, original in zip(applied, plans):
        events.record(session, tenant_id, "credit.created" if original.credit.id is None else "credit.reversed",
                      plan.credit.customer_id, _view(plan))
    return [WrittenOff(_view(plan), plan.invoices, plan.customer.balance) for plan in applied]


def _row(tenant_id: uuid.UUID, credit: CreditRecord) -> dict[str, object]:
    return {"tenant_id": tenant_id, "locator": credit.locator, "type": credit.type, "state": credit.state,
            "customer_id": credit.customer_id, "payment_id": credit.payment_id, "parent_id": credit.parent_id,
            "amount_minor": credit.amount_minor, "currency": credit.currency, "description": credit.description,
            "created_by": credit.created_by, "created_at": credit.created_at, "realized_at": credit.realized_at,
            "reversed_at": credit.reversed_at, "reversal_reason": credit.reversal_reason}


def _view(plan: CreditPlan) -> CreditView:
    locators = {invoice.id: invoice.locator for invoice in plan.invoices}
    return CreditView(plan.credit, [(target, locators[target.invoice_id]) for target in plan.targets],
                      plan.customer.locator, None)


# --- reading ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CreditView:
    """A credit with what its wire forms show beside it: targets and the locators of related rows."""

    credit: Credit | CreditRecord
    targets: list[tuple[CreditTarget | TargetRecord, str]]  # each target with its invoice's locator
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


def list_credits(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    page = repository.CREDITS.page(session, tenant_id, criteria)
    page.items = views(session, tenant_id=tenant_id, credits=page.items)
    return page


def count_credits(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.CREDITS.count(session, tenant_id, criteria)


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
    where = [Criterion(attribute, Equals(value)) for attribute, value in
             (("customer_id", customer_id), ("type", credit_type), ("invoice_id", invoice_id)) if value is not None]
    if not include_reversed:
        where.append(Criterion("state", NoneOf((CreditState.REVERSED,))))
    # One row beyond the slice tells whether more follow.
    criteria = Criteria(where=tuple(where), offset=offset, limit=count + 1)
    rows = repository.slice_of_credits(session, tenant_id, criteria)
    return Slice(views(session, tenant_id=tenant_id, credits=rows[:count]), len(rows) <= count)


def credit_by_locator(session: Session, *, tenant_id: uuid.UUID, locator: str,
                      credit_type: CreditType | None = None) -> CreditView:
    credit = repository.credit_by_locator(session, tenant_id, locator)
    if credit is None or (credit_type is not None and credit.type is not credit_type):
        raise not_found("Shortfall credit" if credit_type is CreditType.SHORTFALL_WRITE_OFF else "Credit", locator)
    return views(session, tenant_id=tenant_id, credits=[credit])[0]
