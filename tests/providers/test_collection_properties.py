"""A hypothesis run mixing collections, provider events (duplicated and reordered), cancels (through the
provider, and of the payment itself), refunds, reprocessing and the sandbox's settlement: after every step
``verify`` is clean, each invoice's payment status agrees with what its collections say, each collection is
one invoice payment row that says what its payment says, and only collected money settled anything."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ledgerline.ledger.service import verify
from tests.factories import create_customer, create_site
from tests.providers.helpers import (
    approve, create_mandate, create_provider, deliver, event, invoice, payments_of, post_invoice, settle,
)

AMOUNTS = ["10.00", "10.13", "10.66", "7.50"]  # pays out, fails, is charged back, pays out
STATUSES = ["CONFIRMED", "PAID_OUT", "FAILED", "CHARGED_BACK", "CANCELLED", "SUBMITTED"]

step = st.one_of(
    st.tuples(st.just("invoice"), st.sampled_from(AMOUNTS)),
    st.tuples(st.just("settle"), st.sampled_from([0, 1.5, 5])),
    # a reference, a status, whether the event id repeats (a duplicate), and whether the batch is sent twice
    # in reverse order (reordered and duplicated)
    st.tuples(st.just("event"), st.integers(0, 5), st.sampled_from(STATUSES), st.booleans(), st.booleans()),
    st.tuples(st.just("cancel"), st.integers(0, 5)),
    st.tuples(st.just("cancel-payment"), st.integers(0, 5)),
    st.tuples(st.just("reprocess"), st.integers(0, 5)),
    st.tuples(st.just("refund"), st.integers(0, 5), st.sampled_from(["1.00", "7.50", "10.00"])),
    st.tuples(st.just("replay"),),
)

# Collections are HTTP-heavy: a few examples on SQLite keep the suite fast; PostgreSQL runs the same
# steps in the concurrency tests of test_webhooks.py and the crash test.
EXAMPLES = 8


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=10))
def test_collections_and_events_keep_the_books_balanced(client, auth, session, tenant_id, backend, steps):
    if backend != "sqlite":
        pytest.skip("the hypothesis run is on one backend (SQLite); see EXAMPLES")
    provider = create_provider(client, auth)
    customer = create_customer(client, auth)
    mandate = create_mandate(client, auth, create_site(client, auth, customer["id"])["id"])
    approve(client, mandate)
    invoices: list[int] = []
    for n, (kind, *args) in enumerate(steps):
        _take(client, auth, provider, customer, invoices, n, kind, args)
        session.expire_all()
        assert verify(session, tenant_id) == [], (n, kind, args)
        _check_invoices_and_rows(client, auth, customer, invoices)


def _take(client, auth, provider, customer, invoices, n, kind, args) -> None:
    payments = payments_of(client, auth, customer["id"])
    if kind == "invoice":
        invoices.append(post_invoice(client, auth, customer["id"], total=args[0])["id"])
    elif kind == "settle":
        settle(client, auth, seconds=args[0])
    elif kind == "event" and payments:
        reference = [p["referenceNumber"] for p in payments][args[0] % len(payments)]
        event_id = f"EV-{reference}-{args[1]}" if args[2] else f"EV-{n}"  # same id again: a duplicate
        batch = [event(reference, args[1], event_id), event(reference, "SUBMITTED", f"EV-{n}-s")]
        assert deliver(client, provider["id"], batch).status_code == 200
        if args[3]:
            again = deliver(client, provider["id"], list(reversed(batch)))
            assert again.status_code == 200 and again.json()["stored"] == 0, again.text
    elif kind in ("cancel", "reprocess") and invoices:
        body = {"invoiceId": invoices[args[0] % len(invoices)], "billRunType": "NORMAL"}
        response = client.post(f"/v1/invoice-payment-{kind}", json=body, headers=auth)
        assert response.status_code in ((202, 409) if kind == "cancel" else (200, 409)), response.text
    elif kind == "cancel-payment" and payments:
        payment = payments[args[0] % len(payments)]
        response = client.post(f"/v1/payments/{payment['id']}/cancel", json={"notes": "hypothesis"}, headers=auth)
        expected = (200,) if payment["status"] == "PENDING_VERIFICATION" else (200, 409)
        assert response.status_code in expected, (payment, response.text)
    elif kind == "refund" and invoices:
        response = client.post("/v1/refunds", headers=auth, json={
            "invoiceId": invoices[args[0] % len(invoices)], "amountInMajorCurrency": args[1]})
        assert response.status_code in (201, 400, 409), response.text
    elif kind == "replay":
        response = client.post("/v1/payment-provider-reprocess", json={"paymentProviderId": provider["id"]},
                               headers=auth)
        assert response.status_code == 200 and response.json()["changed"] == 0, response.text


def _check_invoices_and_rows(client, auth, customer, invoices) -> None:
    payments = {p["id"]: p for p in payments_of(client, auth, customer["id"])}
    rows = [row for row in client.get("/v1/invoice-payments", headers=auth, params={"pageSize": 1000}).json()
            if row["generatedInvoiceId"] in invoices]  # the tenant's rows of earlier examples are there too
    # Each collection (the sandbox gives every payment of this customer) is one row, with its payment's
    # provider status; it settles exactly while that payment is posted.
    assert Counter(row["customerPaymentId"] for row in rows) == Counter(list(payments))
    for row in rows:
        payment = payments[row["customerPaymentId"]]
        assert row["thirdPartyPaymentStatus"] == payment["thirdPartyStatus"], (row, payment)
        assert row["customerPaymentStatus"] == payment["status"]
        assert row["settled"] is (payment["status"] == "POSTED")
    for invoice_id in invoices:
        shown = invoice(client, auth, invoice_id)
        pending = [p for p in payments.values() if p["status"] == "PENDING_VERIFICATION"
                   and invoice_id in (p.get("invoicesToPay") or [])]
        if pending:
            assert shown["paymentStatus"] == "PENDING", (shown, pending)
        else:
            assert shown["paymentStatus"] in ("PAID", "UNPAID", "REFUNDED", "PART_REFUNDED", "PARTIALLY_PAID"), shown
        # Only money a provider collected settles: what the invoice no longer owes never exceeds what posted
        # payments put on it (refunds make it owe more again, never less).
        paid = sum((Decimal(str(a["amountInMajorCurrency"])) for p in payments.values() if p["status"] == "POSTED"
                    for a in p["allocations"] if a["invoiceId"] == invoice_id), Decimal(0))
        owed = Decimal(str(shown["totalInMajorCurrency"])) - Decimal(str(shown["outstandingInMajorCurrency"]))
        assert Decimal(0) <= owed <= paid, (shown, paid)
