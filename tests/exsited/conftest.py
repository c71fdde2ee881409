"""Helpers of the Exsited surface's tests: invoices made through /v1, payments through /api/v3."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import create_customer, create_invoice


def posted_invoice(client: TestClient, auth: dict[str, str], customer_id: int | None = None,
                   **overrides: Any) -> dict[str, Any]:
    """A POSTED invoice (of 100.00 unless told otherwise), as /v1 answers it."""
    if customer_id is None:
        customer_id = create_customer(client, auth)["id"]
    return create_invoice(client, auth, customer_id, status="POSTED", **overrides)


def pay(client: TestClient, auth: dict[str, str], invoice: str, *tenders: tuple[str, str],
        headers: dict[str, str] | None = None, **payment: Any) -> Any:
    """POST /api/v3/invoices/{invoice}/payments with ``(processor, amount)`` tenders."""
    body = {"payment": {"date": "2026-12-01", "note": "counter",
                        "payment_applied": [{"processor": processor, "amount": amount, "reference": f"R{n}"}
                                            for n, (processor, amount) in enumerate(tenders)], **payment}}
    return client.post(f"/api/v3/invoices/{invoice}/payments", json=body, headers={**auth, **(headers or {})})


def paid(client: TestClient, auth: dict[str, str], invoice: str, *tenders: tuple[str, str],
         **payment: Any) -> dict[str, Any]:
    response = pay(client, auth, invoice, *tenders, **payment)
    assert response.status_code == 201, response.text
    return response.json()["payment"]
