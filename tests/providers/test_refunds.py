"""Refunds through payment providers over HTTP (issue 14 item 7): a refund of money the sandbox collected goes
to the sandbox, whose events move its thirdPartyRefundStatus to PAID, or to BOUNCED, which restores what the
refund took back; events applied once however delivered; the janitor asks about refunds stuck pending."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledgerline.app import create_app
from ledgerline.kit.refs import CustomerRef
from ledgerline.ledger.service import verify
from ledgerline.models import PaymentProvider, ProviderRefund
from ledgerline.providers import collections
from ledgerline.providers import runtime as provider_runtime
from ledgerline.providers.base import ProviderEventData
from ledgerline.providers.runtime import runtime_for
from ledgerline.refunds.service import NewRefund, refund as refund_use_case
from tests.conftest import make_settings
from tests.factories import create_customer, create_customer_payment
from tests.statements import counted
from tests.providers.helpers import (
    create_provider, deliver, event, invoice, mandated_customer, path_of, post_invoice, settle,
)


def _collected_invoice(client, auth, total: str = "100.00"):
    """A customer whose invoice the sandbox collected (PAID)."""
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"], total=total)
    settle(client, auth)
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "PAID"
    return setup, posted


def _refund(client, auth, **body):
    response = client.post("/v1/refunds", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def _refund_now(client, auth, refund_id: int):
    response = client.get(f"/v1/refunds/{refund_id}", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def _balance(client, auth, customer_id: int) -> Decimal:
    response = client.get(f"/v1/customer-balances?customer_id={customer_id}", headers=auth)
    assert response.status_code == 200, response.text
    return Decimal(str(response.json()["balance"]))


def _reference(database, refund_id: int) -> str:
    """The provider's reference of the refund (what its webhook events name)."""
    with database.session() as session:
        return session.execute(select(ProviderRefund.reference).where(ProviderRefund.refund_id == refund_id)).scalar_one()


def _refund_events(client, auth, customer_id: int) -> list[dict]:
    response = client.get("/v1/events", headers=auth, params={"sort": "id", "customerId": str(customer_id),
                                                               "type": "like:refund."})
    assert response.status_code == 200, response.text
    return response.json()


def _ledger_is_clean(database, tenant_id) -> None:
    with database.session() as session:
        assert verify(session, tenant_id) == []


def test_a_refund_of_a_sandbox_collection_goes_to_the_sandbox_and_is_paid(client, auth, database, tenant_id):
    setup, posted = _collected_invoice(client, auth)
    customer_id = setup["customer"]["id"]
    refund = _refund(client, auth, invoiceId=posted["id"], amountInMajorCurrency="30.00")
    assert (refund["thirdPartyRefundStatus"], refund["paymentMethod"]) == ("CREATED", "GO_CARDLESS")
    assert invoice(client, auth, posted["id"])["outstandingInMajorCurrency"] == 30
    assert _balance(client, auth, customer_id) == Decimal("-30")
    outcomes = settle(client, auth)["outcomes"]
    assert f"refund {refund['id']} SUBMITTED" in outcomes and f"refund {refund['id']} PAID" in outcomes, outcomes
    paid = _refund_now(client, auth, refund["id"])
    assert (paid["thirdPartyRefundStatus"], paid["errorInfo"]) == ("PAID", None)
    assert _balance(client, auth, customer_id) == Decimal("-30")
    assert [(e["type"], e["data"]["thirdPartyRefundStatus"]) for e in _refund_events(client, auth, customer_id)] == [
        ("refund.created", "CREATED"), ("refund.updated", "SUBMITTED"), ("refund.updated", "PAID")]
    _ledger_is_clean(database, tenant_id)


def test_a_bounced_refund_restores_the_balance_the_invoice_and_the_refundable_amount(client, auth, database,
                                                                                      tenant_id):
    setup, posted = _collected_invoice(client, auth)
    customer_id = setup["customer"]["id"]
    refund = _refund(client, auth, invoiceId=posted["id"], amountInMajorCurrency="30.13")  # ends in 13: bounces
    assert _balance(client, auth, customer_id) == Decimal("-30.13")
    # Only what was not refunded yet can be refunded meanwhile.
    too_much = client.post("/v1/refunds", json={"invoiceId": posted["id"], "amountInMajorCurrency": "70.00"},
                           headers=auth)
    assert too_much.status_code == 400, too_much.text
    settle(client, auth)
    bounced = _refund_now(client, auth, refund["id"])
    assert bounced["thirdPartyRefundStatus"] == "BOUNCED" and "BOUNCED" in bounced["errorInfo"]
    restored = invoice(client, auth, posted["id"])
    assert (restored["paymentStatus"], restored["outstandingInMajorCurrency"]) == ("PAID", 0)
    assert _balance(client, auth, customer_id) == 0
    assert [(e["type"], e["data"]["thirdPartyRefundStatus"]) for e in _refund_events(client, auth, customer_id)] == [
        ("refund.created", "CREATED"), ("refund.updated", "SUBMITTED"), ("refund.updated", "BOUNCED")]
    _ledger_is_clean(database, tenant_id)
    # Everything collected is refundable again.
    again = _refund(client, auth, invoiceId=posted["id"], amountInMajorCurrency="100.00")
    assert again["thirdPartyRefundStatus"] == "CREATED"
    settle(client, auth)
    assert _refund_now(client, auth, again["id"])["thirdPartyRefundStatus"] == "PAID"
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "REFUNDED"
    _ledger_is_clean(database, tenant_id)


def test_a_bounced_credit_refund_gives_the_customer_its_credit_back(client, auth, database, tenant_id):
    provider = create_provider(client, auth)
    customer = create_customer(client, auth)
    link = client.post("/v1/payment-provider-payment-link", headers=auth, json={
        "paymentProviderId": provider["id"], "amountInMajorCurrency": "50.00", "customerId": customer["id"]}).json()
    assert client.post(path_of(link["paymentLinkURL"])).status_code in (200, 303)
    assert _balance(client, auth, customer["id"]) == 50
    refund = _refund(client, auth, customerId=customer["id"], amountInMajorCurrency="20.13")
    assert refund["thirdPartyRefundStatus"] == "CREATED" and refund["invoiceId"] is None
    assert _balance(client, auth, customer["id"]) == Decimal("29.87")
    settle(client, auth)
    assert _refund_now(client, auth, refund["id"])["thirdPartyRefundStatus"] == "BOUNCED"
    assert _balance(client, auth, customer["id"]) == 50
    _ledger_is_clean(database, tenant_id)
    assert _refund(client, auth, customerId=customer["id"], amountInMajorCurrency="50.00")["amountInMajorCurrency"] == 50


def test_a_bounce_after_the_invoice_was_paid_again_becomes_customer_credit(client, auth, database, tenant_id):
    setup, posted = _collected_invoice(client, auth)
    customer_id = setup["customer"]["id"]
    refund = _refund(client, auth, invoiceId=posted["id"], amountInMajorCurrency="30.13")
    create_customer_payment(client, auth, customer_id, "30.13")  # settles the reopened invoice
    assert invoice(client, auth, posted["id"])["outstandingInMajorCurrency"] == 0
    settle(client, auth)
    assert _refund_now(client, auth, refund["id"])["thirdPartyRefundStatus"] == "BOUNCED"
    assert invoice(client, auth, posted["id"])["outstandingInMajorCurrency"] == 0
    assert _balance(client, auth, customer_id) == Decimal("30.13")
    _ledger_is_clean(database, tenant_id)


def test_a_refund_of_a_manual_payment_is_manually_refunded_as_before(client, auth, database, tenant_id):
    customer = create_customer(client, auth)
    posted = post_invoice(client, auth, customer["id"], total="40.00")
    create_customer_payment(client, auth, customer["id"], "40.00")
    refund = _refund(client, auth, invoiceId=posted["id"], amountInMajorCurrency="10.13")
    assert (refund["thirdPartyRefundStatus"], refund["paymentMethod"]) == ("MANUALLY_REFUNDED", "CHEQUE")
    settle(client, auth)
    assert _refund_now(client, auth, refund["id"])["thirdPartyRefundStatus"] == "MANUALLY_REFUNDED"
    assert Decimal(str(invoice(client, auth, posted["id"])["outstandingInMajorCurrency"])) == Decimal("10.13")
    with database.session() as session:
        assert session.execute(select(ProviderRefund).where(ProviderRefund.tenant_id == tenant_id)).first() is None
    _ledger_is_clean(database, tenant_id)


def test_a_refund_of_money_recorded_as_paid_out_by_hand_stays_manual(client, auth):
    """An invoice payment that says PAID_OUT was recorded by a person, not collected by a provider here."""
    customer = create_customer(client, auth)
    posted = post_invoice(client, auth, customer["id"], total="40.00")
    recorded = client.post("/v1/invoice-payments", headers=auth, json={
        "generatedInvoiceId": posted["id"], "thirdPartyPaymentStatus": "PAID_OUT", "amountInMajorCurrency": "40.00",
        "paymentMethod": "STRIPE"})
    assert recorded.status_code == 201, recorded.text
    refund = _refund(client, auth, invoiceId=posted["id"], amountInMajorCurrency="5.00")
    assert (refund["thirdPartyRefundStatus"], refund["paymentMethod"]) == ("MANUALLY_REFUNDED", "STRIPE")


def test_duplicated_and_reordered_refund_events_apply_once(client, auth, database, tenant_id):
    setup, posted = _collected_invoice(client, auth)
    provider_id, customer_id = setup["provider"]["id"], setup["customer"]["id"]
    refund = _refund(client, auth, invoiceId=posted["id"], amountInMajorCurrency="25.00")
    reference = _reference(database, refund["id"])
    paid = deliver(client, provider_id, [event(reference, "PAID", "RF-1", resource_type="refund")])
    assert paid.json()["outcomes"] == [f"refund {refund['id']} PAID"], paid.text
    late = deliver(client, provider_id, [event(reference, "SUBMITTED", "RF-2", resource_type="refund"),
                                         event(reference, "PAID", "RF-1", resource_type="refund")])
    assert (late.json()["stored"], late.json()["duplicates"]) == (1, 1)
    assert late.json()["outcomes"][0].startswith("ignored: refund is PAID"), late.text
    assert _refund_now(client, auth, refund["id"])["thirdPartyRefundStatus"] == "PAID"
    # A paid refund whose funds come back is reversed, once, however often that is said.
    for event_id in ("RF-3", "RF-3", "RF-4"):
        deliver(client, provider_id, [event(reference, "FUNDS_RETURNED", event_id, resource_type="refund")])
    deliver(client, provider_id, [event(reference, "PAID", "RF-5", resource_type="refund")])
    assert _refund_now(client, auth, refund["id"])["thirdPartyRefundStatus"] == "FUNDS_RETURNED"
    assert _balance(client, auth, customer_id) == 0
    assert invoice(client, auth, posted["id"])["outstandingInMajorCurrency"] == 0
    assert [e["data"]["thirdPartyRefundStatus"] for e in _refund_events(client, auth, customer_id)] == [
        "CREATED", "PAID", "FUNDS_RETURNED"]
    replayed = client.post("/v1/payment-provider-reprocess", json={"paymentProviderId": provider_id}, headers=auth)
    assert replayed.status_code == 200 and replayed.json()["changed"] == 0, replayed.text
    _ledger_is_clean(database, tenant_id)


def test_an_event_for_an_unknown_refund_is_ignored_with_its_reason(client, auth):
    setup, _ = _collected_invoice(client, auth)
    response = deliver(client, setup["provider"]["id"], [event("SBX-RF-NOPE", "PAID", resource_type="refund")])
    assert response.status_code == 200, response.text
    assert response.json()["outcomes"] == ["ignored: refund SBX-RF-NOPE is not tracked"]


def test_concurrent_refund_events_apply_once(backend, engine):
    """Real transactions at once (PostgreSQL): the bounce is applied once, whatever the order."""
    if backend != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL (SQLite has one writer)")
    from ledgerline.db import Database
    from tests.conftest import bearer, make_tenant

    settings = make_settings()
    database = Database(engine)
    with TestClient(create_app(settings, database=database), raise_server_exceptions=False) as client:
        tenant_id = make_tenant(database)
        auth = bearer(settings, tenant_id)
        setup, posted = _collected_invoice(client, auth)
        refund = _refund(client, auth, invoiceId=posted["id"], amountInMajorCurrency="40.00")
        reference = _reference(database, refund["id"])
        results, barrier = [], threading.Barrier(4)

        def send(status: str, event_id: str) -> None:
            barrier.wait()
            results.append(deliver(client, setup["provider"]["id"],
                                   [event(reference, status, event_id, resource_type="refund")]))

        threads = [threading.Thread(target=send, args=args) for args in
                   (("BOUNCED", "EV-A"), ("BOUNCED", "EV-A"), ("BOUNCED", "EV-B"), ("PAID", "EV-C"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(r.status_code for r in results) == [200] * 4, [r.text for r in results]
        assert sum(r.json()["stored"] for r in results) == 3
        assert _refund_now(client, auth, refund["id"])["thirdPartyRefundStatus"] == "BOUNCED"
        assert _balance(client, auth, setup["customer"]["id"]) == 0
        assert invoice(client, auth, posted["id"])["outstandingInMajorCurrency"] == 0
        _ledger_is_clean(database, tenant_id)


@pytest.fixture
def instant_settings():
    return make_settings(sandbox_settle_seconds=0, janitor_deadline_seconds=0)


def test_the_janitor_resolves_a_stuck_refund_by_asking_the_provider(instant_settings, database, tenant, tenant_id):
    from tests.conftest import bearer

    client = TestClient(create_app(instant_settings, database=database), raise_server_exceptions=False)
    auth = bearer(instant_settings, tenant_id)
    setup, posted = _collected_invoice(client, auth)
    refund = _refund(client, auth, invoiceId=posted["id"], amountInMajorCurrency="12.13")
    reference = _reference(database, refund["id"])
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1)
    with database.independent_transaction() as session:
        outcomes = collections.resolve_stuck(session, tenant=tenant, runtime=runtime_for(instant_settings),
                                             deadline_seconds=0, now=later)
    assert outcomes == [f"{reference}: refund {refund['id']} BOUNCED: reversed (1213 of 1213 back on its invoice)"]
    assert _refund_now(client, auth, refund["id"])["thirdPartyRefundStatus"] == "BOUNCED"
    assert _balance(client, auth, setup["customer"]["id"]) == 0
    # The provider's own events, delivered later, change nothing more; nor does asking again.
    assert all(o.startswith("ignored") for o in settle(client, auth)["outcomes"])
    with database.independent_transaction() as session:
        assert collections.resolve_stuck(session, tenant=tenant, runtime=runtime_for(instant_settings),
                                         deadline_seconds=0, now=later) == []
    _ledger_is_clean(database, tenant_id)


def test_money_returned_reported_through_invoice_payments_is_not_sent_to_the_provider_again(client, auth, database,
                                                                                             tenant_id):
    """An invoice payment records what the provider said (issue 14 item 5): a REFUNDED row reports money the
    provider already returned, so it is recorded as returned, and the provider is not asked to pay it out again."""
    setup, posted = _collected_invoice(client, auth)
    recorded = client.post("/v1/invoice-payments", headers=auth, json={
        "generatedInvoiceId": posted["id"], "thirdPartyPaymentStatus": "REFUNDED", "amountInMajorCurrency": "-10.13",
        "paymentMethod": "GO_CARDLESS"})
    assert recorded.status_code == 201, recorded.text
    refund = _refund_now(client, auth, recorded.json()["refundId"])
    assert refund["thirdPartyRefundStatus"] == "MANUALLY_REFUNDED"
    with database.session() as session:
        assert session.execute(select(ProviderRefund).where(ProviderRefund.tenant_id == tenant_id)).first() is None
    settle(client, auth)
    assert _refund_now(client, auth, refund["id"])["thirdPartyRefundStatus"] == "MANUALLY_REFUNDED"
    assert Decimal(str(invoice(client, auth, posted["id"])["outstandingInMajorCurrency"])) == Decimal("10.13")
    _ledger_is_clean(database, tenant_id)


def test_a_provider_refund_and_its_bounce_are_each_a_fixed_handful_of_statements(client, auth, database, tenant,
                                                                                  settings):
    """Measured: the statements of submitting a refund to the sandbox, and of applying its bounce, do not grow
    with the number of payments the refund drew on."""
    setup = mandated_customer(client, auth)
    customer_id = setup["customer"]["id"]
    for _ in range(4):  # four payment links paid: four provider-collected payments of credit
        link = client.post("/v1/payment-provider-payment-link", headers=auth, json={
            "paymentProviderId": setup["provider"]["id"], "amountInMajorCurrency": "5.00",
            "customerId": customer_id}).json()
        client.post(path_of(link["paymentLinkURL"]))
    sent = {}
    provider_runtime.use(runtime_for(settings))
    try:
        with database.session() as session:
            for amount in ("1.00", "1.13", "15.13"):  # a tenant's first refund creates its number counter
                with counted(session.connection()) as statements:
                    recorded = refund_use_case(session, tenant=tenant, new=NewRefund(
                        Decimal(amount), customer=CustomerRef(id=customer_id)))
                sent[amount] = len(statements)
            provider = session.get(PaymentProvider, setup["provider"]["id"])
            for amount, refund_id in (("1.13", recorded.refund.id - 1), ("15.13", recorded.refund.id)):
                reference = session.execute(select(ProviderRefund.reference).where(
                    ProviderRefund.refund_id == refund_id)).scalar_one()
                with counted(session.connection()) as statements:
                    received = collections.receive_events(
                        session, tenant=tenant, provider=provider, runtime=runtime_for(settings),
                        events=[ProviderEventData(f"EV-{refund_id}", "refund", reference, "BOUNCED",
                                                  dt.datetime.now(dt.timezone.utc))])
                assert "reversed" in received.outcomes[0], received
                sent[f"bounce {amount}"] = len(statements)
            session.expire_all()
            assert verify(session, tenant.tenant_id) == []
    finally:
        provider_runtime.use(None)
    # 1.13 draws on one payment, 15.13 on four.
    assert sent["1.13"] == sent["15.13"] <= 13, sent
    assert sent["bounce 1.13"] == sent["bounce 15.13"] <= 15, sent
