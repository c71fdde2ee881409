"""/v1 reference data: financial transaction types and categories, rejection reasons, payment
methods (one route set, declared once per kind) and shortfall tolerances.

Read with ``payments.read`` (clients creating payments need them), written with ``admin.write``.
Entries are never deleted, because posted transactions point at them: deactivate them instead.
"""

# No ``from __future__ import annotations``: the route functions are built per kind in
# ``_routes`` and FastAPI must see their real annotations, not names local to that function.

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import Field

from ledgerline.api.v1.patching import JSON_PATCH_BODY, PatchOperation, patched_input
from ledgerline.api.v1.responses import (
    check_if_match, render, render_created, render_head, render_page, render_resource, to_wire,
)
from ledgerline.api.v1.schemas import (
    Amount, CurrencyCode, Timestamp, WireInput, WireModel, error_responses, major, minor_from_wire,
)
from ledgerline.api.wire import WireJSONResponse, WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.kit.listing import ListQuery
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
    Kind("/payment-methods", "payment_method", "payment_methods", PaymentMethodSetting, Method, EntryInput,
         creatable=False, read_only=("/method",)),
)


def _routes(kind: Kind) -> None:
    label = kind.singular.replace("_", " ")
    tags = [kind.plural.replace("_", " ")]
    listing = repository.LISTINGS[kind.model]
    EntryId = Annotated[int, Path(description=f"The {label}'s identifier", examples=[1])]
    Listed = Annotated[ListQuery, Depends(listing.query_dependency())]
    Filtered = Annotated[ListQuery, Depends(listing.query_dependency(paged=False))]
    Reader = Annotated[Principal, Depends(require("payments.read"))]
    Writer = Annotated[Principal, Depends(require("admin.write"))]

    def list_entries(request: Request, session: SessionDep, query: Listed, principal: Reader) -> Response:
        return render_page(request, repository.page_of(session, kind.model, principal.tenant_id, query), kind.schema)

    def entries_exist(session: SessionDep, query: Filtered, principal: Reader) -> Response:
        return render_head(repository.count_of(session, kind.model, principal.tenant_id, query))

    def get_entry(entry_id: EntryId, session: SessionDep, principal: Reader) -> Response:
        return render_resource(kind.schema.of(
            service.get_entry(session, kind.model, tenant_id=principal.tenant_id, entry_id=entry_id)))

    def create_entry(request: Request, body: kind.input_schema, session: SessionDep,  # type: ignore[name-defined]
                     guard: IdempotencyDep, principal: Writer) -> Response:
        entry = service.create_entry(session, kind.model, tenant_id=principal.tenant_id, **body.attributes())
        return render_created(request, session, guard, kind.schema.of(entry), location=f"/v1{kind.path}/{entry.id}")

    def patch_entry(request: Request, entry_id: EntryId, session: SessionDep,
                    operations: Annotated[list[PatchOperation], Body(**JSON_PATCH_BODY)], principal: Writer) -> Response:
        entry = service.get_entry(session, kind.model, tenant_id=principal.tenant_id, entry_id=entry_id,
                                  for_update=True)
        check_if_match(request, entry.version)
        patched, changed = patched_input(kind.schema.of(entry), operations, kind.input_schema,
                                         read_only=kind.read_only)
        attributes = patched.attributes()  # type: ignore[attr-defined]
        by_wire_name = {info.alias or name: name for name, info in kind.input_schema.model_fields.items()}
        changes = {by_wire_name[name]: attributes[by_wire_name[name]] for name in changed}
        return render_resource(kind.schema.of(service.update_entry(session, entry, changes)))

    many, one = kind.plural, kind.singular
    router.add_api_route(kind.path, list_entries, methods=["GET"], name=f"list_{many}", tags=tags,
                         response_model=list[kind.schema], responses=error_responses(400), summary=f"List {label}s")
    router.add_api_route(kind.path, entries_exist, methods=["HEAD"], name=f"{many}_exist", tags=tags,
                         responses={**error_responses(400), 404: {"description": f"No {label} matches"}},
                         summary=f"Check whether {label}s matching the filters exist")
    router.add_api_route(f"{kind.path}/{{entry_id}}", get_entry, methods=["GET"], name=f"get_{one}", tags=tags,
                         response_model=kind.schema, responses=error_responses(400, 404), summary=f"Get a {label}")
    if kind.creatable:
        router.add_api_route(kind.path, create_entry, methods=["POST"], name=f"create_{one}", tags=tags,
                             status_code=201, response_model=kind.schema, responses=error_responses(400, 409, 422),
                             summary=f"Create a {label}")
    router.add_api_route(f"{kind.path}/{{entry_id}}", patch_entry, methods=["PATCH"], name=f"patch_{one}", tags=tags,
                         response_model=kind.schema, responses=error_responses(400, 404, 409, 412, 422),
                         summary=f"Update a {label} with JSON Patch (deactivate it with active=false)")


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
            responses=error_responses(400, 422), tags=TOLERANCE_TAGS,
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
