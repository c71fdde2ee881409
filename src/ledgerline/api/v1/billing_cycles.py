"""/v1/billing-cycles."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from ledgerline.admin.entities import BILLING_CYCLES
from ledgerline.api.v1.admin_resource import AdminResource
from ledgerline.api.v1.schemas import CurrencyCode, ReferenceId, WireInput
from ledgerline.models.enums import PeriodUnit

MAX_RULES = 100


def _storable(value: Any) -> Any:
    """JSON numbers arrive as Decimal (exact parsing); the JSON column stores plain numbers."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value() and abs(value) < 10**15:
            return int(value)
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{value} is too large a number")
        return number
    if isinstance(value, dict):
        return {key: _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


Rules = Annotated[list[dict[str, Any]], Field(max_length=MAX_RULES), AfterValidator(_storable)]


class BillingCycleCreate(WireInput):
    name: str = Field(min_length=1, max_length=255, examples=["Monthly on the 1st"])
    start_day_of_period: int = Field(default=1, ge=1, le=31, description="Day of the month each period starts",
                                     examples=[1])
    whole_period: bool = Field(default=True, description="Bill whole periods only", examples=[True])
    length_of_period: int = Field(default=1, ge=1, le=1000, description="Periods are this many periodUnit long",
                                  examples=[1])
    period_unit: PeriodUnit = Field(examples=["MONTH"])
    currency_code: CurrencyCode | None = Field(default=None, examples=["GBP"])
    default_invoice_date: int | None = Field(default=None, ge=1, le=31,
                                             description="Day of the month invoices are dated", examples=[1])
    completion_type: str | None = Field(default=None, max_length=50, examples=["AUTOMATIC"])
    auto_close_enabled: bool = Field(default=False, examples=[True])
    auto_close_days: int | None = Field(default=None, ge=0, le=366,
                                        description="Days after the run a bill run closes; required when "
                                        "autoCloseEnabled", examples=[5])
    auto_close_admin_contact_id: ReferenceId | None = Field(
        default=None, description="The admin contact told when a bill run closes itself", examples=[1])
    billing_cycle_rules: Rules = Field(default_factory=list, examples=[[{"type": "PRORATE", "value": 1}]])


BILLING_CYCLE_RESOURCE = AdminResource(BILLING_CYCLES, "/billing-cycles", BillingCycleCreate)
router = BILLING_CYCLE_RESOURCE.router
