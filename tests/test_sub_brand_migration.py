"""Revision 0004 on a database that already holds customers referenced by other rows.

SQLite cannot add a foreign key to ``customers`` in place and cannot recreate the table while
sites reference it, so the revision drops and re-adds ``sub_brand_id``; this proves it keeps
every row and ends with a working key.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from ledgerline.db import make_engine
from tests.test_migrations import differences, migrate

NOW = "2024-05-01 10:00:00"
# SQLite keeps UUIDs as 32 hex digits.
TENANT, UUID_1, UUID_2 = "0" * 31 + "1", "0" * 31 + "2", "0" * 31 + "3"


def test_upgrading_sqlite_with_referenced_customers_keeps_them_and_adds_the_key(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'upgrade.db'}")
    try:
        migrate(engine, "upgrade", "0002")
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO tenants (id, name, created_at) VALUES (:tenant, 'T', :now)"),
                               {"now": NOW, "tenant": TENANT})
            connection.execute(text(
                "INSERT INTO customers (id, tenant_id, locator, uuid, version, created_at, updated_at, number, name,"
                " currency, credit_threshold_minor, credit_minor, status) VALUES (1, :tenant, 'L1', :uuid, 1, :now, :now,"
                " 'CUS-1', 'Acme', 'GBP', 0, 0, 'ACTIVE')"), {"now": NOW, "tenant": TENANT, "uuid": UUID_1})
            connection.execute(text(
                "INSERT INTO sites (id, tenant_id, locator, uuid, version, created_at, updated_at, customer_id, name,"
                " status) VALUES (1, :tenant, 'L2', :uuid, 1, :now, :now, 1, 'Head office', 'ACTIVE')"),
                {"now": NOW, "tenant": TENANT, "uuid": UUID_2})
        migrate(engine, "upgrade", "head")
        assert differences(engine) == []
        with engine.begin() as connection:
            assert connection.execute(text("SELECT name, sub_brand_id FROM customers")).all() == [("Acme", None)]
            assert connection.execute(text("SELECT customer_id FROM sites")).scalar_one() == 1
        keys = inspect(engine).get_foreign_keys("customers")
        # Composite since 0019: every foreign key between tenant tables includes tenant_id.
        assert {"tenant_id", "sub_brand_id"} in [set(key["constrained_columns"]) for key in keys]
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("UPDATE customers SET sub_brand_id = 42"))
    finally:
        engine.dispose()

