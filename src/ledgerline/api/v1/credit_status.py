"""/v1/customer-credit-status (seed 000): each customer's debt against its credit threshold."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field, WithJsonSchema

from ledgerline.api.v1.responses import render_head, render_page
from ledgerline.api.v1.schemas import Amount, WireModel, error_responses
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.balances import repository, service
from ledgerline.balances.service import CreditStatus
from ledgerline.db import SessionDep
from ledgerline.kit.listing import ListQuery

router = APIRouter(tags=["customer-credit-status"], route_class=WireRoute)

CreditStatusListQuery = Annotated[ListQuery, Depends(repository.CREDIT_STATUS_LISTING.query_dependency())]
CreditStatusFilterQuery = Annotated[ListQuery, Depends(
    repository.CREDIT_STATUS_LISTING.query_dependency(paged=False))]

DESCRIPTION = """
Every customer of the tenant, with amounts in major units of the customer's currency:

- `billAmount`: the customer's debt, the outstanding amount of its POSTED invoices less its
  unallocated credit (negative when the credit is larger);
- `valueDifference`: `creditThreshold - billAmount`;
- `percentageDifference`: `billAmount / creditThreshold x 100`, rounded half-even to 2 decimals;
  **null when `creditThreshold` is 0**;
- `openBillRunValue`: the total of the customer's DRAFT invoices in OPEN bill runs.

The `percentageDifference` filter compares the exact ratio, not the rounded value
(`lt:`, `gt:`, `in:`, equality); `like:` matches the rendered text. Customers without a
percentage match no percentage filter and sort last in both directions. Amount sorts order
by currency first, then amount.
"""


class CustomerCreditStatus(WireModel):
    customer_id: int = Field(description="Customer identifier", examples=[1])
    credit_threshold: Amount = Field(description="Credit threshold value for this customer")
    bill_amount: Amount = Field(description="Customer balance (debt) for this customer")
    value_difference: Amount = Field(description="creditThreshold - billAmount")
    percentage_difference: Annotated[Decimal | None, WithJsonSchema({"type": ["number", "null"], "examples": [60]})] \
        = Field(description="billAmount as a percentage of creditThreshold; null when creditThreshold is 0")
    open_bill_run_value: Amount = Field(description="Open bill run value for this customer")

    @staticmethod
    def wire(status: CreditStatus) -> dict[str, Any]:
        """The /v1 document, built straight from the figures (no validate-then-dump: a page has 100)."""
        return {
            "customerId": status.customer_id, "creditThreshold": status.credit_threshold.amount,
            "billAmount": status.bill_amount.amount, "valueDifference": status.value_difference.amount,
            "percentageDifference": status.percentage_difference,
            "openBillRunValue": status.open_bill_run_value.amount,
        }


ListPrincipal = Annotated[Principal, Depends(require("customers.list"))]


@router.get("/customer-credit-status", response_model=list[CustomerCreditStatus], responses=error_responses(400),
            summary="Get a list of credit status threshold information", description=DESCRIPTION)
def list_customer_credit_status(request: Request, session: SessionDep, query: CreditStatusListQuery,
                                principal: ListPrincipal) -> Response:
    page = service.credit_status_page(session, tenant_id=principal.tenant_id, query=query)
    return render_page(request, page, CustomerCreditStatus)


@router.head("/customer-credit-status",
             responses={**error_responses(400), 404: {"description": "No customer matches"}},
             summary="Check whether customers matching the credit status filters exist")
def customer_credit_status_exists(session: SessionDep, query: CreditStatusFilterQuery,
                                  principal: ListPrincipal) -> Response:
    return render_head(service.count_credit_status(session, tenant_id=principal.tenant_id, query=query))
