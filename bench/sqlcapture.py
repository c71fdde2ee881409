"""Capture the SQL Ledgerline runs for each measured request, to prove the floors run the same statements.

The application runs in-process (its own ASGI app, its own engines) against the bench database;
a ``before_cursor_execute`` listener on both engines (the request engine and the numbering engine)
records every statement of one request, and a ``commit`` listener counts the COMMITs sent (a
commit of a connection with no transaction open sends nothing and is not counted). ``normalize``
reduces a statement to its shape (no parameter values, collapsed white space), which is what the
floor's statements are compared on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import contextmanager

from sqlalchemy import event

_PARAM = re.compile(r"%\(([a-zA-Z_0-9]+)\)s|%s|\$\d+|(?<!:):[a-zA-Z_]\w*")   # not the :: of casts
_NUMBERED = re.compile(r"__\[POSTCOMPILE_\w+\]")
_SPACE = re.compile(r"\s+")


def normalize(statement: str) -> str:
    """A statement's shape: parameters replaced by ?, white space collapsed, no trailing semicolon."""
    text = _PARAM.sub("?", _NUMBERED.sub("?", statement))
    return _SPACE.sub(" ", text).strip().rstrip(";").strip()


_IN_LIST = re.compile(r"IN \((\?[^,()]*)(?:, \1)+\)")
_ROWS = re.compile(r"(\([^()]*\))(?:, \1)+")
_COUNTED_ROWS = re.compile(r"(\([^()]*, )0\)(?:, \([^()]*, \d+\))+")


def family(shape: str) -> str:
    """A shape with its widened parts narrowed to one item: ``IN (?, ?, ?)`` to ``IN (?)``, the rows of a
    multi-row ``VALUES`` to the first. Statements that differ only in how many items they carry (what
    ``floor_sql.in_list`` and ``floor_sql.values_rows`` widen) have the same family."""
    shape = _COUNTED_ROWS.sub(lambda m: m.group(1) + "0)", shape)   # insertmanyvalues: (..., 0), (..., 1)
    return _nested_rows(_ROWS.sub(r"\1", _IN_LIST.sub(r"IN (\1)", shape)))


_ANON = re.compile(r"\banon_\d+\b")


def _nested_rows(shape: str) -> str:
    """The rows of a multi-row ``VALUES`` whose rows hold subqueries (the outbox's INSERT) to the first, when
    they differ only in the numbers of their subqueries' labels (``anon_1``, ``anon_2``)."""
    start = shape.find("VALUES (")
    if start < 0:
        return shape
    rows, at = [], start + len("VALUES ")
    while at < len(shape) and shape[at] == "(":
        depth, end = 0, at
        for end in range(at, len(shape)):
            depth += {"(": 1, ")": -1}.get(shape[end], 0)
            if depth == 0:
                break
        rows.append(shape[at:end + 1])
        at = end + 1
        if not shape.startswith(", (", at):
            break
        at += 2
    if len(rows) < 2 or len({_ANON.sub("anon_?", row) for row in rows}) > 1:
        return shape
    return shape[:start + len("VALUES ")] + rows[0] + shape[at:]


def sends_commit(dbapi_connection: object) -> bool:
    """Whether committing this DBAPI connection now sends a COMMIT: psycopg and sqlite3 send none
    when no transaction is open."""
    info = getattr(dbapi_connection, "info", None)
    status = getattr(info, "transaction_status", None)   # psycopg 3
    if status is not None:
        return status.name != "IDLE"
    in_transaction = getattr(dbapi_connection, "in_transaction", None)   # sqlite3
    return True if in_transaction is None else bool(in_transaction)


class Recorder:
    """Listens on engines (``listen``); while ``recording``, keeps each statement, counts the statements
    PostgreSQL executes (``executions``: an executemany once per row) and the COMMITs sent."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, object]] = []
        self.styles: list[str] = []   # per statement: "execute", "executemany" (one per row) or "insertmanyvalues"
        self.executions = 0
        self.commits = 0
        self.active = False

    def listen(self, engine: object) -> None:
        event.listen(engine, "before_cursor_execute", self)
        event.listen(engine, "commit", self.on_commit)

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if self.active:
            self.statements.append((statement, parameters))
            # A true executemany runs the statement once per row; "insertmanyvalues" (also reported as
            # executemany) sends one multi-row INSERT per batch.
            style = getattr(getattr(context, "execute_style", None), "name", None)
            many = executemany and style == "EXECUTEMANY"
            self.styles.append("executemany" if many else "insertmanyvalues" if executemany else "execute")
            self.executions += len(parameters) if many else 1

    def on_commit(self, conn) -> None:  # noqa: ANN001
        # Fired before the DBAPI commit, while the transaction (if any) is still open.
        if self.active and sends_commit(conn.connection.dbapi_connection):
            self.commits += 1

    @contextmanager
    def recording(self):  # noqa: ANN201
        self.statements = []
        self.styles = []
        self.executions = 0
        self.commits = 0
        self.active = True
        try:
            yield self.statements
        finally:
            self.active = False


def app_with_recorder(database_url: str, settings_overrides: dict[str, object]) -> tuple[object, Recorder, Callable]:
    """The Ledgerline ASGI app on ``database_url`` with a statement recorder on its engines."""
    from ledgerline.app import create_app
    from ledgerline.config import Settings
    from ledgerline.db import Database, make_engine, numbering_engine

    # A process looks at its tenant's settings_version again at most once every cache_check_seconds; under
    # load that is a statement per second per process, not one per request: keep it out of each capture.
    settings = Settings(database_url=database_url, **{"cache_check_seconds": 300, **settings_overrides})
    engine = make_engine(database_url)
    recorder = Recorder()
    for each in (engine, numbering_engine(engine)):
        if each is not None:
            recorder.listen(each)
    database = Database(engine)
    return create_app(settings, database=database), recorder, database.dispose
