"""Building blocks of the provider tests, all through HTTP as a client would."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlparse

from fastapi.testclient import TestClient

from tests.factories import create_contract_owner, create_customer, create_site

WEBHOOK_SECRET = "whsec_test_0123456789abcdef"


def create_provider(client: TestClient, auth: dict[str, str], owner_id: int | None = None,
                    **overrides: Any) -> dict[str, Any]:
    if owner_id is None:
        owner_id = create_contract_owner(client, auth)["id"]
    body = {"type": "GO_CARDLESS", "name": "GoCardless UK", "contractOwnerIds": [owner_id],
            "webhookSecret": WEBHOOK_SECRET, "credentials": "sk_test_secret", **overrides}
    response = client.post("/v1/payment-providers", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def path_of(url: str) -> str:
    parsed = urlparse(url)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def mandated_customer(client: TestClient, auth: dict[str, str], **provider_overrides: Any) -> dict[str, Any]:
    """A customer whose site holds an ACTIVE mandate, approved through the sandbox's hosted page."""
    owner = create_contract_owner(client, auth)
    provider = create_provider(client, auth, owner["id"], **provider_overrides)
    customer = create_customer(client, auth, contractOwnerId=owner["id"])
    site = create_site(client, auth, customer["id"])
    mandate = create_mandate(client, auth, site["id"])
    approve(client, mandate)
    return {"owner": owner, "provider": provider, "customer": customer, "site": site, "mandate": mandate}


def create_mandate(client: TestClient, auth: dict[str, str], site_id: int, **overrides: Any) -> dict[str, Any]:
    body = {"siteId": site_id, "returnURL": "https://shop.example/done", "exitURL": "https://shop.example/exit",
            **overrides}
    response = client.post("/v1/site-payment-mandates", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def approve(client: TestClient, mandate: dict[str, Any]) -> None:
    page = client.get(path_of(mandate["redirectURL"]))
    assert page.status_code == 200 and "<form" in page.text, page.text
    done = client.post(path_of(mandate["redirectURL"]), data={"first_name": "Ada", "last_name": "Lovelace",
                                                               "email_address": "ada@example.com"},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == mandate["returnURL"]


def post_invoice(client: TestClient, auth: dict[str, str], customer_id: int, total: str = "100.00",
                 **overrides: Any) -> dict[str, Any]:
    body = {"customerId": customer_id, "issueDate": "2024-05-01", "dueDate": "2024-05-31",
            "totalInMajorCurrency": total, "status": "POSTED", **overrides}
    response = client.post("/v1/invoices", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def invoice(client: TestClient, auth: dict[str, str], invoice_id: int) -> dict[str, Any]:
    response = client.get(f"/v1/invoices/{invoice_id}", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def payments_of(client: TestClient, auth: dict[str, str], customer_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/v1/payments?customerId={customer_id}&sort=id", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def settle(client: TestClient, auth: dict[str, str], seconds: float = 10) -> dict[str, Any]:
    """Let the sandbox's clock run ``seconds`` ahead and deliver what is due by then."""
    as_of = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds)).isoformat()
    response = client.post("/v1/payment-provider-sandbox-settlements", json={"asOf": as_of}, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def signed(events: list[dict[str, Any]], secret: str = WEBHOOK_SECRET, timestamp: int | None = None
           ) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"events": events}).encode()
    timestamp = int(dt.datetime.now(dt.timezone.utc).timestamp()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Webhook-Signature": f"t={timestamp},v1={digest}", "Content-Type": "application/json"}


def event(reference: str, status: str, event_id: str | None = None, resource_type: str = "payment") -> dict[str, Any]:
    return {"id": event_id or f"EV-{reference}-{status}", "resourceType": resource_type, "reference": reference,
            "status": status, "occurredAt": dt.datetime.now(dt.timezone.utc).isoformat()}


def deliver(client: TestClient, provider_id: int, events: list[dict[str, Any]], **options: Any):  # noqa: ANN201
    body, headers = signed(events, **options)
    return client.post(f"/v1/payment-provider-webhooks/{provider_id}", content=body, headers=headers)
