"""Balance queries: each customer's debt and open bill run value, aggregated in SQL.

Every figure is a correlated scalar subquery on the customer row. When the order and the
criteria need no figure (sort by customer or credit threshold, a criterion on the customer), the
page of customers is chosen first and only that page's invoices are aggregated, whatever
the offset. Otherwise every customer's figures are computed once, in a materialized CTE
that the filters and sorts read, instead of repeating the subqueries in WHERE and ORDER BY.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Select, String, and_, case, cast, false, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from ledgerline.kit.criteria import (
    Above, Attribute, Below, ColumnMap, Condition, Contains, Criteria, Equals, Kind, OneOf, Page, Sort, amount, ident, text,
)
from ledgerline.kit.repository import count_matching
from ledgerline.models import BillRun, Customer, Invoice
from ledgerline.models.enums import BillRunStatus, InvoiceStatus


class int_div(FunctionElement):  # noqa: N801 - SQL function naming
    """Integer quotient truncated toward zero; exact on PostgreSQL's numeric at any size."""

    type = BigInteger()
    name = "int_div"
    inherit_cache = True


@compiles(int_div)
def _int_div(element: int_div, compiler: Any, **kw: Any) -> str:
    numerator, denominator = list(element.clauses)
    return f"(({compiler.process(numerator, **kw)}) / ({compiler.process(denominator, **kw)}))"


@compiles(int_div, "postgresql")
def _int_div_postgresql(element: int_div, compiler: Any, **kw: Any) -> str:
    numerator, denominator = list(element.clauses)
    return f"div({compiler.process(numerator, **kw)}, {compiler.process(denominator, **kw)})"


class ratio_sort_key(FunctionElement):  # noqa: N801 - SQL function naming
    """An integer that orders rows by numerator / denominator (denominator > 0).

    PostgreSQL scales by 10^30 in numeric: two distinct ratios of amounts below 10^14
    minor units differ by more than 10^-28, so the order is exact. SQLite has only
    64-bit integers; there the key resolves ratios to 10^-6.
    """

    type = BigInteger()
    name = "ratio_sort_key"
    inherit_cache = True


@compiles(ratio_sort_key)
def _ratio_sort_key(element: ratio_sort_key, compiler: Any, **kw: Any) -> str:
    numerator, denominator = list(element.clauses)
    return f"((({compiler.process(numerator, **kw)}) * 1000000) / ({compiler.process(denominator, **kw)}))"


@compiles(ratio_sort_key, "postgresql")
def _ratio_sort_key_postgresql(element: ratio_sort_key, compiler: Any, **kw: Any) -> str:
    numerator, denominator = list(element.clauses)
    return (f"div(CAST({compiler.process(numerator, **kw)} AS NUMERIC) * 1e30, "
            f"{compiler.process(denominator, **kw)})")


# --- the per-customer figures ---------------------------------------------------------------------

def _debt_minor(tenant_id: uuid.UUID, customer_id: Any, credit_minor: Any) -> ColumnElement[int]:
    """What the customer owes on POSTED invoices less its unallocated credit (may be negative)."""
    outstanding = (
        select(func.coalesce(func.sum(Invoice.outstanding_minor), 0))
        .where(Invoice.tenant_id == tenant_id, Invoice.customer_id == customer_id,
               Invoice.status == InvoiceStatus.POSTED)
        .scalar_subquery()
    )
    return outstanding - credit_minor


def _open_bill_run_value_minor(tenant_id: uuid.UUID, customer_id: Any) -> ColumnElement[int]:
    return (
        select(func.coalesce(func.sum(Invoice.total_minor), 0))
        .join(BillRun, and_(BillRun.tenant_id == Invoice.tenant_id, BillRun.id == Invoice.bill_run_id))
        .where(Invoice.tenant_id == tenant_id, Invoice.customer_id == customer_id,
               Invoice.status == InvoiceStatus.DRAFT, BillRun.status == BillRunStatus.OPEN)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class _Columns:
    customer_id: Any
    name: Any
    currency: Any
    threshold: Any
    debt: Any
    open_value: Any


# A percentage compared as a number must be below this (the hundredths stay well inside 64 bits).
MAX_PERCENTAGE = Decimal("1e12")


def _hundredths(columns: _Columns) -> ColumnElement[int]:
    """The percentage as displayed, in hundredths: debt / threshold x 100 rounded half-even to 2 decimals,
    exactly, in integers; 0 when the threshold is 0 (there is nothing to measure against)."""
    threshold = case((columns.threshold > 0, columns.threshold), else_=1)
    scaled = func.abs(columns.debt) * 10000
    quotient = int_div(scaled, threshold)
    remainder = scaled - quotient * threshold
    round_up = or_(remainder * 2 > threshold, and_(remainder * 2 == threshold, quotient % 2 == 1))
    magnitude = quotient + case((round_up, 1), else_=0)
    return case((columns.threshold <= 0, 0), (columns.debt < 0, -magnitude), else_=magnitude)


def _percentage_text(columns: _Columns) -> ColumnElement[str]:
    """The percentage as rendered (``33.33``, ``-30.00``, ``0.00``), as text, for ``Contains`` and text equality."""
    hundredths = _hundredths(columns)
    magnitude = func.abs(hundredths)
    cents = magnitude % 100
    return (
        case((hundredths < 0, literal("-")), else_=literal(""))
        + cast(int_div(magnitude, 100), String) + literal(".")
        + case((cents < 10, literal("0")), else_=literal("")) + cast(cents, String)
    )


def _percentage_clause(columns: _Columns, condition: Condition) -> ColumnElement[bool]:
    """Tests of the percentage exactly as displayed (issue 15: ``percentageDifference=33.33`` finds the row
    that shows 33.33). A number compares with the displayed value; a text (a StringFilterParam form that is
    not a number) with the displayed text, so it matches nothing but never fails."""
    if isinstance(condition, Contains):
        return _percentage_text(columns).contains(condition.text, autoescape=True)
    if isinstance(condition, OneOf):
        return or_(*(_percentage_clause(columns, Equals(value)) for value in condition.values))
    if not isinstance(condition, (Equals, Below, Above)):
        raise TypeError(f"{type(condition).__name__} does not apply to a percentage")
    if isinstance(condition.value, str):
        return _percentage_text(columns) == condition.value
    scaled = condition.value.scaleb(2)  # hundredths
    hundredths = _hundredths(columns)
    if isinstance(condition, Below):
        return hundredths < math.ceil(scaled)
    if isinstance(condition, Above):
        return hundredths > math.floor(scaled)
    return hundredths == int(scaled) if scaled == scaled.to_integral_value() else false()


def _columns(columns: _Columns) -> ColumnMap:
    percentage_key = case((columns.threshold > 0, ratio_sort_key(columns.debt, columns.threshold)), else_=0)

    def money(column: Any) -> Attribute:
        return amount(column, columns.currency, currency_first=True)

    return ColumnMap({
        "customer_id": ident(columns.customer_id),
        "name": text(columns.name),
        "credit_threshold": money(columns.threshold),
        "bill_amount": money(columns.debt),
        "value_difference": money(columns.threshold - columns.debt),
        "percentage_difference": Attribute(Kind.NUMBER, order=(percentage_key,),
                                           compile=lambda condition: _percentage_clause(columns, condition)),
        "open_bill_run_value": money(columns.open_value),
    }, tiebreak=columns.customer_id, default_sort=(Sort("customer_id"),))


# The columns of the customers table: what the criteria are checked against (and declared by).
CREDIT_STATUS_COLUMNS = _columns(_Columns(Customer.id, Customer.name, Customer.currency, Customer.credit_threshold_minor,
                                          Customer.credit_minor, Customer.credit_minor))
# Orders and filters that need no figure: the page of customers can be chosen before any aggregation.
_CUSTOMER_SORTS = frozenset({"customer_id", "name", "credit_threshold"})


def _customers(tenant_id: uuid.UUID) -> Select:
    return select(Customer.id.label("customer_id"), Customer.name.label("name"), Customer.currency.label("currency"),
                  Customer.credit_threshold_minor.label("threshold_minor"),
                  Customer.credit_minor.label("credit_minor")).where(Customer.tenant_id == tenant_id)


def _customer_columns(source: Any) -> ColumnMap:
    c = source.c if hasattr(source, "c") else source
    return _columns(_Columns(c.customer_id, c.name, c.currency, c.threshold_minor, c.credit_minor, c.credit_minor))


def _needs_every_figure(criteria: Criteria) -> bool:
    return (criteria.condition_on("percentage_difference") is not None
            or any(sort.attribute not in _CUSTOMER_SORTS for sort in criteria.sorts))


def _with_figures(tenant_id: uuid.UUID, source: Any) -> list[Any]:
    c = source.c
    return [c.customer_id, c.name, c.currency, c.threshold_minor,
            _debt_minor(tenant_id, c.customer_id, c.credit_minor).label("debt_minor"),
            _open_bill_run_value_minor(tenant_id, c.customer_id).label("open_bill_run_value_minor")]


def _customer_page(session: Session, tenant_id: uuid.UUID, criteria: Criteria) -> tuple[list[Any], int]:
    """Page the customers first, then aggregate the invoices of that page's customers only."""
    customers = _customers(tenant_id)
    columns = _customer_columns(customers.selected_columns)
    total = session.execute(columns.count_statement(customers, criteria)).scalar_one()
    page = columns.page_statement(customers, criteria).subquery("page")
    stmt = select(*_with_figures(tenant_id, page)).order_by(*_customer_columns(page).order_by(criteria.sorts))
    return list(session.execute(stmt).mappings()), total


def _every_figure(tenant_id: uuid.UUID, criteria: Criteria) -> tuple[Any, ColumnMap]:
    """Every (customer-filtered) customer's figures, computed once in a materialized CTE."""
    customers = _customers(tenant_id)
    only = criteria.only("customer_id")
    if only.where:
        customers = customers.where(*_customer_columns(customers.selected_columns).where(only))
    inner = customers.subquery("customer")
    figures = select(*_with_figures(tenant_id, inner)).cte("credit_figures").prefix_with("MATERIALIZED")
    c = figures.c
    return figures, _columns(_Columns(c.customer_id, c.name, c.currency, c.threshold_minor, c.debt_minor,
                                      c.open_bill_run_value_minor))


def _figure_page(session: Session, tenant_id: uuid.UUID, criteria: Criteria) -> tuple[list[Any], int]:
    figures, columns = _every_figure(tenant_id, criteria)
    c = figures.c
    # One pass: the window count is taken after filtering, before the limit.
    base = select(c.customer_id, c.name, c.currency, c.threshold_minor, c.debt_minor, c.open_bill_run_value_minor,
                  func.count().over().label("total"))
    rows = list(session.execute(columns.page_statement(base, criteria)).mappings())
    if rows:
        return rows, int(rows[0]["total"])
    return rows, count_matching(session, select(c.customer_id), columns, criteria)


@dataclass(frozen=True)
class CreditFigures:
    customer_id: int
    name: str
    currency: str
    threshold_minor: int
    debt_minor: int
    open_bill_run_value_minor: int


def page_of_credit_figures(session: Session, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    rows, total = (_figure_page if _needs_every_figure(criteria) else _customer_page)(session, tenant_id, criteria)
    items = [CreditFigures(row["customer_id"], row["name"], row["currency"], int(row["threshold_minor"]), int(row["debt_minor"]),
                           int(row["open_bill_run_value_minor"])) for row in rows]
    return Page(items=items, total=total)


def count_credit_figures(session: Session, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    if criteria.condition_on("percentage_difference") is None:
        customers = _customers(tenant_id)
        return count_matching(session, customers, _customer_columns(customers.selected_columns), criteria)
    figures, columns = _every_figure(tenant_id, criteria)
    return count_matching(session, select(figures.c.customer_id), columns, criteria)


def posted_payment_figures(session: Session, tenant_id: uuid.UUID, customer_id: int) -> tuple[int, int, list[str]]:
    """Total of the customer's posted payments, the part posted since its latest invoice, and the
    payment methods used, most recent first."""
    from ledgerline.models import Payment
    from ledgerline.models.enums import PaymentStatus

    last_invoice = select(func.max(Invoice.posted_at)).where(
        Invoice.tenant_id == tenant_id, Invoice.customer_id == customer_id,
        Invoice.status == InvoiceStatus.POSTED).scalar_subquery()
    posted = and_(Payment.tenant_id == tenant_id, Payment.customer_id == customer_id,
                  Payment.status == PaymentStatus.POSTED)
    total, since = session.execute(select(
        func.coalesce(func.sum(Payment.amount_minor), 0),
        func.coalesce(func.sum(case((or_(last_invoice.is_(None), Payment.updated_at > last_invoice),
                                    Payment.amount_minor), else_=0)), 0),
    ).where(posted)).one()
    methods = session.execute(
        select(Payment.payment_method, func.max(Payment.id).label("latest")).where(posted)
        .group_by(Payment.payment_method).order_by(func.max(Payment.id).desc())
    ).scalars().all()
    return int(total), int(since), [method.value for method in methods]
