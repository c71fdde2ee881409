"""What every /api/v3 operation shares: identifiers, limit/offset/order_by/direction paging, links."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ledgerline.api.exsited.envelope import ExsitedErrors
from ledgerline.api.wire import StrictInput
from ledgerline.kit.criteria import Criteria, Sort
from ledgerline.kit.refs import Ref

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000

_TEXT = {400: "A parameter or the body is malformed or breaks a rule (each problem has a message)",
         401: "Missing, expired or invalid bearer token", 403: "The token lacks the scope",
         404: "No such payment, invoice or account (or the payment was deleted)",
         409: "The payment's state does not allow it, or a concurrent request holds the same Idempotency-Key"}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ExsitedErrors, "description": _TEXT[code]} for code in (400, 401, 403, *codes)}


class ExsitedModel(BaseModel):
    """Exsited's wire names are snake_case, as Python's."""

    model_config = ConfigDict(populate_by_name=True)


class ExsitedInput(StrictInput):
    """/api request bodies: snake_case, unknown fields refused."""


def ref_of(value: str, kind: type[Ref]) -> Ref:
    """Seed 003's ids are Strings: the human number (``PAY-0000001``) is canonical, the uuid accepted too."""
    try:
        return kind(uuid=uuid.UUID(value))
    except ValueError:
        return kind(number=value)


def _id_parameter(what: str, example: str) -> Any:
    return Path(min_length=1, max_length=64, description=f"The {what}'s number, or its uuid", examples=[example])


PaymentId = Annotated[str, _id_parameter("payment", "PAY-0000001")]
InvoiceId = Annotated[str, _id_parameter("invoice", "INV-0000001")]
AccountId = Annotated[str, _id_parameter("account (customer)", "CUS-0000001")]

# order_by names a field; seed 003's text calls it a direction, so asc/desc there sort the default field.
OrderBy = Literal["date", "id", "created_on", "total_applied", "status", "asc", "desc"]
# The SDK (1.0.40) sends str(SortDirection.ASC) and, when no direction is given, str(None): both accepted.
# A pattern, not an enum: "asc" and "ASC" would be one key twice in a generated client's enum.
DIRECTION_PATTERN = r"^(asc|desc|ASC|DESC|SortDirection\.ASC|SortDirection\.DESC|None)$"

_SORTED = {"date": "received_on", "id": "id", "created_on": "created_at", "total_applied": "amount",
           "status": "status"}


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int
    sorts: tuple[Sort, ...]

    def criteria(self, criteria: Criteria = Criteria()) -> Criteria:
        return Criteria(where=criteria.where, sorts=self.sorts, offset=self.offset, limit=self.limit)


def paging(limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, examples=[DEFAULT_LIMIT],
                                       description=f"Most records to return (default {DEFAULT_LIMIT}, "
                                                   f"at most {MAX_LIMIT})")] = DEFAULT_LIMIT,
           offset: Annotated[int, Query(ge=0, le=2**31, examples=[0],
                                        description="How many records to skip (default 0)")] = 0,
           order_by: Annotated[OrderBy | None, Query(examples=["date"], description=(
               "The field to sort by (default date, then id); `asc` or `desc` (as seed 003's text has it) sort "
               "the default field that way"))] = None,
           direction: Annotated[str | None, Query(pattern=DIRECTION_PATTERN, examples=["desc"], description=(
               "asc or desc, either case (default desc: newest first)"))] = None) -> Paging:
    descending = True
    if direction is not None and direction != "None":
        descending = direction.lower().endswith("desc")
    if order_by in ("asc", "desc"):
        descending = order_by == "desc"
        order_by = None
    field = _SORTED[order_by or "date"]
    sorts = (Sort(field, descending),) if field == "id" else (Sort(field, descending), Sort("id", descending))
    return Paging(limit=limit, offset=offset, sorts=sorts)


class Pagination(ExsitedModel):
    records: int = Field(description="How many records match in all", examples=[42])
    limit: int = Field(examples=[DEFAULT_LIMIT])
    offset: int = Field(examples=[0])
    previous_page: str | None = Field(description="URL of the previous page; null on the first",
                                      examples=["https://ledgerline.example/api/v3/payments?limit=20&offset=0"])
    next_page: str | None = Field(description="URL of the next page; null on the last",
                                  examples=["https://ledgerline.example/api/v3/payments?limit=20&offset=40"])


def pagination(request: Request, page: Paging, records: int) -> dict[str, Any]:
    """Seed 003's pagination object; the links are this request's URL at the neighbouring offsets."""

    def link(offset: int) -> str:
        return str(request.url.include_query_params(limit=page.limit, offset=offset))

    following = page.offset + page.limit
    return {"records": records, "limit": page.limit, "offset": page.offset,
            "previous_page": link(max(0, page.offset - page.limit)) if page.offset > 0 else None,
            "next_page": link(following) if following < records else None}
