"""Helpers for /crmapi/rest/v2 tests: calls in the vendor's style and a small world of reference data."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from tests.factories import create_bill, create_customer, create_invoice

BASE = "/crmapi/rest/v2"


def token_of(auth: dict[str, str]) -> str:
    return auth["Authorization"].removeprefix("Bearer ")


def get(client, method: str, auth: dict[str, str] | None = None, **params: Any):
    """A GET with the token in the query, as the vendor's integrations send it."""
    if auth is not None:
        params.setdefault("token", token_of(auth))
    return client.get(f"{BASE}/{method}", params=params)


def post(client, method: str, auth: dict[str, str] | None = None, headers: dict[str, str] | None = None,
         **body: Any):
    """A POST with the token in the JSON body."""
    if auth is not None:
        body.setdefault("token", token_of(auth))
    return client.post(f"{BASE}/{method}", json=body, headers=headers or {})


def data(response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == {"code": "OK", "message": None, "description": None}, body
    return body["data"]


def error(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["data"] is None and body["status"]["code"] == code, body
    assert body["status"]["message"], body
    return body["status"]


def amount(value: Any) -> Decimal:
    return Decimal(str(value))


@dataclass
class World:
    customer: dict[str, Any]
    invoice: dict[str, Any]
    auth: dict[str, str]

    def create_body(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "accounts_receivable_identifier": {"number": self.customer["number"]},
            "type_identifier": {"alternative_code": "PAYMENT"},
            "payment_method_identifier": {"alternative_code": "CHEQUE"},
            "life_cycle_state": "POSTED", "payment_amount": "40.00"}
        body.update(overrides)
        return body


@pytest.fixture
def world(client, auth) -> World:
    customer = create_customer(client, auth, name="Acme Ltd")
    invoice = create_invoice(client, auth, customer["id"], status="POSTED")
    return World(customer, invoice, auth)


def create(client, world: World, **overrides: Any) -> dict[str, Any]:
    return data(post(client, "payments/create", world.auth, **world.create_body(**overrides)))


def show(client, auth: dict[str, str], payment: dict[str, Any], **params: Any) -> dict[str, Any]:
    return data(get(client, "payments/show", auth, payment_identifier=f"id={payment['id']}", **params))


__all__ = ["BASE", "World", "amount", "create", "create_bill", "create_customer", "create_invoice", "data", "error",
           "get", "post", "show", "token_of"]
