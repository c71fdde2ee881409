"""/v1/sites: a customer's sites (the places direct-debit mandates are held for)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import Field
from sqlalchemy.orm import Session

from ledgerline.api.v1.contract_owners import ADDRESS_EXAMPLE, Address
from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource, changed_attributes
from ledgerline.api.v1.schemas import Timestamp, WireInput, WireModel
from ledgerline.api.wire import WireRoute
from ledgerline.customers import repository, service
from ledgerline.models import Site as SiteEntity
from ledgerline.models.enums import SiteStatus

router = APIRouter(tags=["sites"], route_class=WireRoute)


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


LISTING = Listing(
    repository.SITE_COLUMNS,
    sortable=("id", "name", "customerId", "status", "createdAt"),
    filters=[
        Filter("id", "Filter by site identifier"),
        Filter("customerId", "Filter by customer"),
        Filter("name", "Filter by name"),
        Filter("reference", "Filter by reference"),
        Filter("status", "Filter by status"),
        Filter("createdAt", "Filter by creation date"),
    ],
    fields=("id", "locator", "uuid", "customerId", "name", "reference", "status", "address", "version",
            "createdAt", "updatedAt"),
)


def _get(session: Session, tenant_id: uuid.UUID, site_id: int, for_update: bool) -> SiteEntity:
    return service.get_site(session, tenant_id=tenant_id, site_id=site_id, for_update=for_update)


SITES = Resource(
    "/sites", "site", "sites", Site, LISTING, service.list_sites, service.count_sites, scope_group="customers",
    get_item=_get, create_schema=SiteCreate,
    create_item=lambda session, tenant_id, body: service.create_site(session, tenant_id=tenant_id,
                                                                     **body.attributes()),
    update_item=lambda session, tenant_id, site, patched, changed: service.update_site(
        session, site=site, changes=changed_attributes(patched, changed)),
    delete_item=lambda session, site: service.delete_site(session, site=site),
    summaries={"create": "Create a site for a customer"},
)
SITES.add_routes(router)
