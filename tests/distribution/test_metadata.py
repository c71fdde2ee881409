"""The schema can be distributed by tenant (Citus): every key of every tenant table includes ``tenant_id``.

Each failure names the table and says what to change; ``REFERENCE_TABLES`` in ``models/base.py`` lists the
tables that are global by nature (Citus reference tables), with the reason.
"""

from __future__ import annotations

from sqlalchemy import ForeignKeyConstraint, Table, UniqueConstraint

from ledgerline.models import Base
from ledgerline.models.base import REFERENCE_TABLES

TABLES = sorted(Base.metadata.tables.values(), key=lambda table: table.name)
TENANT_TABLES = [table for table in TABLES if table.name not in REFERENCE_TABLES]


def names(columns) -> list[str]:  # noqa: ANN001
    return [getattr(column, "name", str(column)) for column in columns]


def test_every_table_is_a_tenant_table_or_a_declared_reference_table():
    missing = [table.name for table in TENANT_TABLES if "tenant_id" not in table.c]
    assert not missing, (
        f"tables without tenant_id: {missing}. Give each a non-null tenant_id (TenantScoped does), or, if its rows "
        "belong to no tenant, add it to REFERENCE_TABLES in models/base.py with the reason (and to the README's "
        "Citus section)")


def test_the_reference_tables_exist():
    assert set(REFERENCE_TABLES) <= set(Base.metadata.tables), "REFERENCE_TABLES names a table that is gone"


def test_every_primary_key_includes_tenant_id():
    wrong = {table.name: names(table.primary_key.columns) for table in TENANT_TABLES
             if "tenant_id" not in names(table.primary_key.columns)}
    assert not wrong, (
        f"primary keys without tenant_id: {wrong}. Name the key column `id` (models/base.py then makes the key "
        "(tenant_id, id)) or put tenant_id first in the composite key")


def unique_keys(table: Table) -> list[tuple[str, list[str]]]:
    keys = [(str(c.name), names(c.columns)) for c in table.constraints if isinstance(c, UniqueConstraint)]
    return keys + [(str(index.name), names(index.expressions)) for index in table.indexes if index.unique]


def test_every_unique_constraint_and_index_includes_tenant_id():
    wrong = [f"{table.name}.{name} {columns}" for table in TENANT_TABLES for name, columns in unique_keys(table)
             if "tenant_id" not in columns]
    assert not wrong, (
        f"unique keys without tenant_id: {wrong}. Make each unique per tenant: put tenant_id first in the "
        "UniqueConstraint/Index (unique=True)")


def cross_table_keys(table: Table) -> list[ForeignKeyConstraint]:
    return [key for key in table.foreign_key_constraints if key.referred_table.name not in REFERENCE_TABLES]


def test_every_foreign_key_between_tenant_tables_includes_tenant_id_on_both_sides():
    wrong = []
    for table in TENANT_TABLES:
        for key in cross_table_keys(table):
            pairs = {(element.parent.name, element.column.name) for element in key.elements}
            if ("tenant_id", "tenant_id") not in pairs:
                wrong.append(f"{table.name}({', '.join(key.column_keys)}) -> {key.referred_table.name}")
    assert not wrong, (
        f"foreign keys that do not pair tenant_id with tenant_id: {wrong}. Declare it as ForeignKey('<table>.id') "
        "on the column (models/base.py makes it (tenant_id, x_id) -> <table>(tenant_id, id)), or write the "
        "ForeignKeyConstraint with tenant_id on both sides")


def test_reference_tables_refer_to_no_tenant_table():
    """Citus refuses a foreign key from a reference table to a distributed one."""
    wrong = [f"{name} -> {key.referred_table.name}" for name in REFERENCE_TABLES
             for key in Base.metadata.tables[name].foreign_key_constraints
             if key.referred_table.name not in REFERENCE_TABLES]
    assert not wrong, f"reference tables referring to tenant tables: {wrong}"


def test_a_tenant_table_with_a_single_column_key_is_reported():
    """The checks are not vacuous: a table built the old way fails them."""
    from sqlalchemy import BigInteger, Column, ForeignKey, MetaData, Uuid

    metadata = MetaData()
    Table("parents", metadata, Column("id", BigInteger, primary_key=True), Column("tenant_id", Uuid))
    child = Table("children", metadata, Column("id", BigInteger, primary_key=True), Column("tenant_id", Uuid),
                  Column("parent_id", ForeignKey("parents.id")), Column("code", BigInteger, unique=True))
    assert "tenant_id" not in names(child.primary_key.columns)
    assert [columns for _, columns in unique_keys(child)] == [["code"]]
    (key,) = cross_table_keys(child)
    assert ("tenant_id", "tenant_id") not in {(e.parent.name, e.column.name) for e in key.elements}
