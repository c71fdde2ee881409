"""/v1/customer-credit-status (seed 000): each customer's debt against its credit threshold."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field, WithJsonSchema

from ledgerline.api.v1.listing import Filter, Listing, bad_parameter, split_operator
from ledgerline.api.v1.resource import Resource
from ledgerline.api.v1.schemas import Amount, WireModel
from ledgerline.api.wire import WireRoute
from ledgerline.balances import repository, service
from ledgerline.balances.service import CreditStatus
from ledgerline.kit.criteria import Above, AnyOf, Below, Condition, Contains, Equals

router = APIRouter(tags=["customer-credit-status"], route_class=WireRoute)

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


def _percentage(raw: str) -> Condition:
    """``percentageDifference``: a number compared exactly (lt/gt/in/equality), or like: on the rendered text."""
    name = "percentageDifference"
    op, value = split_operator(raw, ("lt", "gt", "in", "like"))
    if op == "like":
        return Contains(value.strip())
    if op == "in":
        values = [v for v in value.split(",") if v.strip()]
        if not values:
            raise bad_parameter(name, "in: needs at least one value")
        return AnyOf(tuple(_percentage(v) for v in values))
    text = value.strip()
    try:
        number: Decimal | None = Decimal(text)
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite() or abs(number) >= repository.MAX_PERCENTAGE:
        raise bad_parameter(name, f"'{value}' is not a usable number")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > repository.MAX_PERCENTAGE_DECIMALS:
        raise bad_parameter(name, f"at most {repository.MAX_PERCENTAGE_DECIMALS} decimal places")
    return {"eq": Equals, "lt": Below, "gt": Above}[op](number)


LISTING = Listing(
    repository.CREDIT_STATUS_COLUMNS,
    sortable=("customerId", "creditThreshold", "billAmount", "valueDifference", "percentageDifference",
              "openBillRunValue"),
    filters=[
        Filter("customerId", "Filter by customer"),
        Filter("percentageDifference",
               "Filter by percentageDifference, compared exactly (not as rounded); customers with a "
               "credit threshold of 0 have none and never match", parse=_percentage),
    ],
    fields=("customerId", "creditThreshold", "billAmount", "valueDifference", "percentageDifference",
            "openBillRunValue"),
    default_sort=("customerId",),
)

Resource(
    "/customer-credit-status", "customer_credit_status", "customer_credit_status", CustomerCreditStatus, LISTING,
    service.credit_status_page, service.count_credit_status, scope_group="customers", label="customer",
    names={"head": "customer_credit_status_exists"},
    summaries={"list": "Get a list of credit status threshold information",
               "head": "Check whether customers matching the credit status filters exist"},
    descriptions={"list": DESCRIPTION},
).add_routes(router)
