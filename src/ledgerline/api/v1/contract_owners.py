"""/v1/contract-owners, and the Address object and field types they share with sub-brands and sites."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import pycountry
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field

from ledgerline.admin.entities import CONTRACT_OWNERS
from ledgerline.api.v1.admin_resource import AdminResource
from ledgerline.api.v1.schemas import WireInput


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
# Seed 001 (customerServiceTelephoneNumber): empty, or 4..100 of these characters.
TelephoneOrEmpty = Annotated[str, Field(max_length=255, pattern=r"^(?:|[a-zA-Z0-9\p{L}\s()@&.,-_£|]{4,100})$",
                                        examples=["020 7946 0958"])]


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
    bacs_reference: str | None = Field(default=None, max_length=255, description="BACS service user reference",
                                       examples=["ACME TELECOM"])
    swift_code: str | None = Field(default=None, min_length=8, max_length=11, pattern=r"^[0-9A-Z]*$",
                                   description="ISO 9362 business identifier code", examples=["DEUTDEFFXXX"])
    iban: str | None = Field(default=None, min_length=4, max_length=34, pattern=r"^[0-9A-Z]*$",
                             examples=["GB29NWBK60161331926819"])
    customer_service_email: EmailOrEmpty | None = Field(default=None, examples=["help@example.com"])
    customer_service_telephone_number: TelephoneOrEmpty | None = Field(default=None, examples=["020 7946 0958"])
    customer_service_web_site: str | None = Field(default=None, max_length=255,
                                                  examples=["https://www.example.com/support"])
    email_billing_from_address: str | None = Field(default=None, max_length=255, examples=["billing@example.com"])
    invoice_combining_type: str | None = Field(default=None, max_length=50, examples=["COMBINED"])


CONTRACT_OWNER_RESOURCE = AdminResource(CONTRACT_OWNERS, "/contract-owners", ContractOwnerCreate)
router = CONTRACT_OWNER_RESOURCE.router
