"""Small factories that create test data through the HTTP API, as a client would."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from ledgerline.api.v1.contract_owner_sub_brands import SUB_BRAND_EXAMPLE


def create_customer(client: TestClient, auth: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body = {"name": "Acme Ltd", "currency": "GBP", "creditThreshold": "100.00", **overrides}
    response = client.post("/v1/customers", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()

MISSING = object()


def with_path(document: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    """A copy of ``document`` with the dotted ``path`` set to ``value`` (or removed when MISSING)."""
    document = copy.deepcopy(document)
    *parents, last = path.split(".")
    target = document
    for name in parents:
        target = target[name]
    if value is MISSING:
        target.pop(last, None)
    else:
        target[last] = value
    return document


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


def create_email_template(client: TestClient, auth: dict[str, str], **overrides: Any) -> dict[str, Any]:
    """The minimal email template create body (DESIGN.md section 3)."""
    body = {"name": "Invoice email", "subject": "Your invoice {{invoiceNumber}}",
            "body": "Dear {{customerName}},\nyour invoice {{invoiceNumber}} is attached.", **overrides}
    return create_resource(client, auth, "/v1/email-templates", body)


def sub_brand_document(contract_owner_id: int, email_template_id: int, **overrides: Any) -> dict[str, Any]:
    """Seed 001's example sub-brand (as the API documents it), for the given owner and template."""
    return {**copy.deepcopy(SUB_BRAND_EXAMPLE), "defaultSubBrand": False, "contractOwnerId": contract_owner_id,
            "emailTemplateId": email_template_id, **overrides}


def post_sub_brand(client: TestClient, auth: dict[str, str], document: Any, *, logo: bytes | None = None,
                   logo_name: str = "logo.png", logo_type: str = "image/png", headers: dict[str, str] | None = None):
    """POST a sub-brand as a form of one `subBrand` JSON part and an optional `logo` file."""
    files: list[tuple[str, tuple[Any, ...]]] = [("subBrand", (None, json.dumps(document), "application/json"))]
    if logo is not None:
        files.append(("logo", (logo_name, logo, logo_type)))
    return client.post("/v1/contract-owner-sub-brands", files=files, headers={**auth, **(headers or {})})


def create_sub_brand(client: TestClient, auth: dict[str, str], contract_owner_id: int | None = None,
                     email_template_id: int | None = None, *, logo: bytes | None = None,
                     **overrides: Any) -> dict[str, Any]:
    if contract_owner_id is None:
        contract_owner_id = create_contract_owner(client, auth)["id"]
    if email_template_id is None:
        email_template_id = create_email_template(client, auth)["id"]
    response = post_sub_brand(client, auth, sub_brand_document(contract_owner_id, email_template_id, **overrides),
                              logo=logo)
    assert response.status_code == 200, response.text  # seed 001: creation answers "OK"
    return response.json()


def image_bytes(image_format: str, size: tuple[int, int] = (8, 6)) -> bytes:
    """A small real image in the format (PNG, JPEG, GIF, WEBP), as Pillow writes it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(buffer, image_format)
    return buffer.getvalue()


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


def create_customer_payment(client: TestClient, auth: dict[str, str], customer_id: int, amount: str,
                            method: str = "CHEQUE") -> dict[str, Any]:
    """A posted payment of the customer, allocated oldest invoice first (POST /v1/customer-payments)."""
    response = client.post("/v1/customer-payments", json={"customerId": customer_id, "amountInMajorCurrency": amount,
                                                          "type": method}, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()
