"""/v1/contract-owner-sub-brands (seed 001): multipart create and update with a logo, JSON Patch.

A sub-brand arrives as ``multipart/form-data``: either the bracketed fields of the seed's
curl (``subBrand[name]``, ``subBrand[address][town]``, ...) or one ``subBrand`` part holding
JSON, with an optional ``logo`` file. Updates are JSON Patch, sent as
``application/json-patch+json`` or as a form (``patch[0][op]``, ... or a ``patch`` part
holding the JSON array) with an optional ``file`` replacing the logo.
"""

from __future__ import annotations

import json
from uuid import UUID
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, BeforeValidator, Field

from ledgerline.api.multipart import (FORM_DATA, FORM_TYPES, URLENCODED, FormDep, FormIdempotencyDep, FormPart, UploadedFile,
                                      ParsedForm, body_limited_route, encode_form_data, media_type_of,
                                      preferred_media_type, read_form, unsupported_media_type)
from ledgerline.api.v1.contract_owners import ADDRESS_EXAMPLE, Address
from ledgerline.api.v1.patching import PatchOperation, patched_input, validated
from ledgerline.api.v1.listing import Filter, Listing, id_condition
from ledgerline.api.v1.resource import Resource
from ledgerline.api.v1.responses import check_if_match, etag, render, render_recorded, render_resource, to_wire
from ledgerline.api.v1.schemas import Timestamp, WireInput, WireModel, error_responses
from ledgerline.api.wire import dumps, is_json_media_type, loads
from ledgerline.auth import Principal, require
from ledgerline.config import Settings
from ledgerline.db import SessionDep
from ledgerline.errors import BadRequest, FieldError, InvalidRequest, NotFound
from ledgerline.kit.bracketed import BracketError, nest
from ledgerline.kit.criteria import Condition, Contains, Kind
from ledgerline.kit.images import FILE_EXTENSIONS
from ledgerline.models import ContractOwnerSubBrand as SubBrandEntity
from ledgerline.models import SubBrandLogo
from ledgerline.sub_brands import repository, service
from ledgerline.sub_brands.service import LogoUpload

# Room for a form's text fields beside its logo: every field at its longest is far less.
FORM_FIELDS_ALLOWANCE_BYTES = 256 * 1024


def upload_body_limit(settings: Settings) -> int:
    return settings.max_logo_bytes + FORM_FIELDS_ALLOWANCE_BYTES


router = APIRouter(tags=["contract-owner-sub-brands"], route_class=body_limited_route(upload_body_limit))

JSON = "application/json"
MAX_ID = 2**63 - 1

# --- field types (seed 001) --------------------------------------------------------
# pydantic-core matches `pattern` with Rust's regex crate, which knows Unicode classes (\p{L});
# the tests pin that letters of any script pass and other symbols do not.

# Names and labels. The seed's class is cut off after `\*\` in the copy: the characters shown.
SEED_TEXT = r"^[\w\p{L}\s%£@&#=':;`’,|!_—–()\\/\-+.?*]*$"
# Seed: (^$)|[a-zA-Z0-9.!#$%&'\*\+\/=?^_`{|}~-]+@[a-z... (cut off), completed as the WHATWG
# HTML e-mail pattern, which begins with exactly that local part.
EMAIL_OR_EMPTY = (r"^(?:|[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
                  r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*)$")
# Seed: ^$|[a-zA-Z0-9\p{L}\s()@&.,-_£|]{4,100}, whole-string as in the seed's (Java) validation;
# ",-_" is a range there too.
TELEPHONE_OR_EMPTY = r"^(?:|[a-zA-Z0-9\p{L}\s()@&.,-_£|]{4,100})$"
DIGITS = r"^[0-9]*$"
UPPER_ALPHANUMERIC = r"^[0-9A-Z]*$"
ALPHANUMERIC = r"^[A-Za-z0-9]*$"

SeedText = Annotated[str, Field(pattern=SEED_TEXT)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _blank_is_none(value: Any) -> Any:
    # A form cannot send null: an empty optional number means "none".
    return None if value == "" else value


def _flag(value: Any) -> Any:
    # Seed 001 shows its booleans as "0x01"/"0x00"; forms send "true"/"false".
    if isinstance(value, str):
        value = {"true": True, "false": False, "0x01": True, "0x00": False}.get(value.strip().lower(), value)
    if not isinstance(value, bool):
        raise ValueError('must be true, false, "0x01" or "0x00"')
    return value


OptionalId = Annotated[Id | None, BeforeValidator(_blank_is_none)]
Flag = Annotated[bool, BeforeValidator(_flag)]


def _read_only(description: str) -> Any:
    return Field(default=None, exclude=True, description=f"{description} (read-only: ignored when sent)",
                 json_schema_extra={"readOnly": True})


SUB_BRAND_ADDRESS_EXAMPLE = {**ADDRESS_EXAMPLE, "businessName": "Acme Billing Ltd", "address2": "Floor 2",
                             "address3": "Unit 7", "county": "Greater London"}


class SubBrandAddressInput(Address):
    """Seed 001 Address: its text lines follow the seed's text pattern; ``id`` is read-only."""

    business_name: SeedText | None = Field(default=None, max_length=100, examples=["Acme Billing Ltd"])
    address1: SeedText = Field(min_length=1, max_length=100, examples=["1 High Street"])
    address2: SeedText | None = Field(default=None, max_length=100, examples=["Floor 2"])
    address3: SeedText | None = Field(default=None, max_length=100, examples=["Unit 7"])
    town: SeedText = Field(min_length=1, max_length=50, examples=["London"])
    county: SeedText | None = Field(default=None, max_length=30, examples=["Greater London"])
    id: Any = _read_only("Internal identifier for the address entry")


class SubBrandAddress(SubBrandAddressInput):
    id: int = Field(examples=[1], json_schema_extra={"readOnly": True})


class SubBrandInput(WireInput):
    """A sub-brand as POST and PATCH validate it: every field, length and pattern of seed 001."""

    id: Any = _read_only("Identifier")
    created_at: Any = _read_only("Created at")
    updated_at: Any = _read_only("Updated at")
    account_number_format: str | None = Field(default=None, max_length=255, examples=["SI0000"])
    attach_invoice_to_email: Flag = Field(default=False, description='Also accepts "0x01"/"0x00"', examples=[True])
    bacs_reference: str | None = Field(default=None, max_length=255, examples=["Bacs Reference"])
    bank_account_name: SeedText | None = Field(default=None, max_length=255, examples=["Bank Account Name"])
    bank_account_number: str | None = Field(default=None, max_length=255, pattern=DIGITS, examples=["1234567890"])
    summary_customer_account_number_label: SeedText = Field(min_length=1, max_length=50,
                                                            examples=["Summary customer account number label"])
    bank_sort_code: str | None = Field(default=None, max_length=255, pattern=DIGITS, examples=["123456"])
    swift_code: str | None = Field(default=None, min_length=8, max_length=11, pattern=UPPER_ALPHANUMERIC,
                                   description="ISO 9362 business identifier code", examples=["DEUTDEFFXXX"])
    billing_period_end_date_label: str = Field(min_length=1, max_length=50, examples=["Billing Period (Ending)"])
    company_registration_number: str | None = Field(default=None, max_length=255, pattern=ALPHANUMERIC,
                                                    examples=["CompanyReg123"])
    company_registration_number_label: SeedText | None = Field(default=None, max_length=255,
                                                               examples=["Company Number"])
    vat_registration_number: str = Field(max_length=255, examples=["Vat registration Number123"])
    customer_service_email: str | None = Field(default=None, max_length=255, pattern=EMAIL_OR_EMPTY,
                                               examples=["customer@email.com"])
    customer_service_telephone_number: str | None = Field(default=None, max_length=255, pattern=TELEPHONE_OR_EMPTY,
                                                          examples=["123-456-7890"])
    customer_service_web_site: str | None = Field(default=None, max_length=255,
                                                  examples=["https://www.customerservice.com"])
    default_sub_brand: Flag = Field(description="The contract owner's default sub-brand (one per contract owner); "
                                    'also accepts "0x01"/"0x00"', examples=[True])
    email_billing_from_address: str = Field(max_length=255, examples=["billing@example.com"])
    iban: str | None = Field(default=None, min_length=4, max_length=34, pattern=UPPER_ALPHANUMERIC,
                             examples=["IBAN1234567890"])
    invoice_customer_account_number_label: SeedText = Field(min_length=1, max_length=50, examples=["Account Label"])
    invoice_date_label: SeedText = Field(min_length=1, max_length=50, examples=["Invoice Date Label"])
    invoice_email_subject: SeedText = Field(min_length=1, max_length=200, examples=["Invoice Email Subject"])
    invoice_number_format: str | None = Field(default=None, max_length=255, examples=["InvoiceFormat123"])
    invoice_number_label: str = Field(min_length=1, max_length=50, examples=["Invoice Number Label"])
    invoice_presentation_name: SeedText | None = Field(default=None, max_length=255,
                                                       examples=["Invoice Presentation Name"])
    invoice_tax_label: SeedText | None = Field(default=None, max_length=255, examples=["Invoice Tax Label"])
    name: SeedText = Field(max_length=255, examples=["bcn"])
    ofcom_rid: str | None = Field(default=None, max_length=255, examples=["OfcomRID123"])
    product_reference_label: SeedText = Field(min_length=1, max_length=50, examples=["Product Reference Label"])
    summary_invoice_number_label: SeedText = Field(min_length=1, max_length=50,
                                                   examples=["Summary invoice number label"])
    tax_exempt_label: SeedText = Field(min_length=1, max_length=50, examples=["Tax exempt label"])
    address: SubBrandAddressInput = Field(examples=[SUB_BRAND_ADDRESS_EXAMPLE])
    contract_owner_id: Id = Field(description="Must exist in your tenant", examples=[1])
    email_template_id: Id = Field(description="Email template for the invoice email; must exist in your tenant",
                                  examples=[1])
    pre_populated_tripwire_plan_id: OptionalId = Field(default=None, examples=[1])
    invoice_notes_label: str | None = Field(default=None, max_length=100, examples=["Invoice notes label"])


class SubBrand(SubBrandInput):
    """A sub-brand as answered. Built from stored (already validated) values without validating again."""

    id: int = Field(examples=[1], json_schema_extra={"readOnly": True})
    created_at: Timestamp = Field(json_schema_extra={"readOnly": True})
    updated_at: Timestamp = Field(json_schema_extra={"readOnly": True})
    address: SubBrandAddress
    locator: str = Field(description="ULID locator", examples=["01HF3M7Q2V9X8Y7Z6W5V4U3T2S"],
                         json_schema_extra={"readOnly": True})
    uuid: UUID = Field(json_schema_extra={"readOnly": True})
    version: int = Field(description="Optimistic-concurrency version (the ETag)", examples=[1],
                         json_schema_extra={"readOnly": True})

    @classmethod
    def of(cls, entity: SubBrandEntity) -> "SubBrand":
        address = SubBrandAddress.model_construct(
            **{name: getattr(entity.address, name) for name in SubBrandAddress.model_fields})
        values = {name: getattr(entity, name) for name in cls.model_fields if name != "address"}
        return cls.model_construct(address=address, **values)


class LogoInfo(WireModel):
    content_type: str = Field(examples=["image/png"])
    size: int = Field(description="Bytes", examples=[2048])
    url: str = Field(examples=["/v1/contract-owner-sub-brands/1/logo"])

    @classmethod
    def of(cls, logo: SubBrandLogo | None) -> "LogoInfo | None":
        if logo is None:
            return None
        return cls(content_type=logo.content_type, size=logo.size, url=_logo_url(logo.sub_brand_id))


class SubBrandWithLogo(WireModel):
    """GET /{id} as JSON; ``Accept: multipart/form-data`` gives a subBrand part and a logo part instead."""

    sub_brand: SubBrand
    logo: LogoInfo | None


_SUB_BRAND_ATTRIBUTES = {info.alias or name: name for name, info in SubBrandInput.model_fields.items()}
_SUB_BRAND_READ_ONLY = ("/address/id",)


def _logo_url(sub_brand_id: int) -> str:
    return f"/v1/contract-owner-sub-brands/{sub_brand_id}/logo"


# --- reading the forms --------------------------------------------------------------

def _parsed_json(raw: bytes, *, field: str) -> Any:
    try:
        return loads(raw)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"Malformed JSON in '{field}': {exc.msg}",
                         errors=[FieldError(field, f"malformed JSON: {exc.msg}")]) from None


def _json_part(name: str, value: str | UploadedFile) -> Any:
    # A JSON part may come as a text part or as a file part.
    return _parsed_json(value.encode() if isinstance(value, str) else value.data, field=name)


def _optional_file(name: str, value: str | UploadedFile) -> LogoUpload | None:
    if isinstance(value, UploadedFile):
        return LogoUpload(field=name, data=value.data)
    if value.strip() in ("", "null"):  # the seed's curl sends `-F logo=null` for "no logo"
        return None
    raise InvalidRequest.for_field(name, "must be a file part (or null for none)")


def _split_form(form: ParsedForm, *, document: str, file: str) -> tuple[Any, LogoUpload | None]:
    """The form's JSON document (``document[...]`` fields or one ``document`` JSON part) and its file."""
    bracketed: list[tuple[str, str]] = []
    json_parts: list[str | UploadedFile] = []
    upload: LogoUpload | None = None
    if form.names().count(file) > 1:
        raise InvalidRequest.for_field(file, "is given more than once")
    for name, value in form.parts:
        if name == file:
            upload = _optional_file(name, value)
        elif name == document:
            json_parts.append(value)
        elif name.startswith(f"{document}["):
            if not isinstance(value, str):
                raise InvalidRequest.for_field(name, "must be a text field, not a file")
            bracketed.append((name, value))
        else:
            raise InvalidRequest.for_field(
                name, f"is not a part of this form: send {document}[...] fields or a {document} JSON part, "
                      f"and an optional {file} file")
    if len(json_parts) > 1 or (json_parts and bracketed):
        raise InvalidRequest.for_field(document, f"send either {document}[...] fields or one {document} JSON part")
    if json_parts:
        return _json_part(document, json_parts[0]), upload
    try:
        return nest(bracketed).get(document), upload
    except BracketError as exc:
        raise InvalidRequest.for_field(exc.field, exc.message) from None


@dataclass(frozen=True)
class SubBrandCreateForm:
    document: dict[str, Any]
    logo: LogoUpload | None


async def sub_brand_create_form(form: FormDep) -> SubBrandCreateForm:
    document, logo = _split_form(form, document="subBrand", file="logo")
    if document is None:
        raise InvalidRequest.for_field("subBrand", "is required: subBrand[...] fields or a subBrand JSON part")
    if not isinstance(document, dict):
        raise InvalidRequest.for_field("subBrand", "must be a JSON object")
    return SubBrandCreateForm(document=document, logo=logo)


class PatchRequest(BaseModel):
    patch: list[PatchOperation]
    file: LogoUpload | None = None


async def sub_brand_patch_request(request: Request) -> PatchRequest:
    """JSON Patch operations from a json-patch+json body or a form, and the optional new logo."""
    if media_type_of(request) in FORM_TYPES:
        operations, file = _split_form(await read_form(request), document="patch", file="file")
        return validated(PatchRequest, {"patch": [] if operations is None else operations, "file": file})
    if not is_json_media_type(request.headers.get("content-type", "")):
        raise unsupported_media_type(request, "application/json-patch+json", *FORM_TYPES)
    return validated(PatchRequest, {"patch": _parsed_json(await request.body(), field="body")})


# --- OpenAPI of the form bodies -----------------------------------------------------

# Seed 001's example (less the read-only fields); the tests create sub-brands from it.
SUB_BRAND_EXAMPLE = {
    "accountNumberFormat": "SI0000", "attachInvoiceToEmail": "0x01", "bacsReference": "Bacs Reference",
    "bankAccountName": "Bank Account Name", "bankAccountNumber": "1234567890",
    "summaryCustomerAccountNumberLabel": "Summary customer account number label", "bankSortCode": "123456",
    "swiftCode": "DEUTDEFFXXX", "billingPeriodEndDateLabel": "Billing Period (Ending)",
    "companyRegistrationNumber": "CompanyReg123", "companyRegistrationNumberLabel": "Company Number",
    "vatRegistrationNumber": "Vat registration Number123", "customerServiceEmail": "customer@email.com",
    "customerServiceTelephoneNumber": "123-456-7890", "customerServiceWebSite": "https://www.customerservice.com",
    "defaultSubBrand": True, "emailBillingFromAddress": "billing@example.com", "iban": "IBAN1234567890",
    "invoiceCustomerAccountNumberLabel": "Account Label", "invoiceDateLabel": "Invoice Date Label",
    "invoiceEmailSubject": "Invoice Email Subject", "invoiceNumberFormat": "InvoiceFormat123",
    "invoiceNumberLabel": "Invoice Number Label", "invoicePresentationName": "Invoice Presentation Name",
    "invoiceTaxLabel": "Invoice Tax Label", "name": "bcn", "ofcomRid": "OfcomRID123",
    "productReferenceLabel": "Product Reference Label", "summaryInvoiceNumberLabel": "Summary invoice number label",
    "taxExemptLabel": "Tax exempt label", "address": SUB_BRAND_ADDRESS_EXAMPLE, "contractOwnerId": 1,
    "emailTemplateId": 1, "prePopulatedTripwirePlanId": 1, "invoiceNotesLabel": "Invoice notes label",
}
_BINARY = {"type": "string", "format": "binary"}
_PATCH_EXAMPLE = [{"op": "replace", "path": "/name", "value": "Acme North"},
                  {"op": "replace", "path": "/address/town", "value": "Leeds"}]
_PATCH_ARRAY = {"type": "array", "items": {"$ref": "#/components/schemas/PatchOperation"}}

_CREATE_BODY = {"requestBody": {"required": True, "content": {FORM_DATA: {
    "schema": {"type": "object", "required": ["subBrand"], "properties": {
        "subBrand": {"$ref": "#/components/schemas/SubBrand", "description":
                     "The sub-brand as a JSON part, or as the seed's bracketed fields instead: "
                     "subBrand[name], subBrand[address][town], ... (read-only fields are ignored)"},
        "logo": {**_BINARY, "description": "PNG, JPEG, GIF or WebP (recognised by content); `null` for none"}}},
    "encoding": {"subBrand": {"contentType": JSON}},
    "example": {"subBrand": SUB_BRAND_EXAMPLE}},
    URLENCODED: {"schema": {"type": "object", "required": ["subBrand"], "properties": {
        "subBrand": {"$ref": "#/components/schemas/SubBrand", "description":
                     "The seed's bracketed fields subBrand[name], subBrand[address][town], ... (or one subBrand "
                     "field holding the JSON document); no logo in a URL-encoded form"}}},
                 "example": {"subBrand": SUB_BRAND_EXAMPLE}}}}}

_PATCH_BODY = {"requestBody": {"required": True, "content": {
    "application/json-patch+json": {"schema": _PATCH_ARRAY, "example": _PATCH_EXAMPLE},
    FORM_DATA: {
        "schema": {"type": "object", "properties": {
            "patch": {**_PATCH_ARRAY, "description": "A JSON part, or bracketed fields patch[0][op], patch[0][path], "
                                                     "patch[0][value], patch[0][from], ..."},
            "file": {**_BINARY, "description": "A new logo (PNG, JPEG, GIF or WebP); `null` for no change"}}},
        "encoding": {"patch": {"contentType": JSON}},
        "example": {"patch": _PATCH_EXAMPLE}},
    URLENCODED: {"schema": {"type": "object", "properties": {
        "patch": {**_PATCH_ARRAY, "description": "Bracketed fields patch[0][op], patch[0][path], patch[0][value], "
                                                 "... (or one patch field holding the JSON array)"}}}}}}}

_GET_RESPONSES = {200: {"description": "The sub-brand and its logo's metadata; with `Accept: multipart/form-data`, "
                                       "a form of a `subBrand` JSON part and a `logo` file part (when it has one)",
                        "content": {FORM_DATA: {"schema": {"type": "object", "properties": {
                            "subBrand": {"$ref": "#/components/schemas/SubBrand"}, "logo": _BINARY}}}}}}

_LOGO_RESPONSES = {200: {"description": "The logo image", "content": {
    content_type: {"schema": _BINARY} for content_type in FILE_EXTENSIONS}}}


# --- endpoints -----------------------------------------------------------------------

SubBrandId = Annotated[int, Path(description="Contract owner sub-brand identifier", examples=[1])]
CreateFormDep = Annotated[SubBrandCreateForm, Depends(sub_brand_create_form)]
PatchRequestDep = Annotated[PatchRequest, Depends(sub_brand_patch_request)]


def _max_logo_bytes(request: Request) -> int:
    return request.app.state.settings.max_logo_bytes


def _id_or_digits(name: str, description: str) -> Filter:
    """Seed 001 types these ids as string filters: ``123 | in:1,2`` compare ids, ``like:12`` their digits."""
    def parse(raw: str) -> Condition:
        return Contains(raw.removeprefix("like:")) if raw.startswith("like:") else id_condition(name, raw)
    return Filter(name, description, kind=Kind.STRING, parse=parse)


def _listing(*, contract_owner_required: bool) -> Listing:
    # HEAD requires contractOwnerId (seed 001); the list does not. Otherwise they are the same.
    return Listing(
        repository.SUB_BRAND_COLUMNS,
        sortable=("id", "name", "contractOwnerId", "createdAt"),
        filters=[
            Filter("name", "Filter by name"),
            Filter("contractOwnerId", "Contract owner identifier", required=contract_owner_required),
            _id_or_digits("activeCustomersBillingCycleId",
                          "Sub-brands used by ACTIVE customers on this billing cycle (its identifier)"),
            _id_or_digits("adhocBillRunId",
                          "Sub-brands of the customers invoiced in this ADHOC bill run (its identifier)"),
        ],
        fields=(
            "id", "createdAt", "updatedAt", "accountNumberFormat", "attachInvoiceToEmail", "bacsReference",
            "bankAccountName", "bankAccountNumber", "summaryCustomerAccountNumberLabel", "bankSortCode", "swiftCode",
            "billingPeriodEndDateLabel", "companyRegistrationNumber", "companyRegistrationNumberLabel",
            "vatRegistrationNumber", "customerServiceEmail", "customerServiceTelephoneNumber",
            "customerServiceWebSite", "defaultSubBrand", "emailBillingFromAddress", "iban",
            "invoiceCustomerAccountNumberLabel", "invoiceDateLabel", "invoiceEmailSubject", "invoiceNumberFormat",
            "invoiceNumberLabel", "invoicePresentationName", "invoiceTaxLabel", "name", "ofcomRid",
            "productReferenceLabel", "summaryInvoiceNumberLabel", "taxExemptLabel", "address", "contractOwnerId",
            "emailTemplateId", "prePopulatedTripwirePlanId", "invoiceNotesLabel", "locator", "uuid", "version",
        ),
    )


Resource(
    "/contract-owner-sub-brands", "contract_owner_sub_brand", "contract_owner_sub_brands", SubBrand,
    _listing(contract_owner_required=False), service.list_sub_brands, service.count_sub_brands,
    scope_group="admin", label="contract owner sub-brand", no_match="No sub-brand matches",
    head_listing=_listing(contract_owner_required=True),
).add_routes(router)


@router.post("/contract-owner-sub-brands", status_code=200, response_model=SubBrand,
             responses=error_responses(400, 409, 413, 415), openapi_extra=_CREATE_BODY,
             summary="Create a contract owner sub-brand (multipart, with an optional logo)")
def create_contract_owner_sub_brand(request: Request,
                                    principal: Annotated[Principal, Depends(require("admin.write"))],
                                    form: CreateFormDep, session: SessionDep, guard: FormIdempotencyDep) -> Response:
    body = validated(SubBrandInput, form.document)
    sub_brand = service.create_sub_brand(session, tenant_id=principal.tenant_id, logo=form.logo,
                                         max_logo_bytes=_max_logo_bytes(request), **body.model_dump())
    # Seed 001 answers creation "OK": 200, where other /v1 creations are 201.
    return render_recorded(session, guard, SubBrand.of(sub_brand), status_code=200,
                           location=f"/v1/contract-owner-sub-brands/{sub_brand.id}")


@router.get("/contract-owner-sub-brands/{contract_owner_sub_brand_id}", response_model=SubBrandWithLogo,
            responses={**error_responses(400, 404), **_GET_RESPONSES},
            summary="Get a contract owner sub-brand with its logo (JSON, or multipart/form-data by Accept)")
def get_contract_owner_sub_brand(request: Request, contract_owner_sub_brand_id: SubBrandId, session: SessionDep,
                                 principal: Annotated[Principal, Depends(require("admin.read"))]) -> Response:
    sub_brand = service.get_sub_brand(session, tenant_id=principal.tenant_id, sub_brand_id=contract_owner_sub_brand_id)
    # The representation depends on Accept, so caches must key on it.
    headers = {"ETag": etag(sub_brand.version), "Vary": "Accept"}
    # Seed 001 answers multipart/form-data; JSON only for a client that asks for it (issue 15).
    if preferred_media_type(request.headers.get("accept"), (FORM_DATA, JSON)) == JSON:
        logo = service.logo_of(session, sub_brand=sub_brand)
        return render(SubBrandWithLogo(sub_brand=SubBrand.of(sub_brand), logo=LogoInfo.of(logo)), headers=headers)
    logo = service.logo_of(session, sub_brand=sub_brand, with_data=True)
    parts = [FormPart("subBrand", JSON, dumps(to_wire(SubBrand.of(sub_brand))))]
    if logo is not None:
        parts.append(FormPart("logo", logo.content_type, logo.data,
                              filename=f"logo.{FILE_EXTENSIONS[logo.content_type]}"))
    else:  # the seed's example answers "logo": null; its create form sends logo=null for none
        parts.append(FormPart("logo", "text/plain", b"null"))
    body, content_type = encode_form_data(parts)
    return Response(body, media_type=content_type, headers=headers)


@router.get("/contract-owner-sub-brands/{contract_owner_sub_brand_id}/logo", response_class=Response,
            responses={**error_responses(400, 404), **_LOGO_RESPONSES}, summary="Get a contract owner sub-brand's logo")
def get_contract_owner_sub_brand_logo(contract_owner_sub_brand_id: SubBrandId, session: SessionDep,
                                      principal: Annotated[Principal, Depends(require("admin.read"))]) -> Response:
    sub_brand = service.get_sub_brand(session, tenant_id=principal.tenant_id, sub_brand_id=contract_owner_sub_brand_id)
    logo = service.logo_of(session, sub_brand=sub_brand, with_data=True)
    if logo is None:
        raise NotFound(f"contract owner sub-brand {contract_owner_sub_brand_id} has no logo")
    extension = FILE_EXTENSIONS[logo.content_type]
    headers = {"ETag": f'"{logo.sha256}"', "X-Content-Type-Options": "nosniff",
               "Content-Disposition": f'inline; filename="logo.{extension}"'}
    return Response(logo.data, media_type=logo.content_type, headers=headers)


@router.patch("/contract-owner-sub-brands/{contract_owner_sub_brand_id}", response_model=SubBrand,
              responses=error_responses(400, 404, 409, 412, 413, 415), openapi_extra=_PATCH_BODY,
              summary="Update a contract owner sub-brand with JSON Patch (and optionally replace its logo)")
def patch_contract_owner_sub_brand(request: Request, contract_owner_sub_brand_id: SubBrandId,
                                   principal: Annotated[Principal, Depends(require("admin.write"))],
                                   update: PatchRequestDep, session: SessionDep) -> Response:
    sub_brand = service.get_sub_brand(session, tenant_id=principal.tenant_id, sub_brand_id=contract_owner_sub_brand_id,
                                      for_update=True)
    check_if_match(request, sub_brand.version)
    patched, changed = patched_input(SubBrand.of(sub_brand), update.patch, SubBrandInput,
                                     read_only=_SUB_BRAND_READ_ONLY)
    attributes = patched.model_dump()
    changes = {_SUB_BRAND_ATTRIBUTES[name]: attributes[_SUB_BRAND_ATTRIBUTES[name]] for name in changed}
    sub_brand = service.update_sub_brand(session, sub_brand=sub_brand, changes=changes, logo=update.file,
                                         max_logo_bytes=_max_logo_bytes(request))
    return render_resource(SubBrand.of(sub_brand))


@router.delete("/contract-owner-sub-brands/{contract_owner_sub_brand_id}", status_code=200, response_class=Response,
               responses={**error_responses(400, 404, 409),
                          200: {"description": "Deleted; the body is empty, as seed 001's \"Success\" shows it"}},
               summary="Delete a contract owner sub-brand that no customer uses")
def delete_contract_owner_sub_brand(contract_owner_sub_brand_id: SubBrandId, session: SessionDep,
                                    principal: Annotated[Principal, Depends(require("admin.delete"))]) -> Response:
    sub_brand = service.get_sub_brand(session, tenant_id=principal.tenant_id, sub_brand_id=contract_owner_sub_brand_id)
    service.delete_sub_brand(session, sub_brand=sub_brand)
    return Response(status_code=200)


@router.delete("/contract-owner-sub-brands/{contract_owner_sub_brand_id}/logo", status_code=204,
               responses=error_responses(400, 404, 412), summary="Remove a contract owner sub-brand's logo")
def delete_contract_owner_sub_brand_logo(request: Request, contract_owner_sub_brand_id: SubBrandId, session: SessionDep,
                                         principal: Annotated[Principal, Depends(require("admin.write"))]) -> Response:
    sub_brand = service.get_sub_brand(session, tenant_id=principal.tenant_id, sub_brand_id=contract_owner_sub_brand_id,
                                      for_update=True)
    check_if_match(request, sub_brand.version)
    service.delete_logo(session, sub_brand=sub_brand)
    return Response(status_code=204, headers={"ETag": etag(sub_brand.version)})
