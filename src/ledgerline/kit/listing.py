"""The /v1 (Elevate) listing conventions, declared once per resource.

A ``Listing`` names the sortable fields, the typed filters and the projectable
fields of a collection. From it come the FastAPI query dependency (so every
filter appears in the OpenAPI spec) and the SQL that pages, filters and sorts.
Filter forms by type: string ``xyz | in:x,y | like:xyz``; id ``123 | in:1,2``;
boolean ``true | false``; date ``yyyy-MM-dd | lt: | gt: | gtn:`` (gtn = on or
after); amount and number ``x | in:x,y | lt:x | gt:x``.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Query
from sqlalchemy import DateTime, Select, String, TypeDecorator, and_, cast, false, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from ledgerline.errors import BadRequest, FieldError
from ledgerline.kit.money import CURRENCY_EXPONENTS, MAX_MINOR, scale_exact

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100


class FilterKind(str, enum.Enum):
    STRING = "string"
    ID = "id"
    BOOLEAN = "boolean"
    DATE = "date"
    AMOUNT = "amount"
    NUMBER = "number"
    ENUM = "enum"


_EXAMPLES = {
    FilterKind.STRING: "xyz | in:x,y | like:xyz",
    FilterKind.ID: "123 | in:1,2",
    FilterKind.BOOLEAN: "true | false",
    FilterKind.DATE: "yyyy-MM-dd | lt:yyyy-MM-dd | gt:yyyy-MM-dd | gtn:yyyy-MM-dd",
    FilterKind.AMOUNT: "10.00 | in:5,10 | lt:10.00 | gt:10.00",
    FilterKind.NUMBER: "80 | in:10,20 | lt:80 | gt:80 | like:8",
}


@dataclass(frozen=True)
class Filter:
    """One documented filter parameter.

    ``column`` is the SQL expression compared. For AMOUNT filters it holds minor
    units and ``currency_column`` the row's currency, so a major-unit bound is
    compared exactly per currency. ``build`` replaces the standard comparison for
    filters that are not a plain column test (it receives the raw value).
    """

    name: str
    kind: FilterKind
    column: Any = None
    description: str = ""
    enum_type: type[enum.Enum] | None = None
    currency_column: Any = None  # required for AMOUNT filters
    required: bool = False
    build: Callable[[str], ColumnElement[bool]] | None = None

    @property
    def example(self) -> str:
        if self.kind is FilterKind.ENUM and self.enum_type is not None:
            values = [member.value for member in self.enum_type]
            return f"{values[0]} | in:{','.join(values[:2])}"
        return _EXAMPLES[self.kind]

    def clause(self, raw: str) -> ColumnElement[bool]:
        """The SQL condition for one raw parameter value (400 naming the filter when malformed)."""
        if not raw.strip():
            raise _bad(self.name, "must not be empty")
        return self.build(raw) if self.build else _BUILDERS[self.kind](self, raw)


@dataclass
class ListQuery:
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    fields: list[str] | None = None
    filters: dict[str, str] = field(default_factory=dict)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass
class Page:
    items: list[Any]
    total: int
    query: ListQuery


def _bad(parameter: str, message: str) -> BadRequest:
    return BadRequest(f"Invalid parameter '{parameter}': {message}", errors=[FieldError(parameter, message)])


def single_id(query: ListQuery, name: str) -> int:
    """The value of an id filter that must name exactly one row (400 naming it otherwise)."""
    return _parse_int(name, query.filters.get(name, ""))


def _split_operator(raw: str, allowed: Iterable[str]) -> tuple[str, str]:
    head, sep, tail = raw.partition(":")
    if sep and head in allowed:
        return head, tail
    return "eq", raw


def _parse_date(parameter: str, raw: str) -> dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise _bad(parameter, f"'{raw}' is not a date in yyyy-MM-dd form")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise _bad(parameter, f"'{raw}' is not a valid date") from None


def _parse_int(parameter: str, raw: str) -> int:
    if not re.fullmatch(r"-?\d{1,19}", raw.strip()):
        raise _bad(parameter, f"'{raw}' is not an integer id")
    value = int(raw)
    if not -(2**63) <= value < 2**63:
        raise _bad(parameter, f"'{raw}' is out of range")
    return value


_MAX_FILTER_NUMBER = Decimal("1e15")
_MAX_PLACES = 30


def _parse_decimal(parameter: str, raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise _bad(parameter, f"'{raw}' is not a number") from None
    # copy_abs, not abs(): abs() applies the decimal context and overflows on 1E+9999999.
    # Bounded both ways so that every value binds to NUMERIC and BIGINT comparisons.
    if not value.is_finite() or value.copy_abs() > _MAX_FILTER_NUMBER or value.as_tuple().exponent < -_MAX_PLACES:
        raise _bad(parameter, f"'{raw}' is not a usable number")
    return value


def _values(parameter: str, raw: str) -> list[str]:
    values = [value.strip() for value in raw.split(",") if value.strip()]
    if not values:
        raise _bad(parameter, "in: needs at least one value")
    return values


def _is_datetime(column: Any) -> bool:
    # A TypeDecorator (UTCDateTime) has no python_type of its own: look at what it wraps.
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    return isinstance(column_type, DateTime)


def _date_clause(spec: Filter, raw: str) -> ColumnElement[bool]:
    op, value = _split_operator(raw, ("lt", "gt", "gtn", "in"))
    column = spec.column
    if op == "in":
        return or_(*(_date_clause(spec, v) for v in _values(spec.name, value)))
    day = _parse_date(spec.name, value)
    if _is_datetime(column):
        start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.timezone.utc)
        end = start + dt.timedelta(days=1)
        return {
            "eq": and_(column >= start, column < end),
            "lt": column < start,
            "gt": column >= end,
            "gtn": column >= start,
        }[op]
    return {"eq": column == day, "lt": column < day, "gt": column > day, "gtn": column >= day}[op]


_MIN_MINOR = -MAX_MINOR - 1
_CODES_BY_EXPONENT: dict[int, list[str]] = {}
for _code, _exp in sorted(CURRENCY_EXPONENTS.items()):
    _CODES_BY_EXPONENT.setdefault(_exp, []).append(_code)


def _amount_bound(op: str, value: Decimal, exp: int) -> tuple[str, int] | None:
    """Translate a major-unit comparison into an exact minor-unit integer comparison."""
    scaled = scale_exact(value, exp)
    if op == "lt":
        return "lt", math.ceil(scaled)
    if op == "gt":
        return "gt", math.floor(scaled)
    if scaled != scaled.to_integral_value():
        return None  # no amount in this currency can equal it
    return "eq", int(scaled)


def _amount_clause(spec: Filter, raw: str) -> ColumnElement[bool]:
    op, value_text = _split_operator(raw, ("lt", "gt", "in"))
    if op == "in":
        return or_(*(_amount_clause(spec, v) for v in _values(spec.name, value_text)))
    value = _parse_decimal(spec.name, value_text)
    clauses = []
    for exp, codes in _CODES_BY_EXPONENT.items():
        bound = _amount_bound(op, value, exp)
        if bound is None:
            continue
        cmp, minor = bound
        if not _MIN_MINOR <= minor <= MAX_MINOR:
            # Beyond what a BIGINT holds (or a driver binds): every amount of these
            # currencies is on one side of the bound, and none equals it.
            if (cmp == "lt" and minor > MAX_MINOR) or (cmp == "gt" and minor < _MIN_MINOR):
                clauses.append(spec.currency_column.in_(codes))
            continue
        test = {"eq": spec.column == minor, "lt": spec.column < minor, "gt": spec.column > minor}[cmp]
        clauses.append(and_(spec.currency_column.in_(codes), test))
    return or_(*clauses) if clauses else false()


def _number_clause(spec: Filter, raw: str) -> ColumnElement[bool]:
    op, value_text = _split_operator(raw, ("lt", "gt", "in", "like"))
    column = spec.column
    if op == "in":
        return column.in_([_parse_decimal(spec.name, v) for v in _values(spec.name, value_text)])
    if op == "like":
        return cast(column, String).contains(value_text, autoescape=True)
    value = _parse_decimal(spec.name, value_text)
    return {"eq": column == value, "lt": column < value, "gt": column > value}[op]


def _string_clause(spec: Filter, raw: str) -> ColumnElement[bool]:
    op, value = _split_operator(raw, ("in", "like"))
    column = spec.column
    if op == "in":
        return column.in_(_values(spec.name, value))
    if op == "like":
        # Case-insensitive "contains"; % and _ in the value are literal characters.
        return func.lower(column).contains(value.lower(), autoescape=True)
    return column == value


def _enum_clause(spec: Filter, raw: str) -> ColumnElement[bool]:
    assert spec.enum_type is not None
    op, value = _split_operator(raw, ("in",))
    allowed = {member.value: member for member in spec.enum_type}
    wanted = _values(spec.name, value) if op == "in" else [value]
    unknown = [v for v in wanted if v not in allowed]
    if unknown:
        raise _bad(spec.name, f"'{unknown[0]}' is not one of {', '.join(allowed)}")
    return spec.column.in_([allowed[v] for v in wanted])


def _id_clause(spec: Filter, raw: str) -> ColumnElement[bool]:
    op, value = _split_operator(raw, ("in",))
    if op == "in":
        return spec.column.in_([_parse_int(spec.name, v) for v in _values(spec.name, value)])
    return spec.column == _parse_int(spec.name, value)


def _boolean_clause(spec: Filter, raw: str) -> ColumnElement[bool]:
    lowered = raw.strip().lower()
    if lowered not in ("true", "false"):
        raise _bad(spec.name, f"'{raw}' is not true or false")
    return spec.column.is_(lowered == "true")


_BUILDERS: dict[FilterKind, Callable[[Filter, str], ColumnElement[bool]]] = {
    FilterKind.STRING: _string_clause,
    FilterKind.ID: _id_clause,
    FilterKind.BOOLEAN: _boolean_clause,
    FilterKind.DATE: _date_clause,
    FilterKind.AMOUNT: _amount_clause,
    FilterKind.NUMBER: _number_clause,
    FilterKind.ENUM: _enum_clause,
}


def _python_name(wire: str) -> str:
    return "f_" + re.sub(r"\W", "_", wire)


class Listing:
    """What a collection can be filtered, sorted and projected by."""

    def __init__(
        self,
        *,
        sortable: dict[str, Any],
        filters: Sequence[Filter],
        fields: Iterable[str],
        tiebreak: Any,
        default_sort: Sequence[str] = ("id",),
    ) -> None:
        self.sortable = sortable
        self.filters = {spec.name: spec for spec in filters}
        self.fields = frozenset(fields)
        self.tiebreak = tiebreak
        self.default_sort = [(name, False) for name in default_sort]

    # --- parsing -------------------------------------------------------------
    def parse_sort(self, raw: str | None) -> list[tuple[str, bool]]:
        if raw is None or not raw.strip():
            return list(self.default_sort)
        result = []
        for part in raw.split(","):
            name, _, direction = part.strip().partition(":")
            direction = direction.strip().lower() or "asc"
            if name not in self.sortable:
                raise _bad("sort", f"cannot sort by '{name}'; sortable fields: {', '.join(sorted(self.sortable))}")
            if direction not in ("asc", "desc"):
                raise _bad("sort", f"direction '{direction}' must be asc or desc")
            result.append((name, direction == "desc"))
        return result

    def parse_fields(self, raw: str | None) -> list[str] | None:
        if raw is None or not raw.strip():
            return None
        names = [name.strip() for name in raw.split(",") if name.strip()]
        unknown = [name for name in names if name not in self.fields]
        if unknown:
            raise _bad("fields", f"unknown field '{unknown[0]}'; fields: {', '.join(sorted(self.fields))}")
        return names

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
        for spec in self.filters.values():
            annotation = Annotated[str | None, Query(
                alias=spec.name,
                description=(spec.description or f"Filter by {spec.name}") + f" ({spec.kind.value} filter)",
                examples=[spec.example],
            )]
            if spec.required:
                annotation = Annotated[str, Query(alias=spec.name, description=spec.description, examples=[spec.example])]
            params.append(inspect.Parameter(
                _python_name(spec.name), kw,
                default=inspect.Parameter.empty if spec.required else None, annotation=annotation))

        async def dependency(**values: Any) -> ListQuery:  # async: CPU only, no worker-thread hop
            filters = {
                name: values[_python_name(name)]
                for name in self.filters
                if values.get(_python_name(name)) is not None
            }
            return ListQuery(
                page=values.get("page", 1),
                page_size=values.get("pageSize", DEFAULT_PAGE_SIZE),
                sort=self.parse_sort(values.get("sort")),
                fields=self.parse_fields(values.get("fields")),
                filters=filters,
            )

        dependency.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        return dependency

    # --- SQL -----------------------------------------------------------------
    def where(self, query: ListQuery) -> list[ColumnElement[bool]]:
        return [self.filters[name].clause(raw) for name, raw in query.filters.items()]

    def order_by(self, query: ListQuery) -> list[Any]:
        order = [self.sortable[name].desc() if desc else self.sortable[name].asc() for name, desc in query.sort]
        order.append(self.tiebreak.asc())  # a total order keeps pages stable
        return order

    def count_statement(self, base: Select, query: ListQuery) -> Select:
        filtered = base.where(*self.where(query))
        return select(func.count()).select_from(filtered.order_by(None).subquery())

    def page_statement(self, base: Select, query: ListQuery) -> Select:
        return (
            base.where(*self.where(query))
            .order_by(*self.order_by(query))
            .limit(query.page_size)
            .offset(query.offset)
        )
