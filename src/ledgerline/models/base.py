"""Declarative base, shared column types and the mixins every tenant-scoped table uses."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger, DateTime, ForeignKeyConstraint, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table,
    TypeDecorator, Uuid,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.schema import CreateColumn
from sqlalchemy.sql.naming import conv

from ledgerline.kit.ids import new_locator, new_uuid

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY, so int64 ids use INTEGER there.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """timestamptz on PostgreSQL; on SQLite, naive values read back as UTC-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use ledgerline.kit.clock.utcnow()")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value: dt.datetime | None, dialect):  # type: ignore[override]
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def tenant_indexes(name: str, *columns: str) -> tuple[Index, ...]:
    """One ``(tenant_id, column)`` index per filtered or sorted column, named ``ix_<name>_tenant_<column>``.

    ``name`` is the table's name or, where that would pass PostgreSQL's 63-character limit, a shorter one.
    """
    return tuple(Index(f"ix_{name}_tenant_{column}", "tenant_id", column) for column in columns)


# Tables that are global by nature, not one tenant's rows: under Citus they are reference tables (a copy on every
# node), everything else is distributed by ``tenant_id`` (README, "Distributing by tenant").
REFERENCE_TABLES: dict[str, str] = {
    "tenants": "the tenants themselves: every tenant table's tenant_id refers to one of its rows",
    "api_clients": "OAuth client credentials are looked up by client_id before the tenant is known",
    "api_client_refresh_tokens": "a refresh token is looked up by its hash before the tenant is known",
}


def distribute_by_tenant(table: Table) -> None:
    """Give a tenant table the keys that let PostgreSQL (Citus) distribute it by ``tenant_id``.

    Its primary key becomes ``(id, tenant_id)`` and every foreign key ``x_id -> other.id`` to another tenant
    table becomes ``(tenant_id, x_id) -> other(tenant_id, id)``: a row can then only ever refer to a row of its
    own tenant, and both live on the same shard. ``id`` leads the key so that every statement that finds a row
    by ``id`` alone (the ORM's UPDATEs, ``kit/bulk``'s ``UPDATE ... FROM (VALUES ...)``) keeps its index;
    PostgreSQL takes a key's columns in any order for the foreign keys that refer to it. The models keep declaring ``ForeignKey("other.id")``, which
    reads naturally; this runs as each table is built, before its mapper, so every new table gets the same keys.
    ``id`` keeps its own sequence, so ids stay unique across tenants and ``session.get(Model, id)`` still works
    (the mapper's identity stays ``id``, see ``Base.__mapper_args__``).
    """
    if table.name in REFERENCE_TABLES or "tenant_id" not in table.c:
        return
    if [column.name for column in table.primary_key.columns] == ["id"]:
        table.c.tenant_id.primary_key = True
        table.append_constraint(PrimaryKeyConstraint(table.c.id, table.c.tenant_id))
    for constraint in list(table.foreign_key_constraints):
        element, *more = constraint.elements
        target_table, _, target_column = element.target_fullname.rpartition(".")
        if more or target_column != "id" or target_table in REFERENCE_TABLES:
            continue
        # The single-column key is taken out again (SQLAlchemy has no public way to drop a constraint); the
        # composite one keeps its name, which the naming convention gave it.
        element._remove_from_metadata(table.metadata)
        element.parent.foreign_keys.discard(element)
        table.foreign_keys.discard(element)
        table.constraints.discard(constraint)
        table.append_constraint(ForeignKeyConstraint(
            ["tenant_id", element.parent.name], [f"{target_table}.tenant_id", f"{target_table}.id"],
            name=_kept_name(constraint) or conv(f"fk_{table.name}_{element.parent.name}_{target_table}"),
            ondelete=constraint.ondelete))


def _kept_name(constraint: ForeignKeyConstraint) -> str | None:
    """The name the model gave the key (where the convention's would be too long), else None."""
    name = constraint.name
    return name if isinstance(name, str) and not isinstance(name, conv) else None


def _is_tenant_row_key(table: Table) -> bool:
    return [column.name for column in table.primary_key.columns] == ["id", "tenant_id"]


# SQLite only auto-increments a single-column INTEGER PRIMARY KEY, so there the row key stays ``id`` and
# ``(tenant_id, id)`` is a UNIQUE constraint, which the composite foreign keys refer to just as well. The
# embedded database is never distributed; what it must keep is the same foreign keys as PostgreSQL.
@compiles(PrimaryKeyConstraint, "sqlite")
def _sqlite_tenant_row_key(constraint: PrimaryKeyConstraint, compiler, **kw) -> str:  # noqa: ANN001
    ddl = compiler.visit_primary_key_constraint(constraint, **kw)
    if constraint.table is None or not _is_tenant_row_key(constraint.table):
        return ddl
    return ddl.replace("PRIMARY KEY (id, tenant_id)", "PRIMARY KEY (id), UNIQUE (tenant_id, id)")


@compiles(CreateColumn, "sqlite")
def _sqlite_tenant_row_id(element: CreateColumn, compiler, **kw) -> str:  # noqa: ANN001
    column = element.element
    if column.name != "id" or column.table is None or not _is_tenant_row_key(column.table):
        return compiler.visit_create_column(element, **kw)
    # SQLAlchemy refuses an auto-incremented column of a composite key on SQLite; here the key is ``id`` alone.
    return f"{compiler.preparer.format_column(column)} INTEGER NOT NULL"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    @classmethod
    def __table_cls__(cls, *args, **kwargs) -> Table:  # noqa: ANN002, ANN003
        table = Table(*args, **kwargs)
        distribute_by_tenant(table)
        return table

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return row_identity(cls)


def row_identity(cls: type) -> dict:
    """The mapper's identity stays ``id`` where the table's key is ``(id, tenant_id)``: ids are unique on their
    own, and ``session.get(Model, id)`` and the identity map keep working unchanged."""
    table = cls.__dict__.get("__table__")
    if table is not None and _is_tenant_row_key(table):
        return {"primary_key": [table.c.id]}
    return {}


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )


class TenantScoped(TimestampMixin):
    """An entity owned by one tenant, with the identifiers every surface needs.

    ``version`` doubles as SQLAlchemy's optimistic-concurrency counter: an UPDATE
    whose row changed underneath it fails instead of silently overwriting.
    """

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    locator: Mapped[str] = mapped_column(String(26), default=new_locator, nullable=False)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid(), default=new_uuid, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.version, **row_identity(cls)}
