"""Every admin entity over HTTP: one table of cases, the same behaviours checked for each.

A case gives an entity's path, a way to build its n-th body (n = 1, 2 differ in every
filterable field), a valid JSON Patch and bodies that break a rule. The filters and sorts
checked are the ones the entity declares, so a filter added later is tested too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonpointer
import pytest

from ledgerline.admin import entities
from ledgerline.admin.entity import AdminEntity
from ledgerline.api.v1.admin_resource import listing_of
from ledgerline.api.v1.listing import FilterKind
from tests.conftest import bearer
from tests.factories import (
    contract_owner_body,
    create_admin_contact,
    create_customer,
    create_invoice_template,
    create_resource,
    create_sub_brand,
    invoice_template_body,
)

JSON_PATCH = {"Content-Type": "application/json-patch+json"}
MISSING_ID = 999_999_999
ADDRESS = {"address1": "1 Supply Road", "town": "Leeds", "postcode": "LS1 1AA", "country": "GB"}

Body = Callable[[Any, dict[str, str], int], dict[str, Any]]


def _summary_template(client, auth, n: int = 1) -> dict[str, Any]:
    return {"name": f"Summary {n}", "description": f"Summary layout {n}", "groupBy": ("SITE", "PRODUCT")[n - 1]}


def _electronic_template(client, auth, n: int = 1) -> dict[str, Any]:
    return {"name": f"Export {n}", "fileFormat": ("CSV", "XML")[n - 1], "includeHeaderRow": n == 1,
            "columns": ["invoiceNumber", "totalInMajorCurrency"]}


def _document_profile(client, auth, n: int = 1) -> dict[str, Any]:
    return {
        "name": f"Profile {n}", "description": f"Profile {n}",
        "invoiceTemplateId": create_invoice_template(client, auth, n)["id"],
        "invoiceSummaryTemplateId": create_resource(client, auth, "/v1/invoice-summary-templates",
                                                    _summary_template(client, auth, n))["id"],
        "electronicSummaryTemplateId": create_resource(client, auth, "/v1/electronic-summary-templates",
                                                       _electronic_template(client, auth, n))["id"],
    }


def _component(client, auth, n: int = 1) -> dict[str, Any]:
    template = create_resource(client, auth, "/v1/invoice-summary-templates", _summary_template(client, auth, n))
    return {"invoiceSummaryTemplateId": template["id"], "name": f"Component {n}",
            "componentType": ("TEXT", "FOOTER")[n - 1], "position": n, "text": f"Thank you {n}"}


def _marketing_info(client, auth, n: int = 1) -> dict[str, Any]:
    return {"subBrandId": create_sub_brand(client, auth)["id"],
            "invoiceTemplateId": create_invoice_template(client, auth, n)["id"],
            "slots": [{"slotName": "footer-offer", "contentType": "TEXT", "text": f"Offer {n}"}]}


def _billing_cycle(client, auth, n: int = 1) -> dict[str, Any]:
    return {"name": f"Cycle {n}", "periodUnit": ("MONTH", "WEEK")[n - 1], "currencyCode": ("GBP", "EUR")[n - 1],
            "autoCloseEnabled": True, "autoCloseDays": n,
            "autoCloseAdminContactId": create_admin_contact(client, auth, n)["id"]}


@dataclass(frozen=True)
class Case:
    entity: AdminEntity
    path: str
    body: Body
    patch: tuple[str, Any]  # a JSON Pointer and the valid value to replace it with
    invalid: tuple[tuple[dict[str, Any], str], ...]  # body overrides -> the field the 400 names

    def __str__(self) -> str:
        return self.path.removeprefix("/v1/")


CASES = [
    Case(entities.CONTRACT_OWNERS, "/v1/contract-owners",
         lambda client, auth, n: contract_owner_body(name=f"Owner {n}", availableFrom=f"202{n}-01-01",
                                                     bacsReference=f"BACS REF {n}"),
         ("/bacsReference", "NEW REF"), (({"name": ""}, "name"), ({"bacsReference": "x" * 256}, "bacsReference"))),
    Case(entities.BILLING_CYCLES, "/v1/billing-cycles", _billing_cycle, ("/lengthOfPeriod", 3),
         (({"autoCloseAdminContactId": MISSING_ID}, "autoCloseAdminContactId"),
          ({"autoCloseAdminContactId": 0}, "autoCloseAdminContactId"),
          ({"autoCloseDays": None}, "autoCloseDays"))),
    Case(entities.SUPPLIERS, "/v1/suppliers",
         lambda client, auth, n: {"name": f"Supplier {n}", "accountNumber": f"ACC-{n}", "supplierAccountId": f"SUP-{n}",
                                  "description": "Wholesale lines", "emailAddress": f"supplier{n}@example.com",
                                  "telephoneNumber": "0800 123 4567", "address": ADDRESS},
         ("/accountNumber", "ACC-NEW"),
         (({"name": ""}, "name"), ({"accountNumber": "x" * 101}, "accountNumber"),
          ({"emailAddress": "not-an-email"}, "emailAddress"), ({"telephoneNumber": "12"}, "telephoneNumber"),
          ({"address": {"town": "London", "postcode": "EC1A 1BB", "country": "GB"}}, "address.address1"))),
    Case(entities.INVOICE_DOCUMENT_PROFILES, "/v1/invoice-document-profiles", _document_profile,
         ("/description", "Changed"),
         (({"invoiceTemplateId": MISSING_ID}, "invoiceTemplateId"), ({"invoiceTemplateId": None}, "invoiceTemplateId"),
          ({"invoiceSummaryTemplateId": MISSING_ID}, "invoiceSummaryTemplateId"),
          ({"electronicSummaryTemplateId": MISSING_ID}, "electronicSummaryTemplateId"))),
    Case(entities.INVOICE_TEMPLATES, "/v1/invoice-templates", lambda client, auth, n: invoice_template_body(n),
         ("/marketingSlots/0/description", "Banner above the address"),
         (({"pageSize": "A3"}, "pageSize"),
          ({"marketingSlots": [{"name": "same"}, {"name": "same"}]}, "marketingSlots"),
          ({"marketingSlots": [{"name": "has space"}]}, "marketingSlots.0.name"))),
    Case(entities.INVOICE_SUMMARY_TEMPLATES, "/v1/invoice-summary-templates", _summary_template,
         ("/groupBy", "CHARGE_TYPE"), (({"groupBy": "WEEKDAY"}, "groupBy"), ({"name": "x" * 256}, "name"))),
    Case(entities.INVOICE_SUMMARY_TEMPLATE_COMPONENTS, "/v1/invoice-summary-template-components", _component,
         ("/position", 7),
         (({"text": None}, "text"), ({"position": 0}, "position"), ({"componentType": "CHART"}, "componentType"),
          ({"invoiceSummaryTemplateId": MISSING_ID}, "invoiceSummaryTemplateId"))),
    Case(entities.ELECTRONIC_SUMMARY_TEMPLATES, "/v1/electronic-summary-templates", _electronic_template,
         ("/columns/1", "siteName"),
         (({"columns": []}, "columns"), ({"columns": [""]}, "columns.0"), ({"fileFormat": "PDF"}, "fileFormat"))),
    Case(entities.INVOICE_MARKETING_INFO, "/v1/invoice-marketing-info", _marketing_info,
         ("/slots/0/text", "A better offer"),
         (({"invoiceTemplateId": MISSING_ID}, "invoiceTemplateId"), ({"subBrandId": 2**63}, "subBrandId"),
          ({"slots": [{"slotName": "nowhere", "contentType": "TEXT", "text": "x"}]}, "slots.0.slotName"),
          ({"slots": [{"slotName": "footer-offer", "contentType": "TEXT"}]}, "slots.0.text"),
          ({"slots": [{"slotName": "footer-offer", "contentType": "BLANK", "text": "x"}]}, "slots.0.text"),
          ({"slots": [{"slotName": "footer-offer", "contentType": "IMAGE"}]}, "slots.0.imageUrl"),
          ({"slots": [{"slotName": "footer-offer", "contentType": "IMAGE", "imageUrl": "javascript:alert(1)"}]},
           "slots.0.imageUrl"),
          ({"slots": [{"slotName": "footer-offer", "contentType": "BLANK"}] * 2}, "slots"))),
    Case(entities.ADMIN_CONTACTS, "/v1/admin-contacts",
         lambda client, auth, n: {"name": f"Contact {n}", "emailAddress": f"contact{n}@example.com",
                                  "telephoneNumber": "020 7946 0000", "tripwireNotifications": n == 1,
                                  "usageCapNotifications": n == 2, "autoCloseNotifications": n == 1},
         ("/usageCapNotifications", True),
         (({"emailAddress": "x"}, "emailAddress"), ({"emailAddress": None}, "emailAddress"),
          ({"tripwireNotifications": "sometimes"}, "tripwireNotifications"))),
    Case(entities.COMMISSION_AGENTS, "/v1/commission-agents",
         lambda client, auth, n: {"name": f"Agent {n}", "reference": f"AGENT-{n}", "emailAddress": f"a{n}@example.com",
                                  "active": n == 1},
         ("/active", False), (({"reference": "x" * 101}, "reference"), ({"active": "maybe"}, "active"))),
    Case(entities.CUSTOM_FIELD_DEFINITIONS, "/v1/custom-field-definitions",
         lambda client, auth, n: {"label": f"Field {n}", "entityLevel": ("CUSTOMER", "SITE")[n - 1]},
         ("/label", "Cost centre"), (({"entityLevel": "PLANET"}, "entityLevel"), ({"label": ""}, "label"))),
]

INVALID = [(case, overrides, field) for case in CASES for overrides, field in (*case.invalid, ({"colour": "x"}, "colour"))]


def test_every_admin_entity_has_a_case():
    assert {case.entity.label for case in CASES} == {entity.label for entity in entities.ALL}


def _create(client, auth, case: Case, n: int = 1) -> dict[str, Any]:
    return create_resource(client, auth, case.path, case.body(client, auth, n))


def _patch(client, auth, case: Case, entity_id: int, operations: list[dict], **headers: str):
    return client.patch(f"{case.path}/{entity_id}", json=operations, headers={**auth, **JSON_PATCH, **headers})


def _query_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_create_answers_201_with_location_and_etag_and_get_returns_it(client, auth, case):
    body = case.body(client, auth, 1)
    response = client.post(case.path, json=body, headers=auth)
    assert response.status_code == 201, response.text
    created = response.json()
    for name, value in body.items():
        if name == "address":
            assert {key: created[name][key] for key in value} == value
        elif name == "slots":
            assert [{key: slot[key] for key in sent} for slot, sent in zip(created[name], value)] == value
        elif name == "marketingSlots":
            assert [slot["name"] for slot in created[name]] == [slot["name"] for slot in value]
        else:
            assert created[name] == value, name
    assert created["version"] == 1
    assert response.headers["location"] == f"{case.path}/{created['id']}"
    assert response.headers["etag"] == '"1"'
    fetched = client.get(f"{case.path}/{created['id']}", headers=auth)
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert fetched.headers["etag"] == '"1"'


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_declared_filter_picks_the_matching_row(client, auth, case):
    first, second = _create(client, auth, case, 1), _create(client, auth, case, 2)
    declared = listing_of(case.entity)
    for spec in declared.filters.values():
        if spec.name == "createdAt":
            value = dt.datetime.now(dt.timezone.utc).date().isoformat()
            assert client.get(case.path, params={spec.name: f"gtn:{value}"}, headers=auth
                              ).headers["X-Total-Count"] == "2"
            continue
        value = _query_value(first[spec.name])
        assert value != _query_value(second[spec.name]), f"the case's bodies must differ in {spec.name}"
        listing = client.get(case.path, params={spec.name: value}, headers=auth)
        assert listing.status_code == 200, (spec.name, listing.text)
        assert [row["id"] for row in listing.json()] == [first["id"]], spec.name
        assert listing.headers["X-Total-Count"] == "1"
        if declared.kind_of(spec) in (FilterKind.STRING, FilterKind.ID, FilterKind.ENUM):
            both = f"in:{value},{_query_value(second[spec.name])}"
            assert client.get(case.path, params={spec.name: both}, headers=auth).headers["X-Total-Count"] == "2"
        if declared.kind_of(spec) is FilterKind.STRING:
            like = client.get(case.path, params={spec.name: f"like:{value[1:].upper()}"}, headers=auth)
            assert [row["id"] for row in like.json()] == [first["id"]], spec.name


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_declared_sort_and_fields_projection(client, auth, case):
    first, second = _create(client, auth, case, 1), _create(client, auth, case, 2)
    for name in listing_of(case.entity).sortable:
        ascending = client.get(case.path, params={"sort": name}, headers=auth)
        descending = client.get(case.path, params={"sort": f"{name}:desc"}, headers=auth)
        assert ascending.status_code == descending.status_code == 200, name
        if first[name] != second[name]:
            assert [row["id"] for row in descending.json()] == [row["id"] for row in ascending.json()][::-1], name
    projected = client.get(case.path, params={"fields": "id,version", "sort": "id:desc"}, headers=auth)
    assert projected.json() == [{"id": second["id"], "version": 1}, {"id": first["id"], "version": 1}]
    paged = client.get(case.path, params={"page": 2, "pageSize": 1}, headers=auth)
    assert [row["id"] for row in paged.json()] == [second["id"]]
    assert paged.headers["X-Total-Count"] == "2"
    assert 'rel="prev"' in paged.headers["Link"]
    assert client.get(case.path, params={"sort": "colour"}, headers=auth).status_code == 400
    assert client.get(case.path, params={"fields": "id,colour"}, headers=auth).status_code == 400


@pytest.mark.parametrize("case", CASES, ids=str)
def test_head_answers_the_count_or_404(client, auth, case):
    assert client.head(case.path, headers=auth).status_code == 404
    created = _create(client, auth, case)
    found = client.head(case.path, headers=auth)
    assert found.status_code == 200
    assert found.headers["X-Total-Count"] == "1"
    assert client.head(case.path, params={"id": str(created["id"])}, headers=auth).status_code == 200
    missing = client.head(case.path, params={"id": str(MISSING_ID)}, headers=auth)
    assert missing.status_code == 404
    assert missing.headers["X-Total-Count"] == "0"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_json_patch_replaces_a_field_bumps_the_version_and_honours_if_match(client, auth, case):
    created = _create(client, auth, case)
    pointer, value = case.patch
    operations = [{"op": "replace", "path": pointer, "value": value}]
    assert _patch(client, auth, case, created["id"], operations, **{"If-Match": '"7"'}).status_code == 412
    response = _patch(client, auth, case, created["id"], operations, **{"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    patched = response.json()
    assert jsonpointer.resolve_pointer(patched, pointer) == value
    assert patched["version"] == 2
    assert response.headers["etag"] == '"2"'
    assert client.get(f"{case.path}/{created['id']}", headers=auth).json() == patched


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("pointer", ["/id", "/version", "/createdAt"])
def test_json_patch_of_a_read_only_path_is_400_and_changes_nothing(client, auth, case, pointer):
    created = _create(client, auth, case)
    response = _patch(client, auth, case, created["id"], [{"op": "replace", "path": pointer, "value": 5}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == pointer.lstrip("/")
    assert client.get(f"{case.path}/{created['id']}", headers=auth).json() == created


@pytest.mark.parametrize(("case", "overrides", "field"), INVALID, ids=lambda value: str(value)[:40])
def test_a_body_that_breaks_a_rule_is_400_naming_the_field_and_stores_nothing(client, auth, case, overrides, field):
    response = client.post(case.path, json={**case.body(client, auth, 1), **overrides}, headers=auth)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == field
    assert client.head(case.path, headers=auth).status_code == 404


@pytest.mark.parametrize(("case", "overrides", "field"), INVALID, ids=lambda value: str(value)[:40])
def test_a_patch_that_breaks_a_rule_is_400_and_changes_nothing(client, auth, case, overrides, field):
    created = _create(client, auth, case)
    operations = [{"op": "add", "path": f"/{name}", "value": value} for name, value in overrides.items()]
    response = _patch(client, auth, case, created["id"], operations)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == field  # a read-only field is named as such
    assert client.get(f"{case.path}/{created['id']}", headers=auth).json() == created


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_string_with_nul_is_400_not_a_database_error(client, auth, case):
    body = case.body(client, auth, 1)
    pointer = next(pointer for pointer, value in _leaves(body) if isinstance(value, str))
    jsonpointer.set_pointer(body, pointer, "a\x00b")
    response = client.post(case.path, json=body, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == pointer.lstrip("/").replace("/", ".")


def _leaves(document: Any, pointer: str = ""):
    if isinstance(document, dict):
        for key, value in document.items():
            yield from _leaves(value, f"{pointer}/{key}")
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _leaves(value, f"{pointer}/{index}")
    else:
        yield pointer, document


@pytest.mark.parametrize("case", CASES, ids=str)
def test_delete_answers_204_then_404(client, auth, case):
    created = _create(client, auth, case)
    assert client.delete(f"{case.path}/{created['id']}", headers=auth).status_code == 204
    assert client.get(f"{case.path}/{created['id']}", headers=auth).status_code == 404
    assert client.delete(f"{case.path}/{created['id']}", headers=auth).status_code == 404


@pytest.mark.parametrize("case", CASES, ids=str)
def test_unknown_ids_are_404(client, auth, case):
    path = f"{case.path}/{MISSING_ID}"
    assert client.get(path, headers=auth).status_code == 404
    assert _patch(client, auth, case, MISSING_ID, [{"op": "test", "path": "/id", "value": 1}]).status_code == 404
    assert client.delete(path, headers=auth).status_code == 404
    assert client.get(f"{case.path}/99999999999999999999", headers=auth).status_code in (400, 404)
    assert client.get(f"{case.path}/abc", headers=auth).status_code == 400


@pytest.mark.parametrize("case", CASES, ids=str)
def test_another_tenant_never_sees_or_touches_the_entity(client, auth, other_auth, case):
    created = _create(client, auth, case)
    path = f"{case.path}/{created['id']}"
    assert client.get(path, headers=other_auth).status_code == 404
    assert _patch(client, other_auth, case, created["id"], [{"op": "replace", "path": case.patch[0],
                                                               "value": case.patch[1]}]).status_code == 404
    assert client.delete(path, headers=other_auth).status_code == 404
    listing = client.get(case.path, headers=other_auth)
    assert listing.json() == []
    assert listing.headers["X-Total-Count"] == "0"
    assert client.head(case.path, headers=other_auth).status_code == 404
    assert client.get(path, headers=auth).json() == created


def test_a_reference_to_another_tenants_entity_is_400(client, auth, other_auth):
    theirs = create_invoice_template(client, other_auth)
    response = client.post("/v1/invoice-document-profiles", json={"name": "P", "invoiceTemplateId": theirs["id"]},
                           headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "invoiceTemplateId"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_scopes_guard_every_operation(client, settings, tenant_id, auth, case):
    created = _create(client, auth, case)
    path = f"{case.path}/{created['id']}"
    patch = [{"op": "replace", "path": case.patch[0], "value": case.patch[1]}]

    def answers(scopes: str) -> dict[str, int]:
        headers = bearer(settings, tenant_id, scopes)
        return {
            "list": client.get(case.path, headers=headers).status_code,
            "head": client.head(case.path, headers=headers).status_code,
            "get": client.get(path, headers=headers).status_code,
            "create": client.post(case.path, json=case.body(client, auth, 2), headers=headers).status_code,
            "patch": _patch(client, headers, case, created["id"], patch).status_code,
        }

    forbidden = {"list": 403, "head": 403, "get": 403, "create": 403, "patch": 403}
    assert answers("customers.*") == forbidden
    assert answers("admin.read") == {**forbidden, "get": 200}
    assert answers("admin.list") == {**forbidden, "list": 200, "head": 200}
    assert answers("admin.write") == {**forbidden, "create": 201, "patch": 200}
    assert client.delete(path, headers=bearer(settings, tenant_id, "admin.write")).status_code == 403
    assert client.delete(path, headers=bearer(settings, tenant_id, "admin.delete")).status_code == 204


def _customer_with(field: str) -> Callable[[Any, dict[str, str], int], tuple[str, int]]:
    def create(client, auth, target_id: int) -> tuple[str, int]:
        return "/v1/customers", create_customer(client, auth, **{field: target_id})["id"]
    return create


def _admin_with(path: str, body: Body, field: str) -> Callable[[Any, dict[str, str], int], tuple[str, int]]:
    def create(client, auth, target_id: int) -> tuple[str, int]:
        return path, create_resource(client, auth, path, {**body(client, auth, 1), field: target_id})["id"]
    return create


REFERENCES = [
    ("/v1/contract-owners", CASES[0].body, _customer_with("contractOwnerId"), "customers"),
    ("/v1/billing-cycles", _billing_cycle, _customer_with("billingCycleId"), "customers"),
    ("/v1/admin-contacts", CASES[9].body,
     _admin_with("/v1/billing-cycles", _billing_cycle, "autoCloseAdminContactId"), "billing cycles"),
    ("/v1/invoice-templates", CASES[4].body,
     _admin_with("/v1/invoice-document-profiles", _document_profile, "invoiceTemplateId"), "invoice document profiles"),
    ("/v1/invoice-templates", CASES[4].body,
     _admin_with("/v1/invoice-marketing-info", _marketing_info, "invoiceTemplateId"), "invoice marketing info"),
    ("/v1/invoice-summary-templates", _summary_template,
     _admin_with("/v1/invoice-summary-template-components", _component, "invoiceSummaryTemplateId"),
     "invoice summary template components"),
    ("/v1/invoice-summary-templates", _summary_template,
     _admin_with("/v1/invoice-document-profiles", _document_profile, "invoiceSummaryTemplateId"),
     "invoice document profiles"),
    ("/v1/electronic-summary-templates", _electronic_template,
     _admin_with("/v1/invoice-document-profiles", _document_profile, "electronicSummaryTemplateId"),
     "invoice document profiles"),
]


@pytest.mark.parametrize(("path", "body", "refer", "referrer"), REFERENCES,
                         ids=[f"{path.removeprefix('/v1/')}-by-{name}" for path, _, _, name in REFERENCES])
def test_delete_is_409_while_referenced_and_204_once_not(client, auth, path, body, refer, referrer):
    target = create_resource(client, auth, path, body(client, auth, 1))
    referrer_path, referrer_id = refer(client, auth, target["id"])
    refused = client.delete(f"{path}/{target['id']}", headers=auth)
    assert refused.status_code == 409
    assert referrer in refused.json()["message"]
    assert client.get(f"{path}/{target['id']}", headers=auth).json() == target
    assert client.delete(f"{referrer_path}/{referrer_id}", headers=auth).status_code == 204
    assert client.delete(f"{path}/{target['id']}", headers=auth).status_code == 204


def test_a_custom_field_label_is_unique_per_entity_level(client, auth):
    first = create_resource(client, auth, "/v1/custom-field-definitions", {"label": "Region", "entityLevel": "SITE"})
    clash = client.post("/v1/custom-field-definitions", json={"label": "Region", "entityLevel": "SITE"}, headers=auth)
    assert clash.status_code == 409
    assert str(first["id"]) in clash.json()["message"]
    other_level = create_resource(client, auth, "/v1/custom-field-definitions",
                                  {"label": "Region", "entityLevel": "CUSTOMER"})
    moved = _patch(client, auth, CASES[11], other_level["id"], [{"op": "replace", "path": "/entityLevel",
                                                                  "value": "SITE"}])
    assert moved.status_code == 409
    assert client.get(f"/v1/custom-field-definitions/{other_level['id']}", headers=auth).json() == other_level


def test_the_same_label_in_two_tenants_is_fine(client, auth, other_auth):
    body = {"label": "Region", "entityLevel": "SITE"}
    create_resource(client, auth, "/v1/custom-field-definitions", body)
    create_resource(client, other_auth, "/v1/custom-field-definitions", body)


def test_every_filter_and_sort_is_backed_by_an_index_leading_with_the_tenant():
    for entity in entities.ALL:
        table = entity.model.__table__
        leading = {tuple(column.name for column in index.columns)[:2] for index in table.indexes}
        leading |= {tuple(column.name for column in constraint.columns)[:2] for constraint in table.constraints
                    if constraint.__class__.__name__ == "UniqueConstraint"}
        columns = {attribute.column for attribute in entity.columns.attributes.values()}
        for column in columns:
            if column.key != "id":
                assert ("tenant_id", column.key) in leading, f"{table.name}.{column.key}"


MALFORMED_BODIES = [[], "x", None, {"name": []}, {"label": {"a": 1}}, {"slots": "x"}, {"marketingSlots": [1]},
                    {"columns": [None]}, {"address": []}, {"subBrandId": -1}, {"availableFrom": "x"},
                    {"billingCycleRules": [[]]}]
MALFORMED_PATCHES = [
    {"op": "x"}, [{"op": "move", "from": "/name", "path": "/address/x"}], [{"op": "copy", "from": "/id", "path": "/name"}],
    [{"op": "add", "path": "/slots/99", "value": {}}], [{"op": "remove", "path": "/"}],
    [{"op": "replace", "path": "", "value": {}}], [{"op": "copy", "from": "/createdAt", "path": "/id"}],
    [{"op": "replace", "path": "/autoCloseAdminContactId", "value": 2**64}],
    [{"op": "replace", "path": "/slots/0/contentType", "value": "IMAGE"}],
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_malformed_bodies_and_patches_are_4xx_never_500(client, auth, case):
    base = case.body(client, auth, 1)
    for malformed in MALFORMED_BODIES:
        body = {**base, **malformed} if isinstance(malformed, dict) else malformed
        response = client.post(case.path, json=body, headers=auth)
        assert 400 <= response.status_code < 500, (malformed, response.text)
    created = _create(client, auth, case, 2)
    for operations in MALFORMED_PATCHES:
        response = _patch(client, auth, case, created["id"], operations)
        assert 400 <= response.status_code < 500, (operations, response.text)
    assert client.get(f"{case.path}/{created['id']}", headers=auth).json() == created
