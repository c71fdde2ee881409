"""/v1/payment-providers: list with its filters, HEAD, create, get, JSON Patch; secrets write-only."""

from __future__ import annotations

from sqlalchemy import select

from ledgerline.models import PaymentProvider
from tests.factories import create_contract_owner
from tests.providers.helpers import WEBHOOK_SECRET, create_provider

PATCH = {"Content-Type": "application/json-patch+json"}


def test_a_provider_is_created_with_every_vendor_field_and_its_secrets_are_never_answered(client, auth, session):
    owner = create_contract_owner(client, auth)
    created = create_provider(client, auth, owner["id"], directDebitWithName="Acme Ltd",
                              creditorIdentifier="GB12ZZZ123456", instantBankPayments=True, retryIfPossible=True,
                              acceptExternalPayments=True, syncInstantBankPaymentsWithMandateCreation=True)
    assert created["contractOwnerIds"] == [owner["id"]]
    assert (created["adapter"], created["status"], created["hasCredentials"]) == ("sandbox", "ACTIVE", True)
    got = client.get(f"/v1/payment-providers/{created['id']}", headers=auth)
    assert got.status_code == 200
    for document in (created, got.json()):
        assert "credentials" not in document and "webhookSecret" not in document
        assert WEBHOOK_SECRET not in str(document) and "sk_test_secret" not in str(document)
    stored = session.execute(select(PaymentProvider).where(PaymentProvider.id == created["id"])).scalar_one()
    assert WEBHOOK_SECRET not in stored.webhook_secret_encrypted
    assert "sk_test_secret" not in (stored.credentials_encrypted or "")


def test_contract_owner_ids_must_name_existing_owners_and_not_be_empty(client, auth):
    base = {"type": "STRIPE", "name": "Stripe"}
    for owners in ([], [987654321]):
        response = client.post("/v1/payment-providers", json={**base, "contractOwnerIds": owners}, headers=auth)
        assert response.status_code == 400, response.text
        assert "contractOwnerIds" in response.text


def test_providers_are_listed_by_type_contract_owner_and_flags(client, auth):
    first, second = create_contract_owner(client, auth), create_contract_owner(client, auth, name="Other")
    gc = create_provider(client, auth, first["id"], instantBankPayments=True)
    stripe = create_provider(client, auth, second["id"], type="STRIPE", name="Stripe", retryIfPossible=True)

    def ids(query: str) -> list[int]:
        response = client.get(f"/v1/payment-providers?{query}", headers=auth)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()]

    assert ids("type=STRIPE") == [stripe["id"]]
    assert ids(f"contractOwnerId={first['id']}") == [gc["id"]]
    assert ids("instantBankPayments=true") == [gc["id"]]
    assert ids("retryIfPossible=true") == [stripe["id"]]
    assert ids("sort=id") == [gc["id"], stripe["id"]]
    assert client.head("/v1/payment-providers?type=STRIPE", headers=auth).headers["X-Total-Count"] == "1"
    assert client.head("/v1/payment-providers?type=PAYPAL", headers=auth).status_code == 404


def test_a_provider_is_patched_and_its_secret_rotated(client, auth, session):
    created = create_provider(client, auth)
    other_owner = create_contract_owner(client, auth, name="Second")
    ops = [{"op": "replace", "path": "/name", "value": "GoCardless EU"},
           {"op": "replace", "path": "/status", "value": "INACTIVE"},
           {"op": "add", "path": "/contractOwnerIds/-", "value": other_owner["id"]},
           {"op": "add", "path": "/webhookSecret", "value": "a-brand-new-secret-value"}]
    response = client.patch(f"/v1/payment-providers/{created['id']}", json=ops,
                            headers={**auth, **PATCH, "If-Match": f'"{created["version"]}"'})
    assert response.status_code == 200, response.text
    patched = response.json()
    assert (patched["name"], patched["status"]) == ("GoCardless EU", "INACTIVE")
    assert patched["contractOwnerIds"] == [created["contractOwnerIds"][0], other_owner["id"]]
    assert "webhookSecret" not in patched
    emptied = client.patch(f"/v1/payment-providers/{created['id']}",
                           json=[{"op": "replace", "path": "/contractOwnerIds", "value": []}],
                           headers={**auth, **PATCH})
    assert emptied.status_code == 400
    read_only = client.patch(f"/v1/payment-providers/{created['id']}",
                             json=[{"op": "replace", "path": "/hasCredentials", "value": False}],
                             headers={**auth, **PATCH})
    assert read_only.status_code == 400


def test_providers_of_another_tenant_do_not_exist(client, auth, other_auth):
    created = create_provider(client, auth)
    assert client.get(f"/v1/payment-providers/{created['id']}", headers=other_auth).status_code == 404
    assert client.get("/v1/payment-providers", headers=other_auth).json() == []


def test_the_manual_provider_takes_no_mandates(client, auth):
    from tests.factories import create_customer, create_site

    owner = create_contract_owner(client, auth)
    provider = create_provider(client, auth, owner["id"], adapter="manual")
    site = create_site(client, auth, create_customer(client, auth, contractOwnerId=owner["id"])["id"])
    response = client.post("/v1/site-payment-mandates", json={
        "siteId": site["id"], "returnURL": "https://a.example/r", "exitURL": "https://a.example/e",
        "paymentProviderId": provider["id"]}, headers=auth)
    assert response.status_code == 409, response.text
    default = client.post("/v1/site-payment-mandates", json={
        "siteId": site["id"], "returnURL": "https://a.example/r", "exitURL": "https://a.example/e"}, headers=auth)
    assert default.status_code == 400 and "siteId" in default.text
