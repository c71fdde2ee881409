"""Credit queries: the rows every surface lists by criteria, and what posting and reversing credits need."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ledgerline.kit.criteria import ColumnMap, Criteria, amount, choice, day, ident
from ledgerline.kit.repository import TenantRows, ref_clause
from ledgerline.credits.planning import CreditRecord, TargetRecord
from ledgerline.invoices.repository import MONEY_COLUMNS, invoice_money
from ledgerline.kit.bulk import insert_returning_ids, insert_rows, update_models
from ledgerline.kit.refs import CreditRef
from ledgerline.ledger.snapshot import InvoiceMoney
from ledgerline.models import Credit, CreditTarget, Customer, Invoice
from ledgerline.models.enums import CreditState, CreditType

def _targeting(test: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(CreditTarget.tenant_id == Credit.tenant_id, test, CreditTarget.credit_id == Credit.id)


CREDIT_COLUMNS = ColumnMap({
    "id": ident(Credit.id),
    "customer_id": ident(Credit.customer_id),
    "payment_id": ident(Credit.payment_id),
    "type": choice(Credit.type, CreditType),
    "state": choice(Credit.state, CreditState),
    "amount": amount(Credit.amount_minor, Credit.currency),
    "created_at": day(Credit.created_at),
    # A credit's targets name the invoices it is applied to.
    "invoice_id": ident(CreditTarget.invoice_id, within=_targeting),
}, tiebreak=Credit.id)

CREDITS = TenantRows(Credit, CREDIT_COLUMNS)


def credit_by_locator(session: Session, tenant_id: uuid.UUID, locator: str) -> Credit | None:
    return session.execute(CREDITS.select(tenant_id).where(Credit.locator == locator)).scalar_one_or_none()


def slice_of_credits(session: Session, tenant_id: uuid.UUID, criteria: Criteria) -> list[Credit]:
    """The credits that meet the criteria, in their order and window."""
    return list(session.execute(CREDIT_COLUMNS.page_statement(CREDITS.select(tenant_id), criteria)).scalars())


def targets_of(session: Session, tenant_id: uuid.UUID, credits: Sequence[Credit]) -> dict[int, list[CreditTarget]]:
    """Each credit's targets; a payment credit's are those of its subpayments."""
    ids = [credit.id for credit in credits]
    payment_credit_ids = [credit.id for credit in credits if credit.type is CreditType.PAYMENT]
    found: dict[int, list[CreditTarget]] = defaultdict(list)
    if not ids:
        return found
    stmt = select(CreditTarget).where(CreditTarget.tenant_id == tenant_id, CreditTarget.credit_id.in_(ids))
    for target in session.execute(stmt.order_by(CreditTarget.id)).scalars():
        found[target.credit_id].append(target)
    if payment_credit_ids:
        children = (select(Credit.parent_id, CreditTarget)
                    .join(CreditTarget, and_(CreditTarget.tenant_id == Credit.tenant_id,
                                             CreditTarget.credit_id == Credit.id))
                    .where(Credit.tenant_id == tenant_id, Credit.parent_id.in_(payment_credit_ids),
                           Credit.type == CreditType.SUBPAYMENT)
                    .order_by(CreditTarget.id))
        for parent_id, target in session.execute(children):
            found[parent_id].append(target)
    return found


def locators_of(session: Session, tenant_id: uuid.UUID, model: type[Customer] | type[Invoice] | type[Credit],
                ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = select(model.id, model.locator).where(model.tenant_id == tenant_id, model.id.in_(ids))
    return {row[0]: row[1] for row in session.execute(stmt)}


# --- write-offs: the locked snapshot and the apply step's writes ------------------------------------

_RECORD_COLUMNS = (Credit.type, Credit.state, Credit.customer_id, Credit.currency, Credit.amount_minor, Credit.locator,
                   Credit.created_at, Credit.description, Credit.created_by, Credit.realized_at, Credit.reversed_at,
                   Credit.reversal_reason, Credit.payment_id, Credit.parent_id, Credit.id)


def credit_owner(session: Session, tenant_id: uuid.UUID, ref: CreditRef) -> tuple[int, int] | None:
    """The id and customer of the credit a reference names (not locked: the customer is locked next)."""
    row = session.execute(select(Credit.id, Credit.customer_id).where(ref_clause(Credit, tenant_id, ref))
                          .limit(1)).first()
    return None if row is None else (row[0], row[1])


def credit_for_update(session: Session, tenant_id: uuid.UUID, credit_id: int) -> CreditRecord | None:
    stmt = (select(*_RECORD_COLUMNS).where(Credit.tenant_id == tenant_id, Credit.id == credit_id)
            .with_for_update(key_share=True))
    row = session.execute(stmt).first()
    return None if row is None else CreditRecord(*row)


def targets_with_invoices_for_update(session: Session, tenant_id: uuid.UUID,
                                     credit_id: int) -> list[tuple[TargetRecord, InvoiceMoney]]:
    """The credit's targets in order, each with its invoice's money; the invoices locked."""
    stmt = (select(CreditTarget.invoice_id, CreditTarget.amount_minor, *MONEY_COLUMNS)
            .join(Invoice, and_(Invoice.id == CreditTarget.invoice_id, Invoice.tenant_id == tenant_id))
            .where(CreditTarget.tenant_id == tenant_id, CreditTarget.credit_id == credit_id)
            .order_by(CreditTarget.id)
            .with_for_update(key_share=True, of=Invoice))
    return [(TargetRecord(row[0], row[1]), invoice_money(row[2:])) for row in session.execute(stmt)]


def insert_credits(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    return insert_returning_ids(session, Credit.__table__, rows)


def insert_targets(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    insert_rows(session, CreditTarget.__table__, rows)


def update_credits(session: Session, tenant_id: uuid.UUID, changes: dict[int, dict[str, Any]]) -> None:
    update_models(session, Credit, tenant_id, [{"id": credit_id, **values} for credit_id, values in changes.items()])
