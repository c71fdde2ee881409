"""POST /api/v1/oauth2/token as the Exsited SDK calls it: client credentials, refresh tokens, refusals."""

from __future__ import annotations

import pytest

from ledgerline.api_clients import service


@pytest.fixture
def api_client(database, tenant_id) -> dict[str, str]:
    with database.independent_transaction() as session:
        created = service.create_client(session, tenant_id=tenant_id, scopes="payments.*")
    return {"client_id": created.client_id, "client_secret": created.client_secret}


def _sdk_body(credentials: dict[str, str], **extra: str) -> dict[str, str]:
    """What exsited 1.0.40's RequestTokenDTO.to_dict() sends."""
    return {"grant_type": "client_credentials", **credentials, "redirect_uri": "https://app.example/callback",
            "exsited_url": "http://testserver", **extra}


def test_client_credentials_give_a_bearer_token_for_the_clients_tenant_and_scopes(client, api_client):
    response = client.post("/api/v1/oauth2/token", json=_sdk_body(api_client))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert response.headers["Cache-Control"] == "no-store"
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v3/payments", headers=headers).status_code == 200
    # The client's scopes only: payments.*, not customers.
    assert client.get("/v1/customers", headers=headers).status_code == 403


def test_a_refresh_token_renews_once(client, api_client):
    first = client.post("/api/v1/oauth2/token", json=_sdk_body(api_client)).json()
    renewed = client.post("/api/v1/oauth2/token", json={**_sdk_body(api_client), "grant_type": "refresh_token",
                                                        "refresh_token": first["refresh_token"]})
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["refresh_token"] != first["refresh_token"]
    headers = {"Authorization": f"Bearer {renewed.json()['access_token']}"}
    assert client.get("/api/v3/payments", headers=headers).status_code == 200
    reused = client.post("/api/v1/oauth2/token", json={**_sdk_body(api_client), "grant_type": "refresh_token",
                                                       "refresh_token": first["refresh_token"]})
    assert reused.status_code == 400
    assert reused.json() == {"errors": [{"message": "refresh_token: is unknown, expired or already used"}]}


@pytest.mark.parametrize("change", [{"client_secret": "wrong"}, {"client_id": "llc_nobody"}])
def test_a_bad_secret_or_client_is_401_in_the_exsited_envelope(client, api_client, change):
    response = client.post("/api/v1/oauth2/token", json={**_sdk_body(api_client), **change})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_client"')
    assert response.json() == {"errors": [{"message": "unknown client, wrong secret or revoked client"}]}


def test_a_revoked_client_gets_no_token(client, database, api_client):
    with database.independent_transaction() as session:
        service.revoke_client(session, client_id=api_client["client_id"])
    assert client.post("/api/v1/oauth2/token", json=_sdk_body(api_client)).status_code == 401


@pytest.mark.parametrize(("body", "field"), [
    ({"grant_type": "password"}, "grant_type"),
    ({"grant_type": "refresh_token"}, "refresh_token"),
    ({"client_secret": ""}, "client_secret"),
    ({"scope": "*", "extra": "x"}, "scope"),
])
def test_a_malformed_token_request_is_400_naming_the_field(client, api_client, body, field):
    response = client.post("/api/v1/oauth2/token", json={**_sdk_body(api_client), **body})
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["message"].startswith(field)


def test_a_refresh_token_of_another_client_is_refused(client, database, tenant_id, api_client):
    with database.independent_transaction() as session:
        other = service.create_client(session, tenant_id=tenant_id)
    token = client.post("/api/v1/oauth2/token", json=_sdk_body(api_client)).json()["refresh_token"]
    response = client.post("/api/v1/oauth2/token", json={
        **_sdk_body({"client_id": other.client_id, "client_secret": other.client_secret}),
        "grant_type": "refresh_token", "refresh_token": token})
    assert response.status_code == 400


def test_the_secret_is_stored_hashed(database, api_client):
    with database.session() as session:
        stored = service.list_clients(session)
        row = next(each for each in stored if each.client_id == api_client["client_id"])
        assert api_client["client_secret"] not in row.secret_hash and row.secret_hash.startswith("$argon2")


def test_ledgerlines_own_bearer_tokens_work_on_api_v3(client, auth):
    assert client.get("/api/v3/payments", headers=auth).status_code == 200
