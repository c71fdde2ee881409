"""Counting the SQL statements a use case sends: the money path's apply step is a fixed handful."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Connection


@contextmanager
def counted(connection: Connection) -> Iterator[list[str]]:
    """The statements sent on ``connection`` inside the block (savepoint bookkeeping left out)."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if "SAVEPOINT" not in statement:
            sent.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(connection, "before_cursor_execute", record)
