"""/v1/sites: a customer's sites (the places direct-debit mandates are held for)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import Field

from ledgerline.api.v1.contract_owners import ADDRESS_EXAMPLE, Address
from ledgerline.api.v1.patching import JSON_PATCH_BODY, PatchOperation, patched_input
from ledgerline.api.v1.responses import check_if_match, render_created, render_head, render_page, render_resource
from ledgerline.api.v1.schemas import Timestamp, WireInput, WireModel, error_responses
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, require
from ledgerline.customers import repository, service
from ledgerline.db import SessionDep
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.kit.listing import ListQuery
from ledgerline.models import Site as SiteEntity
from ledgerline.models.enums import SiteStatus

router = APIRouter(tags=["sites"], route_class=WireRoute)

SiteId = Annotated[int, Path(description="Site identifier", examples=[1])]
SiteListQuery = Annotated[ListQuery, Depends(repository.SITE_LISTING.query_dependency())]
SiteFilterQuery = Annotated[ListQuery, Depends(repository.SITE_LISTING.query_dependency(paged=False))]


class Site(WireModel):
    id: int = Field(examples=[1])
    locator: str = Field(description="ULID locator", examples=["01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])
    uuid: uuid.UUID
    customer_id: int = Field(examples=[1])
    name: str = Field(examples=["Head office"])
    reference: str | None = Field(examples=["SITE-001"])
    status: SiteStatus
    address: Address | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, entity: SiteEntity) -> "Site":
        values = {name: getattr(entity, name) for name in cls.model_fields if name != "address"}
        address = Address.model_validate(entity.address) if entity.address is not None else None
        return cls(address=address, **values)


class SiteCreate(WireInput):
    customer_id: int = Field(description="The customer the site belongs to; must exist in your tenant", examples=[1])
    name: str = Field(min_length=1, max_length=255, examples=["Head office"])
    reference: str | None = Field(default=None, max_length=100, examples=["SITE-001"])
    status: SiteStatus = Field(default=SiteStatus.ACTIVE, examples=["ACTIVE"])
    address: Address | None = Field(default=None, examples=[ADDRESS_EXAMPLE])

    def attributes(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in type(self).model_fields}
        values["address"] = self.address.model_dump() if self.address is not None else None
        return values


_SITE_ATTRIBUTES = {info.alias or name: name for name, info in SiteCreate.model_fields.items()}


@router.get("/sites", response_model=list[Site], responses=error_responses(400), summary="List sites")
def list_sites(request: Request, session: SessionDep, query: SiteListQuery,
               principal: Annotated[Principal, Depends(require("customers.list"))]) -> Response:
    return render_page(request, repository.page_of_sites(session, principal.tenant_id, query), Site)


@router.head("/sites", responses={**error_responses(400), 404: {"description": "No site matches"}},
             summary="Check whether sites matching the filters exist")
def sites_exist(session: SessionDep, query: SiteFilterQuery,
                principal: Annotated[Principal, Depends(require("customers.list"))]) -> Response:
    return render_head(repository.count_sites(session, principal.tenant_id, query))


@router.post("/sites", status_code=201, response_model=Site, responses=error_responses(400, 409, 422),
             summary="Create a site for a customer")
def create_site(request: Request, body: SiteCreate, session: SessionDep, guard: IdempotencyDep,
                principal: Annotated[Principal, Depends(require("customers.write"))]) -> Response:
    site = service.create_site(session, tenant_id=principal.tenant_id, **body.attributes())
    return render_created(request, session, guard, Site.of(site), location=f"/v1/sites/{site.id}")


@router.get("/sites/{site_id}", response_model=Site, responses=error_responses(400, 404), summary="Get a site")
def get_site(site_id: SiteId, session: SessionDep,
             principal: Annotated[Principal, Depends(require("customers.read"))]) -> Response:
    return render_resource(Site.of(service.get_site(session, tenant_id=principal.tenant_id, site_id=site_id)))


@router.patch("/sites/{site_id}", response_model=Site, responses=error_responses(400, 404, 409, 412, 422),
              summary="Update a site with JSON Patch")
def patch_site(request: Request, site_id: SiteId, session: SessionDep,
               operations: Annotated[list[PatchOperation], Body(**JSON_PATCH_BODY)],
               principal: Annotated[Principal, Depends(require("customers.write"))]) -> Response:
    site = service.get_site(session, tenant_id=principal.tenant_id, site_id=site_id, for_update=True)
    check_if_match(request, site.version)
    patched, changed = patched_input(Site.of(site), operations, SiteCreate)
    attributes = patched.attributes()  # type: ignore[attr-defined]
    changes = {_SITE_ATTRIBUTES[name]: attributes[_SITE_ATTRIBUTES[name]] for name in changed}
    site = service.update_site(session, site=site, changes=changes)
    return render_resource(Site.of(site))


@router.delete("/sites/{site_id}", status_code=204, responses=error_responses(400, 404, 409),
               summary="Delete a site")
def delete_site(site_id: SiteId, session: SessionDep,
                principal: Annotated[Principal, Depends(require("customers.delete"))]) -> Response:
    site = service.get_site(session, tenant_id=principal.tenant_id, site_id=site_id)
    service.delete_site(session, site=site)
    return Response(status_code=204)
