"""Small factories that create test data through the HTTP API, as a client would."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def create_customer(client: TestClient, auth: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body = {"name": "Acme Ltd", "currency": "GBP", "creditThreshold": "100.00", **overrides}
    response = client.post("/v1/customers", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()
