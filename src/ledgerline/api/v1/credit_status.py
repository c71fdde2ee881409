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
from ledgerline.kit.criteria import Above, Below, Condition, Contains, Equals, Kind, OneOf

router = APIRouter(tags=["customer-credit-status"], route_class=WireRoute)

DESCRIPTION = """
Every customer of the tenant, with amounts in major units of the customer's currency:

- `billAmount`: the customer's debt, the outstanding amount of its POSTED invoices less its
  unallocated credit (negative when the credit is larger);
- `valueDifference`: `creditThreshold - billAmount`;
- `percentageDifference`: `billAmount / creditThreshold x 100`, rounded half-even to 2 decimals;
  always a number: **0 when `creditThreshold` is 0** (there is no threshold to measure against);
- `openBillRunValue`: the total of the customer's DRAFT invoices in OPEN bill runs;
- `id` is the customer identifier again and `name` the customer's name, so that the seed's own
  examples `sort=id,name` and `fields=id,name` work.

The `percentageDifference` filter (a StringFilterParam in seed 000) tests the value as displayed:
`33.33` (or `in:33.33,80`) finds the rows that show 33.33; a value that is not a number is compared
as text and matches nothing; `like:33` matches the displayed text; `lt:`/`gt:` compare numbers
with the displayed value. Amount sorts order by currency first, then amount.
"""


class CustomerCreditStatus(WireModel):
    customer_id: int = Field(description="Customer identifier", examples=[1])
    id: int = Field(description="The customer identifier (as customerId), for sort=id and fields=id", examples=[1])
    name: str = Field(description="The customer's name, for sort=name and fields=name", examples=["Acme Ltd"])
    credit_threshold: Amount = Field(description="Credit threshold value for this customer")
    bill_amount: Amount = Field(description="Customer balance (debt) for this customer")
    value_difference: Amount = Field(description="creditThreshold - billAmount")
    percentage_difference: Annotated[Decimal, WithJsonSchema({"type": "number", "examples": [60]})] \
        = Field(description="billAmount as a percentage of creditThreshold; 0 when creditThreshold is 0")
    open_bill_run_value: Amount = Field(description="Open bill run value for this customer")

    @staticmethod
    def wire(status: CreditStatus) -> dict[str, Any]:
        """The /v1 document, built straight from the figures (no validate-then-dump: a page has 100)."""
        return {
            "customerId": status.customer_id, "id": status.customer_id, "name": status.name,
            "creditThreshold": status.credit_threshold.amount,
            "billAmount": status.bill_amount.amount, "valueDifference": status.value_difference.amount,
            "percentageDifference": status.percentage_difference,
            "openBillRunValue": status.open_bill_run_value.amount,
        }


def _number_or_text(value: str) -> Decimal | str:
    text = value.strip()
    try:
        number = Decimal(text)
    except ArithmeticError:
        return text
    return number if number.is_finite() and number.copy_abs() < repository.MAX_PERCENTAGE else text


def _percentage(raw: str) -> Condition:
    """``percentageDifference``, a StringFilterParam in seed 000 (``xyz | in:x,y | like:xyz``), tested against
    the value as displayed: a number compares as a number (``80`` finds 80.00), any other text as text (it
    matches nothing, it is no error); ``like:`` is a substring of the displayed text. ``lt:``/``gt:`` (a
    Ledgerline extension) take a number; anything else there is a 400 naming the parameter."""
    name = "percentageDifference"
    op, value = split_operator(raw, ("lt", "gt", "in", "like"))
    if op == "like":
        return Contains(value.strip())
    if op == "in":
        values = [v for v in value.split(",") if v.strip()]
        if not values:
            raise bad_parameter(name, "in: needs at least one value")
        return OneOf(tuple(_number_or_text(v) for v in values))
    if op == "eq":
        return Equals(_number_or_text(value))
    bound = _number_or_text(value)
    if isinstance(bound, str):
        raise bad_parameter(name, f"'{value}' is not a usable number for {op}:")
    return {"lt": Below, "gt": Above}[op](bound)


LISTING = Listing(
    repository.CREDIT_STATUS_COLUMNS,
    sortable=("customerId", "id", "name", "creditThreshold", "billAmount", "valueDifference", "percentageDifference",
              "openBillRunValue"),
    filters=[
        Filter("customerId", "Filter by customer"),
        Filter("percentageDifference",
               "Filter by percentageDifference as displayed: a number compares as a number, other text as "
               "text; like: matches the displayed text", kind=Kind.STRING, parse=_percentage),
    ],
    fields=("customerId", "id", "name", "creditThreshold", "billAmount", "valueDifference", "percentageDifference",
            "openBillRunValue"),
    default_sort=("customerId",),
    attributes={"id": "customer_id"},
)

Resource(
    "/customer-credit-status", "customer_credit_status", "customer_credit_status", CustomerCreditStatus, LISTING,
    service.credit_status_page, service.count_credit_status, scope_group="customers", label="customer",
    names={"head": "customer_credit_status_exists"},
    summaries={"list": "Get a list of credit status threshold information",
               "head": "Check whether customers matching the credit status filters exist"},
    descriptions={"list": DESCRIPTION},
).add_routes(router)
