"""/v1/contract-owners, and the Address object and field types they share with sub-brands and sites."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import pycountry
from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import AfterValidator, Field

from ledgerline.admin import repository, service
from ledgerline.api.v1.patching import JSON_PATCH_BODY, PatchOperation, patched_input
from ledgerline.api.v1.responses import check_if_match, render_created, render_head, render_page, render_resource
from ledgerline.api.v1.schemas import Timestamp, WireInput, WireModel, error_responses
from ledgerline.api.wire import WireRoute
from ledgerline.auth import Principal, SessionDep, require
from ledgerline.kit.idempotency import IdempotencyDep
from ledgerline.kit.listing import ListQuery
from ledgerline.models import ContractOwner as ContractOwnerEntity

router = APIRouter(tags=["contract-owners"], route_class=WireRoute)


# --- field types (seed 001, the sub-brand field list) ---------------------------

def _iso_country(code: str) -> str:
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"'{code}' is not an ISO 3166-1 alpha-2 country code")
    return code


def _email(value: str) -> str:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"'{value}' is not an email address: {exc}") from None
    return value


def _email_or_empty(value: str) -> str:
    # Seed 001 allows an empty string here: (^$)|<address>.
    return value if value == "" else _email(value)


CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code", examples=["GB"]),
                        AfterValidator(_iso_country)]
Email = Annotated[str, Field(max_length=255, json_schema_extra={"format": "email"},
                             examples=["billing@example.com"]), AfterValidator(_email)]
EmailOrEmpty = Annotated[str, Field(max_length=255, examples=["customer@example.com"]),
                         AfterValidator(_email_or_empty)]


ADDRESS_EXAMPLE = {"address1": "1 High Street", "town": "London", "postcode": "EC1A 1BB", "country": "GB"}


class Address(WireInput):
    """Seed 001 Address; stored with the entity that owns it."""

    business_name: str | None = Field(default=None, max_length=100, examples=["Acme Billing Ltd"])
    address1: str = Field(min_length=1, max_length=100, examples=["1 High Street"])
    address2: str | None = Field(default=None, max_length=100, examples=["Floor 2"])
    address3: str | None = Field(default=None, max_length=100, examples=["Unit 7"])
    town: str = Field(min_length=1, max_length=50, examples=["London"])
    county: str | None = Field(default=None, max_length=30, examples=["Greater London"])
    postcode: str = Field(max_length=20, pattern=r"^[a-zA-Z0-9\p{L}@.\-+_\s]+$", examples=["EC1A 1BB"])
    country: CountryCode


# --- contract owners ------------------------------------------------------------

ContractOwnerId = Annotated[int, Path(description="Contract owner identifier", examples=[1])]
ContractOwnerListQuery = Annotated[ListQuery, Depends(repository.CONTRACT_OWNER_LISTING.query_dependency())]
ContractOwnerFilterQuery = Annotated[ListQuery, Depends(
    repository.CONTRACT_OWNER_LISTING.query_dependency(paged=False))]


class ContractOwner(WireModel):
    id: int = Field(examples=[1])
    locator: str = Field(description="ULID locator", examples=["01HF3M7Q2V9X8Y7Z6W5V4U3T2S"])
    uuid: uuid.UUID
    name: str = Field(examples=["Acme Telecom"])
    available_from: dt.date
    available_to: dt.date | None
    address: Address
    si_bcc_email_address: str
    co_bcc_email_address: str | None
    tax_registration_number: str
    company_registration_number: str | None
    bank_account_name: str | None
    bank_account_number: str | None
    bank_sort_code: str | None
    swift_code: str | None
    iban: str | None
    customer_service_email: str | None
    customer_service_telephone_number: str | None
    customer_service_web_site: str | None
    email_billing_from_address: str | None
    invoice_combining_type: str | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, entity: ContractOwnerEntity) -> "ContractOwner":
        values = {name: getattr(entity, name) for name in cls.model_fields if name != "address"}
        return cls(address=Address.model_validate(entity.address), **values)


class ContractOwnerCreate(WireInput):
    name: str = Field(min_length=1, max_length=255, examples=["Acme Telecom"])
    available_from: dt.date = Field(examples=["2024-01-01"])
    available_to: dt.date | None = Field(default=None, description="On or after availableFrom",
                                         examples=["2030-12-31"])
    address: Address = Field(examples=[ADDRESS_EXAMPLE])
    si_bcc_email_address: Email = Field(description="Blind copy address for sales invoice emails")
    co_bcc_email_address: Email | None = Field(default=None, description="Blind copy address for other emails",
                                               examples=["copies@example.com"])
    tax_registration_number: str = Field(min_length=1, max_length=255, examples=["GB123456789"])
    company_registration_number: str | None = Field(default=None, max_length=255, pattern=r"^[A-Za-z0-9]*$",
                                                    examples=["CompanyReg123"])
    bank_account_name: str | None = Field(default=None, max_length=255, examples=["Acme Telecom Ltd"])
    bank_account_number: str | None = Field(default=None, max_length=255, pattern=r"^[0-9]*$",
                                            examples=["12345678"])
    bank_sort_code: str | None = Field(default=None, max_length=255, pattern=r"^[0-9]*$", examples=["123456"])
    swift_code: str | None = Field(default=None, min_length=8, max_length=11, pattern=r"^[0-9A-Z]*$",
                                   description="ISO 9362 business identifier code", examples=["DEUTDEFFXXX"])
    iban: str | None = Field(default=None, min_length=4, max_length=34, pattern=r"^[0-9A-Z]*$",
                             examples=["GB29NWBK60161331926819"])
    customer_service_email: EmailOrEmpty | None = Field(default=None, examples=["help@example.com"])
    customer_service_telephone_number: str | None = Field(
        default=None, max_length=255, pattern=r"^(?:|[a-zA-Z0-9\p{L}\s()@&.,-_£|]{4,100})$",
        examples=["020 7946 0958"])
    customer_service_web_site: str | None = Field(default=None, max_length=255,
                                                  examples=["https://www.example.com/support"])
    email_billing_from_address: str | None = Field(default=None, max_length=255, examples=["billing@example.com"])
    invoice_combining_type: str | None = Field(default=None, max_length=50, examples=["COMBINED"])

    def attributes(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in type(self).model_fields}
        values["address"] = self.address.model_dump()
        return values


_CONTRACT_OWNER_ATTRIBUTES = {info.alias or name: name for name, info in ContractOwnerCreate.model_fields.items()}


@router.get("/contract-owners", response_model=list[ContractOwner], responses=error_responses(400),
            summary="List contract owners")
def list_contract_owners(request: Request, session: SessionDep, query: ContractOwnerListQuery,
                         principal: Annotated[Principal, Depends(require("admin.list"))]) -> Response:
    page = repository.page_of_contract_owners(session, principal.tenant_id, query)
    return render_page(request, page, ContractOwner)


@router.head("/contract-owners", responses={**error_responses(400), 404: {"description": "No contract owner matches"}},
             summary="Check whether contract owners matching the filters exist")
def contract_owners_exist(session: SessionDep, query: ContractOwnerFilterQuery,
                          principal: Annotated[Principal, Depends(require("admin.list"))]) -> Response:
    return render_head(repository.count_contract_owners(session, principal.tenant_id, query))


@router.post("/contract-owners", status_code=201, response_model=ContractOwner,
             responses=error_responses(400, 409, 422), summary="Create a contract owner")
def create_contract_owner(request: Request, body: ContractOwnerCreate, session: SessionDep, guard: IdempotencyDep,
                          principal: Annotated[Principal, Depends(require("admin.write"))]) -> Response:
    contract_owner = service.create_contract_owner(session, tenant_id=principal.tenant_id, **body.attributes())
    return render_created(request, session, guard, ContractOwner.of(contract_owner),
                          location=f"/v1/contract-owners/{contract_owner.id}")


@router.get("/contract-owners/{contract_owner_id}", response_model=ContractOwner, responses=error_responses(400, 404),
            summary="Get a contract owner")
def get_contract_owner(contract_owner_id: ContractOwnerId, session: SessionDep,
                       principal: Annotated[Principal, Depends(require("admin.read"))]) -> Response:
    return render_resource(ContractOwner.of(service.get_contract_owner(
        session, tenant_id=principal.tenant_id, contract_owner_id=contract_owner_id)))


@router.patch("/contract-owners/{contract_owner_id}", response_model=ContractOwner,
              responses=error_responses(400, 404, 409, 412, 422), summary="Update a contract owner with JSON Patch")
def patch_contract_owner(request: Request, contract_owner_id: ContractOwnerId, session: SessionDep,
                         operations: Annotated[list[PatchOperation], Body(**JSON_PATCH_BODY)],
                         principal: Annotated[Principal, Depends(require("admin.write"))]) -> Response:
    contract_owner = service.get_contract_owner(session, tenant_id=principal.tenant_id,
                                                contract_owner_id=contract_owner_id, for_update=True)
    check_if_match(request, contract_owner.version)
    patched, changed = patched_input(ContractOwner.of(contract_owner), operations, ContractOwnerCreate)
    attributes = patched.attributes()  # type: ignore[attr-defined]
    changes = {_CONTRACT_OWNER_ATTRIBUTES[name]: attributes[_CONTRACT_OWNER_ATTRIBUTES[name]] for name in changed}
    contract_owner = service.update_contract_owner(session, contract_owner=contract_owner, changes=changes)
    return render_resource(ContractOwner.of(contract_owner))


@router.delete("/contract-owners/{contract_owner_id}", status_code=204, responses=error_responses(400, 404, 409),
               summary="Delete a contract owner that no customer or sub-brand references")
def delete_contract_owner(contract_owner_id: ContractOwnerId, session: SessionDep,
                          principal: Annotated[Principal, Depends(require("admin.delete"))]) -> Response:
    contract_owner = service.get_contract_owner(session, tenant_id=principal.tenant_id,
                                                contract_owner_id=contract_owner_id)
    service.delete_contract_owner(session, contract_owner=contract_owner)
    return Response(status_code=204)
