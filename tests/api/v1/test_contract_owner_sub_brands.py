"""/v1/contract-owner-sub-brands: the seed 001 forms, every documented constraint, listing, defaults."""

from __future__ import annotations

import json

import pytest

from tests.conftest import bearer
from tests.factories import (MISSING, create_bill_run, create_billing_cycle, create_contract_owner, create_customer,
                             create_email_template, create_invoice, create_sub_brand, post_sub_brand,
                             sub_brand_document, with_path)

BASE = "/v1/contract-owner-sub-brands"
JSON_PATCH = {"Content-Type": "application/json-patch+json"}


def seed_curl_form(contract_owner_id: int, email_template_id: int) -> list[tuple[str, str]]:
    """Seed 001's create curl, field by field (`-F 'subBrand[...]=...'`), with ids that exist."""
    return [
        ("subBrand[createdAt]", "2023-10-05 16:40:04"),
        ("subBrand[updatedAt]", "2023-10-05 16:40:04"),
        ("subBrand[accountNumberFormat]", "SI0000"),
        ("subBrand[attachInvoiceToEmail]", "0x01"),
        ("subBrand[bacsReference]", "Bacs Reference"),
        ("subBrand[bankAccountName]", "Bank Account Name"),
        ("subBrand[bankAccountNumber]", "1234567890"),
        ("subBrand[summaryCustomerAccountNumberLabel]", "Summary customer account number label"),
        ("subBrand[bankSortCode]", "123456"),
        ("subBrand[swiftCode]", "DEUTDEFFXXX"),
        ("subBrand[billingPeriodEndDateLabel]", "Billing Period (Ending)"),
        ("subBrand[companyRegistrationNumber]", "CompanyReg123"),
        ("subBrand[companyRegistrationNumberLabel]", "Company Number"),
        ("subBrand[vatRegistrationNumber]", "Vat registration Number123"),
        ("subBrand[customerServiceEmail]", "customer@email.com"),
        ("subBrand[customerServiceTelephoneNumber]", "123-456-7890"),
        ("subBrand[customerServiceWebSite]", "https://www.customerservice.com"),
        ("subBrand[defaultSubBrand]", "true"),
        ("subBrand[emailBillingFromAddress]", "billing@example.com"),
        ("subBrand[iban]", "IBAN1234567890"),
        ("subBrand[invoiceCustomerAccountNumberLabel]", "Account Label"),
        ("subBrand[invoiceDateLabel]", "Invoice Date Label"),
        ("subBrand[invoiceEmailSubject]", "Invoice Email Subject"),
        ("subBrand[invoiceNumberFormat]", "InvoiceFormat123"),
        ("subBrand[invoiceNumberLabel]", "Invoice Number Label"),
        ("subBrand[invoicePresentationName]", "Invoice Presentation Name"),
        ("subBrand[invoiceTaxLabel]", "Invoice Tax Label"),
        ("subBrand[name]", "bcn"),
        ("subBrand[ofcomRid]", "OfcomRID123"),
        ("subBrand[productReferenceLabel]", "Product Reference Label"),
        ("subBrand[summaryInvoiceNumberLabel]", "Summary invoice number label"),
        ("subBrand[taxExemptLabel]", "Tax exempt label"),
        ("subBrand[address][businessName]", "string"),
        ("subBrand[address][address1]", "string"),
        ("subBrand[address][address2]", "string"),
        ("subBrand[address][address3]", "string"),
        ("subBrand[address][town]", "string"),
        ("subBrand[address][county]", "string"),
        ("subBrand[address][postcode]", "string"),
        ("subBrand[address][country]", "GB"),
        ("subBrand[contractOwnerId]", str(contract_owner_id)),
        ("subBrand[emailTemplateId]", str(email_template_id)),
        ("subBrand[prePopulatedTripwirePlanId]", "1"),
        ("subBrand[invoiceNotesLabel]", "Invoice notes label"),
        ("logo", "null"),
    ]


def as_form(fields: list[tuple[str, str]]) -> list[tuple[str, tuple[None, str]]]:
    """Text parts of a multipart/form-data body, as `curl -F name=value` sends them."""
    return [(name, (None, value)) for name, value in fields]


@pytest.fixture
def refs(client, auth) -> dict[str, int]:
    """A contract owner and an email template to point sub-brands at."""
    return {"owner": create_contract_owner(client, auth)["id"], "template": create_email_template(client, auth)["id"]}


def _patch(client, auth, sub_brand_id, operations, **headers):
    return client.patch(f"{BASE}/{sub_brand_id}", json=operations, headers={**auth, **JSON_PATCH, **headers})


def _patch_form(client, auth, sub_brand_id, fields, files=()):
    return client.patch(f"{BASE}/{sub_brand_id}", files=[*as_form(fields), *files], headers=auth)


# --- create: the seed's forms ---------------------------------------------------------

def test_the_seeds_curl_form_creates_the_sub_brand_field_by_field(client, auth, refs):
    response = client.post(BASE, files=as_form(seed_curl_form(refs["owner"], refs["template"])), headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    for name, value in seed_curl_form(refs["owner"], refs["template"]):
        if name in ("logo", "subBrand[createdAt]", "subBrand[updatedAt]"):
            continue
        *parents, field = name.removeprefix("subBrand[").removesuffix("]").split("][")
        shown = body[parents[0]][field] if parents else body[field]
        if field in ("attachInvoiceToEmail", "defaultSubBrand"):
            assert shown is True, name  # "0x01" and "true"
        elif field in ("contractOwnerId", "emailTemplateId", "prePopulatedTripwirePlanId"):
            assert shown == int(value), name
        else:
            assert shown == value, name
    assert body["createdAt"] != "2023-10-05 16:40:04"  # read-only: the server's clock, not the form's
    assert isinstance(body["address"]["id"], int)
    assert response.headers["location"] == f"{BASE}/{body['id']}"
    assert response.headers["etag"] == '"1"'
    fetched = client.get(f"{BASE}/{body['id']}", headers={**auth, "Accept": "application/json"})
    assert fetched.status_code == 200
    assert fetched.json() == {"subBrand": body, "logo": None}


def test_a_subbrand_json_part_creates_the_same_sub_brand_as_the_bracketed_fields(client, auth, refs):
    bracketed = client.post(BASE, files=as_form(seed_curl_form(refs["owner"], refs["template"])), headers=auth).json()
    document = sub_brand_document(refs["owner"], refs["template"], defaultSubBrand=True, address={
        "businessName": "string", "address1": "string", "address2": "string", "address3": "string",
        "town": "string", "county": "string", "postcode": "string", "country": "GB"})
    response = post_sub_brand(client, auth, document)
    assert response.status_code == 200, response.text
    ignored = {"id", "createdAt", "updatedAt", "locator", "uuid", "version", "address"}
    assert {k: v for k, v in response.json().items() if k not in ignored} == \
           {k: v for k, v in bracketed.items() if k not in ignored}
    assert {**response.json()["address"], "id": 0} == {**bracketed["address"], "id": 0}


def test_the_subbrand_json_part_may_be_a_file_part(client, auth, refs):
    document = json.dumps(sub_brand_document(refs["owner"], refs["template"], name="From a file"))
    response = client.post(BASE, files=[("subBrand", ("sub-brand.json", document.encode(), "application/json"))],
                           headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "From a file"


def test_read_only_fields_sent_on_create_are_ignored(client, auth, refs):
    document = sub_brand_document(refs["owner"], refs["template"], id=999, createdAt="2001-01-01 00:00:00")
    document["address"]["id"] = 999
    body = post_sub_brand(client, auth, document).json()
    assert body["id"] != 999 and body["address"]["id"] != 999
    assert body["createdAt"] != "2001-01-01 00:00:00"


@pytest.mark.parametrize(("form_value", "stored"), [
    ("0x01", True), ("0x00", False), ("true", True), ("false", False), ("TRUE", True), (True, True), (False, False),
])
def test_attach_invoice_to_email_accepts_booleans_and_the_seeds_hex_forms(client, auth, refs, form_value, stored):
    body = create_sub_brand(client, auth, refs["owner"], refs["template"], attachInvoiceToEmail=form_value)
    assert body["attachInvoiceToEmail"] is stored


def test_optional_fields_may_be_left_out(client, auth, refs):
    required = ("summaryCustomerAccountNumberLabel", "billingPeriodEndDateLabel", "vatRegistrationNumber",
                "defaultSubBrand", "emailBillingFromAddress", "invoiceCustomerAccountNumberLabel", "invoiceDateLabel",
                "invoiceEmailSubject", "invoiceNumberLabel", "name", "productReferenceLabel",
                "summaryInvoiceNumberLabel", "taxExemptLabel", "address", "contractOwnerId", "emailTemplateId")
    full = sub_brand_document(refs["owner"], refs["template"])
    minimal = {name: full[name] for name in required}
    minimal["address"] = {key: full["address"][key] for key in ("address1", "town", "postcode", "country")}
    response = post_sub_brand(client, auth, minimal)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["attachInvoiceToEmail"] is False
    assert body["swiftCode"] is None and body["prePopulatedTripwirePlanId"] is None
    assert body["address"]["county"] is None


def test_an_empty_optional_number_in_the_form_means_none(client, auth, refs):
    fields = [(name, "" if name == "subBrand[prePopulatedTripwirePlanId]" else value)
              for name, value in seed_curl_form(refs["owner"], refs["template"])]
    response = client.post(BASE, files=as_form(fields), headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["prePopulatedTripwirePlanId"] is None


def test_letters_of_every_script_pass_the_seeds_unicode_patterns(client, auth, refs):
    # pydantic-core matches `pattern` with Rust's regex crate, which knows \p{L}.
    document = sub_brand_document(refs["owner"], refs["template"], name="Zürich Łódź 東京 Ελληνικά — Ltd’s (1)",
                                  invoiceEmailSubject="Facture nº 12 – été",
                                  customerServiceTelephoneNumber="Téléphone 12")
    document["address"].update(town="Kraków", address1="Straße 5", postcode="Ünï 12", county="Île-de-France")
    response = post_sub_brand(client, auth, document)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Zürich Łódź 東京 Ελληνικά — Ltd’s (1)"
    assert response.json()["address"]["postcode"] == "Ünï 12"


@pytest.mark.parametrize(("path", "value", "field"), [
    ("name", MISSING, "name"),
    ("name", "x" * 256, "name"),
    ("name", "Acme <b>", "name"),
    ("accountNumberFormat", "x" * 256, "accountNumberFormat"),
    ("attachInvoiceToEmail", "0x02", "attachInvoiceToEmail"),
    ("attachInvoiceToEmail", "yes", "attachInvoiceToEmail"),
    ("bacsReference", "x" * 256, "bacsReference"),
    ("bankAccountName", "x" * 256, "bankAccountName"),
    ("bankAccountName", "Name {x}", "bankAccountName"),
    ("bankAccountNumber", "1234-5678", "bankAccountNumber"),
    ("bankAccountNumber", "1" * 256, "bankAccountNumber"),
    ("summaryCustomerAccountNumberLabel", MISSING, "summaryCustomerAccountNumberLabel"),
    ("summaryCustomerAccountNumberLabel", "", "summaryCustomerAccountNumberLabel"),
    ("summaryCustomerAccountNumberLabel", "x" * 51, "summaryCustomerAccountNumberLabel"),
    ("summaryCustomerAccountNumberLabel", "Label $", "summaryCustomerAccountNumberLabel"),
    ("bankSortCode", "12-34-56", "bankSortCode"),
    ("bankSortCode", "1" * 256, "bankSortCode"),
    ("swiftCode", "DEUTDEF", "swiftCode"),
    ("swiftCode", "DEUTDEFFXXXX", "swiftCode"),
    ("swiftCode", "deutdeffxxx", "swiftCode"),
    ("billingPeriodEndDateLabel", MISSING, "billingPeriodEndDateLabel"),
    ("billingPeriodEndDateLabel", "", "billingPeriodEndDateLabel"),
    ("billingPeriodEndDateLabel", "x" * 51, "billingPeriodEndDateLabel"),
    ("companyRegistrationNumber", "REG-123", "companyRegistrationNumber"),
    ("companyRegistrationNumber", "R" * 256, "companyRegistrationNumber"),
    ("companyRegistrationNumberLabel", "x" * 256, "companyRegistrationNumberLabel"),
    ("companyRegistrationNumberLabel", "No. <1>", "companyRegistrationNumberLabel"),
    ("vatRegistrationNumber", MISSING, "vatRegistrationNumber"),
    ("vatRegistrationNumber", "x" * 256, "vatRegistrationNumber"),
    ("customerServiceEmail", "customer.email.com", "customerServiceEmail"),
    ("customerServiceEmail", "a@" + "b" * 253, "customerServiceEmail"),
    ("customerServiceTelephoneNumber", "123", "customerServiceTelephoneNumber"),
    ("customerServiceTelephoneNumber", "1" * 101, "customerServiceTelephoneNumber"),
    ("customerServiceTelephoneNumber", "123#456", "customerServiceTelephoneNumber"),
    ("customerServiceWebSite", "https://" + "x" * 248, "customerServiceWebSite"),
    ("defaultSubBrand", MISSING, "defaultSubBrand"),
    ("defaultSubBrand", "maybe", "defaultSubBrand"),
    ("emailBillingFromAddress", MISSING, "emailBillingFromAddress"),
    ("emailBillingFromAddress", "x" * 256, "emailBillingFromAddress"),
    ("iban", "GB2", "iban"),
    ("iban", "G" * 35, "iban"),
    ("iban", "gb29nwbk", "iban"),
    ("invoiceCustomerAccountNumberLabel", MISSING, "invoiceCustomerAccountNumberLabel"),
    ("invoiceCustomerAccountNumberLabel", "x" * 51, "invoiceCustomerAccountNumberLabel"),
    ("invoiceCustomerAccountNumberLabel", "A ~ B", "invoiceCustomerAccountNumberLabel"),
    ("invoiceDateLabel", "", "invoiceDateLabel"),
    ("invoiceDateLabel", "x" * 51, "invoiceDateLabel"),
    ("invoiceDateLabel", "Date ^", "invoiceDateLabel"),
    ("invoiceEmailSubject", MISSING, "invoiceEmailSubject"),
    ("invoiceEmailSubject", "", "invoiceEmailSubject"),
    ("invoiceEmailSubject", "x" * 201, "invoiceEmailSubject"),
    ("invoiceEmailSubject", "Invoice <script>", "invoiceEmailSubject"),
    ("invoiceNumberFormat", "x" * 256, "invoiceNumberFormat"),
    ("invoiceNumberLabel", MISSING, "invoiceNumberLabel"),
    ("invoiceNumberLabel", "x" * 51, "invoiceNumberLabel"),
    ("invoicePresentationName", "x" * 256, "invoicePresentationName"),
    ("invoicePresentationName", "Name [x]", "invoicePresentationName"),
    ("invoiceTaxLabel", "x" * 256, "invoiceTaxLabel"),
    ("invoiceTaxLabel", "Tax > 0", "invoiceTaxLabel"),
    ("ofcomRid", "x" * 256, "ofcomRid"),
    ("productReferenceLabel", MISSING, "productReferenceLabel"),
    ("productReferenceLabel", "x" * 51, "productReferenceLabel"),
    ("productReferenceLabel", 'Ref "x"', "productReferenceLabel"),
    ("summaryInvoiceNumberLabel", "", "summaryInvoiceNumberLabel"),
    ("summaryInvoiceNumberLabel", "x" * 51, "summaryInvoiceNumberLabel"),
    ("taxExemptLabel", MISSING, "taxExemptLabel"),
    ("taxExemptLabel", "x" * 51, "taxExemptLabel"),
    ("taxExemptLabel", "Exempt <", "taxExemptLabel"),
    ("address", MISSING, "address"),
    ("address", "1 High Street", "address"),
    ("address.businessName", "x" * 101, "address.businessName"),
    ("address.businessName", "Acme {Ltd}", "address.businessName"),
    ("address.address1", MISSING, "address.address1"),
    ("address.address1", "", "address.address1"),
    ("address.address1", "x" * 101, "address.address1"),
    ("address.address1", "1 <High> Street", "address.address1"),
    ("address.address2", "x" * 101, "address.address2"),
    ("address.address3", "x" * 101, "address.address3"),
    ("address.town", MISSING, "address.town"),
    ("address.town", "", "address.town"),
    ("address.town", "x" * 51, "address.town"),
    ("address.town", "Town$", "address.town"),
    ("address.county", "x" * 31, "address.county"),
    ("address.postcode", MISSING, "address.postcode"),
    ("address.postcode", "", "address.postcode"),
    ("address.postcode", "x" * 21, "address.postcode"),
    ("address.postcode", "EC1A#1BB", "address.postcode"),
    ("address.country", MISSING, "address.country"),
    ("address.country", "ZZ", "address.country"),
    ("address.country", "gb", "address.country"),
    ("address.country", "GBR", "address.country"),
    ("address.floor", "2", "address.floor"),
    ("contractOwnerId", MISSING, "contractOwnerId"),
    ("contractOwnerId", 0, "contractOwnerId"),
    ("contractOwnerId", "one", "contractOwnerId"),
    ("contractOwnerId", 2**63, "contractOwnerId"),
    ("contractOwnerId", 999999, "contractOwnerId"),
    ("emailTemplateId", MISSING, "emailTemplateId"),
    ("emailTemplateId", -1, "emailTemplateId"),
    ("emailTemplateId", 999999, "emailTemplateId"),
    ("prePopulatedTripwirePlanId", 0, "prePopulatedTripwirePlanId"),
    ("prePopulatedTripwirePlanId", "plan", "prePopulatedTripwirePlanId"),
    ("invoiceNotesLabel", "x" * 101, "invoiceNotesLabel"),
    ("colour", "blue", "colour"),
])
def test_each_documented_constraint_is_400_naming_the_field(client, auth, refs, path, value, field):
    document = with_path(sub_brand_document(refs["owner"], refs["template"]), path, value)
    response = post_sub_brand(client, auth, document)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "Bad Request"
    assert body["errors"][0]["field"] == field, body
    assert client.head(BASE, params={"contractOwnerId": refs["owner"]}, headers=auth).status_code == 404


def test_a_bracketed_field_that_breaks_a_rule_is_named_like_the_json_field(client, auth, refs):
    fields = [(name, "ZZ" if name == "subBrand[address][country]" else value)
              for name, value in seed_curl_form(refs["owner"], refs["template"])]
    response = client.post(BASE, files=as_form(fields), headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "address.country"


@pytest.mark.parametrize(("fields", "status", "field"), [
    ([], 400, "subBrand"),
    ([("logo", "null")], 400, "subBrand"),
    ([("subBrand", "[1, 2]")], 400, "subBrand"),
    ([("subBrand", "{not json")], 400, "subBrand"),
    ([("subBrand", "{}"), ("subBrand[name]", "x")], 400, "subBrand"),
    ([("subBrand", "{}"), ("subBrand", "{}")], 400, "subBrand"),
    ([("subBrand[name", "x")], 400, "subBrand[name"),
    ([("subBrand[name]", "x"), ("subBrand[name]", "y")], 400, "subBrand[name]"),
    ([("subBrand[address]", "x"), ("subBrand[address][town]", "y")], 400, "subBrand[address][town]"),
    ([("subBrand[name]", "x"), ("brand[name]", "y")], 400, "brand[name]"),
    ([("subBrand[name]", "x"), ("logo", "a picture")], 400, "logo"),
    ([("subBrand[name]", "x"), ("logo", "null"), ("logo", "null")], 400, "logo"),
])
def test_a_malformed_form_is_refused_naming_the_part(client, auth, fields, status, field):
    if fields:
        response = client.post(BASE, files=as_form(fields), headers=auth)
    else:  # a form without any part
        response = client.post(BASE, content=b"--b--\r\n",
                               headers={**auth, "Content-Type": "multipart/form-data; boundary=b"})
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_create_needs_a_form(client, auth, refs, content_type):
    response = client.post(BASE, content=json.dumps(sub_brand_document(refs["owner"], refs["template"])),
                           headers={**auth, "Content-Type": content_type})
    assert response.status_code == 415
    assert response.json()["errors"][0]["field"] == "Content-Type"


def test_a_broken_multipart_body_is_400(client, auth):
    response = client.post(BASE, content=b"--x\r\nnot a part", headers={**auth, "Content-Type": "multipart/form-data"})
    assert response.status_code == 400


def test_another_tenants_contract_owner_or_email_template_is_400(client, auth, other_auth, refs):
    foreign_owner = create_contract_owner(client, other_auth)["id"]
    foreign_template = create_email_template(client, other_auth)["id"]
    owner = post_sub_brand(client, auth, sub_brand_document(foreign_owner, refs["template"]))
    assert owner.status_code == 400 and owner.json()["errors"][0]["field"] == "contractOwnerId"
    template = post_sub_brand(client, auth, sub_brand_document(refs["owner"], foreign_template))
    assert template.status_code == 400 and template.json()["errors"][0]["field"] == "emailTemplateId"


def test_idempotency_key_replays_a_multipart_create_even_with_a_new_boundary(client, auth, refs):
    document = sub_brand_document(refs["owner"], refs["template"])
    first = post_sub_brand(client, auth, document, headers={"Idempotency-Key": "sub-brand-1"})
    second = post_sub_brand(client, auth, document, headers={"Idempotency-Key": "sub-brand-1"})
    assert first.status_code == second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert first.json() == second.json()
    assert client.head(BASE, params={"contractOwnerId": refs["owner"]}, headers=auth).headers["X-Total-Count"] == "1"
    other = post_sub_brand(client, auth, {**document, "name": "Other"}, headers={"Idempotency-Key": "sub-brand-1"})
    assert other.status_code == 400
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"


# --- one default per contract owner --------------------------------------------------

def test_making_a_sub_brand_the_default_clears_the_previous_default(client, auth, refs):
    first = create_sub_brand(client, auth, refs["owner"], refs["template"], name="First", defaultSubBrand=True)
    other_owner = create_contract_owner(client, auth, name="Other owner")["id"]
    elsewhere = create_sub_brand(client, auth, other_owner, refs["template"], name="Elsewhere", defaultSubBrand=True)
    second = create_sub_brand(client, auth, refs["owner"], refs["template"], name="Second", defaultSubBrand=True)
    assert second["defaultSubBrand"] is True

    def current(sub_brand):
        return client.get(f"{BASE}/{sub_brand['id']}", headers={**auth, "Accept": "application/json"}).json()["subBrand"]

    assert current(first)["defaultSubBrand"] is False
    assert current(first)["version"] == first["version"] + 1  # its ETag moved with it
    assert current(elsewhere)["defaultSubBrand"] is True  # another contract owner's default is untouched
    back = _patch(client, auth, first["id"], [{"op": "replace", "path": "/defaultSubBrand", "value": "0x01"}])
    assert back.status_code == 200, back.text
    assert back.json()["defaultSubBrand"] is True
    assert current(second)["defaultSubBrand"] is False
    defaults = client.get(BASE, params={"contractOwnerId": refs["owner"]}, headers=auth).json()
    assert [row["name"] for row in defaults if row["defaultSubBrand"]] == ["First"]


def test_moving_a_default_sub_brand_to_another_owner_clears_that_owners_default(client, auth, refs):
    other_owner = create_contract_owner(client, auth, name="Other owner")["id"]
    resident = create_sub_brand(client, auth, other_owner, refs["template"], name="Resident", defaultSubBrand=True)
    mover = create_sub_brand(client, auth, refs["owner"], refs["template"], name="Mover", defaultSubBrand=True)
    moved = _patch(client, auth, mover["id"], [{"op": "replace", "path": "/contractOwnerId", "value": other_owner}])
    assert moved.status_code == 200, moved.text
    assert client.get(f"{BASE}/{resident['id']}", headers={**auth, "Accept": "application/json"}).json()["subBrand"]["defaultSubBrand"] is False
    assert moved.json()["defaultSubBrand"] is True


def test_clearing_the_default_leaves_the_owner_without_one(client, auth, refs):
    only = create_sub_brand(client, auth, refs["owner"], refs["template"], defaultSubBrand=True)
    cleared = _patch(client, auth, only["id"], [{"op": "replace", "path": "/defaultSubBrand", "value": False}])
    assert cleared.json()["defaultSubBrand"] is False


# --- JSON Patch ----------------------------------------------------------------------

def test_json_patch_applies_all_six_operations(client, auth, refs):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    response = _patch(client, auth, sub_brand["id"], [
        {"op": "test", "path": "/name", "value": "bcn"},
        {"op": "replace", "path": "/name", "value": "Acme North"},
        {"op": "add", "path": "/address/county", "value": "West Yorkshire"},
        {"op": "remove", "path": "/ofcomRid"},
        {"op": "copy", "from": "/name", "path": "/invoicePresentationName"},
        {"op": "move", "from": "/invoiceTaxLabel", "path": "/companyRegistrationNumberLabel"},
    ], **{"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Acme North" and body["invoicePresentationName"] == "Acme North"
    assert body["address"]["county"] == "West Yorkshire" and body["address"]["id"] == sub_brand["address"]["id"]
    assert body["ofcomRid"] is None
    assert body["companyRegistrationNumberLabel"] == "Invoice Tax Label" and body["invoiceTaxLabel"] is None
    assert body["version"] == 2 and response.headers["etag"] == '"2"'
    assert client.get(f"{BASE}/{sub_brand['id']}", headers={**auth, "Accept": "application/json"}).json()["subBrand"] == body


def test_a_failing_test_operation_is_409_and_changes_nothing(client, auth, refs):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    response = _patch(client, auth, sub_brand["id"], [
        {"op": "replace", "path": "/name", "value": "Changed"}, {"op": "test", "path": "/name", "value": "bcn"}])
    assert response.status_code == 409
    assert client.get(f"{BASE}/{sub_brand['id']}", headers={**auth, "Accept": "application/json"}).json()["subBrand"] == sub_brand


def test_the_bracketed_patch_form_applies_all_six_operations(client, auth, refs):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    response = _patch_form(client, auth, sub_brand["id"], [
        ("patch[0][op]", "test"), ("patch[0][path]", "/name"), ("patch[0][value]", "bcn"),
        ("patch[1][op]", "replace"), ("patch[1][path]", "/address/town"), ("patch[1][value]", "Leeds"),
        ("patch[2][op]", "add"), ("patch[2][path]", "/prePopulatedTripwirePlanId"), ("patch[2][value]", "7"),
        ("patch[3][op]", "remove"), ("patch[3][path]", "/swiftCode"),
        ("patch[4][op]", "copy"), ("patch[4][from]", "/invoiceDateLabel"), ("patch[4][path]", "/invoiceTaxLabel"),
        ("patch[5][op]", "move"), ("patch[5][from]", "/bacsReference"), ("patch[5][path]", "/ofcomRid"),
        ("patch[6][op]", "replace"), ("patch[6][path]", "/attachInvoiceToEmail"), ("patch[6][value]", "0x00"),
        ("file", "null"),
    ])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["address"]["town"] == "Leeds" and body["prePopulatedTripwirePlanId"] == 7
    assert body["swiftCode"] is None and body["invoiceTaxLabel"] == "Invoice Date Label"
    assert body["ofcomRid"] == "Bacs Reference" and body["bacsReference"] is None
    assert body["attachInvoiceToEmail"] is False


def test_the_patch_form_nests_a_bracketed_object_value(client, auth, refs):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    response = _patch_form(client, auth, sub_brand["id"], [
        ("patch[0][op]", "replace"), ("patch[0][path]", "/address/address1"), ("patch[0][value]", "2 Low Road"),
        ("patch[1][op]", "add"), ("patch[1][path]", "/address/businessName"), ("patch[1][value]", "Acme North"),
    ])
    assert response.status_code == 200, response.text
    assert response.json()["address"]["address1"] == "2 Low Road"


def test_a_patch_json_part_works_like_the_json_patch_body(client, auth, refs):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    operations = [{"op": "replace", "path": "/emailBillingFromAddress", "value": "invoices@example.com"},
                  {"op": "replace", "path": "/contractOwnerId", "value": refs["owner"]}]
    response = client.patch(f"{BASE}/{sub_brand['id']}", files=[("patch", (None, json.dumps(operations)))],
                            headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["emailBillingFromAddress"] == "invoices@example.com"
    assert response.json()["version"] == 2


@pytest.mark.parametrize("path", ["/id", "/createdAt", "/updatedAt", "/address/id", "/locator", "/uuid", "/version"])
def test_read_only_paths_are_refused(client, auth, refs, path):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    response = _patch(client, auth, sub_brand["id"], [{"op": "replace", "path": path, "value": "2"}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == path.lstrip("/").replace("/", ".")
    form = _patch_form(client, auth, sub_brand["id"], [("patch[0][op]", "remove"), ("patch[0][path]", path)])
    assert form.status_code == 400
    assert client.get(f"{BASE}/{sub_brand['id']}", headers={**auth, "Accept": "application/json"}).json()["subBrand"] == sub_brand


def test_the_whole_address_holds_its_read_only_id_so_it_is_patched_field_by_field(client, auth, refs):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    replaced = _patch(client, auth, sub_brand["id"], [
        {"op": "replace", "path": "/address",
         "value": {"address1": "x", "town": "y", "postcode": "z", "country": "GB"}}])
    assert replaced.status_code == 400
    assert replaced.json()["errors"][0]["field"] == "address.id"


@pytest.mark.parametrize(("operations", "field"), [
    ([{"op": "remove", "path": "/vatRegistrationNumber"}], "vatRegistrationNumber"),
    ([{"op": "remove", "path": "/address/town"}], "address.town"),
    ([{"op": "replace", "path": "/address/town", "value": "Paris"},
      {"op": "replace", "path": "/address/country", "value": "XX"}], "address.country"),
    ([{"op": "replace", "path": "/swiftCode", "value": "SHORT"}], "swiftCode"),
    ([{"op": "replace", "path": "/emailTemplateId", "value": 999999}], "emailTemplateId"),
    ([{"op": "replace", "path": "/contractOwnerId", "value": 999999}], "contractOwnerId"),
    ([{"op": "add", "path": "/colour", "value": "blue"}], "colour"),
    ([{"op": "replace", "path": "/name", "value": "<b>"}], "name"),
])
def test_the_patched_document_is_validated_whole_before_anything_is_saved(client, auth, refs, operations, field):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    response = _patch(client, auth, sub_brand["id"], operations)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == field
    assert client.get(f"{BASE}/{sub_brand['id']}", headers={**auth, "Accept": "application/json"}).json()["subBrand"] == sub_brand


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"op": "replace", "path": "/name", "value": "x"}, 400, "patch"),
    ([{"op": "jump", "path": "/name"}], 400, "patch.0.op"),
    ([{"op": "replace", "path": "name", "value": "x"}], 400, "patch[0].path"),
    ([{"op": "replace", "path": "/name"}], 400, "patch[0].value"),
    ([{"op": "move", "path": "/name"}], 400, "patch[0].from"),
    ([{"op": "remove", "path": "/nothing/here"}], 400, "patch"),
])
def test_malformed_operations_are_refused(client, auth, refs, body, status, field):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    response = _patch(client, auth, sub_brand["id"], body)
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(("fields", "field"), [
    ([("patch[1][op]", "remove"), ("patch[1][path]", "/ofcomRid")], "patch"),
    ([("patch", "[]"), ("patch[0][op]", "remove")], "patch"),
    ([("patch[0][op]", "remove"), ("patch[0][path]", "/ofcomRid"), ("logo", "null")], "logo"),
    ([("patch[0][op]", "remove"), ("patch[0][path]", "/ofcomRid"), ("patch[0][path]", "/name")], "patch[0][path]"),
])
def test_a_malformed_patch_form_is_400_naming_the_part(client, auth, refs, fields, field):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    response = _patch_form(client, auth, sub_brand["id"], fields)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == field


def test_patch_in_another_media_type_is_415(client, auth, refs):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    response = client.patch(f"{BASE}/{sub_brand['id']}", content=b"name=x",
                            headers={**auth, "Content-Type": "text/plain"})
    assert response.status_code == 415


def test_a_stale_if_match_is_412(client, auth, refs):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    operations = [{"op": "replace", "path": "/name", "value": "Renamed"}]
    assert _patch(client, auth, sub_brand["id"], operations, **{"If-Match": '"7"'}).status_code == 412
    form = client.patch(f"{BASE}/{sub_brand['id']}", files=as_form([("patch", json.dumps(operations))]),
                        headers={**auth, "If-Match": '"7"'})
    assert form.status_code == 412
    assert _patch(client, auth, sub_brand["id"], operations, **{"If-Match": '"1"'}).status_code == 200


# --- delete ----------------------------------------------------------------------------

def test_delete_is_409_while_a_customer_uses_the_sub_brand(client, auth, refs):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    customer = create_customer(client, auth, subBrandId=sub_brand["id"])
    refused = client.delete(f"{BASE}/{sub_brand['id']}", headers=auth)
    assert refused.status_code == 409
    assert "customers" in refused.json()["message"]
    assert client.get(f"{BASE}/{sub_brand['id']}", headers={**auth, "Accept": "application/json"}).status_code == 200
    assert client.delete(f"/v1/customers/{customer['id']}", headers=auth).status_code == 204
    assert client.delete(f"{BASE}/{sub_brand['id']}", headers=auth).status_code == 200
    assert client.get(f"{BASE}/{sub_brand['id']}", headers={**auth, "Accept": "application/json"}).status_code == 404
    assert client.delete(f"{BASE}/{sub_brand['id']}", headers=auth).status_code == 404


def test_a_contract_owner_or_email_template_with_sub_brands_cannot_be_deleted(client, auth, refs):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    assert client.delete(f"/v1/contract-owners/{refs['owner']}", headers=auth).status_code == 409
    template = client.delete(f"/v1/email-templates/{refs['template']}", headers=auth)
    assert template.status_code == 409
    assert "contract owner sub brands" in template.json()["message"]
    assert client.delete(f"{BASE}/{sub_brand['id']}", headers=auth).status_code == 200
    assert client.delete(f"/v1/email-templates/{refs['template']}", headers=auth).status_code == 204


# --- listing and HEAD ------------------------------------------------------------------

def test_list_filters_sorts_pages_and_projects(client, auth, refs):
    other_owner = create_contract_owner(client, auth, name="Other owner")["id"]
    alpha = create_sub_brand(client, auth, refs["owner"], refs["template"], name="Alpha North")
    beta = create_sub_brand(client, auth, refs["owner"], refs["template"], name="Beta North")
    gamma = create_sub_brand(client, auth, other_owner, refs["template"], name="Gamma South")
    listing = client.get(BASE, params={"name": "like:north", "sort": "name:desc"}, headers=auth)
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()] == [beta["id"], alpha["id"]]
    assert listing.headers["X-Total-Count"] == "2"
    owned = client.get(BASE, params={"contractOwnerId": str(other_owner)}, headers=auth)
    assert [row["id"] for row in owned.json()] == [gamma["id"]]
    named = client.get(BASE, params={"name": "in:Alpha North,Gamma South", "fields": "id,name"}, headers=auth)
    assert named.json() == [{"id": alpha["id"], "name": "Alpha North"}, {"id": gamma["id"], "name": "Gamma South"}]
    paged = client.get(BASE, params={"page": 2, "pageSize": 1, "sort": "contractOwnerId,id"}, headers=auth)
    assert [row["id"] for row in paged.json()] == [beta["id"]]
    assert paged.headers["X-Total-Count"] == "3" and 'rel="next"' in paged.headers["Link"]


@pytest.mark.parametrize("params", [
    {"sort": "iban"}, {"fields": "id,colour"}, {"contractOwnerId": "abc"}, {"pageSize": "1001"},
    {"activeCustomersBillingCycleId": "xyz"}, {"adhocBillRunId": "in:"}, {"name": ""},
])
def test_bad_query_parameters_are_400_naming_them(client, auth, params):
    response = client.get(BASE, params=params, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == next(iter(params))


def test_head_needs_a_contract_owner_and_answers_the_count_or_404(client, auth, refs):
    assert client.head(BASE, headers=auth).status_code == 400  # contractOwnerId is required (seed 001)
    assert client.head(BASE, params={"contractOwnerId": refs["owner"]}, headers=auth).status_code == 404
    create_sub_brand(client, auth, refs["owner"], refs["template"], name="Acme")
    create_sub_brand(client, auth, refs["owner"], refs["template"], name="Other")
    found = client.head(BASE, params={"contractOwnerId": refs["owner"]}, headers=auth)
    assert found.status_code == 200 and found.headers["X-Total-Count"] == "2"
    named = client.head(BASE, params={"contractOwnerId": refs["owner"], "name": "Acme"}, headers=auth)
    assert named.headers["X-Total-Count"] == "1"
    missing = client.head(BASE, params={"contractOwnerId": refs["owner"], "name": "Nobody"}, headers=auth)
    assert missing.status_code == 404 and missing.headers["X-Total-Count"] == "0"


@pytest.fixture
def customers_on_cycles(client, auth, refs):
    """Sub-brands whose customers differ in status and billing cycle; one without customers."""
    monthly = create_billing_cycle(client, auth, name="Monthly")["id"]
    weekly = create_billing_cycle(client, auth, name="Weekly", periodUnit="WEEK")["id"]
    brands = {name: create_sub_brand(client, auth, refs["owner"], refs["template"], name=name)["id"]
              for name in ("Active monthly", "Suspended monthly", "Active weekly", "Unused", "Mixed")}
    for brand, cycle, status in [("Active monthly", monthly, "ACTIVE"), ("Suspended monthly", monthly, "SUSPENDED"),
                                 ("Active weekly", weekly, "ACTIVE"), ("Mixed", monthly, "TERMINATED"),
                                 ("Mixed", monthly, "ACTIVE"), ("Mixed", weekly, "ACTIVE")]:
        create_customer(client, auth, subBrandId=brands[brand], billingCycleId=cycle, status=status,
                        contractOwnerId=refs["owner"])
    return {"monthly": monthly, "weekly": weekly, "brands": brands}


def test_active_customers_billing_cycle_filter_keeps_sub_brands_of_active_customers_on_it(client, auth, refs,
                                                                                          customers_on_cycles):
    brands = customers_on_cycles["brands"]
    monthly, weekly = customers_on_cycles["monthly"], customers_on_cycles["weekly"]
    everything = client.get(BASE, headers=auth)
    assert everything.headers["X-Total-Count"] == "5"
    on_monthly = client.get(BASE, params={"activeCustomersBillingCycleId": str(monthly)}, headers=auth)
    assert sorted(row["id"] for row in on_monthly.json()) == sorted([brands["Active monthly"], brands["Mixed"]])
    assert on_monthly.headers["X-Total-Count"] == "2"  # one row per sub-brand, however many customers
    on_both = client.get(BASE, params={"activeCustomersBillingCycleId": f"in:{monthly},{weekly}"}, headers=auth)
    assert sorted(row["id"] for row in on_both.json()) == sorted(
        [brands["Active monthly"], brands["Active weekly"], brands["Mixed"]])
    by_digits = client.get(BASE, params={"activeCustomersBillingCycleId": f"like:{weekly}"}, headers=auth)
    assert brands["Active weekly"] in [row["id"] for row in by_digits.json()]
    head = client.head(BASE, params={"contractOwnerId": refs["owner"], "activeCustomersBillingCycleId": str(weekly)},
                       headers=auth)
    assert head.status_code == 200 and head.headers["X-Total-Count"] == "2"
    nobody = client.head(BASE, params={"contractOwnerId": refs["owner"], "activeCustomersBillingCycleId": "999999"},
                         headers=auth)
    assert nobody.status_code == 404


def test_adhoc_bill_run_filter_keeps_sub_brands_of_customers_invoiced_in_that_adhoc_run(client, auth, refs):
    brands = {name: create_sub_brand(client, auth, refs["owner"], refs["template"], name=name)["id"]
              for name in ("In the run", "In another run", "In a normal run", "Uninvoiced")}
    adhoc = create_bill_run(client, auth, type="ADHOC")["id"]
    other_adhoc = create_bill_run(client, auth, type="ADHOC")["id"]
    normal = create_bill_run(client, auth, type="NORMAL")["id"]
    for brand, run, run_type in [("In the run", adhoc, "ADHOC"), ("In the run", adhoc, "ADHOC"),
                                 ("In another run", other_adhoc, "ADHOC"), ("In a normal run", normal, "NORMAL")]:
        customer = create_customer(client, auth, subBrandId=brands[brand])
        create_invoice(client, auth, customer["id"], billRunId=run, billRunType=run_type)
    create_customer(client, auth, subBrandId=brands["Uninvoiced"])
    assert client.get(BASE, headers=auth).headers["X-Total-Count"] == "4"
    in_run = client.get(BASE, params={"adhocBillRunId": str(adhoc)}, headers=auth)
    assert [row["id"] for row in in_run.json()] == [brands["In the run"]]
    either = client.get(BASE, params={"adhocBillRunId": f"in:{adhoc},{other_adhoc},{normal}"}, headers=auth)
    assert sorted(row["id"] for row in either.json()) == sorted([brands["In the run"], brands["In another run"]])
    assert client.get(BASE, params={"adhocBillRunId": str(normal)}, headers=auth).json() == []  # not an ADHOC run
    head = client.head(BASE, params={"contractOwnerId": refs["owner"], "adhocBillRunId": str(adhoc)}, headers=auth)
    assert head.status_code == 200 and head.headers["X-Total-Count"] == "1"
    assert client.head(BASE, params={"contractOwnerId": refs["owner"], "adhocBillRunId": str(normal)},
                       headers=auth).status_code == 404


# --- tenancy and scopes ----------------------------------------------------------------

def test_another_tenant_never_sees_or_touches_a_sub_brand(client, auth, other_auth, refs):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    path = f"{BASE}/{sub_brand['id']}"
    assert client.get(path, headers=other_auth).status_code == 404
    assert client.get(f"{path}/logo", headers=other_auth).status_code == 404
    assert _patch(client, other_auth, sub_brand["id"], [{"op": "replace", "path": "/name", "value": "Mine"}]
                  ).status_code == 404
    assert client.delete(path, headers=other_auth).status_code == 404
    listing = client.get(BASE, headers=other_auth)
    assert listing.json() == [] and listing.headers["X-Total-Count"] == "0"
    assert client.head(BASE, params={"contractOwnerId": refs["owner"]}, headers=other_auth).status_code == 404
    assert client.get(path, headers={**auth, "Accept": "application/json"}).json()["subBrand"] == sub_brand


def test_scopes_admin_read_reads_admin_write_writes(client, settings, tenant_id, auth, refs):
    sub_brand = create_sub_brand(client, auth, refs["owner"], refs["template"])
    path = f"{BASE}/{sub_brand['id']}"
    reader = bearer(settings, tenant_id, "admin.read")
    assert client.get(path, headers=reader).status_code == 200
    assert client.get(f"{path}/logo", headers=reader).status_code == 404  # allowed, and it has no logo
    forbidden = post_sub_brand(client, reader, sub_brand_document(refs["owner"], refs["template"]))
    assert forbidden.status_code == 403 and "admin.write" in forbidden.json()["message"]
    assert _patch(client, reader, sub_brand["id"], [{"op": "replace", "path": "/name", "value": "x"}]
                  ).status_code == 403
    assert client.delete(path, headers=reader).status_code == 403
    assert client.get(BASE, headers=reader).status_code == 403  # listing needs admin.list, as for contract owners
    lister = bearer(settings, tenant_id, "admin.list")
    assert client.get(BASE, headers=lister).status_code == 200
    customers_only = bearer(settings, tenant_id, "customers.*")
    assert client.get(path, headers=customers_only).status_code == 403
    writer = bearer(settings, tenant_id, "admin.write")
    assert _patch(client, writer, sub_brand["id"], [{"op": "replace", "path": "/name", "value": "x"}]
                  ).status_code == 200
    assert client.delete(path, headers=bearer(settings, tenant_id, "admin.delete")).status_code == 200


def test_unknown_or_out_of_range_ids_are_404(client, auth):
    assert client.get(f"{BASE}/999999", headers=auth).status_code == 404
    assert client.get(f"{BASE}/99999999999999999999", headers=auth).status_code in (400, 404)
    assert _patch(client, auth, 999999, [{"op": "replace", "path": "/name", "value": "x"}]).status_code == 404
    assert client.delete(f"{BASE}/999999", headers=auth).status_code == 404


def test_openapi_documents_every_sub_brand_operation(client):
    spec = client.get("/openapi.json").json()
    operations = {(method, path): operation for path, item in spec["paths"].items()
                  if path.startswith(BASE) for method, operation in item.items()}
    assert set(operations) == {("get", BASE), ("head", BASE), ("post", BASE), ("get", f"{BASE}/{{contractOwnerSubBrandId}}"),
                               ("patch", f"{BASE}/{{contractOwnerSubBrandId}}"), ("delete", f"{BASE}/{{contractOwnerSubBrandId}}"),
                               ("get", f"{BASE}/{{contractOwnerSubBrandId}}/logo"), ("delete", f"{BASE}/{{contractOwnerSubBrandId}}/logo")}
    create = operations[("post", BASE)]["requestBody"]["content"]["multipart/form-data"]
    assert set(create["schema"]["properties"]) == {"subBrand", "logo"}
    assert {"413", "415", "400"} <= set(operations[("post", BASE)]["responses"])
    patch = operations[("patch", f"{BASE}/{{contractOwnerSubBrandId}}")]["requestBody"]["content"]
    assert set(patch) == {"application/json-patch+json", "multipart/form-data", "application/x-www-form-urlencoded"}
    assert "multipart/form-data" in operations[("get", f"{BASE}/{{contractOwnerSubBrandId}}")]["responses"]["200"]["content"]
    head = {p["name"]: p for p in operations[("head", BASE)]["parameters"]}
    assert head["contractOwnerId"]["required"] is True
    listed = {p["name"]: p for p in operations[("get", BASE)]["parameters"]}
    assert listed["contractOwnerId"]["required"] is False
    assert {"name", "activeCustomersBillingCycleId", "adhocBillRunId", "page", "pageSize", "sort", "fields"} <= set(
        listed)
    schema = spec["components"]["schemas"]["SubBrand"]["properties"]
    assert schema["swiftCode"]["anyOf"][0]["pattern"] == "^[0-9A-Z]*$"
    assert "\\p{L}" in schema["name"]["pattern"]


def test_required_fields_with_a_documented_minimum_of_zero_may_be_empty(client, auth, refs):
    # Seed 001: name, vatRegistrationNumber and emailBillingFromAddress are required, 0..255 characters.
    body = create_sub_brand(client, auth, refs["owner"], refs["template"], name="", vatRegistrationNumber="",
                            emailBillingFromAddress="")
    assert (body["name"], body["vatRegistrationNumber"], body["emailBillingFromAddress"]) == ("", "", "")
