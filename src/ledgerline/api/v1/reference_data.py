"""/v1 reference data: financial transaction types and categories, rejection reasons, payment
methods (one route set, declared once per kind) and shortfall tolerances.

Read with ``payments.read`` (clients creating payments need them), written with ``admin.write``.
Entries are never deleted, because posted transactions point at them: deactivate them instead.
"""

# No ``from __future__ import annotations``: the route functions are built per kind in
# ``_routes`` and FastAPI must see their real annotations, not names local to that function.

import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import Field
from pydantic.alias_generators import to_snake
from sqlalchemy.orm import Session

from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource, changed_attributes
from ledgerline.api.v1.responses import render, to_wire
from ledgerline.api.v1.schemas import (
    Amount, CurrencyCode, Timestamp, WireInput, WireModel, error_responses, major, minor_from_wire,
)
from ledgerline.api.wire import WireJSONResponse, WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.models import (
    FinancialTransactionCategory, FinancialTransactionType, PaymentMethodSetting, RejectionReason, ShortfallTolerance,
)
from ledgerline.models.enums import PaymentMethod, TransactionClassification
from ledgerline.models.reference import ReferenceEntry
from ledgerline.reference import repository, service

router = APIRouter(route_class=WireRoute)

Name = Annotated[str, Field(min_length=1, max_length=100)]
Code = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.\-]+$")]
Description = Annotated[str | None, Field(default=None, max_length=255)]


class Entry(WireModel):
    id: int = Field(examples=[1])
    locator: str = Field(examples=["01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])
    name: str = Field(examples=["Payment"])
    description: str | None
    active: bool = Field(description="Whether new transactions may use it")
    version: int
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, entry: ReferenceEntry) -> "Entry":
        return cls.model_validate(entry)


class EntryInput(WireInput):
    name: Name = Field(examples=["Card payment"])
    description: Description = Field(default=None, examples=["Payments taken by card"])
    active: bool = Field(default=True, examples=[True])

    def attributes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in type(self).model_fields}


class TransactionType(Entry):
    alternative_code: str = Field(examples=["PAYMENT"])
    classification: TransactionClassification


class TransactionTypeInput(EntryInput):
    alternative_code: Code = Field(examples=["CARD_PAYMENT"])
    classification: TransactionClassification = Field(examples=["PAYMENT"])


class TransactionCategory(Entry):
    code: str = Field(examples=["GENERAL"])


class TransactionCategoryInput(EntryInput):
    code: Code = Field(examples=["RETAIL"])


class Reason(Entry):
    alternative_code: str = Field(examples=["INSUFFICIENT_FUNDS"])


class ReasonInput(EntryInput):
    alternative_code: Code = Field(examples=["CARD_EXPIRED"])


class Method(Entry):
    method: PaymentMethod
    alternative_code: str = Field(examples=["CHEQUE"], description="Seed 004's code; the method by default")


class MethodInput(EntryInput):
    alternative_code: Code = Field(examples=["CHQ"])


@dataclass(frozen=True)
class Kind:
    path: str
    singular: str  # snake_case, names the operations
    plural: str
    model: type[ReferenceEntry]
    schema: type[Entry]
    input_schema: type[EntryInput]
    creatable: bool = True
    # Fixed once created: payments of the entry rely on them.
    read_only: tuple[str, ...] = ()


KINDS = (
    Kind("/financial-transaction-types", "financial_transaction_type", "financial_transaction_types",
         FinancialTransactionType, TransactionType, TransactionTypeInput, read_only=("/classification",)),
    Kind("/financial-transaction-categories", "financial_transaction_category", "financial_transaction_categories",
         FinancialTransactionCategory, TransactionCategory, TransactionCategoryInput),
    Kind("/rejection-reasons", "rejection_reason", "rejection_reasons", RejectionReason, Reason, ReasonInput),
    # Elevate's PaymentMethod enum is fixed: a tenant relabels or deactivates its values only.
    Kind("/payment-methods", "payment_method", "payment_methods", PaymentMethodSetting, Method, MethodInput,
         creatable=False, read_only=("/method",)),
)


def _listing(kind: Kind) -> Listing:
    specific = [name for name in ("alternativeCode", "classification", "code", "method")
                if to_snake(name) in repository.ENTRIES[kind.model].columns]
    descriptions = {"alternativeCode": "Filter by alternative code", "classification": "Filter by classification",
                    "code": "Filter by code", "method": "Filter by PaymentMethod"}
    return Listing(
        repository.ENTRIES[kind.model].columns,
        sortable=("id", "name", "createdAt", *specific),
        filters=[
            Filter("id", "Filter by identifier"),
            Filter("name", "Filter by name"),
            Filter("active", "Filter by whether new transactions may use it"),
            *(Filter(name, descriptions[name]) for name in specific),
        ],
        fields=("id", "locator", "name", "description", "active", "version", "createdAt", "updatedAt", *specific),
    )


def _routes(kind: Kind) -> None:
    label = kind.singular.replace("_", " ")
    model = kind.model

    def get(session: Session, tenant_id: uuid.UUID, entry_id: int, for_update: bool) -> ReferenceEntry:
        return service.get_entry(session, model, tenant_id=tenant_id, entry_id=entry_id, for_update=for_update)

    def create(session: Session, tenant_id: uuid.UUID, body: EntryInput) -> ReferenceEntry:
        return service.create_entry(session, model, tenant_id=tenant_id, **body.attributes())

    def update(session: Session, tenant_id: uuid.UUID, entry: ReferenceEntry, patched: EntryInput,
               changed: set[str]) -> ReferenceEntry:
        return service.update_entry(session, entry, changed_attributes(patched, changed, patched.attributes()))

    Resource(
        kind.path, kind.singular, kind.plural, kind.schema, _listing(kind),
        partial(service.list_entries, model=model), partial(service.count_entries, model=model),
        scope_group="admin", scopes={"list": "payments.read", "read": "payments.read"},
        label=label, tags=[kind.plural.replace("_", " ")], item_param="entry_id",
        item_description=f"The {label}'s identifier", get_item=get, create_schema=kind.input_schema,
        create_item=create if kind.creatable else None, update_schema=kind.input_schema, update_item=update,
        read_only=kind.read_only, responses={"get": (400, 404)},
        summaries={"get": f"Get a {label}", "create": f"Create a {label}",
                   "patch": f"Update a {label} with JSON Patch (deactivate it with active=false)"},
    ).add_routes(router)


for _kind in KINDS:
    _routes(_kind)


# --- shortfall tolerances ---------------------------------------------------------------------

class Tolerance(WireModel):
    currency_code: str = Field(examples=["GBP"])
    amount_in_major_currency: Amount = Field(description="Shortfalls up to this much are written off")
    updated_at: Timestamp

    @classmethod
    def of(cls, tolerance: ShortfallTolerance) -> "Tolerance":
        return cls(currency_code=tolerance.currency, updated_at=tolerance.updated_at,
                   amount_in_major_currency=major(tolerance.amount_minor, tolerance.currency))


class ToleranceInput(WireInput):
    amount_in_major_currency: Decimal = Field(ge=0, le=Decimal("100000"), examples=[1.00])


Currency = Annotated[CurrencyCode, Path(description="ISO 4217 currency code", examples=["GBP"])]
TOLERANCE_TAGS = ["shortfall tolerances"]


@router.get("/shortfall-tolerances", response_model=list[Tolerance], responses=error_responses(400),
            tags=TOLERANCE_TAGS, summary="List the tenant's shortfall tolerances (server defaults apply elsewhere)")
def list_shortfall_tolerances(session: SessionDep,
                              principal: Annotated[Principal, Depends(require("payments.read"))]) -> Response:
    return WireJSONResponse([to_wire(Tolerance.of(tolerance))
                             for tolerance in service.tolerances(session, tenant_id=principal.tenant_id)])


@router.put("/shortfall-tolerances/{currency_code}", response_model=Tolerance,
            responses=error_responses(400), tags=TOLERANCE_TAGS,
            summary="Set the tenant's shortfall tolerance for a currency")
def put_shortfall_tolerance(currency_code: Currency, body: ToleranceInput, session: SessionDep,
                            principal: Annotated[Principal, Depends(require("admin.write"))]) -> Response:
    amount_minor = minor_from_wire("amountInMajorCurrency", body.amount_in_major_currency, currency_code)
    return render(Tolerance.of(service.set_tolerance(session, tenant_id=principal.tenant_id, currency=currency_code,
                                                     amount_minor=amount_minor)))


@router.delete("/shortfall-tolerances/{currency_code}", status_code=204, responses=error_responses(400, 404),
               tags=TOLERANCE_TAGS, summary="Remove the tenant's tolerance for a currency (the server default applies)")
def delete_shortfall_tolerance(currency_code: Currency, session: SessionDep,
                               principal: Annotated[Principal, Depends(require("admin.write"))]) -> Response:
    service.delete_tolerance(session, tenant_id=principal.tenant_id, currency=currency_code)
    return Response(status_code=204)
