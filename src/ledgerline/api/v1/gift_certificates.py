"""/v1/gift-certificates: issue, list, get and deactivate gift certificates (Ledgerline's own resource).

Payments redeem them by code as a tender (the Exsited surface's ``gift_certificates``); /v1 payment
creation does not take them. PATCH is JSON Patch like every /v1 resource: ``status`` (to INACTIVE)
and ``description`` change, nothing else.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from fastapi import APIRouter
from pydantic import Field
from sqlalchemy.orm import Session

from ledgerline.api.v1.customer_payments import currency_id
from ledgerline.api.v1.listing import Filter, Listing
from ledgerline.api.v1.resource import Resource, changed_attributes
from ledgerline.api.v1.schemas import Amount, CurrencyCode, ReferenceId, Timestamp, WireInput, WireModel, major
from ledgerline.api.wire import WireRoute
from ledgerline.gift_certificates import repository, service
from ledgerline.models import GiftCertificate as CertificateEntity
from ledgerline.models.enums import GiftCertificateStatus

router = APIRouter(tags=["gift certificates"], route_class=WireRoute)

LIMIT = Decimal("1000000")


class GiftCertificate(WireModel):
    id: int = Field(examples=[1])
    locator: str = Field(description="ULID locator", examples=["01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])
    uuid: uuid.UUID
    code: str = Field(description="What a payment names to redeem it", examples=["GIFT-2026-0001"])
    currency: str = Field(examples=["GBP"])
    currency_id: int | None = Field(description="ISO 4217 numeric code", examples=[826])
    amount_in_major_currency: Amount = Field(description="What it was issued for")
    balance_in_major_currency: Amount = Field(description="What is left to redeem")
    customer_id: int | None = Field(description="The only customer who may redeem it; null: anyone", examples=[1])
    expires_on: dt.date | None = Field(description="The last day it can be redeemed; null: never expires")
    status: GiftCertificateStatus = Field(description="ACTIVE, or INACTIVE once deactivated (not redeemable)")
    description: str | None
    created_by: str | None
    updated_by: str | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, entity: CertificateEntity) -> "GiftCertificate":
        currency = entity.currency
        return cls(
            id=entity.id, locator=entity.locator, uuid=entity.uuid, code=entity.code, currency=currency,
            currency_id=currency_id(currency), amount_in_major_currency=major(entity.amount_minor, currency),
            balance_in_major_currency=major(entity.balance_minor, currency), customer_id=entity.customer_id,
            expires_on=entity.expires_on, status=entity.status, description=entity.description,
            created_by=entity.created_by, updated_by=entity.updated_by, version=entity.version,
            created_at=entity.created_at, updated_at=entity.updated_at)


class GiftCertificateCreate(WireInput):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                      description="Unique in your tenant: letters, digits, '.', '_' and '-'",
                      examples=["GIFT-2026-0001"])
    currency: CurrencyCode
    amount_in_major_currency: Decimal = Field(gt=0, le=LIMIT, examples=[50.00],
                                              description="Greater than 0, up to 1000000, exact in the currency")
    customer_id: ReferenceId | None = Field(default=None, description="Only this customer may redeem it")
    expires_on: dt.date | None = Field(default=None, description="The last day it can be redeemed (today or later)")
    description: str | None = Field(default=None, max_length=255, examples=["Loyalty reward"])


class GiftCertificateUpdate(WireInput):
    status: GiftCertificateStatus = Field(examples=["INACTIVE"])
    description: str | None = Field(default=None, max_length=255)


LISTING = Listing(
    repository.CERTIFICATE_COLUMNS,
    sortable=("id", "code", "expiresOn", "createdAt"),
    filters=[
        Filter("id", "Filter by gift certificate identifier"),
        Filter("code", "Filter by code"),
        Filter("currency", "Filter by currency"),
        Filter("customerId", "Filter by the customer it is issued to"),
        Filter("status", "Filter by status"),
        Filter("amountInMajorCurrency", "Filter by issued amount"),
        Filter("balanceInMajorCurrency", "Filter by balance left", attribute="balance"),
        Filter("expiresOn", "Filter by expiry date"),
        Filter("createdAt", "Filter by creation date"),
    ],
    fields=("id", "locator", "uuid", "code", "currency", "currencyId", "amountInMajorCurrency",
            "balanceInMajorCurrency", "customerId", "expiresOn", "status", "description", "createdBy", "updatedBy",
            "version", "createdAt", "updatedAt"),
)


def _get(session: Session, tenant_id: uuid.UUID, certificate_id: int, for_update: bool) -> CertificateEntity:
    return service.get_certificate(session, tenant_id=tenant_id, certificate_id=certificate_id, for_update=for_update)


def _create(session: Session, tenant_id: uuid.UUID, body: GiftCertificateCreate) -> CertificateEntity:
    return service.create_certificate(
        session, tenant_id=tenant_id, code=body.code, currency=body.currency, amount=body.amount_in_major_currency,
        customer_id=body.customer_id, expires_on=body.expires_on, description=body.description)


Resource(
    "/gift-certificates", "gift_certificate", "gift_certificates", GiftCertificate, LISTING,
    service.list_certificates, service.count_certificates, scope_group="payments",
    label="gift certificate", get_item=_get, create_schema=GiftCertificateCreate, create_item=_create,
    update_schema=GiftCertificateUpdate,
    update_item=lambda session, tenant_id, certificate, patched, changed: service.update_certificate(
        session, certificate=certificate, changes=changed_attributes(patched, changed)),
    read_only=("/code", "/currency", "/currencyId", "/amountInMajorCurrency", "/balanceInMajorCurrency",
               "/customerId", "/expiresOn", "/createdBy", "/updatedBy"),
    summaries={"create": "Issue a gift certificate", "patch": "Deactivate a gift certificate (JSON Patch)"},
    descriptions={"patch": "Only `status` (ACTIVE -> INACTIVE, final) and `description` change."},
).add_routes(router)
