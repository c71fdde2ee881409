"""One declaration per admin entity, from which its rules, listing and routes all follow.

The admin entities (contract owners, billing cycles, suppliers, templates, ...) are the same
tenant-scoped resource but for what an ``AdminEntity`` says: its table, which columns filter
and sort, which other entities it names, what must be unique and which domain rules guard it.
``admin.service`` runs the shared create/update/delete steps from it and
``api.v1.admin_resource`` builds the /v1 routes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pydantic.alias_generators import to_camel, to_snake
from sqlalchemy import Boolean, Date, DateTime, Enum, Integer, String, TypeDecorator, inspect
from sqlalchemy.orm import Session

from ledgerline.kit.listing import Filter, FilterKind, Listing
from ledgerline.models.base import TenantScoped

# A domain rule over the state an entity would have after the change (attribute names, plus
# ``tenant_id`` and ``id``, None on create). It raises InvalidRequest or Conflict to refuse it.
Rule = Callable[[Session, Mapping[str, Any]], None]

# Columns every admin entity has and no client writes.
SYSTEM_ATTRIBUTES = frozenset({"id", "tenant_id", "locator", "uuid", "version", "created_at", "updated_at"})
ALWAYS_LISTED = ("id", "createdAt")


def _filter_kind(column: Any) -> tuple[FilterKind, Any]:
    """The /v1 filter form that fits a column's type (and the enum class of an enum column)."""
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, Enum):  # before String: an Enum is a String
        return FilterKind.ENUM, column_type.enum_class
    if isinstance(column_type, Boolean):
        return FilterKind.BOOLEAN, None
    if isinstance(column_type, (Date, DateTime)):
        return FilterKind.DATE, None
    if isinstance(column_type, String):
        return FilterKind.STRING, None
    if isinstance(column_type, Integer):
        return (FilterKind.ID if column.key == "id" or column.key.endswith("_id") else FilterKind.NUMBER), None
    raise TypeError(f"no /v1 filter form for column {column.key} of type {column_type!r}")


@dataclass(frozen=True, eq=False)
class AdminEntity:
    model: type[TenantScoped]
    label: str  # singular, lower case: "contract owner"
    plural: str = ""  # defaults to label + "s"
    filters: tuple[str, ...] = ()  # wire names of the filter columns besides id and createdAt
    sortable: tuple[str, ...] = ()  # wire names of the sort columns besides id and createdAt
    # Attribute -> the entity whose id it holds: it must exist in the tenant (else 422 naming it).
    references: Mapping[str, AdminEntity] = field(default_factory=dict)
    unique: tuple[tuple[str, ...], ...] = ()  # attribute groups unique in a tenant (409 on a clash)
    rules: tuple[Rule, ...] = ()

    @property
    def plural_label(self) -> str:
        return self.plural or f"{self.label}s"

    def column(self, wire_name: str) -> Any:
        return getattr(self.model, to_snake(wire_name))

    @cached_property
    def writable_attributes(self) -> frozenset[str]:
        return frozenset(attr.key for attr in inspect(self.model).column_attrs) - SYSTEM_ATTRIBUTES

    @cached_property
    def wire_fields(self) -> tuple[str, ...]:
        """Every field the entity is rendered with: its columns in camelCase, tenant_id aside."""
        return tuple(to_camel(attr.key) for attr in inspect(self.model).column_attrs if attr.key != "tenant_id")

    def _filter(self, wire_name: str) -> Filter:
        column = self.column(wire_name)
        kind, enum_type = _filter_kind(column.property.columns[0])
        words = to_snake(wire_name).replace("_", " ")
        if words == "id":
            words = f"{self.label} identifier"
        elif words == "created at":
            words = "creation date"
        elif words.endswith(" id"):
            words = words.removesuffix(" id") + " identifier"
        return Filter(wire_name, kind, column, f"Filter by {words}", enum_type=enum_type)

    @cached_property
    def listing(self) -> Listing:
        return Listing(
            sortable={name: self.column(name) for name in (ALWAYS_LISTED[0], *self.sortable, ALWAYS_LISTED[1])},
            filters=[self._filter(name) for name in (ALWAYS_LISTED[0], *self.filters, ALWAYS_LISTED[1])],
            fields=self.wire_fields,
            tiebreak=self.model.id,
        )
