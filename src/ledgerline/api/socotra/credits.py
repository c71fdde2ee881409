"""Seed 002's credits endpoints: credits, shortfall credits, an invoice's credits."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from ledgerline.api.socotra.common import (
    DEFAULT_COUNT, ULID_PATTERN, Count, Extended, Locator, Offset, SocotraModel, permitted, problem_responses,
)
from ledgerline.api.v1.schemas import Amount
from ledgerline.api.wire import WireJSONResponse, WireRoute
from ledgerline.auth import Principal
from ledgerline.credits import service
from ledgerline.credits.service import CreditView, Slice
from ledgerline.db import SessionDep
from ledgerline.kit.money import to_major
from ledgerline.models.enums import CreditState, CreditType

router = APIRouter(tags=["credits (Socotra)"], route_class=WireRoute)

AccountLocator = Annotated[str | None, Query(pattern=ULID_PATTERN, description="Only this account's credits",
                                             examples=["01JDQ3Z6V1T8G9C6W7N5K2M4PX"])]


class ShortfallCreditState(str, enum.Enum):
    """Seed 002 declares a shortfall credit's state with its own enum, narrower than creditState."""

    DRAFT = "draft"
    DISTRIBUTED = "distributed"
    REVERSED = "reversed"

    @classmethod
    def of(cls, state: CreditState) -> "ShortfallCreditState":
        # A shortfall write-off is written distributed; reversed when its payment is cancelled.
        return {CreditState.DRAFT: cls.DRAFT, CreditState.REVERSED: cls.REVERSED}.get(state, cls.DISTRIBUTED)


CREDITS_DESCRIPTION = """
Every credit of the tenant (or of one account), oldest first, in pages of `offset`/`count`; read
until `listCompleted` is true.

**How a payment's credits relate.** A posted payment is one credit of type `payment` for the whole
amount received. Its children (`parentCreditLocator` is the payment's locator, with `extended=true`)
are:

- `subpayment`: the part of that same money applied to one invoice (`targets`). The subpayments of
  a payment add up to at most its amount; what is left is the account's unallocated credit. They
  are **not new money**: never add them to their payment.
- `shortfallWriteOff`: the shortfall of an invoice the payment left short within the tolerance,
  written off so the invoice settles. It is **not part of the payment's amount**: it is credit on
  top of it.

So, without double counting: money received = the sum of `payment` credits; credit given to the
account = the sum of every credit except `subpayment`s; what settled one invoice = the sum of the
`subpayment`, `shortfallWriteOff` and `writeOff` credits that target it. Reversed credits
(`creditState` reversed) count in none of these.
"""


class CreditItem(SocotraModel):
    """One target of a credit: the invoice it settles and how much of it."""

    invoiceLocator: str
    amount: Amount


class CreditResponse(SocotraModel):
    locator: str
    currency: str
    creditState: CreditState
    amount: Amount
    creditType: CreditType
    createdAt: dt.datetime
    accountLocator: str | None = None
    realizedAt: dt.datetime | None = None
    reversalReason: str | None = None
    reversedAt: dt.datetime | None = None
    # With extended=true:
    parentCreditLocator: str | None = None
    createdBy: str | None = None
    targets: list[CreditItem] | None = None


class CreditListResponse(SocotraModel):
    listCompleted: bool
    items: list[CreditResponse]


class ShortfallCreditResponse(SocotraModel):
    locator: str
    accountLocator: str
    parentCreditLocator: str
    currency: str
    shortfallCreditState: ShortfallCreditState
    amount: Amount
    creditType: CreditType
    createdAt: dt.datetime
    createdBy: str
    targets: list[CreditItem]
    reversalReason: str | None = None


class ShortfallCreditListResponse(SocotraModel):
    listCompleted: bool
    items: list[ShortfallCreditResponse]


def _targets(view: CreditView) -> list[CreditItem]:
    return [CreditItem(invoiceLocator=locator, amount=to_major(target.amount_minor, view.credit.currency))
            for target, locator in view.targets]


_ACTOR_NAMESPACE = uuid.UUID("6f1c7a52-6d1f-4b8e-9b61-3c2f0e4a9d17")


def _created_by(view: CreditView) -> str:
    """Socotra's createdBy is a UUID: the token subject when it is one, else a UUID derived from it (the same
    subject always gives the same UUID); the nil UUID when nobody is recorded."""
    actor = view.credit.created_by
    if actor is None:
        return str(uuid.UUID(int=0))
    try:
        return str(uuid.UUID(actor))
    except ValueError:
        return str(uuid.uuid5(_ACTOR_NAMESPACE, actor))


def credit_response(view: CreditView, extended: bool) -> CreditResponse:
    credit = view.credit
    response = CreditResponse(
        locator=credit.locator, currency=credit.currency, creditState=credit.state,
        amount=to_major(credit.amount_minor, credit.currency), creditType=credit.type, createdAt=credit.created_at,
        accountLocator=view.account_locator, realizedAt=credit.realized_at, reversalReason=credit.reversal_reason,
        reversedAt=credit.reversed_at)
    if extended:
        response.parentCreditLocator = view.parent_locator
        response.createdBy = _created_by(view)
        response.targets = _targets(view)
    return response


def shortfall_response(view: CreditView) -> ShortfallCreditResponse:
    credit = view.credit
    return ShortfallCreditResponse(
        locator=credit.locator, accountLocator=view.account_locator, parentCreditLocator=view.parent_locator or "",
        currency=credit.currency, shortfallCreditState=ShortfallCreditState.of(credit.state),
        amount=to_major(credit.amount_minor, credit.currency), creditType=credit.type, createdAt=credit.created_at,
        createdBy=_created_by(view), targets=_targets(view), reversalReason=credit.reversal_reason)


def _credit_list(found: Slice, extended: bool) -> Response:
    body = CreditListResponse(listCompleted=found.list_completed,
                              items=[credit_response(view, extended) for view in found.items])
    return WireJSONResponse(body.wire())


@router.get("/credits/list", response_model=CreditListResponse, response_model_exclude_none=True,
            responses=problem_responses(), summary="Fetch Credits", operation_id="fetchCredits",
            description=CREDITS_DESCRIPTION)
def fetch_credits(session: SessionDep, principal: Annotated[Principal, Depends(permitted("credits.read",
                                                                                        "credits.list"))],
                  accountLocator: AccountLocator = None, offset: Offset = 0, count: Count = DEFAULT_COUNT,
                  extended: Extended = False) -> Response:
    found = service.slice_of_credits(session, tenant_id=principal.tenant_id, offset=offset, count=count,
                                     account_locator=accountLocator.upper() if accountLocator else None)
    return _credit_list(found, extended)


@router.get("/shortfallCredits/list", response_model=ShortfallCreditListResponse, response_model_exclude_none=True,
            responses=problem_responses(), summary="Fetch Multiple Shortfall Credits",
            operation_id="fetchMultipleShortfallCredits")
def fetch_multiple_shortfall_credits(
        session: SessionDep,
        principal: Annotated[Principal, Depends(permitted("shortfall-credits.read", "shortfall-credits.list"))],
        offset: Offset = 0, count: Count = DEFAULT_COUNT, accountLocator: AccountLocator = None,
        extended: Extended = False) -> Response:
    found = service.slice_of_credits(session, tenant_id=principal.tenant_id, offset=offset, count=count,
                                     account_locator=accountLocator.upper() if accountLocator else None,
                                     credit_type=CreditType.SHORTFALL_WRITE_OFF)
    body = ShortfallCreditListResponse(listCompleted=found.list_completed,
                                       items=[shortfall_response(view) for view in found.items])
    return WireJSONResponse(body.wire())


@router.get("/shortfallCredits/{locator}", response_model=ShortfallCreditResponse, response_model_exclude_none=True,
            responses=problem_responses(404), summary="Fetch Shortfall Credit", operation_id="fetchShortfallCredit")
def fetch_shortfall_credit(locator: Locator, session: SessionDep,
                           principal: Annotated[Principal, Depends(permitted("shortfall-credits.read"))]) -> Response:
    view = service.credit_by_locator(session, tenant_id=principal.tenant_id, locator=locator.upper(),
                                     credit_type=CreditType.SHORTFALL_WRITE_OFF)
    return WireJSONResponse(shortfall_response(view).wire())


@router.get("/invoices/{locator}/credits/list", response_model=CreditListResponse, response_model_exclude_none=True,
            responses=problem_responses(404), summary="Fetch Credits For An Invoice",
            operation_id="fetchCreditsForAnInvoice", description=CREDITS_DESCRIPTION)
def fetch_credits_for_an_invoice(
        locator: Locator, session: SessionDep,
        principal: Annotated[Principal, Depends(permitted("invoices.read", "invoices.list"))],
        includeReversed: Annotated[bool, Query(description="Also reversed credits", examples=[True])] = False,
        offset: Offset = 0, count: Count = DEFAULT_COUNT, extended: Extended = False) -> Response:
    found = service.slice_of_credits(session, tenant_id=principal.tenant_id, offset=offset, count=count,
                                     invoice_locator=locator.upper(), include_reversed=includeReversed)
    return _credit_list(found, extended)
