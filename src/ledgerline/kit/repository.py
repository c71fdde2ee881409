"""Repository helpers shared by every domain: tenant-scoped fetches, pages and numbers."""

from __future__ import annotations

import threading
import uuid
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Date, Engine, Select, Table, and_, exists, false, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from ledgerline.db import numbering_engine
from ledgerline.errors import InvalidRequest
from ledgerline.kit.ids import format_number
from ledgerline.kit.criteria import ColumnMap, Criteria, Page
from ledgerline.kit.refs import Ref
from ledgerline.models import Base, NumberSequence

T = TypeVar("T")


def get_scoped(session: Session, model: type[T], tenant_id: uuid.UUID, entity_id: int, *,
               for_update: bool = False) -> T | None:
    """One row by id, only if it belongs to the tenant (ids of other tenants do not exist).

    With ``for_update`` the row is locked and re-read even when the session holds it already.
    """
    if not -(2**63) <= entity_id < 2**63:
        return None
    stmt = select(model).where(model.tenant_id == tenant_id, model.id == entity_id)  # type: ignore[attr-defined]
    if for_update:
        # FOR NO KEY UPDATE: keys never change, and a plain FOR UPDATE would also block the
        # KEY SHARE lock of other transactions' foreign-key checks, closing deadlock cycles.
        stmt = stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
    return session.execute(stmt).scalar_one_or_none()


def ref_clause(model: type[Any], tenant_id: uuid.UUID, ref: Ref) -> ColumnElement[bool]:
    """The condition that finds the tenant's row a reference names (false for an id no BIGINT holds)."""
    name, value = ref.key
    if name == "id" and not -(2**63) <= value < 2**63:  # type: ignore[operator]
        return false()
    return and_(model.tenant_id == tenant_id, getattr(model, name) == value)


def check_references(session: Session, tenant_id: uuid.UUID, values: dict[str, Any],
                     references: Mapping[str, type]) -> None:
    """422 naming the first attribute in ``values`` whose id is not a row of the tenant.

    ``references`` maps the attribute holding an id to the model it names; the error names the attribute
    (a domain name: each surface renders it under its own wire name).
    """
    for attribute, model in references.items():
        ref = values.get(attribute)
        if ref is not None and get_scoped(session, model, tenant_id, ref) is None:
            raise InvalidRequest.for_field(attribute, f"{model.__name__} {ref} does not exist")


class utc_day(FunctionElement):  # noqa: N801 - reads as the SQL function it is
    """The UTC calendar day of a timestamp column, as a DATE that compares with a date column's values.

    A plain CAST would take PostgreSQL's session time zone, and SQLite's CAST makes a number of the text."""

    type = Date()
    inherit_cache = True


@compiles(utc_day)
def _utc_day(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC') AS DATE)"


def fetch_page(session: Session, base: Select, columns: ColumnMap, criteria: Criteria, *,
               scalars: bool = True) -> Page:
    """The rows of ``base`` that meet the criteria, in their order and window, and how many meet them."""
    total = session.execute(columns.count_statement(base, criteria)).scalar_one()
    result = session.execute(columns.page_statement(base, criteria))
    items: list[Any] = list(result.scalars()) if scalars else list(result.mappings())
    return Page(items=items, total=total)


def count_matching(session: Session, base: Select, columns: ColumnMap, criteria: Criteria) -> int:
    return session.execute(columns.count_statement(base, criteria)).scalar_one()


@dataclass(frozen=True)
class TenantRows:
    """A tenant's rows of one model, paged and counted by criteria over its column map."""

    model: type
    columns: ColumnMap

    def select(self, tenant_id: uuid.UUID) -> Select:
        return select(self.model).where(self.model.tenant_id == tenant_id)  # type: ignore[attr-defined]

    def page(self, session: Session, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
        return fetch_page(session, self.select(tenant_id), self.columns, criteria)

    def count(self, session: Session, tenant_id: uuid.UUID, criteria: Criteria) -> int:
        return count_matching(session, self.select(tenant_id), self.columns, criteria)


# Numbers that may skip values are reserved this many at a time per tenant and kind, per process.
NUMBER_BLOCK_SIZE = 50


class NumberBlocks:
    """The gap-allowed numbers one process has reserved and not yet handed out, per (tenant, kind).

    A block is reserved by moving the tenant's counter ``size`` on, in a short transaction of its
    own that commits at once; its numbers are then handed out from memory. They stay unique
    across processes and restarts (every block is a range no one else got); what a process does
    not hand out before it stops is a gap. Numbers of different processes interleave, so they
    follow time only within a process.
    """

    def __init__(self, engine: Engine, size: int = NUMBER_BLOCK_SIZE) -> None:
        self.engine, self.size = engine, size
        self._lock = threading.Lock()
        self._free: dict[tuple[uuid.UUID, str], tuple[int, int]] = {}  # -> (next, last) of the block

    def take(self, tenant_id: uuid.UUID, kind: str) -> int:
        with self._lock:  # held over a block's round trip: one request in `size` makes one
            following, last = self._free.get((tenant_id, kind), (1, 0))
            if following > last:
                last = self._reserve(tenant_id, kind)
                following = last - self.size + 1
            self._free[(tenant_id, kind)] = (following + 1, last)
            return following

    def _reserve(self, tenant_id: uuid.UUID, kind: str) -> int:
        with self.engine.begin() as connection:
            return connection.execute(
                pg_insert(NumberSequence).values(tenant_id=tenant_id, kind=kind, last_value=self.size)
                .on_conflict_do_update(index_elements=[NumberSequence.tenant_id, NumberSequence.kind],
                                       set_={"last_value": NumberSequence.last_value + self.size})
                .returning(NumberSequence.last_value)).scalar_one()


_BLOCKS: weakref.WeakKeyDictionary[Engine, NumberBlocks] = weakref.WeakKeyDictionary()
_BLOCKS_LOCK = threading.Lock()


def number_blocks(engine: Engine) -> NumberBlocks:
    """The process's blocks of numbers taken on ``engine`` (a numbering engine)."""
    with _BLOCKS_LOCK:
        blocks = _BLOCKS.get(engine)
        if blocks is None:
            blocks = _BLOCKS[engine] = NumberBlocks(engine)
        return blocks


def next_number(session: Session, tenant_id: uuid.UUID, kind: str, prefix: str, *, gapless: bool = True) -> str:
    """Next human number of ``kind`` for the tenant.

    Gapless numbers (invoices, bills, customers) are taken in the caller's transaction: the
    counter row stays locked until it commits, which serializes the tenant's writers of that
    kind. Numbers that may skip a value (payments, cancellations, adjustments, refunds) come on
    PostgreSQL from the process's blocks (``NumberBlocks``): no round trip for most requests, and
    concurrent payments never queue on the counter; a request that fails afterwards leaves its
    number unused. SQLite has one writer at a time anyway, so it takes them in the transaction.
    """
    own_engine = None if gapless else numbering_engine(session.get_bind().engine)
    if own_engine is not None:
        return format_number(prefix, number_blocks(own_engine).take(tenant_id, kind))
    stmt = (
        update(NumberSequence)
        .where(NumberSequence.tenant_id == tenant_id, NumberSequence.kind == kind)
        .values(last_value=NumberSequence.last_value + 1)
        .returning(NumberSequence.last_value)
    )
    value = session.execute(stmt).scalar_one_or_none()
    if value is None:
        try:
            with session.begin_nested():
                session.execute(insert(NumberSequence).values(tenant_id=tenant_id, kind=kind, last_value=1))
            value = 1
        except IntegrityError:  # another transaction created the row first
            value = session.execute(stmt).scalar_one()
    return format_number(prefix, value)


def id_holding(session: Session, model: type[Any], tenant_id: uuid.UUID, values: Mapping[str, Any], *,
               other_than: int | None) -> int | None:
    """The id of another row of the tenant with exactly these attribute values, if there is one."""
    stmt = select(model.id).where(model.tenant_id == tenant_id,
                                  *(getattr(model, name) == value for name, value in values.items()))
    if other_than is not None:
        stmt = stmt.where(model.id != other_than)
    return session.execute(stmt.limit(1)).scalar_one_or_none()


def tables_referencing(session: Session, target: Table, tenant_id: uuid.UUID, entity_id: int) -> list[str]:
    """Names of the tables with a row whose foreign key points at ``entity_id`` of ``target``.

    The referencing tables are read from the metadata rather than listed here, so a
    table added later (sub-brands, payment providers, ...) blocks deletion too
    without this module having to know about it.
    """
    found = []
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_key_constraints:
            if key.referred_table is not target:
                continue
            # A key between tenant tables is (tenant_id, x_id) -> (tenant_id, id): the row is named by x_id.
            (fk,) = [element for element in key.elements if element.column.name != "tenant_id"]
            clause = fk.parent == entity_id
            if "tenant_id" in table.c:
                clause = (table.c.tenant_id == tenant_id) & clause  # lead with the tenant: indexed lookups
            if session.execute(select(exists().where(clause))).scalar():
                found.append(table.name)
                break
    return found
