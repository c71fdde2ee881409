"""A hypothesis run mixing sandbox collections, refunds of invoices and of credit (paid and bounced), provider
refund events (duplicated, reordered, unknown statuses), cheque payments and replays: after every step
``verify`` is clean, and exactly the refunds whose provider said the money came back are reversed."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from ledgerline.ledger.service import verify
from ledgerline.models import JournalEntry, ProviderRefund
from ledgerline.models.enums import JournalKind
from tests.factories import create_customer_payment
from tests.providers.helpers import deliver, event, mandated_customer, path_of, post_invoice, settle

REFUND_AMOUNTS = ["1.00", "2.13", "5.00", "3.13"]  # paid, bounced, paid, bounced
STATUSES = ["SUBMITTED", "PAID", "BOUNCED", "FUNDS_RETURNED", "CANCELLED", "REFUND_SETTLED", "NONSENSE"]

step = st.one_of(
    st.tuples(st.just("invoice"),),
    st.tuples(st.just("settle"), st.sampled_from([0, 1.5])),
    st.tuples(st.just("refund"), st.integers(0, 5), st.sampled_from(REFUND_AMOUNTS), st.booleans()),
    st.tuples(st.just("event"), st.integers(0, 5), st.sampled_from(STATUSES), st.booleans()),
    st.tuples(st.just("pay"), st.sampled_from(["3.13", "20.00"])),
    st.tuples(st.just("replay"),),
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=2, max_size=9))
def test_provider_refunds_and_their_events_keep_the_books_balanced(client, auth, session, tenant_id, steps):
    setup = mandated_customer(client, auth)
    customer_id, provider_id = setup["customer"]["id"], setup["provider"]["id"]
    invoices = [post_invoice(client, auth, customer_id, total="10.00")["id"]]
    settle(client, auth)
    # Customer credit the sandbox collected (a paid payment link): credit refunds go back through it too.
    link = client.post("/v1/payment-provider-payment-link", headers=auth, json={
        "paymentProviderId": provider_id, "amountInMajorCurrency": "20.00", "customerId": customer_id}).json()
    assert client.post(path_of(link["paymentLinkURL"])).status_code in (200, 303)
    for n, (kind, *args) in enumerate(steps):
        if kind == "invoice":
            invoices.append(post_invoice(client, auth, customer_id, total="10.00")["id"])
        elif kind == "settle":
            settle(client, auth, seconds=args[0])
        elif kind == "refund":
            target = ({"invoiceId": invoices[args[0] % len(invoices)]} if args[2] else {"customerId": customer_id})
            response = client.post("/v1/refunds", json={**target, "amountInMajorCurrency": args[1]}, headers=auth)
            assert response.status_code in (201, 400), response.text  # 400: not that much left to refund
        elif kind == "event":
            references = list(session.execute(select(ProviderRefund.reference).order_by(ProviderRefund.id)).scalars())
            if references:
                reference = references[args[0] % len(references)]
                event_id = f"EV-{reference}-{args[1]}" if args[2] else f"EV-{n}"  # same id again: a duplicate
                response = deliver(client, provider_id, [event(reference, args[1], event_id, resource_type="refund")])
                assert response.status_code == 200, response.text
        elif kind == "pay":
            create_customer_payment(client, auth, customer_id, args[0])
        elif kind == "replay":
            response = client.post("/v1/payment-provider-reprocess", json={"paymentProviderId": provider_id},
                                   headers=auth)
            assert response.status_code == 200 and response.json()["changed"] == 0, response.text
        session.expire_all()
        assert verify(session, tenant_id) == [], (n, kind, args)
        refunds = client.get(f"/v1/refunds?customerId={customer_id}", headers=auth).json()
        returned = {r["id"] for r in refunds if r["thirdPartyRefundStatus"] in ("BOUNCED", "FUNDS_RETURNED", "CANCELLED")}
        reversed_ = set(session.execute(select(JournalEntry.refund_id).where(
            JournalEntry.kind == JournalKind.REFUND_REVERSED, JournalEntry.customer_id == customer_id)).scalars())
        assert reversed_ == returned, (n, kind, args)
