"""The surface contract: domain field names become each surface's wire names, in one place."""

from __future__ import annotations

from pydantic.alias_generators import to_camel

from ledgerline.api import socotra, v1
from ledgerline.api.surface import FieldNames, Surfaces


def test_v1_renames_domain_fields_name_by_name_keeping_indexes():
    names = v1.FIELD_NAMES
    assert names.wire("amount") == "amountInMajorCurrency"
    assert names.wire("intended_invoices[0]") == "invoicesToPay[0]"
    assert names.wire("tenders[1].amount") == "tenders[1].amountInMajorCurrency"
    assert names.wire("tenders[1].method") == "tenders[1].method"
    assert names.wire("targets[2].invoice") == "targets[2].invoiceId"
    assert names.wire("check_digits") == "checkDigits"


def test_wire_names_and_odd_paths_pass_unchanged():
    names = FieldNames(default=to_camel)
    for path in ("amountInMajorCurrency", "Content-Type", "subBrand[name]", "subBrand[name", "slots.0.slotName", ""):
        assert names.wire(path) == path


def test_an_operation_may_rename_a_field_its_own_way():
    assert v1.FIELD_NAMES.wire("payment_method", {"payment_method": "type"}) == "type"
    assert v1.FIELD_NAMES.wire("payment_method") == "paymentMethod"


def test_a_path_belongs_to_the_surface_with_the_longest_prefix():
    surfaces = Surfaces([v1.SURFACE, socotra.SURFACE])
    assert surfaces.for_path("/billing/01H/credits/list") is socotra.SURFACE
    assert surfaces.for_path("/v1/payments") is v1.SURFACE
    assert surfaces.for_path("/v10/other") is v1.SURFACE  # outside every surface: the first one answers
    assert not v1.SURFACE.owns("/v10/other")


def test_a_domain_error_reaches_the_client_under_the_wire_name(client, auth):
    response = client.post("/v1/customer-payments", json={"customerId": 10**15, "amountInMajorCurrency": "1.00",
                                                           "type": "CHEQUE"}, headers=auth)
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "customerId"
    assert body["message"].startswith("Validation failed for field 'customerId'")
