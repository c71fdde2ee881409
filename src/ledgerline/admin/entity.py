"""One declaration per admin entity, from which its rules, listing and routes all follow.

The admin entities (contract owners, billing cycles, suppliers, templates, ...) are the same
tenant-scoped resource but for what an ``AdminEntity`` says: its table, which attributes select
and sort rows, which other entities it names, what must be unique and which domain rules guard it.
``admin.service`` runs the shared create/update/delete steps from it and
``api.v1.admin_resource`` builds the /v1 routes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from ledgerline.kit.criteria import ColumnMap, attribute_of_column
from ledgerline.models.base import TenantScoped

# A domain rule over the state an entity would have after the change (attribute names, plus
# ``tenant_id`` and ``id``, None on create). It raises InvalidRequest or Conflict to refuse it.
Rule = Callable[[Session, Mapping[str, Any]], None]

# Columns every admin entity has and no client writes.
SYSTEM_ATTRIBUTES = frozenset({"id", "tenant_id", "locator", "uuid", "version", "created_at", "updated_at"})
ALWAYS_LISTED = ("id", "created_at")


@dataclass(frozen=True, eq=False)
class AdminEntity:
    model: type[TenantScoped]
    label: str  # singular, lower case: "contract owner"
    plural: str = ""  # defaults to label + "s"
    filters: tuple[str, ...] = ()  # attributes rows can be selected by besides id and created_at
    sortable: tuple[str, ...] = ()  # attributes rows can be sorted by besides id and created_at
    # Attribute -> the entity whose id it holds: it must exist in the tenant (else 422 naming it).
    references: Mapping[str, AdminEntity] = field(default_factory=dict)
    unique: tuple[tuple[str, ...], ...] = ()  # attribute groups unique in a tenant (409 on a clash)
    rules: tuple[Rule, ...] = ()

    @property
    def plural_label(self) -> str:
        return self.plural or f"{self.label}s"

    @cached_property
    def writable_attributes(self) -> frozenset[str]:
        return frozenset(attr.key for attr in inspect(self.model).column_attrs) - SYSTEM_ATTRIBUTES

    @cached_property
    def attributes(self) -> tuple[str, ...]:
        """Every stored attribute, tenant_id aside: what the entity is rendered with."""
        return tuple(attr.key for attr in inspect(self.model).column_attrs if attr.key != "tenant_id")

    @property
    def filterable(self) -> tuple[str, ...]:
        return (ALWAYS_LISTED[0], *self.filters, ALWAYS_LISTED[1])

    @property
    def sortable_attributes(self) -> tuple[str, ...]:
        return (ALWAYS_LISTED[0], *self.sortable, ALWAYS_LISTED[1])

    @cached_property
    def columns(self) -> ColumnMap:
        names = dict.fromkeys((*self.filterable, *self.sortable_attributes))
        return ColumnMap({name: attribute_of_column(getattr(self.model, name))
                          for name in names}, tiebreak=self.model.id)
