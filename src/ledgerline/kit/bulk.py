"""Many rows in one statement: what the money path's apply step is made of (DESIGN "plan, then apply").

Applying a plan writes with SQLAlchemy Core, a fixed handful of statements whatever the number of
rows: one multi-row INSERT per table, one UPDATE per table that sets each row by id
(``SET x = CASE id WHEN .. THEN .. END``, which SQLite and PostgreSQL both run). Core bypasses the
ORM, so two things the ORM would do are done here: the ``version`` of TenantScoped rows is
incremented, and objects of those rows already in the session are given the new values (they must
not go stale for code that reads them later in the transaction).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import case, insert, inspect, literal, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value


def insert_rows(session: Session, model: type[Any], rows: Sequence[Mapping[str, Any]]) -> None:
    """One multi-row INSERT (every row names the same columns)."""
    if rows:
        session.execute(insert(model.__table__).values(list(rows)))


def insert_returning_ids(session: Session, model: type[Any], rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """One INSERT of the rows; their new ids in the order of ``rows``."""
    if not rows:
        return []
    table = model.__table__
    result = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows))
    return [row[0] for row in result]


def update_by_id(session: Session, model: type[Any], tenant_id: uuid.UUID,
                 changes: Mapping[int, Mapping[str, Any]]) -> None:
    """One UPDATE setting each row (by id) to its values; rows are expected to be locked by the caller.

    A column that some rows do not change keeps its value for those (``ELSE column``)."""
    if not changes:
        return
    table = model.__table__
    names = sorted({name for values in changes.values() for name in values})
    if len(changes) == 1:
        values: dict[str, Any] = dict(next(iter(changes.values())))
    else:
        values = {}
        for name in names:
            column = table.c[name]
            whens = {row_id: literal(row[name], column.type) for row_id, row in changes.items() if name in row}
            values[name] = case(whens, value=table.c.id, else_=column)
    versioned = "version" in table.c
    stmt = update(table).where(table.c.tenant_id == tenant_id, table.c.id.in_(list(changes))).values(values)
    if versioned:
        stmt = stmt.values(version=table.c.version + 1).returning(table.c.id, table.c.version)
        versions = dict(session.execute(stmt).tuples().all())
    else:
        session.execute(stmt)
        versions = {}
    _refresh_in_session(session, model, changes, versions)


def _refresh_in_session(session: Session, model: type[Any], changes: Mapping[int, Mapping[str, Any]],
                        versions: Mapping[int, int]) -> None:
    mapper = inspect(model)
    for row_id, row in changes.items():
        found = session.identity_map.get(mapper.identity_key_from_primary_key([row_id]))
        if found is None:
            continue
        for name, value in row.items():
            set_committed_value(found, name, value)
        if row_id in versions:
            set_committed_value(found, "version", versions[row_id])
        if "updated_at" in mapper.attrs:
            session.expire(found, ["updated_at"])  # set by the column's onupdate, read back only if asked
