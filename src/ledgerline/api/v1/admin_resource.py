"""The /v1 routes of an admin entity, generated from its declaration and its create schema.

``AdminResource(entity, path, create_schema)`` gives the six operations every admin entity
has, with the /v1 conventions and a complete OpenAPI description:

- ``GET <path>``: list (page, pageSize, sort, fields, the entity's filters), bare array, X-Total-Count, Link
- ``HEAD <path>``: 200 with X-Total-Count when something matches, else 404
- ``POST <path>``: create, 201 with Location and ETag (Idempotency-Key honoured)
- ``GET <path>/{id}``, ``PATCH <path>/{id}`` (JSON Patch, If-Match), ``DELETE <path>/{id}`` (409 while referenced)

The read schema is derived from the create schema (plus id, locator, uuid, version and the
timestamps), so a field is declared once. Scopes are ``<group>.list``, ``.read``, ``.write``
and ``.delete``.
"""

# No `from __future__ import annotations`: FastAPI reads the annotations of the endpoints made
# below, which name per-resource schemas held in local variables, so they must be real objects.

import uuid
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

from fastapi import APIRouter
from pydantic import Field, create_model
from pydantic.alias_generators import to_camel
from sqlalchemy.orm import Session

from ledgerline.admin import service
from ledgerline.admin.entity import AdminEntity
from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource, changed_attributes
from ledgerline.api.v1.schemas import Timestamp, WireInput, WireModel
from ledgerline.api.wire import WireRoute


class StoredResource(WireModel):
    """A read schema: built from the stored row."""

    @classmethod
    def of(cls, row: Any) -> "StoredResource":
        return cls.model_validate(row)


def read_schema_for(name: str, create_schema: type[WireInput]) -> type[StoredResource]:
    """The create schema's fields, always present on output (no defaults, no input limits), plus the system fields."""
    fields: dict[str, Any] = {
        "id": (int, Field(examples=[1])),
        "locator": (str, Field(description="ULID locator", examples=["01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])),
        "uuid": (uuid.UUID, Field(examples=["3082e466-75b0-4132-b6da-5b56ab4cb2fd"])),
    }
    for attribute, info in create_schema.model_fields.items():
        fields[attribute] = (info.annotation, Field(description=info.description, examples=info.examples))
    fields |= {
        "version": (int, Field(description="Optimistic-concurrency version; the ETag", examples=[1])),
        "created_at": (Timestamp, Field()),
        "updated_at": (Timestamp, Field()),
    }
    return create_model(name, __base__=StoredResource, **fields)


def _filter(entity: AdminEntity, attribute: str) -> Filter:
    words = attribute.replace("_", " ")
    if words == "id":
        words = f"{entity.label} identifier"
    elif words == "created at":
        words = "creation date"
    elif words.endswith(" id"):
        words = words.removesuffix(" id") + " identifier"
    return Filter(to_camel(attribute), f"Filter by {words}")


@cache
def listing_of(entity: AdminEntity) -> Listing:
    """The /v1 listing of an admin entity: its attributes in camelCase."""
    return Listing(
        entity.columns,
        sortable=[to_camel(name) for name in entity.sortable_attributes],
        filters=[_filter(entity, name) for name in entity.filterable],
        fields=[to_camel(name) for name in entity.attributes],
    )


@dataclass(eq=False)
class AdminResource:
    entity: AdminEntity
    path: str  # under /v1, e.g. "/contract-owners"
    create_schema: type[WireInput]
    read_only: tuple[str, ...] = ()  # JSON Pointers a PATCH may not touch, besides id, version, ...
    scope_group: str = "admin"
    read_schema: type[StoredResource] = field(init=False)
    router: APIRouter = field(init=False)

    def __post_init__(self) -> None:
        name = "".join(word.capitalize() for word in self.entity.label.split())
        self.read_schema = read_schema_for(name, self.create_schema)
        # The create schema must be the entity's writable columns exactly: a field that is not
        # stored (or a column nobody can set) is a mistake best found at import time.
        declared = set(self.create_schema.model_fields)
        if declared != self.entity.writable_attributes:
            raise TypeError(f"{self.create_schema.__name__} fields {sorted(declared)} differ from the "
                            f"writable columns {sorted(self.entity.writable_attributes)}")
        self.router = self._router()

    def _router(self) -> APIRouter:
        entity = self.entity
        label, plural = entity.label, entity.plural_label

        def get(session: Session, tenant_id: uuid.UUID, entity_id: int, for_update: bool) -> Any:
            return service.get(session, entity, tenant_id=tenant_id, entity_id=entity_id, for_update=for_update)

        def create(session: Session, tenant_id: uuid.UUID, body: WireInput) -> Any:
            return service.create(session, entity, tenant_id=tenant_id, values=body.model_dump())

        def update(session: Session, tenant_id: uuid.UUID, row: Any, patched: WireInput, changed: set[str]) -> Any:
            return service.update(session, entity, row=row, changes=changed_attributes(patched, changed))

        resource = Resource(
            self.path, label.replace(" ", "_"), plural.replace(" ", "_"), self.read_schema, listing_of(entity),
            partial(service.list_rows, entity=entity), partial(service.count_rows, entity=entity),
            scope_group=self.scope_group, label=label, plural_label=plural, get_item=get,
            create_schema=self.create_schema, create_item=create, update_item=update, read_only=self.read_only,
            delete_item=lambda session, row: service.delete(session, entity, row=row),
            summaries={"delete": f"Delete {_article(label, plural)} (409 while anything references it)"},
        )
        return resource.add_routes(APIRouter(tags=[self.path.lstrip("/")], route_class=WireRoute))


def _article(label: str, plural: str) -> str:
    if label == plural:  # uncountable ("invoice marketing info")
        return label
    return f"{'an' if label[0] in 'aeiou' else 'a'} {label}"
