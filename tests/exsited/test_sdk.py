"""The official Exsited SDK (exsited==1.0.40), unchanged, against a live ``ledgerline serve``.

Its ``Payment`` class authenticates with client credentials at /api/v1/oauth2/token (it first calls
without a token, gets 401 and fetches one), then lists, reads, creates and deletes payments, and turns
our 4xx answers into ``ABException`` with the envelope's messages. On SQLite and, when
TEST_DATABASE_URL is set, on PostgreSQL (a schema of its own).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest
from exsited.common.ab_exception import ABException
from exsited.common.sdk_conf import SDKConfig
from exsited.exsited.common.common_enum import SortDirection
from exsited.exsited.exsited_sdk import ExsitedSDK
from exsited.exsited.payment.dto.payment_dto import PaymentAppliedDTO, PaymentCreateDTO, PaymentDataDTO

from tests.conftest import BACKENDS, PG_URL, create_postgres_schema, drop_postgres_schema
from tests.live_server import cli, live_server


@dataclass
class Live:
    base_url: str
    sdk: ExsitedSDK
    token: str  # a Ledgerline JWT, to set the scene through /v1
    account: str
    invoice: str
    invoice_id: int

    def v1(self, method: str, path: str, **kwargs):
        return httpx.request(method, f"{self.base_url}{path}", headers={"Authorization": f"Bearer {self.token}"},
                             timeout=30, **kwargs)


@pytest.fixture(params=BACKENDS)
def live(request, tmp_path) -> Iterator[Live]:
    extra: dict[str, str] = {}
    schema = f"ledgerline_exsited_sdk_{os.getpid()}"
    if request.param == "postgresql":
        create_postgres_schema(schema)
        extra["DATABASE_URL"] = f"{PG_URL}?options={quote(f'-csearch_path={schema}')}"
    try:
        with live_server(tmp_path, **extra) as (base_url, env):
            tenant = cli(env, tmp_path, "tenant", "create", "Exsited SDK Ltd")
            token = cli(env, tmp_path, "token", "--tenant", tenant)
            credentials = json.loads(cli(env, tmp_path, "api-client", "create", "--tenant", tenant,
                                         "--scope", "payments.*"))
            headers = {"Authorization": f"Bearer {token}"}
            customer = httpx.post(f"{base_url}/v1/customers", json={"name": "Jane Doe", "currency": "GBP"},
                                  headers=headers, timeout=30).json()
            invoice = httpx.post(f"{base_url}/v1/invoices", headers=headers, timeout=30, json={
                "customerId": customer["id"], "issueDate": "2026-11-01", "dueDate": "2026-11-30",
                "totalInMajorCurrency": "100.00", "status": "POSTED"}).json()
            sdk = ExsitedSDK(exsited_url=base_url, grant_type="client_credentials",
                             client_id=credentials["client_id"], client_secret=credentials["client_secret"],
                             redirect_uri="https://app.example/callback")
            yield Live(base_url, sdk, token, customer["number"], invoice["number"], invoice["id"])
    finally:
        SDKConfig.ENABLE_JSON_CONVERSION = False  # a dict request turns it on for the whole process
        if request.param == "postgresql":
            drop_postgres_schema(schema)


def _create(live: Live, amount: float, processor: str = "Cash"):
    return live.sdk.payment.create(invoice_id=live.invoice, request_data=PaymentCreateDTO(payment=PaymentDataDTO(
        date="2026-12-01", note="through the SDK",
        paymentApplied=[PaymentAppliedDTO(processor=processor, amount=amount, reference="SDK-1")])))


def test_the_sdk_authenticates_creates_lists_reads_and_deletes_payments(live: Live):
    created = _create(live, 25.5).payment  # the first call has no token: 401, then client credentials
    assert created.id.startswith("PAY-") and created.status == "ACTIVE"
    assert created.totalApplied == "25.50" and created.reconcileStatus == "RECONCILED"
    assert [(each.processor, each.amount, each.method) for each in created.paymentApplied] == [
        ("Cash", "25.50", "OTHER")]
    assert [(each.code, each.applied, each.outstanding) for each in created.invoices] == [
        (live.invoice, "25.50", "74.50")]
    second = _create(live, 10, processor="Visa").payment

    listed = live.sdk.payment.list(limit=1)
    assert [each.id for each in listed.payments] == [second.id]
    assert listed.pagination.records == 2 and listed.pagination.nextPage.startswith(live.base_url)
    ordered = live.sdk.payment.list(direction=SortDirection.ASC, order_by="total_applied")
    assert [each.totalApplied for each in ordered.payments] == ["10.00", "25.50"]

    details = live.sdk.payment.details(id=created.id).payment
    assert (details.id, details.uuid, details.note) == (created.id, created.uuid, "through the SDK")
    assert live.sdk.payment.details(id=created.uuid).payment.id == created.id
    by_account = live.sdk.payment.account_details(id=live.account).account
    assert {each.id for each in by_account.payments} == {created.id, second.id}
    by_invoice = live.sdk.payment.invoice_details(id=live.invoice).invoice  # the SDK's /api/v2 path
    assert by_invoice.pagination.records == 2

    assert live.sdk.payment.delete(id=second.id) == {"success": True, "status_code": 204}  # /api/v2 too
    assert [each.id for each in live.sdk.payment.list().payments] == [created.id]
    v1 = live.v1("GET", "/v1/payments", params={"number": second.id}).json()
    assert v1[0]["status"] == "CANCELLED"


def test_the_sdk_raises_its_exception_with_our_messages_on_404_and_400(live: Live):
    with pytest.raises(ABException) as missing:
        live.sdk.payment.details(id="PAY-9999999")
    assert missing.value.get_errors() == ["Payment number PAY-9999999 not found"]
    with pytest.raises(ABException) as invalid:
        _create(live, -5)
    assert invalid.value.message == "Validation Errors"
    assert invalid.value.get_errors()[0].startswith("payment.payment_applied.0.amount")
    assert live.sdk.payment.list().pagination.records == 0


def test_a_wrong_secret_is_refused(live: Live):
    sdk = ExsitedSDK(exsited_url=live.base_url, grant_type="client_credentials", client_id="llc_nobody",
                     client_secret="wrong", redirect_uri="https://app.example/callback")
    with pytest.raises(ABException) as refused:
        sdk.payment.list()
    assert "Failed to authenticate" in refused.value.message


def test_the_sdk_pays_with_a_gift_certificate_tender(live: Live):
    made = live.v1("POST", "/v1/gift-certificates", json={"code": "GIFT-SDK-1", "currency": "GBP",
                                                           "amountInMajorCurrency": "30.00"})
    assert made.status_code == 201, made.text
    # PaymentDataDTO has no gift_certificates field: the SDK takes a dict body for it.
    created = live.sdk.payment.create(invoice_id=live.invoice, request_data={"payment": {
        "date": "2026-12-01", "payment_applied": [{"processor": "Cash", "amount": "70.00", "reference": "R"}],
        "gift_certificates": [{"code": "GIFT-SDK-1", "amount": "30.00"}]}})
    payment = created["payment"]
    assert payment["total_applied"] == "100.00"
    assert payment["gift_certificate_applied"] == [{"amount": "30.00", "code": "GIFT-SDK-1"}]
    assert live.sdk.payment.delete(id=payment["id"]) == {"success": True, "status_code": 204}
