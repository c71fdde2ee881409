"""Invoice postings are journaled: verify agrees with the stored figures after each change."""

from __future__ import annotations

from ledgerline.ledger.service import verify
from ledgerline.models import Customer
from tests.factories import create_customer


def _post_invoice(client, auth, customer_id, total, status="POSTED", **extra):
    response = client.post("/v1/invoices", json={"customerId": customer_id, "issueDate": "2026-01-01",
                                                  "totalInMajorCurrency": total, "status": status, **extra},
                           headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def test_journal_matches_after_posting_and_cancelling(client, auth, session, tenant_id):
    customer = create_customer(client, auth)
    first = _post_invoice(client, auth, customer["id"], "60.00")
    draft = _post_invoice(client, auth, customer["id"], "15.00", status="DRAFT")
    assert client.post(f"/v1/invoices/{draft['id']}/post", headers=auth).status_code == 200
    assert client.post(f"/v1/invoices/{first['id']}/cancel", headers=auth).status_code == 200
    assert verify(session, tenant_id) == []


def test_journal_matches_after_closing_a_bill_run(client, auth, session, tenant_id):
    customer = create_customer(client, auth)
    run = client.post("/v1/bill-runs", json={"type": "NORMAL"}, headers=auth).json()
    _post_invoice(client, auth, customer["id"], "10.00", status="DRAFT", billRunId=run["id"])
    _post_invoice(client, auth, customer["id"], "5.50", status="DRAFT", billRunId=run["id"])
    assert client.post(f"/v1/bill-runs/{run['id']}/close", headers=auth).status_code == 200
    assert verify(session, tenant_id) == []


def test_verify_names_a_tampered_customer(client, auth, session, tenant_id):
    customer = create_customer(client, auth)
    _post_invoice(client, auth, customer["id"], "20.00")
    session.get(Customer, customer["id"]).credit_minor = 5
    session.flush()
    mismatches = verify(session, tenant_id)
    assert {m.what for m in mismatches} == {"customer credit", "customer balance"}
    assert all(m.identifier == customer["id"] for m in mismatches)
