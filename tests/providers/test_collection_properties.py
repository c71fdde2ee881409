"""A hypothesis run mixing collections, provider events (duplicated and reordered), cancels, reprocessing
and the sandbox's settlement: after every step ``verify`` is clean, and each invoice's payment status agrees
with what its collections say."""

from __future__ import annotations

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
    st.tuples(st.just("event"), st.integers(0, 5), st.sampled_from(STATUSES), st.booleans()),
    st.tuples(st.just("cancel"), st.integers(0, 5)),
    st.tuples(st.just("reprocess"), st.integers(0, 5)),
    st.tuples(st.just("replay"),),
)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_collections_and_events_keep_the_books_balanced(client, auth, session, tenant_id, steps):
    provider = create_provider(client, auth)
    customer = create_customer(client, auth)
    mandate = create_mandate(client, auth, create_site(client, auth, customer["id"])["id"])
    approve(client, mandate)
    invoices: list[int] = []
    for n, (kind, *args) in enumerate(steps):
        if kind == "invoice":
            invoices.append(post_invoice(client, auth, customer["id"], total=args[0])["id"])
        elif kind == "settle":
            settle(client, auth, seconds=args[0])
        elif kind == "event":
            references = [p["referenceNumber"] for p in payments_of(client, auth, customer["id"])]
            if references:
                reference = references[args[0] % len(references)]
                event_id = f"EV-{reference}-{args[1]}" if args[2] else f"EV-{n}"  # same id again: a duplicate
                assert deliver(client, provider["id"], [event(reference, args[1], event_id)]).status_code == 200
        elif kind in ("cancel", "reprocess") and invoices:
            body = {"invoiceId": invoices[args[0] % len(invoices)], "billRunType": "NORMAL"}
            response = client.post(f"/v1/invoice-payment-{kind}", json=body, headers=auth)
            assert response.status_code in ((202, 409) if kind == "cancel" else (200, 409)), response.text
        elif kind == "replay":
            response = client.post("/v1/payment-provider-reprocess", json={"paymentProviderId": provider["id"]},
                                   headers=auth)
            assert response.status_code == 200 and response.json()["changed"] == 0, response.text
        session.expire_all()
        assert verify(session, tenant_id) == [], (n, kind, args)
        payments = payments_of(client, auth, customer["id"])
        for invoice_id in invoices:
            shown = invoice(client, auth, invoice_id)
            pending = [p for p in payments if p["status"] == "PENDING_VERIFICATION"
                       and invoice_id in (p.get("invoicesToPay") or [])]
            if pending:
                assert shown["paymentStatus"] == "PENDING", (shown, pending)
            else:
                assert shown["paymentStatus"] in ("PAID", "UNPAID"), shown
