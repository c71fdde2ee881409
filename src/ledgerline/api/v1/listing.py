"""The /v1 (Elevate) listing grammar, declared once per resource over a repository's column map.

A ``Listing`` names a collection's wire parameters: its sortable fields, its typed filters and
its projectable fields, each mapped to a domain attribute of the repository's ``ColumnMap``
(camelCase to snake_case unless renamed: ``amountInMajorCurrency`` is ``amount``). From it come
the FastAPI query dependency (so every filter appears in the OpenAPI spec) and the neutral
``Criteria`` the services take. Filter forms by type: string ``xyz | in:x,y | like:xyz``; id
``123 | in:1,2``; boolean ``true | false``; date ``yyyy-MM-dd | lt: | gt: | gtn:`` (gtn = on or
after); amount and number ``x | in:x,y | lt:x | gt:x``. A malformed value is a 400 naming the
wire parameter.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Annotated, Any

from fastapi import Query
from pydantic.alias_generators import to_snake

from ledgerline.errors import BadRequest, FieldError
from ledgerline.kit.criteria import (
    Above, AnyOf, Below, ColumnMap, Condition, Contains, Criteria, Criterion, Equals, Kind, OneOf, OnOrAfter, Sort,
)

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100

FilterKind = Kind  # the wire form of a filter is the kind of value it takes

# Wire names whose domain attribute is not simply their snake_case.
V1_ATTRIBUTES: Mapping[str, str] = {
    "amountInMajorCurrency": "amount",
    "totalInMajorCurrency": "total",
    "outstandingInMajorCurrency": "outstanding",
}

_EXAMPLES = {
    Kind.STRING: "xyz | in:x,y | like:xyz",
    Kind.ID: "123 | in:1,2",
    Kind.BOOLEAN: "true | false",
    Kind.DATE: "yyyy-MM-dd | lt:yyyy-MM-dd | gt:yyyy-MM-dd | gtn:yyyy-MM-dd",
    Kind.AMOUNT: "10.00 | in:5,10 | lt:10.00 | gt:10.00",
    Kind.NUMBER: "80 | in:10,20 | lt:80 | gt:80 | like:8",
}


def bad_parameter(parameter: str, message: str) -> BadRequest:
    return BadRequest(f"Invalid parameter '{parameter}': {message}", errors=[FieldError(parameter, message)])


# --- values --------------------------------------------------------------------------------------

def split_operator(raw: str, allowed: Iterable[str]) -> tuple[str, str]:
    head, sep, tail = raw.partition(":")
    if sep and head in allowed:
        return head, tail
    return "eq", raw


def parse_date(parameter: str, raw: str) -> dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise bad_parameter(parameter, f"'{raw}' is not a date in yyyy-MM-dd form")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise bad_parameter(parameter, f"'{raw}' is not a valid date") from None


def parse_int(parameter: str, raw: str) -> int:
    if not re.fullmatch(r"-?\d{1,19}", raw.strip()):
        raise bad_parameter(parameter, f"'{raw}' is not an integer id")
    value = int(raw)
    if not -(2**63) <= value < 2**63:
        raise bad_parameter(parameter, f"'{raw}' is out of range")
    return value


_MAX_FILTER_NUMBER = Decimal("1e15")
_MAX_PLACES = 30


def parse_decimal(parameter: str, raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise bad_parameter(parameter, f"'{raw}' is not a number") from None
    # copy_abs, not abs(): abs() applies the decimal context and overflows on 1E+9999999.
    # Bounded both ways so that every value binds to NUMERIC and BIGINT comparisons.
    if not value.is_finite() or value.copy_abs() > _MAX_FILTER_NUMBER or value.as_tuple().exponent < -_MAX_PLACES:
        raise bad_parameter(parameter, f"'{raw}' is not a usable number")
    return value


def values_of(parameter: str, raw: str) -> list[str]:
    values = [value.strip() for value in raw.split(",") if value.strip()]
    if not values:
        raise bad_parameter(parameter, "in: needs at least one value")
    return values


def _either(conditions: list[Condition]) -> Condition:
    if all(isinstance(each, Equals) for each in conditions):
        return OneOf(tuple(each.value for each in conditions))  # type: ignore[union-attr]
    return AnyOf(tuple(conditions))


_BOUNDS: dict[str, type] = {"eq": Equals, "lt": Below, "gt": Above, "gtn": OnOrAfter}


def _date(name: str, raw: str) -> Condition:
    op, value = split_operator(raw, ("lt", "gt", "gtn", "in"))
    if op == "in":
        return _either([_date(name, each) for each in values_of(name, value)])
    return _BOUNDS[op](parse_date(name, value))


def _amount(name: str, raw: str) -> Condition:
    op, value = split_operator(raw, ("lt", "gt", "in"))
    if op == "in":
        return _either([_amount(name, each) for each in values_of(name, value)])
    return _BOUNDS[op](parse_decimal(name, value))


def _number(name: str, raw: str) -> Condition:
    op, value = split_operator(raw, ("lt", "gt", "in", "like"))
    if op == "in":
        return OneOf(tuple(parse_decimal(name, each) for each in values_of(name, value)))
    if op == "like":
        return Contains(value)
    return _BOUNDS[op](parse_decimal(name, value))


def _string(name: str, raw: str) -> Condition:
    op, value = split_operator(raw, ("in", "like"))
    if op == "in":
        return OneOf(tuple(values_of(name, value)))
    return Contains(value) if op == "like" else Equals(value)


def id_condition(name: str, raw: str) -> Condition:
    op, value = split_operator(raw, ("in",))
    if op == "in":
        return OneOf(tuple(parse_int(name, each) for each in values_of(name, value)))
    return Equals(parse_int(name, value))


def _boolean(name: str, raw: str) -> Condition:
    lowered = raw.strip().lower()
    if lowered not in ("true", "false"):
        raise bad_parameter(name, f"'{raw}' is not true or false")
    return Equals(lowered == "true")


def _enum(name: str, raw: str, enum_type: type[enum.Enum]) -> Condition:
    op, value = split_operator(raw, ("in",))
    allowed = {member.value: member for member in enum_type}
    wanted = values_of(name, value) if op == "in" else [value]
    unknown = [v for v in wanted if v not in allowed]
    if unknown:
        raise bad_parameter(name, f"'{unknown[0]}' is not one of {', '.join(allowed)}")
    return OneOf(tuple(allowed[v] for v in wanted)) if op == "in" else Equals(allowed[value])


_PARSERS: dict[Kind, Callable[[str, str], Condition]] = {
    Kind.STRING: _string,
    Kind.ID: id_condition,
    Kind.BOOLEAN: _boolean,
    Kind.DATE: _date,
    Kind.AMOUNT: _amount,
    Kind.NUMBER: _number,
}


def parse_condition(kind: Kind, name: str, raw: str) -> Condition:
    """One value in the filter form of ``kind`` (a 400 naming ``name`` when malformed)."""
    return _PARSERS[kind](name, raw)


# --- declarations ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filter:
    """One documented filter parameter.

    ``attribute`` is the domain attribute it tests (default: the snake_case of ``name``).
    ``kind`` is its wire form when that differs from the attribute's kind; ``parse`` replaces
    the standard parsing for filters that are not a plain test of their form (None: no criterion).
    ``single`` accepts one id only (no ``in:``).
    """

    name: str
    description: str = ""
    attribute: str | None = None
    kind: Kind | None = None
    required: bool = False
    single: bool = False
    parse: Callable[[str], Condition | None] | None = None
    # A parameter that states several criteria at once (``filter=paymentDate=gtn:2026-01-01;...``).
    terms: Callable[[str], Sequence[Criterion]] | None = None


@dataclass
class ListQuery:
    """A parsed /v1 list request: paging and projection on the wire, criteria for the domain."""

    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    sort: tuple[Sort, ...] = ()
    fields: list[str] | None = None
    filters: dict[str, str] = field(default_factory=dict)
    listing: Listing | None = None
    paged: bool = True

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @cached_property
    def criteria(self) -> Criteria:
        # Filters are parsed here, when the operation reads them (after authentication), as before.
        where = self.listing.criteria_of(self.filters) if self.listing is not None else ()
        if not self.paged:
            return Criteria(where=where)
        return Criteria(where=where, sorts=self.sort, offset=self.offset, limit=self.page_size)


def _python_name(wire: str) -> str:
    return "f_" + re.sub(r"\W", "_", wire)


class Listing:
    """What a /v1 collection can be filtered, sorted and projected by, over a column map."""

    def __init__(
        self,
        columns: ColumnMap,
        *,
        sortable: Iterable[str],
        filters: Sequence[Filter],
        fields: Iterable[str],
        default_sort: Sequence[str] = ("id",),
        attributes: Mapping[str, str] | None = None,
    ) -> None:
        self.columns = columns
        self.renames = {**V1_ATTRIBUTES, **(attributes or {})}
        self.sortable = {name: self.attribute_of(name) for name in sortable}
        self.filters = {spec.name: spec for spec in filters}
        self.fields = frozenset(fields)
        self.default_sort = tuple(Sort(self.attribute_of(name)) for name in default_sort)
        for name, attribute in self.sortable.items():
            columns[attribute]  # an unknown attribute fails at import time, not on a request
        for spec in self.filters.values():
            if spec.terms is None and (spec.parse is None or spec.kind is None):
                columns[self.attribute_for(spec)]

    def attribute_of(self, wire_name: str) -> str:
        return self.renames.get(wire_name) or to_snake(wire_name)

    def attribute_for(self, spec: Filter) -> str:
        return spec.attribute or self.attribute_of(spec.name)

    def kind_of(self, spec: Filter) -> Kind:
        return spec.kind or self.columns[self.attribute_for(spec)].kind

    def example(self, spec: Filter) -> str:
        kind = self.kind_of(spec)
        if kind is Kind.ENUM:
            enum_type = self.columns[self.attribute_for(spec)].enum_type
            values = [member.value for member in enum_type]  # type: ignore[union-attr]
            return f"{values[0]} | in:{','.join(values[:2])}"
        return _EXAMPLES[kind]

    # --- parsing -------------------------------------------------------------------------------
    def parse_sort(self, raw: str | None) -> tuple[Sort, ...]:
        if raw is None or not raw.strip():
            return self.default_sort
        result = []
        for part in raw.split(","):
            name, _, direction = part.strip().partition(":")
            direction = direction.strip().lower() or "asc"
            if name not in self.sortable:
                raise bad_parameter("sort", f"cannot sort by '{name}'; "
                                            f"sortable fields: {', '.join(sorted(self.sortable))}")
            if direction not in ("asc", "desc"):
                raise bad_parameter("sort", f"direction '{direction}' must be asc or desc")
            result.append(Sort(self.sortable[name], direction == "desc"))
        return tuple(result)

    def parse_fields(self, raw: str | None) -> list[str] | None:
        if raw is None or not raw.strip():
            return None
        names = [name.strip() for name in raw.split(",") if name.strip()]
        unknown = [name for name in names if name not in self.fields]
        if unknown:
            raise bad_parameter("fields", f"unknown field '{unknown[0]}'; fields: {', '.join(sorted(self.fields))}")
        return names

    def condition(self, spec: Filter, raw: str) -> Condition | None:
        """The condition one raw parameter value states (400 naming the parameter when malformed)."""
        if not raw.strip():
            raise bad_parameter(spec.name, "must not be empty")
        if spec.parse is not None:
            return spec.parse(raw)
        if spec.single:
            return Equals(parse_int(spec.name, raw))
        kind = self.kind_of(spec)
        if kind is Kind.ENUM:
            return _enum(spec.name, raw, self.columns[self.attribute_for(spec)].enum_type)  # type: ignore[arg-type]
        return _PARSERS[kind](spec.name, raw)

    def criteria_of(self, filters: Mapping[str, str]) -> tuple[Criterion, ...]:
        found = []
        for name, raw in filters.items():
            spec = self.filters[name]
            if spec.terms is not None:
                if not raw.strip():
                    raise bad_parameter(spec.name, "must not be empty")
                found.extend(spec.terms(raw))
                continue
            condition = self.condition(spec, raw)
            if condition is not None:
                found.append(Criterion(self.attribute_for(spec), condition))
        return tuple(found)

    def query(self, *, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE, sort: str | None = None,
              fields: str | None = None, filters: Mapping[str, str] | None = None, paged: bool = True) -> ListQuery:
        return ListQuery(page=page, page_size=page_size, sort=self.parse_sort(sort), fields=self.parse_fields(fields),
                         filters=dict(filters or {}), listing=self, paged=paged)

    def query_dependency(self, *, paged: bool = True) -> Callable[..., ListQuery]:
        """A FastAPI dependency whose signature declares every parameter for OpenAPI."""
        params: list[inspect.Parameter] = []
        kw = inspect.Parameter.KEYWORD_ONLY
        if paged:
            params += [
                inspect.Parameter("page", kw, default=1, annotation=Annotated[
                    int, Query(ge=1, le=2**31 - 1, description="Page of results to show", examples=[1])]),
                inspect.Parameter("pageSize", kw, default=DEFAULT_PAGE_SIZE, annotation=Annotated[
                    int, Query(ge=1, le=MAX_PAGE_SIZE, description="Results to return per page", examples=[100])]),
                inspect.Parameter("sort", kw, default=None, annotation=Annotated[str | None, Query(
                    description="Comma-delimited fields to sort by, ascending unless suffixed :desc; "
                    f"sortable: {', '.join(sorted(self.sortable))}", examples=["id", "name:desc"])]),
                inspect.Parameter("fields", kw, default=None, annotation=Annotated[str | None, Query(
                    description="Comma-delimited list of the field(s) to return", examples=["id,name"])]),
            ]
        else:
            # HEAD (seed 001's "exists" check) takes the list's paging, sort and projection too, so a client
            # can reuse the list's query string; they change nothing about the count (issue 15).
            params += [
                inspect.Parameter(name, kw, default=None, annotation=Annotated[str | None, Query(
                    description=f"Accepted as on the list and ignored: {what} does not change the count",
                    examples=[example])])
                for name, what, example in (("page", "paging", "1"), ("pageSize", "paging", "100"),
                                            ("sort", "the order", "id"), ("fields", "the projection", "id,name"))
            ]
        for spec in self.filters.values():
            annotation = Annotated[str | None, Query(
                alias=spec.name,
                description=(spec.description or f"Filter by {spec.name}") + f" ({self.kind_of(spec).value} filter)",
                examples=[self.example(spec)],
            )]
            if spec.required:
                annotation = Annotated[str, Query(alias=spec.name, description=spec.description,
                                                  examples=[self.example(spec)])]
            params.append(inspect.Parameter(
                _python_name(spec.name), kw,
                default=inspect.Parameter.empty if spec.required else None, annotation=annotation))

        async def dependency(**values: Any) -> ListQuery:  # async: CPU only, no worker-thread hop
            filters = {
                name: values[_python_name(name)]
                for name in self.filters
                if values.get(_python_name(name)) is not None
            }
            if not paged:
                return self.query(filters=filters, paged=False)
            return self.query(page=values.get("page", 1), page_size=values.get("pageSize", DEFAULT_PAGE_SIZE),
                              sort=values.get("sort"), fields=values.get("fields"), filters=filters, paged=paged)

        dependency.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        return dependency
