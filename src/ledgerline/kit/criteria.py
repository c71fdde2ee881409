"""Listing criteria in domain terms, compiled to SQL against a repository's column map.

A surface parses its own grammar (Elevate ``page/sort/in:/like:``, Socotra ``offset/count``,
Exsited ``limit/offset/order_by``, ...) into ``Criteria``: typed conditions and sorts over
domain attribute names (``customer_id``, ``amount``, ``received_on``) and a window. Each
repository declares a ``ColumnMap`` from those names to SQL, which turns criteria into WHERE,
ORDER BY (always ending with a tie-break, so pages are stable), count and page statements.
Values are already typed here (ints, dates, ``Decimal`` major-unit amounts, enum members):
parsing and its 400s belong to the surface.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Union

from sqlalchemy import (
    Boolean, Date, DateTime, Enum, Integer, Select, String, TypeDecorator, and_, cast, false, func, or_, select,
)
from sqlalchemy.sql.elements import ColumnElement

from ledgerline.kit.money import CURRENCY_EXPONENTS, MAX_MINOR, scale_exact


class Kind(str, enum.Enum):
    """What an attribute holds, which decides the conditions it takes and how they compile."""

    STRING = "string"
    ID = "id"
    BOOLEAN = "boolean"
    DATE = "date"
    AMOUNT = "amount"  # Decimal in major units, compared exactly in each currency's minor units
    NUMBER = "number"
    ENUM = "enum"


# --- conditions ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Equals:
    value: Any  # a date matches a whole UTC day on a timestamp


@dataclass(frozen=True)
class OneOf:
    values: tuple[Any, ...]


@dataclass(frozen=True)
class NoneOf:
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Contains:
    """Substring of the value's text; case-insensitive on strings, wildcards literal."""

    text: str


@dataclass(frozen=True)
class Below:
    value: Any  # dates: before that day


@dataclass(frozen=True)
class Above:
    value: Any  # dates: after that day


@dataclass(frozen=True)
class OnOrAfter:
    value: dt.date


@dataclass(frozen=True)
class AnyOf:
    """At least one of the conditions holds."""

    conditions: tuple[Condition, ...]


Condition = Union[Equals, OneOf, NoneOf, Contains, Below, Above, OnOrAfter, AnyOf]


@dataclass(frozen=True)
class Criterion:
    attribute: str
    condition: Condition


@dataclass(frozen=True)
class Sort:
    attribute: str
    descending: bool = False


@dataclass(frozen=True)
class Criteria:
    """What to select (all criteria hold), in which order, and which window of it."""

    where: tuple[Criterion, ...] = ()
    sorts: tuple[Sort, ...] = ()
    offset: int = 0
    limit: int | None = None

    def condition_on(self, attribute: str) -> Condition | None:
        return next((c.condition for c in self.where if c.attribute == attribute), None)

    def equals(self, attribute: str) -> Any:
        """The value an attribute must equal, or None when no criterion says so."""
        condition = self.condition_on(attribute)
        return condition.value if isinstance(condition, Equals) else None

    def only(self, *attributes: str) -> Criteria:
        """The criteria on these attributes alone, unsorted and unpaged."""
        return Criteria(where=tuple(c for c in self.where if c.attribute in attributes))

    def sorted_by(self) -> frozenset[str]:
        return frozenset(sort.attribute for sort in self.sorts)


@dataclass
class Page:
    items: list[Any]
    total: int


# --- the column map --------------------------------------------------------------------------

@dataclass(frozen=True)
class Attribute:
    """How one domain attribute of a listing reads in SQL.

    ``order`` replaces ``column`` in ORDER BY (amounts order by currency first, since amounts
    in different currencies do not compare). ``within`` wraps the compiled test (an EXISTS over
    a related table); ``compile`` replaces the standard compilation altogether.
    """

    kind: Kind
    column: Any = None
    currency: Any = None  # AMOUNT: the row's currency column
    enum_type: type[enum.Enum] | None = None
    order: tuple[Any, ...] = ()
    nulls_last: bool = False
    within: Callable[[ColumnElement[bool]], ColumnElement[bool]] | None = None
    compile: Callable[[Condition], ColumnElement[bool]] | None = None

    def test(self, condition: Condition) -> ColumnElement[bool]:
        if isinstance(condition, AnyOf):
            return or_(*(self.test(each) for each in condition.conditions))
        if self.compile is not None:
            return self.compile(condition)
        clause = _COMPILERS[self.kind](self, condition)
        return self.within(clause) if self.within is not None else clause

    def order_by(self, descending: bool) -> list[Any]:
        clauses = []
        for column in self.order or (self.column,):
            clause = column.desc() if descending else column.asc()
            clauses.append(clause.nulls_last() if self.nulls_last else clause)
        return clauses


def ident(column: Any, **options: Any) -> Attribute:
    return Attribute(Kind.ID, column, **options)


def text(column: Any, **options: Any) -> Attribute:
    return Attribute(Kind.STRING, column, **options)


def flag(column: Any, **options: Any) -> Attribute:
    return Attribute(Kind.BOOLEAN, column, **options)


def day(column: Any, **options: Any) -> Attribute:
    return Attribute(Kind.DATE, column, **options)


def number(column: Any, **options: Any) -> Attribute:
    return Attribute(Kind.NUMBER, column, **options)


def choice(column: Any, enum_type: type[enum.Enum], **options: Any) -> Attribute:
    return Attribute(Kind.ENUM, column, enum_type=enum_type, **options)


def amount(column: Any, currency: Any, *, currency_first: bool = False, **options: Any) -> Attribute:
    """Minor units in ``column``; sorted by currency first when ``currency_first``."""
    return Attribute(Kind.AMOUNT, column, currency=currency,
                     order=(currency, column) if currency_first else (), **options)


def attribute_of_column(column: Any) -> Attribute:
    """The attribute a mapped column's type makes it (an ``_id`` integer is an id)."""
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, Enum):  # before String: an Enum is a String
        return choice(column, column_type.enum_class)
    if isinstance(column_type, Boolean):
        return flag(column)
    if isinstance(column_type, (Date, DateTime)):
        return day(column)
    if isinstance(column_type, String):
        return text(column)
    if isinstance(column_type, Integer):
        return ident(column) if column.key == "id" or column.key.endswith("_id") else number(column)
    raise TypeError(f"no listing attribute for column {column.key} of type {column_type!r}")


class UnknownAttribute(KeyError):
    """A criterion or sort names an attribute the column map does not have: a programming error."""


class ColumnMap:
    """The attributes a repository's rows can be selected and sorted by, and their SQL."""

    def __init__(self, attributes: Mapping[str, Attribute], *, tiebreak: Any,
                 default_sort: Sequence[Sort] = (Sort("id"),)) -> None:
        self.attributes = dict(attributes)
        # One column, or several when one is not unique (rows of several tables: kind, then id).
        self.tiebreak = tiebreak if isinstance(tiebreak, tuple) else (tiebreak,)
        self.default_sort = tuple(default_sort)

    def __getitem__(self, name: str) -> Attribute:
        try:
            return self.attributes[name]
        except KeyError:
            raise UnknownAttribute(name) from None

    def __contains__(self, name: object) -> bool:
        return name in self.attributes

    def where(self, criteria: Criteria | Iterable[Criterion]) -> list[ColumnElement[bool]]:
        items = criteria.where if isinstance(criteria, Criteria) else criteria
        return [self[c.attribute].test(c.condition) for c in items]

    def order_by(self, sorts: Sequence[Sort]) -> list[Any]:
        order: list[Any] = []
        for sort in sorts or self.default_sort:
            order += self[sort.attribute].order_by(sort.descending)
        order += [column.asc() for column in self.tiebreak]  # a total order keeps pages stable
        return order

    def count_statement(self, base: Select, criteria: Criteria) -> Select:
        filtered = base.where(*self.where(criteria))
        return select(func.count()).select_from(filtered.order_by(None).subquery())

    def page_statement(self, base: Select, criteria: Criteria) -> Select:
        stmt = base.where(*self.where(criteria)).order_by(*self.order_by(criteria.sorts))
        if criteria.limit is not None:
            return stmt.limit(criteria.limit).offset(criteria.offset)
        return stmt.offset(criteria.offset) if criteria.offset else stmt


# --- compiling conditions ----------------------------------------------------------------------

def _unsupported(attribute: Attribute, condition: Condition) -> TypeError:
    return TypeError(f"{type(condition).__name__} does not apply to a {attribute.kind.value} attribute")


def _is_datetime(column: Any) -> bool:
    # A TypeDecorator (UTCDateTime) has no python_type of its own: look at what it wraps.
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    return isinstance(column_type, DateTime)


def _contains(column: Any, text_: str) -> ColumnElement[bool]:
    return cast(column, String).contains(text_, autoescape=True)


def _date(attribute: Attribute, condition: Condition) -> ColumnElement[bool]:
    column = attribute.column
    if isinstance(condition, OneOf):
        return or_(*(_date(attribute, Equals(value)) for value in condition.values))
    if not isinstance(condition, (Equals, Below, Above, OnOrAfter)):
        raise _unsupported(attribute, condition)
    value = condition.value
    if _is_datetime(column):
        start = dt.datetime.combine(value, dt.time.min, tzinfo=dt.timezone.utc)
        end = start + dt.timedelta(days=1)
        if isinstance(condition, Equals):
            return and_(column >= start, column < end)
        if isinstance(condition, Below):
            return column < start
        return column >= (end if isinstance(condition, Above) else start)
    if isinstance(condition, Equals):
        return column == value
    if isinstance(condition, Below):
        return column < value
    return column > value if isinstance(condition, Above) else column >= value


_MIN_MINOR = -MAX_MINOR - 1
_CODES_BY_EXPONENT: dict[int, list[str]] = {}
for _code, _exp in sorted(CURRENCY_EXPONENTS.items()):
    _CODES_BY_EXPONENT.setdefault(_exp, []).append(_code)


def amount_bound(op: str, value: Decimal, exp: int) -> tuple[str, int] | None:
    """Translate a major-unit comparison (eq, lt, gt) into an exact minor-unit integer comparison."""
    scaled = scale_exact(value, exp)
    if op == "lt":
        return "lt", math.ceil(scaled)
    if op == "gt":
        return "gt", math.floor(scaled)
    if scaled != scaled.to_integral_value():
        return None  # no amount in this currency can equal it
    return "eq", int(scaled)


def _amount(attribute: Attribute, condition: Condition) -> ColumnElement[bool]:
    if isinstance(condition, OneOf):
        return or_(*(_amount(attribute, Equals(value)) for value in condition.values))
    ops = {Equals: "eq", Below: "lt", Above: "gt"}
    op = ops.get(type(condition))  # type: ignore[arg-type]
    if op is None:
        raise _unsupported(attribute, condition)
    column, currency = attribute.column, attribute.currency
    clauses = []
    for exp, codes in _CODES_BY_EXPONENT.items():
        bound = amount_bound(op, condition.value, exp)  # type: ignore[union-attr]
        if bound is None:
            continue
        cmp, minor = bound
        if not _MIN_MINOR <= minor <= MAX_MINOR:
            # Beyond what a BIGINT holds (or a driver binds): every amount of these
            # currencies is on one side of the bound, and none equals it.
            if (cmp == "lt" and minor > MAX_MINOR) or (cmp == "gt" and minor < _MIN_MINOR):
                clauses.append(currency.in_(codes))
            continue
        test = {"eq": column == minor, "lt": column < minor, "gt": column > minor}[cmp]
        clauses.append(and_(currency.in_(codes), test))
    return or_(*clauses) if clauses else false()


def _ordered(attribute: Attribute, condition: Condition) -> ColumnElement[bool]:
    """Numbers and ids: equality, lists, bounds and the digits' text."""
    column = attribute.column
    if isinstance(condition, Equals):
        return column == condition.value
    if isinstance(condition, OneOf):
        return column.in_(list(condition.values))
    if isinstance(condition, NoneOf):
        return column.not_in(list(condition.values))
    if isinstance(condition, Contains):
        return _contains(column, condition.text)
    if isinstance(condition, Below):
        return column < condition.value
    if isinstance(condition, Above):
        return column > condition.value
    raise _unsupported(attribute, condition)


def _string(attribute: Attribute, condition: Condition) -> ColumnElement[bool]:
    column = attribute.column
    if isinstance(condition, Contains):
        # Case-insensitive "contains"; % and _ in the value are literal characters.
        return func.lower(column).contains(condition.text.lower(), autoescape=True)
    if isinstance(condition, (Equals, OneOf, NoneOf)):
        return _ordered(attribute, condition)
    raise _unsupported(attribute, condition)


def _enum(attribute: Attribute, condition: Condition) -> ColumnElement[bool]:
    column = attribute.column
    if isinstance(condition, Equals):
        return column.in_([condition.value])
    if isinstance(condition, OneOf):
        return column.in_(list(condition.values))
    if isinstance(condition, NoneOf):
        values = list(condition.values)
        return column != values[0] if len(values) == 1 else column.not_in(values)
    raise _unsupported(attribute, condition)


def _boolean(attribute: Attribute, condition: Condition) -> ColumnElement[bool]:
    if not isinstance(condition, Equals):
        raise _unsupported(attribute, condition)
    return attribute.column.is_(bool(condition.value))


_COMPILERS: dict[Kind, Callable[[Attribute, Condition], ColumnElement[bool]]] = {
    Kind.STRING: _string,
    Kind.ID: _ordered,
    Kind.BOOLEAN: _boolean,
    Kind.DATE: _date,
    Kind.AMOUNT: _amount,
    Kind.NUMBER: _ordered,
    Kind.ENUM: _enum,
}

