"""Credit queries: the Socotra lists (offset/count) and the /v1 listing."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ledgerline.kit.listing import Filter, FilterKind, Listing
from ledgerline.kit.repository import TenantRows
from ledgerline.models import Credit, CreditTarget, Customer, Invoice
from ledgerline.models.enums import CreditState, CreditType

CREDIT_LISTING = Listing(
    sortable={"id": Credit.id, "amountInMajorCurrency": Credit.amount_minor, "createdAt": Credit.created_at},
    filters=[
        Filter("id", FilterKind.ID, Credit.id, "Filter by credit identifier"),
        Filter("customerId", FilterKind.ID, Credit.customer_id, "Filter by customer"),
        Filter("paymentId", FilterKind.ID, Credit.payment_id, "Filter by the payment a credit comes from"),
        Filter("creditType", FilterKind.ENUM, Credit.type, "Filter by credit type", enum_type=CreditType),
        Filter("creditState", FilterKind.ENUM, Credit.state, "Filter by credit state", enum_type=CreditState),
        Filter("amountInMajorCurrency", FilterKind.AMOUNT, Credit.amount_minor, "Filter by amount",
               currency_column=Credit.currency),
        Filter("createdAt", FilterKind.DATE, Credit.created_at, "Filter by creation date"),
    ],
    fields=("id", "locator", "creditType", "creditState", "customerId", "accountLocator", "paymentId",
            "parentCreditId", "parentCreditLocator", "currency", "amountInMajorCurrency", "description", "createdBy",
            "createdAt", "realizedAt", "reversedAt", "reversalReason", "targets"),
    tiebreak=Credit.id,
)


CREDITS = TenantRows(Credit, CREDIT_LISTING)


def credit_by_locator(session: Session, tenant_id: uuid.UUID, locator: str) -> Credit | None:
    return session.execute(CREDITS.select(tenant_id).where(Credit.locator == locator)).scalar_one_or_none()


def slice_of_credits(session: Session, tenant_id: uuid.UUID, *, offset: int, count: int,
                     customer_id: int | None = None, credit_type: CreditType | None = None,
                     invoice_id: int | None = None, include_reversed: bool = True) -> list[Credit]:
    """Up to ``count + 1`` credits from ``offset`` in creation order: the extra row tells whether more follow."""
    stmt = CREDITS.select(tenant_id)
    if customer_id is not None:
        stmt = stmt.where(Credit.customer_id == customer_id)
    if credit_type is not None:
        stmt = stmt.where(Credit.type == credit_type)
    if invoice_id is not None:
        stmt = stmt.where(exists().where(CreditTarget.tenant_id == tenant_id, CreditTarget.invoice_id == invoice_id,
                                         CreditTarget.credit_id == Credit.id))
    if not include_reversed:
        stmt = stmt.where(Credit.state != CreditState.REVERSED)
    return list(session.execute(stmt.order_by(Credit.id).offset(offset).limit(count + 1)).scalars())


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
                    .join(CreditTarget, CreditTarget.credit_id == Credit.id)
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


def targets_for_update(session: Session, tenant_id: uuid.UUID, credit_id: int) -> list[CreditTarget]:
    stmt = select(CreditTarget).where(CreditTarget.tenant_id == tenant_id, CreditTarget.credit_id == credit_id)
    return list(session.execute(stmt.order_by(CreditTarget.id)).scalars())
