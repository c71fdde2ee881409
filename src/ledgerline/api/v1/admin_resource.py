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
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import Field, create_model

from ledgerline.admin import repository, service
from ledgerline.admin.entity import AdminEntity
from ledgerline.api.v1.patching import JSON_PATCH_BODY, PatchOperation, patched_input
from ledgerline.api.v1.responses import check_if_match, render_created, render_head, render_page, render_resource
from ledgerline.api.v1.schemas import Timestamp, WireInput, WireModel, error_responses
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.kit.listing import ListQuery


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


def _article(label: str, plural: str) -> str:
    if label == plural:  # uncountable ("invoice marketing info")
        return label
    return f"{'an' if label[0] in 'aeiou' else 'a'} {label}"


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

    def wire_names(self) -> dict[str, str]:
        """Wire name -> attribute, for the fields a client writes."""
        return {info.alias or name: name for name, info in self.create_schema.model_fields.items()}

    def _router(self) -> APIRouter:
        entity, Read, Create = self.entity, self.read_schema, self.create_schema
        label, plural = entity.label, entity.plural_label
        one, many = label.replace(" ", "_"), plural.replace(" ", "_")
        a_label = _article(label, plural)
        attribute_of = self.wire_names()
        collection, item = self.path, f"{self.path}/{{{one}_id}}"

        EntityId = Annotated[int, Path(alias=f"{one}_id", description=f"{label.capitalize()} identifier",
                                       examples=[1])]
        ListQueryDep = Annotated[ListQuery, Depends(entity.listing.query_dependency())]
        FilterQueryDep = Annotated[ListQuery, Depends(entity.listing.query_dependency(paged=False))]
        Lister = Annotated[Principal, Depends(require(f"{self.scope_group}.list"))]
        Reader = Annotated[Principal, Depends(require(f"{self.scope_group}.read"))]
        Writer = Annotated[Principal, Depends(require(f"{self.scope_group}.write"))]
        Deleter = Annotated[Principal, Depends(require(f"{self.scope_group}.delete"))]
        Operations = Annotated[list[PatchOperation], Body(**JSON_PATCH_BODY)]

        def list_(request: Request, session: SessionDep, query: ListQueryDep, principal: Lister) -> Response:
            return render_page(request, repository.page_of(session, entity, principal.tenant_id, query), Read)

        def exist(session: SessionDep, query: FilterQueryDep, principal: Lister) -> Response:
            return render_head(repository.count_of(session, entity, principal.tenant_id, query))

        def create(request: Request, body: Create, session: SessionDep, guard: IdempotencyDep,
                   principal: Writer) -> Response:
            row = service.create(session, entity, tenant_id=principal.tenant_id, values=body.model_dump())
            return render_created(request, session, guard, Read.of(row), location=f"/v1{collection}/{row.id}")

        def get(entity_id: EntityId, session: SessionDep, principal: Reader) -> Response:
            return render_resource(Read.of(service.get(session, entity, tenant_id=principal.tenant_id,
                                                       entity_id=entity_id)))

        def patch(request: Request, entity_id: EntityId, session: SessionDep, operations: Operations,
                  principal: Writer) -> Response:
            row = service.get(session, entity, tenant_id=principal.tenant_id, entity_id=entity_id, for_update=True)
            check_if_match(request, row.version)
            patched, changed = patched_input(Read.of(row), operations, Create, read_only=self.read_only)
            values = patched.model_dump()
            changes = {attribute_of[name]: values[attribute_of[name]] for name in changed}
            return render_resource(Read.of(service.update(session, entity, row=row, changes=changes)))

        def delete(entity_id: EntityId, session: SessionDep, principal: Deleter) -> Response:
            row = service.get(session, entity, tenant_id=principal.tenant_id, entity_id=entity_id)
            service.delete(session, entity, row=row)
            return Response(status_code=204)

        router = APIRouter(tags=[self.path.lstrip("/")], route_class=WireRoute)
        router.add_api_route(collection, list_, methods=["GET"], name=f"list_{many}", response_model=list[Read],
                             responses=error_responses(400), summary=f"List {plural}")
        router.add_api_route(collection, exist, methods=["HEAD"], name=f"{many}_exist",
                             responses={**error_responses(400), 404: {"description": f"No {label} matches"}},
                             summary=f"Check whether {plural} matching the filters exist")
        router.add_api_route(collection, create, methods=["POST"], name=f"create_{one}", status_code=201,
                             response_model=Read, responses=error_responses(400, 409, 422),
                             summary=f"Create {a_label}")
        router.add_api_route(item, get, methods=["GET"], name=f"get_{one}", response_model=Read,
                             responses=error_responses(400, 404), summary=f"Get {a_label}")
        router.add_api_route(item, patch, methods=["PATCH"], name=f"patch_{one}", response_model=Read,
                             responses=error_responses(400, 404, 409, 412, 422),
                             summary=f"Update {a_label} with JSON Patch")
        router.add_api_route(item, delete, methods=["DELETE"], name=f"delete_{one}", status_code=204,
                             responses=error_responses(400, 404, 409),
                             summary=f"Delete {a_label} (409 while anything references it)")
        return router

