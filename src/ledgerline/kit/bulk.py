"""Statements that write many rows at once: the apply step of the money path.

One multi-row INSERT per table, one UPDATE for many rows of a table, and ids taken before the
rows are written, so a plan's rows can point at each other (a credit at its parent, a target at
its credit) without a round trip per row.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, and_, case, column, func, insert, literal, select, update, values
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ledgerline.models.base import utcnow


def reserve_ids(session: Session, counts: Mapping[Table, int]) -> dict[Table, list[int]]:
    """``counts[table]`` new primary keys of each table, in one statement on PostgreSQL.

    On SQLite the writer holds the database lock for the whole transaction (BEGIN IMMEDIATE), so the
    next ids after the largest one cannot be taken by anyone else before this transaction ends.
    """
    wanted = {table: count for table, count in counts.items() if count > 0}
    if not wanted:
        return {table: [] for table in counts}
    if session.get_bind().dialect.name == "postgresql":
        arrays = [
            func.array(select(func.nextval(func.pg_get_serial_sequence(table.name, "id")))
                       .select_from(func.generate_series(1, count)).scalar_subquery()).label(table.name)
            for table, count in wanted.items()
        ]
        row = session.execute(select(*arrays)).one()
        taken = {table: list(row[index]) for index, table in enumerate(wanted)}
    else:
        taken = {}
        for table, count in wanted.items():
            last = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
            taken[table] = list(range(last + 1, last + 1 + count))
    return {table: taken.get(table, []) for table in counts}


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """One INSERT with a VALUES tuple per row (every row names the same columns)."""
    if rows:
        session.execute(insert(table).values(list(rows)))


def update_rows(session: Session, table: Table, tenant_id: uuid.UUID, rows: Sequence[Mapping[str, Any]],
                *, also: Mapping[str, Any] | None = None) -> None:
    """One UPDATE of many rows of the tenant, each row ``{"id": ..., column: new value, ...}`` (the same
    columns in every row); ``also`` sets columns to the same expression in every row (a version bump).

    PostgreSQL: ``UPDATE ... FROM (VALUES ...)``. SQLite has no column list for a VALUES table, so there
    each column is set by ``CASE id WHEN ... END``.
    """
    if not rows:
        return
    names = [name for name in rows[0] if name != "id"]
    ids = [row["id"] for row in rows]
    extra = dict(also or {})
    if session.get_bind().dialect.name == "postgresql":
        data = values(column("id", table.c.id.type), *(column(name, table.c[name].type) for name in names),
                      name="changes").data([(row["id"], *(row[name] for name in names)) for row in rows])
        stmt = (update(table).where(table.c.tenant_id == tenant_id, table.c.id == data.c.id)
                .values({**{name: data.c[name] for name in names}, **extra}))
    else:
        stmt = (update(table).where(and_(table.c.tenant_id == tenant_id, table.c.id.in_(ids)))
                .values({**{name: case({row["id"]: literal(row[name], table.c[name].type) for row in rows},
                                       value=table.c.id) for name in names}, **extra}))
    session.execute(stmt)


def expire_rows(session: Session, model: type, ids: Sequence[int]) -> None:
    """ORM objects of rows a Core statement just changed are read again on next use, never stale."""
    for row_id in ids:
        obj = session.identity_map.get(identity_key(model, row_id))
        if obj is not None:
            session.expire(obj)


def insert_returning_ids(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """One INSERT of the rows (insertmanyvalues); their new ids in the order of ``rows`` (no reservation
    statement when only one table's rows need ids)."""
    if not rows:
        return []
    result = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows))
    return [row[0] for row in result]


def update_models(session: Session, model: type, tenant_id: uuid.UUID, rows: Sequence[Mapping[str, Any]]) -> None:
    """``update_rows`` for a mapped class's table: a versioned row's ``version`` is incremented and its
    ``updated_at`` set (as the ORM would), and its objects in the session are expired."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    also: dict[str, Any] = {}
    if "version" in table.c:
        also["version"] = table.c.version + 1
    if "updated_at" in table.c:
        also["updated_at"] = utcnow()
    update_rows(session, table, tenant_id, rows, also=also)
    expire_rows(session, model, [row["id"] for row in rows])
