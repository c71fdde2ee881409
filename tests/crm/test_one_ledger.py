"""Issue 13 item 7: one ledger. A payment posted through each surface reads back through the others with
the same amount, state and allocations, and cancelling it through one is seen by all.

Each surface is a writer (post a payment meant for an invoice; cancel one) and a reader (amount, state and
allocations as {invoice number: amount}). /api/v3 (Exsited) shows active payments only: a cancelled one is
404 there (seed 003 lists only active payments), which is what its reader reports.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

import pytest

from tests.crm.conftest import World, amount, create_invoice, data, get, post
from tests.exsited.conftest import paid

Seen = tuple[Decimal, str, dict[str, Decimal]]


def v1_post(client, world: World, invoice: dict[str, Any], value: str) -> int:
    response = client.post("/v1/payments", json={
        "customerId": world.customer["id"], "amountInMajorCurrency": value, "paymentMethod": "CHEQUE",
        "status": "POSTED", "invoicesToPay": [invoice["id"]]}, headers=world.auth)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def crm_post(client, world: World, invoice: dict[str, Any], value: str) -> int:
    return data(post(client, "payments/create", world.auth, **world.create_body(
        payment_amount=value, invoices_to_pay_set=[{"invoice_identifier": {"number": invoice["number"]}}])))["id"]


def exsited_post(client, world: World, invoice: dict[str, Any], value: str) -> int:
    number = paid(client, world.auth, invoice["number"], ("Cheque", value))["id"]
    return client.get("/v1/payments", params={"number": number}, headers=world.auth).json()[0]["id"]


def _number(client, world: World, payment_id: int) -> str:
    return client.get(f"/v1/payments/{payment_id}", headers=world.auth).json()["number"]


def exsited_cancel(client, world: World, payment_id: int) -> None:
    response = client.delete(f"/api/v3/payments/{_number(client, world, payment_id)}", headers=world.auth)
    assert response.status_code == 204, response.text


def exsited_read(client, world: World, payment_id: int) -> Seen | None:
    """None when /api/v3 no longer shows the payment (seed 003 shows active payments only)."""
    number = _number(client, world, payment_id)
    response = client.get(f"/api/v3/payments/{number}", headers=world.auth)
    if response.status_code == 404:
        listed = client.get("/api/v3/payments", params={"limit": 1000}, headers=world.auth).json()["payments"]
        assert number not in [each["id"] for each in listed]
        return None
    body = response.json()["payment"]
    state = {"ACTIVE": "POSTED"}.get(body["status"], body["status"])
    return (amount(body["total_applied"]), state, {each["code"]: amount(each["applied"]) for each in body["invoices"]})


def v1_cancel(client, world: World, payment_id: int) -> None:
    response = client.post(f"/v1/payments/{payment_id}/cancel", json={}, headers=world.auth)
    assert response.status_code == 200, response.text


def crm_cancel(client, world: World, payment_id: int) -> None:
    data(post(client, "payments/cancel", world.auth, payment_identifier={"id": payment_id},
              type_identifier={"alternative_code": "PAYMENT_CANCELLATION"}))


def v1_read(client, world: World, payment_id: int) -> Seen:
    body = client.get(f"/v1/payments/{payment_id}", headers=world.auth).json()
    numbers = {each["id"]: each["number"] for each in client.get("/v1/invoices", headers=world.auth).json()}
    return (amount(body["amountInMajorCurrency"]), body["status"],
            {numbers[each["invoiceId"]]: amount(each["amountInMajorCurrency"]) for each in body["allocations"]})


def crm_read(client, world: World, payment_id: int) -> Seen:
    body = data(get(client, "payments/show", world.auth, payment_identifier=f"id={payment_id}"))
    return (amount(body["payment_amount"]), body["life_cycle_state"],
            {each["number"]: amount(each["amount_paid"]) for each in body["invoices_to_pay_set"]
             if amount(each["amount_paid"])})


WRITERS: dict[str, tuple[Callable[..., int], Callable[..., None]]] = {
    "/v1": (v1_post, v1_cancel), "/crmapi/rest/v2": (crm_post, crm_cancel), "/api/v3": (exsited_post, exsited_cancel)}
READERS: dict[str, Callable[..., Seen | None]] = {"/v1": v1_read, "/crmapi/rest/v2": crm_read, "/api/v3": exsited_read}


@pytest.mark.parametrize("writer", list(WRITERS))
@pytest.mark.parametrize("canceller", list(WRITERS))
def test_every_surface_sees_the_same_payment_and_its_cancellation(client, world, writer, canceller):
    newer = create_invoice(client, world.auth, world.customer["id"], status="POSTED", issueDate="2024-06-01",
                           dueDate="2024-06-30", totalInMajorCurrency="30.00")
    record, _ = WRITERS[writer]
    payment_id = record(client, world, newer, "45.00")
    # The intended invoice first, the rest to the oldest open invoice.
    expected = (Decimal("45.00"), "POSTED", {newer["number"]: Decimal("30.00"),
                                             world.invoice["number"]: Decimal("15.00")})
    assert {name: read(client, world, payment_id) for name, read in READERS.items()} == {
        name: expected for name in READERS}
    WRITERS[canceller][1](client, world, payment_id)
    assert {name: read(client, world, payment_id) for name, read in READERS.items()} == {
        name: None if name == "/api/v3" else (Decimal("45.00"), "CANCELLED", {}) for name in READERS}
    outstanding = {each["number"]: amount(each["outstandingInMajorCurrency"])
                   for each in client.get("/v1/invoices", headers=world.auth).json()}
    assert outstanding == {world.invoice["number"]: Decimal("100.00"), newer["number"]: Decimal("30.00")}
