"""Capture the SQL Ledgerline runs for each measured request, to prove the floors run the same statements.

The application runs in-process (its own ASGI app, its own engines) against the bench database;
a ``before_cursor_execute`` listener on both engines (the request engine and the numbering engine)
records every statement of one request. ``normalize`` reduces a statement to its shape (no
parameter values, collapsed white space), which is what the floor's statements are compared on.
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


class Recorder:
    def __init__(self) -> None:
        self.statements: list[tuple[str, object]] = []
        self.active = False

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if self.active:
            self.statements.append((statement, parameters))

    @contextmanager
    def recording(self):  # noqa: ANN201
        self.statements = []
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

    settings = Settings(database_url=database_url, **settings_overrides)
    engine = make_engine(database_url)
    recorder = Recorder()
    for each in (engine, numbering_engine(engine)):
        event.listen(each, "before_cursor_execute", recorder)
    database = Database(engine)
    return create_app(settings, database=database), recorder, database.dispose
