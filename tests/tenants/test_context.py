"""The tenant context: a tenant's policy cached per process, and reloaded when another process changed it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from ledgerline.app import create_app
from ledgerline.errors import InvalidRequest
from ledgerline.models.enums import PaymentMethod, TransactionClassification
from ledgerline.tenants.context import TenantContexts, load
from tests.conftest import bearer, make_settings


def test_the_tenants_tolerance_overrides_the_server_default(session, tenant_id):
    from ledgerline.reference.service import set_tolerance

    set_tolerance(session, tenant_id=tenant_id, currency="GBP", amount_minor=50)
    context = load(session, tenant_id, {"GBP": Decimal("1.00"), "EUR": Decimal("0.5")})
    assert context.tolerance("GBP").minor == 50
    assert context.tolerance("EUR").minor == 50
    assert context.tolerance("JPY").minor == 0


def test_default_types_prefer_the_one_coded_as_the_classification(session, tenant_id):
    context = load(session, tenant_id, {})
    chosen = context.transaction_types[context.default_types[TransactionClassification.PAYMENT]]
    assert chosen.classification is TransactionClassification.PAYMENT and chosen.active


def test_a_type_of_another_classification_is_refused_naming_the_field(session, tenant_id):
    context = load(session, tenant_id, {})
    cancellation_type = context.default_types[TransactionClassification.PAYMENT_CANCELLATION]
    with pytest.raises(InvalidRequest) as error:
        context.transaction_type(cancellation_type, TransactionClassification.PAYMENT)
    assert error.value.errors[0].field == "transaction_type"
    with pytest.raises(InvalidRequest):
        context.transaction_type(10**12, TransactionClassification.PAYMENT)


def test_a_policy_change_bumps_the_version_and_the_cache_reloads_at_it(session, tenant_id):
    from ledgerline.reference.service import set_tolerance

    contexts = TenantContexts({})
    before = contexts.get(session, tenant_id)
    set_tolerance(session, tenant_id=tenant_id, currency="GBP", amount_minor=25)
    assert contexts.cached(tenant_id) is before  # nothing told the cache yet
    version = load(session, tenant_id, {}).version
    assert version == before.version + 1
    after = before.at_version(session, version)
    assert after.tolerance("GBP").minor == 25 and contexts.cached(tenant_id) is after
    assert after.at_version(session, version) is after


def test_a_disabled_method_is_refused(session, tenant_id):
    context = load(session, tenant_id, {})
    context.check_method(PaymentMethod.CHEQUE, field="payment_method")
    disabled = context.__class__(tenant_id=tenant_id, version=1, disabled_methods=frozenset({PaymentMethod.CHEQUE}))
    with pytest.raises(InvalidRequest) as error:
        disabled.check_method(PaymentMethod.CHEQUE, field="tenders[1].method")
    assert error.value.errors[0].field == "tenders[1].method"


def test_a_process_applies_the_tolerance_another_process_set_after_it_cached_the_tenant(database, tenant_id):
    """Two apps on one database stand for two server processes: the first caches the tenant's policy,
    the second changes the tolerance; the first's next payment must apply the new one."""
    settings = make_settings()
    auth = bearer(settings, tenant_id)
    first = TestClient(create_app(settings, database=database), raise_server_exceptions=False)
    second = TestClient(create_app(settings, database=database), raise_server_exceptions=False)
    customer = first.post("/v1/customers", json={"name": "Jane", "currency": "GBP"}, headers=auth).json()
    invoice = first.post("/v1/invoices", json={"customerId": customer["id"], "totalInMajorCurrency": "10.00",
                                               "status": "POSTED"}, headers=auth).json()
    # The first process learns the tenant's policy (no tolerance) with a payment of its own.
    warm = first.post("/v1/customer-payments", json={"customerId": customer["id"], "amountInMajorCurrency": "1.00",
                                                     "type": "CHEQUE"}, headers=auth)
    assert warm.status_code == 201, warm.text
    assert second.put("/v1/shortfall-tolerances/GBP", json={"amountInMajorCurrency": "0.50"},
                      headers=auth).status_code == 200
    paid = first.post("/v1/payments", json={"customerId": customer["id"], "amountInMajorCurrency": "8.60",
                                            "paymentMethod": "CHEQUE", "status": "POSTED",
                                            "invoicesToPay": [invoice["id"]]}, headers=auth)
    assert paid.status_code == 201, paid.text
    settled = first.get(f"/v1/invoices/{invoice['id']}", headers=auth).json()
    assert settled["paymentStatus"] == "PAID"  # 9.00 short by 0.40, within the new 0.50: written off
