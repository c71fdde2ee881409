"""One builder for the routes of a /v1 resource, with the Elevate conventions and complete OpenAPI.

``Resource(...)`` declares a collection once: its read schema, its ``Listing`` and the service
functions behind each operation. ``add_routes(router)`` then gives

- ``GET <path>``: list (page, pageSize, sort, fields, the filters), bare array, X-Total-Count, Link
- ``HEAD <path>``: 200 with X-Total-Count when something matches, else 404
- ``POST <path>``: create, 201 with Location and ETag (Idempotency-Key honoured), with ``create_schema``
- ``GET <path>/{id}``, ``PATCH <path>/{id}`` (JSON Patch over ``update_schema``, If-Match) and
  ``DELETE <path>/{id}``

each only when its hook is given, so a resource whose writes live elsewhere (payments, whose
money-moving routes are their own) takes the list and HEAD alone. Every hook is a thin adapter
over a service: the builder never touches a repository. Scopes are ``<group>.list``, ``.read``,
``.write`` and ``.delete`` unless ``scopes`` says otherwise.
"""

# No `from __future__ import annotations`: FastAPI reads the annotations of the endpoints made
# below, which name per-resource schemas held in local variables, so they must be real objects.

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ledgerline.api.v1.listing import Listing, ListQuery
from ledgerline.api.v1.patching import JSON_PATCH_BODY, PatchOperation, patched_input
from ledgerline.api.v1.responses import check_if_match, render_created, render_head, render_page, render_resource
from ledgerline.api.v1.schemas import error_responses
from ledgerline.auth import Principal, require
from ledgerline.db import SessionDep
from ledgerline.kit.criteria import Page
from ledgerline.kit.idempotency import IdempotencyDep

# Services called as (session, tenant_id=..., criteria=...).
Lister = Callable[..., Page]
Counter = Callable[..., int]

_RESPONSES = {
    "list": (400,), "head": (400,), "create": (400, 409), "get": (400, 404),
    "patch": (400, 404, 409, 412), "delete": (400, 404, 409),
}


def _article(label: str) -> str:
    return f"{'an' if label[0] in 'aeiou' else 'a'} {label}"


def wire_to_attribute(schema: type[BaseModel]) -> dict[str, str]:
    """Wire name -> attribute, for the fields of an input schema."""
    return {info.alias or name: name for name, info in schema.model_fields.items()}


def changed_attributes(patched: BaseModel, changed: set[str],
                       values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """PATCH changes: the changed wire fields, by attribute, with their ``values`` (default: the patched input's)."""
    attribute_of = wire_to_attribute(type(patched))
    values = patched.model_dump() if values is None else values
    return {attribute_of[name]: values[attribute_of[name]] for name in changed}


@dataclass(eq=False)
class Resource:
    path: str  # under /v1, e.g. "/customers"
    one: str  # snake_case, names the operations: get_<one>, list_<many>, <many>_exist
    many: str
    read: type[BaseModel]  # the read schema; ``of(row)`` renders what the hooks return
    listing: Listing
    list_items: Lister
    count_items: Counter
    scope_group: str
    label: str = ""  # words for the summaries; defaults to ``one`` in words
    plural_label: str = ""
    tags: list[str] | None = None
    scopes: Mapping[str, str] = field(default_factory=dict)  # operation -> scope, overriding the group's
    summaries: Mapping[str, str] = field(default_factory=dict)
    descriptions: Mapping[str, str] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)  # operation -> its name (the operationId's source)
    responses: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    item_param: str = ""  # the path parameter; defaults to <one>_id
    item_description: str = ""
    no_match: str = ""  # HEAD's 404 description
    head_listing: Listing | None = None  # when HEAD takes other filters than the list
    # Item hooks: (session, tenant_id, item_id, for_update) -> row; the rest take what it returns.
    get_item: Callable[[Session, uuid.UUID, int, bool], Any] | None = None
    show: Callable[[Session, uuid.UUID, Any], BaseModel] | None = None  # default: read.of(row)
    create_schema: type[BaseModel] | None = None
    create_item: Callable[[Session, uuid.UUID, Any], Any] | None = None
    update_schema: type[BaseModel] | None = None  # default: the create schema
    # (session, tenant_id, row, patched input, changed wire fields) -> the updated row
    update_item: Callable[[Session, uuid.UUID, Any, BaseModel, set[str]], Any] | None = None
    read_only: tuple[str, ...] = ()  # JSON Pointers a PATCH may not touch, besides id, version, ...
    delete_item: Callable[[Session, Any], None] | None = None
    lock_to_delete: bool = False

    def __post_init__(self) -> None:
        self.label = self.label or self.one.replace("_", " ")
        self.plural_label = self.plural_label or f"{self.label}s"
        self.item_param = self.item_param or f"{self.one}_id"
        self.item_description = self.item_description or f"{self.label.capitalize()} identifier"
        self.no_match = self.no_match or f"No {self.label} matches"

    def scope(self, operation: str) -> str:
        return self.scopes.get(operation) or f"{self.scope_group}.{operation}"

    def _responses(self, operation: str) -> dict[int | str, Any]:
        return error_responses(*self.responses.get(operation, _RESPONSES[operation]))

    def _summary(self, operation: str, default: str) -> str:
        return self.summaries.get(operation, default)

    def _name(self, operation: str, default: str) -> str:
        return self.names.get(operation, default)

    def _route_options(self, operation: str) -> dict[str, Any]:
        options: dict[str, Any] = {"tags": self.tags} if self.tags is not None else {}
        if operation in self.descriptions:
            options["description"] = self.descriptions[operation]
        return options

    def add_routes(self, router: APIRouter) -> APIRouter:
        self._collection(router)
        self._items(router)
        return router

    def _collection(self, router: APIRouter) -> None:
        listing, Read = self.listing, self.read
        list_items, count_items = self.list_items, self.count_items
        Listed = Annotated[ListQuery, Depends(listing.query_dependency())]
        Filtered = Annotated[ListQuery, Depends((self.head_listing or listing).query_dependency(paged=False))]
        Lists = Annotated[Principal, Depends(require(self.scope("list")))]

        def list_(request: Request, session: SessionDep, query: Listed, principal: Lists) -> Response:
            page = list_items(session, tenant_id=principal.tenant_id, criteria=query.criteria)
            return render_page(request, query, page, Read)

        def exist(session: SessionDep, query: Filtered, principal: Lists) -> Response:
            return render_head(count_items(session, tenant_id=principal.tenant_id, criteria=query.criteria))

        router.add_api_route(self.path, list_, methods=["GET"], name=self._name("list", f"list_{self.many}"),
                             response_model=list[Read], responses=self._responses("list"),
                             summary=self._summary("list", f"List {self.plural_label}"), **self._route_options("list"))
        router.add_api_route(self.path, exist, methods=["HEAD"], name=self._name("head", f"{self.many}_exist"),
                             responses={**self._responses("head"), 404: {"description": self.no_match}},
                             summary=self._summary("head", f"Check whether {self.plural_label} matching the "
                                                           "filters exist"), **self._route_options("head"))

    def _items(self, router: APIRouter) -> None:
        if self.get_item is None:
            return
        get_item, Read = self.get_item, self.read
        show = self.show or (lambda session, tenant_id, row: Read.of(row))  # type: ignore[attr-defined]
        collection, item = self.path, f"{self.path}/{{{self.item_param}}}"
        a_label = self.label if self.label == self.plural_label else _article(self.label)
        ItemId = Annotated[int, Path(alias=self.item_param, description=self.item_description, examples=[1])]
        Reads = Annotated[Principal, Depends(require(self.scope("read")))]
        Writes = Annotated[Principal, Depends(require(self.scope("write")))]
        Deletes = Annotated[Principal, Depends(require(self.scope("delete")))]
        Operations = Annotated[list[PatchOperation], Body(**JSON_PATCH_BODY)]

        if self.create_item is not None and self.create_schema is not None:
            create_item, Create = self.create_item, self.create_schema

            def create(request: Request, body: Create,  # type: ignore[valid-type]
                       session: SessionDep, guard: IdempotencyDep, principal: Writes) -> Response:
                row = create_item(session, principal.tenant_id, body)
                return render_created(request, session, guard, show(session, principal.tenant_id, row),
                                      location=f"/v1{collection}/{row.id}")

            router.add_api_route(collection, create, methods=["POST"], name=self._name("create", f"create_{self.one}"),
                                 status_code=201, response_model=Read, responses=self._responses("create"),
                                 summary=self._summary("create", f"Create {a_label}"), **self._route_options("create"))

        def get(item_id: ItemId, session: SessionDep, principal: Reads) -> Response:
            return render_resource(show(session, principal.tenant_id, get_item(session, principal.tenant_id,
                                                                                  item_id, False)))

        router.add_api_route(item, get, methods=["GET"], name=self._name("get", f"get_{self.one}"), response_model=Read,
                             responses=self._responses("get"), summary=self._summary("get", f"Get {a_label}"),
                             **self._route_options("get"))

        if self.update_item is not None:
            update_item, read_only = self.update_item, self.read_only
            Update = self.update_schema or self.create_schema
            assert Update is not None, f"{self.path}: PATCH needs an update or create schema"

            def patch(request: Request, item_id: ItemId, session: SessionDep, operations: Operations,
                      principal: Writes) -> Response:
                tenant_id = principal.tenant_id
                row = get_item(session, tenant_id, item_id, True)
                check_if_match(request, row.version)
                patched, changed = patched_input(show(session, tenant_id, row), operations, Update,
                                                 read_only=read_only)
                return render_resource(show(session, tenant_id, update_item(session, tenant_id, row, patched,
                                                                            changed)))

            router.add_api_route(item, patch, methods=["PATCH"], name=self._name("patch", f"patch_{self.one}"),
                                 response_model=Read, responses=self._responses("patch"),
                                 summary=self._summary("patch", f"Update {a_label} with JSON Patch"),
                                 **self._route_options("patch"))

        if self.delete_item is not None:
            delete_item, lock = self.delete_item, self.lock_to_delete

            def delete(item_id: ItemId, session: SessionDep, principal: Deletes) -> Response:
                delete_item(session, get_item(session, principal.tenant_id, item_id, lock))
                return Response(status_code=204)

            router.add_api_route(item, delete, methods=["DELETE"], name=self._name("delete", f"delete_{self.one}"),
                                 status_code=204, responses=self._responses("delete"),
                                 summary=self._summary("delete", f"Delete {a_label}"), **self._route_options("delete"))
