"""Pooled PostgreSQL connections: pinged before use only after being idle, replaced when dead."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ledgerline.db import make_engine, ping_when_idle
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")


def _backend_pid(engine) -> int:  # noqa: ANN001
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_an_idle_connection_that_died_is_replaced_before_use():
    engine = make_engine(PG_URL, pool_size=1, max_overflow=0)
    ping_when_idle(engine, 0.0)   # every checkout counts as idle
    try:
        first = _backend_pid(engine)
        with make_engine(PG_URL).connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()


def test_a_connection_in_use_a_moment_ago_is_not_pinged():
    engine = make_engine(PG_URL, pool_size=1, max_overflow=0)
    pings: list[object] = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda connection: pings.append(connection) or original(connection)  # type: ignore[method-assign]
    try:
        assert _backend_pid(engine) == _backend_pid(engine)
        assert pings == []
    finally:
        engine.dispose()
