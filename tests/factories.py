"""Small factories that create test data through the HTTP API, as a client would."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def create_customer(client: TestClient, auth: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body = {"name": "Acme Ltd", "currency": "GBP", "creditThreshold": "100.00", **overrides}
    response = client.post("/v1/customers", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def contract_owner_body(**overrides: Any) -> dict[str, Any]:
    """The minimal contract owner create body (DESIGN.md section 3)."""
    return {
        "name": "Acme Telecom", "availableFrom": "2024-01-01", "siBccEmailAddress": "bcc@example.com",
        "taxRegistrationNumber": "GB123456789",
        "address": {"address1": "1 High Street", "town": "London", "postcode": "EC1A 1BB", "country": "GB"},
        **overrides,
    }


def create_contract_owner(client: TestClient, auth: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/contract-owners", json=contract_owner_body(**overrides), headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def create_billing_cycle(client: TestClient, auth: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body = {"name": "Monthly on the 1st", "periodUnit": "MONTH", **overrides}
    response = client.post("/v1/billing-cycles", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def create_site(client: TestClient, auth: dict[str, str], customer_id: int | None = None,
                **overrides: Any) -> dict[str, Any]:
    if customer_id is None:
        customer_id = create_customer(client, auth)["id"]
    body = {"customerId": customer_id, "name": "Head office", **overrides}
    response = client.post("/v1/sites", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def create_invoice(client: TestClient, auth: dict[str, str], customer_id: int | None = None,
                   **overrides: Any) -> dict[str, Any]:
    """A DRAFT invoice of 100.00 (pass status="POSTED" to post it on creation)."""
    if customer_id is None:
        customer_id = create_customer(client, auth)["id"]
    body = {"customerId": customer_id, "issueDate": "2024-05-01", "dueDate": "2024-05-31",
            "totalInMajorCurrency": "100.00", **overrides}
    response = client.post("/v1/invoices", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def create_bill(client: TestClient, auth: dict[str, str], customer_id: int | None = None,
                **overrides: Any) -> dict[str, Any]:
    if customer_id is None:
        customer_id = create_customer(client, auth)["id"]
    body = {"customerId": customer_id, "periodStart": "2024-05-01", "periodEnd": "2024-05-31", **overrides}
    response = client.post("/v1/bills", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def create_bill_run(client: TestClient, auth: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body = {"type": "NORMAL", "runDate": "2024-05-31", **overrides}
    response = client.post("/v1/bill-runs", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def create_resource(client: TestClient, auth: dict[str, str], path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def invoice_template_body(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """An invoice template with two marketing slots, header-banner and footer-offer."""
    return {"name": f"Template {n}", "description": f"Layout {n}", "pageSize": ("A4", "LETTER")[n % 2],
            "marketingSlots": [{"name": "header-banner"},
                               {"name": "footer-offer", "description": "Offer panel under the totals"}],
            **overrides}


def create_invoice_template(client: TestClient, auth: dict[str, str], n: int = 1, **overrides: Any) -> dict[str, Any]:
    return create_resource(client, auth, "/v1/invoice-templates", invoice_template_body(n, **overrides))


def create_admin_contact(client: TestClient, auth: dict[str, str], n: int = 1, **overrides: Any) -> dict[str, Any]:
    body = {"name": f"Contact {n}", "emailAddress": f"contact{n}@example.com", **overrides}
    return create_resource(client, auth, "/v1/admin-contacts", body)
