"""Bearer tokens, scopes and the /v1/authenticate login, exercised over HTTP on /v1/customers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from jose import jwt

from ledgerline.app import create_app
from ledgerline.config import Settings
from ledgerline.tenants.service import create_user
from tests.conftest import JWT_SECRET, bearer, make_tenant
from tests.factories import create_customer


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: dict) -> str:
    return b64url(json.dumps(value).encode())


def claims_for(tenant_id: uuid.UUID, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {"sub": "tester", "tenant": str(tenant_id), "scope": "*", "aud": "ledgerline",
                                 "iat": now, "exp": now + 600}
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def signed(claims: dict[str, object], key: str = JWT_SECRET, algorithm: str = "HS256") -> dict[str, str]:
    return {"Authorization": f"Bearer {jwt.encode(claims, key, algorithm=algorithm)}"}


def assert_unauthorized(response, error: str = "invalid_token") -> dict:
    assert response.status_code == 401, response.text
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'error="{error}"' in challenge
    body = response.json()
    assert body["error"] == "Unauthorized"
    assert body["message"]
    assert body["errors"] == []
    return body


# --- the bearer token ---------------------------------------------------------------------


def test_valid_token_is_accepted(client, auth):
    response = client.get("/v1/customers", headers=auth)
    assert response.status_code == 200
    assert response.json() == []


def test_missing_authorization_header_is_401_with_a_bearer_challenge(client):
    body = assert_unauthorized(client.get("/v1/customers"), error="invalid_request")
    assert "bearer token" in body["message"]


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "Token abc"])
def test_other_schemes_and_empty_tokens_are_401(client, header):
    assert_unauthorized(client.get("/v1/customers", headers={"Authorization": header}), error="invalid_request")


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "\u00e9.\u00e9.\u00e9"])
def test_malformed_token_is_401(client, token):
    header = f"Bearer {token}".encode()  # bytes, so non-ASCII reaches the server as sent
    assert_unauthorized(client.get("/v1/customers", headers={"Authorization": header}))


def test_bad_signature_is_401(client, tenant_id):
    headers = signed(claims_for(tenant_id), key="another-secret-0123456789abcdefghijklmnop")
    assert_unauthorized(client.get("/v1/customers", headers=headers))


def test_tampered_payload_is_401(client, auth, tenant_id):
    header, _, signature = auth["Authorization"].removeprefix("Bearer ").split(".")
    forged = segment(claims_for(tenant_id, sub="admin", scope="*"))
    response = client.get("/v1/customers", headers={"Authorization": f"Bearer {header}.{forged}.{signature}"})
    assert_unauthorized(response)


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_token_is_401(client, tenant_id, alg):
    token = f"{segment({'alg': alg, 'typ': 'JWT'})}.{segment(claims_for(tenant_id))}."
    body = assert_unauthorized(client.get("/v1/customers", headers={"Authorization": f"Bearer {token}"}))
    assert "algorithm" in body["message"]


def test_algorithm_outside_the_allow_list_is_401(client, tenant_id):
    # HS512 is a perfectly good algorithm, but only HS256 is configured.
    assert_unauthorized(client.get("/v1/customers", headers=signed(claims_for(tenant_id), algorithm="HS512")))


def test_expired_token_is_401(client, settings, tenant_id):
    body = assert_unauthorized(client.get("/v1/customers", headers=bearer(settings, tenant_id, ttl=-1)))
    assert "expired" in body["message"]


def test_token_without_expiry_is_401(client, tenant_id):
    assert_unauthorized(client.get("/v1/customers", headers=signed(claims_for(tenant_id, exp=None))))


def test_token_not_yet_valid_is_401(client, tenant_id):
    headers = signed(claims_for(tenant_id, nbf=int(time.time()) + 3600))
    assert_unauthorized(client.get("/v1/customers", headers=headers))


def test_wrong_audience_is_401(client, tenant_id):
    body = assert_unauthorized(client.get("/v1/customers", headers=signed(claims_for(tenant_id, aud="other-api"))))
    assert "audience" in body["message"]


def test_token_without_audience_is_401(client, tenant_id):
    assert_unauthorized(client.get("/v1/customers", headers=signed(claims_for(tenant_id, aud=None))))


def test_token_without_subject_is_401(client, tenant_id):
    assert_unauthorized(client.get("/v1/customers", headers=signed(claims_for(tenant_id, sub=None))))


def test_issuer_is_checked_when_one_is_configured(database, tenant_id):
    settings = Settings(_env_file=None, environment="test", jwt_secret=JWT_SECRET, database_url="sqlite://",
                        jwt_issuer="https://issuer.example")
    client = TestClient(create_app(settings, database=database), raise_server_exceptions=False)
    wrong = client.get("/v1/customers", headers=signed(claims_for(tenant_id, iss="https://evil.example")))
    assert "issuer" in assert_unauthorized(wrong)["message"]
    assert_unauthorized(client.get("/v1/customers", headers=signed(claims_for(tenant_id))))  # no iss at all
    right = client.get("/v1/customers", headers=signed(claims_for(tenant_id, iss="https://issuer.example")))
    assert right.status_code == 200
    # issue_token stamps the configured issuer.
    assert client.get("/v1/customers", headers=bearer(settings, tenant_id)).status_code == 200


def test_issuer_is_ignored_when_none_is_configured(client, tenant_id):
    headers = signed(claims_for(tenant_id, iss="https://anyone.example"))
    assert client.get("/v1/customers", headers=headers).status_code == 200


def test_token_of_a_tenant_that_does_not_exist_is_401(client, settings):
    body = assert_unauthorized(client.get("/v1/customers", headers=bearer(settings, uuid.uuid4())))
    assert "tenant" in body["message"]


@pytest.mark.parametrize("tenant", [None, "not-a-uuid", 42])
def test_token_without_a_valid_tenant_claim_is_401(client, tenant_id, tenant):
    claims = claims_for(tenant_id)
    claims.pop("tenant")
    if tenant is not None:
        claims["tenant"] = tenant
    assert_unauthorized(client.get("/v1/customers", headers=signed(claims)))


# --- scopes -------------------------------------------------------------------------------


def test_missing_scope_is_403_with_the_envelope(client, settings, tenant_id):
    response = client.get("/v1/customers", headers=bearer(settings, tenant_id, scopes="invoices.read invoices.list"))
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "Forbidden"
    assert "customers.list" in body["message"]
    assert body["errors"] == []
    assert response.headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="customers.list"'


def test_each_action_needs_its_own_scope(client, auth, settings, tenant_id):
    customer = create_customer(client, auth)
    read_only = bearer(settings, tenant_id, scopes="customers.read")
    assert client.get(f"/v1/customers/{customer['id']}", headers=read_only).status_code == 200
    assert client.get("/v1/customers", headers=read_only).status_code == 403
    assert client.post("/v1/customers", json={"name": "X", "currency": "GBP"}, headers=read_only).status_code == 403
    assert client.delete(f"/v1/customers/{customer['id']}", headers=read_only).status_code == 403


def test_group_wildcard_grants_every_action_of_the_group(client, auth, settings, tenant_id):
    customer = create_customer(client, auth)
    group = bearer(settings, tenant_id, scopes="customers.*")
    assert client.get(f"/v1/customers/{customer['id']}", headers=group).status_code == 200
    assert client.get("/v1/customers", headers=group).status_code == 200
    assert client.post("/v1/customers", json={"name": "X", "currency": "GBP"}, headers=group).status_code == 201
    other_group = bearer(settings, tenant_id, scopes="invoices.*")
    assert client.get(f"/v1/customers/{customer['id']}", headers=other_group).status_code == 403


def test_star_grants_everything(client, settings, tenant_id):
    everything = bearer(settings, tenant_id, scopes="*")
    created = client.post("/v1/customers", json={"name": "X", "currency": "GBP"}, headers=everything)
    assert created.status_code == 201
    customer_id = created.json()["id"]
    assert client.get(f"/v1/customers/{customer_id}", headers=everything).status_code == 200
    assert client.get("/v1/customers", headers=everything).status_code == 200
    assert client.delete(f"/v1/customers/{customer_id}", headers=everything).status_code == 204


def test_scope_names_are_matched_exactly(client, settings, tenant_id):
    for scopes in ("customers", "customers.lis", "customer.list", "CUSTOMERS.LIST", "customers.list.extra"):
        response = client.get("/v1/customers", headers=bearer(settings, tenant_id, scopes=scopes))
        assert response.status_code == 403, scopes


# --- RS256 --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_keys() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def hs256_by_hand(claims: dict[str, object], secret: bytes) -> str:
    # python-jose refuses to use a PEM key as an HMAC secret, so the attacker's token is built by hand.
    signing_input = f"{segment({'alg': 'HS256', 'typ': 'JWT'})}.{segment(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def test_rs256_token_signed_by_the_private_key_is_accepted(database, tenant_id, rsa_keys):
    private, public = rsa_keys
    settings = Settings(_env_file=None, environment="test", database_url="sqlite://", jwt_algorithms="RS256",
                        jwt_public_key=public, jwt_private_key=private)
    client = TestClient(create_app(settings, database=database), raise_server_exceptions=False)
    headers = bearer(settings, tenant_id)
    assert jwt.get_unverified_header(headers["Authorization"].split()[1])["alg"] == "RS256"
    assert client.get("/v1/customers", headers=headers).status_code == 200


def test_rs256_token_signed_by_another_key_is_401(database, tenant_id, rsa_keys):
    _, public = rsa_keys
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    settings = Settings(_env_file=None, environment="test", database_url="sqlite://", jwt_algorithms="RS256",
                        jwt_public_key=public)
    client = TestClient(create_app(settings, database=database), raise_server_exceptions=False)
    assert_unauthorized(client.get("/v1/customers", headers=signed(claims_for(tenant_id), other, "RS256")))


@pytest.mark.parametrize("algorithms", ["RS256", "RS256,HS256"])
def test_hs256_token_signed_with_the_public_key_is_401(database, tenant_id, rsa_keys, algorithms):
    """The classic algorithm-confusion attack: the public key used as an HMAC secret."""
    _, public = rsa_keys
    settings = Settings(_env_file=None, environment="test", database_url="sqlite://", jwt_algorithms=algorithms,
                        jwt_public_key=public, jwt_secret=JWT_SECRET if "HS256" in algorithms else None)
    client = TestClient(create_app(settings, database=database), raise_server_exceptions=False)
    token = hs256_by_hand(claims_for(tenant_id), public.encode())
    assert_unauthorized(client.get("/v1/customers", headers={"Authorization": f"Bearer {token}"}))


def test_hs256_token_is_401_when_no_secret_is_configured(database, tenant_id, rsa_keys):
    _, public = rsa_keys
    settings = Settings(_env_file=None, environment="test", database_url="sqlite://", jwt_algorithms="RS256,HS256",
                        jwt_public_key=public)
    client = TestClient(create_app(settings, database=database), raise_server_exceptions=False)
    token = hs256_by_hand(claims_for(tenant_id), b"")
    assert_unauthorized(client.get("/v1/customers", headers={"Authorization": f"Bearer {token}"}))


# --- POST /v1/authenticate ----------------------------------------------------------------

BRAND = "Acme Billing"


@pytest.fixture
def login_tenant(database) -> uuid.UUID:
    tenant_id = make_tenant(database, BRAND)
    with database.independent_transaction() as session:
        create_user(session, tenant_id=tenant_id, username="jane", password="s3cret!", scopes="*")
        create_user(session, tenant_id=tenant_id, username="reader", password="read-only pass",
                    scopes="customers.read customers.list")
    return tenant_id


def login(client, brand: str = BRAND, username: str = "jane", password: str = "s3cret!"):
    return client.post("/v1/authenticate", json={"brand": brand, "username": username, "password": password})


def test_authenticate_answers_a_token_and_the_username(client, settings, login_tenant):
    response = login(client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"token", "username"}
    assert body["username"] == "jane"
    claims = jwt.decode(body["token"], JWT_SECRET, algorithms=["HS256"], audience="ledgerline")
    assert claims["sub"] == "jane"
    assert claims["tenant"] == str(login_tenant)
    assert claims["scope"] == "*"
    assert claims["exp"] - claims["iat"] == settings.login_token_ttl_seconds == 900


def test_the_login_token_works_on_v1(client, login_tenant):
    headers = {"Authorization": f"Bearer {login(client).json()['token']}"}
    created = client.post("/v1/customers", json={"name": "Made by Jane", "currency": "GBP"}, headers=headers)
    assert created.status_code == 201
    listed = client.get("/v1/customers", headers=headers)
    assert listed.status_code == 200
    assert [row["name"] for row in listed.json()] == ["Made by Jane"]


def test_the_login_token_carries_the_users_scopes(client, login_tenant):
    response = login(client, username="reader", password="read-only pass")
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    assert jwt.get_unverified_claims(response.json()["token"])["scope"] == "customers.read customers.list"
    assert client.get("/v1/customers", headers=headers).status_code == 200
    assert client.post("/v1/customers", json={"name": "X", "currency": "GBP"}, headers=headers).status_code == 403


def test_authenticate_needs_no_token(client, login_tenant):
    response = client.post("/v1/authenticate", json={"brand": BRAND, "username": "jane", "password": "s3cret!"},
                           headers={"Authorization": "Bearer garbage"})
    assert response.status_code == 200


@pytest.mark.parametrize("brand, username, password", [
    (BRAND, "jane", "wrong"),
    (BRAND, "jane", "S3CRET!"),
    (BRAND, "jane", " s3cret!"),  # passwords are compared as typed
    (BRAND, "nobody", "s3cret!"),
    ("No Such Brand", "jane", "s3cret!"),
    (BRAND.lower(), "jane", "s3cret!"),
])
def test_wrong_credentials_are_401_without_saying_which(client, login_tenant, brand, username, password):
    body = assert_unauthorized(login(client, brand, username, password), error="invalid_request")
    assert body["message"] == "unknown brand, username or password"


def test_a_user_cannot_log_in_through_another_brand(client, database, login_tenant):
    make_tenant(database, "Other Brand")
    assert login(client, brand="Other Brand").status_code == 401


@pytest.mark.parametrize("field, value", [
    ("brand", ""), ("brand", "b" * 101), ("username", ""), ("username", "u" * 101),
    ("password", ""), ("password", "p" * 101), ("password", None), ("brand", 5),
])
def test_authenticate_body_out_of_bounds_is_400_naming_the_field(client, login_tenant, field, value):
    body = {"brand": BRAND, "username": "jane", "password": "s3cret!", field: value}
    response = client.post("/v1/authenticate", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("missing", ["brand", "username", "password"])
def test_authenticate_missing_field_is_400(client, login_tenant, missing):
    body = {"brand": BRAND, "username": "jane", "password": "s3cret!"}
    del body[missing]
    response = client.post("/v1/authenticate", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == missing


def test_authenticate_refuses_unknown_fields(client, login_tenant):
    response = client.post("/v1/authenticate",
                           json={"brand": BRAND, "username": "jane", "password": "s3cret!", "scope": "*"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "scope"


def test_authenticate_accepts_100_character_values(client, database):
    tenant_id = make_tenant(database, "b" * 100)
    with database.independent_transaction() as session:
        create_user(session, tenant_id=tenant_id, username="u" * 100, password="p" * 100)
    response = login(client, "b" * 100, "u" * 100, "p" * 100)
    assert response.status_code == 200
    assert response.json()["username"] == "u" * 100


# --- the verified-token cache --------------------------------------------------------

def count_verifications(monkeypatch) -> list[str]:  # noqa: ANN001
    from ledgerline import auth

    verified: list[str] = []
    original = auth.verify_token

    def counting(token, settings):  # noqa: ANN001, ANN202
        verified.append(token)
        return original(token, settings)

    monkeypatch.setattr(auth, "verify_token", counting)
    return verified


def test_a_token_is_verified_once_and_then_served_from_the_cache(client, auth, monkeypatch):
    verified = count_verifications(monkeypatch)
    assert [client.get("/v1/customers", headers=auth).status_code for _ in range(3)] == [200] * 3
    assert len(verified) == 1


def test_a_cached_token_is_refused_once_it_has_expired(client, settings, tenant_id, monkeypatch):
    headers = bearer(settings, tenant_id, ttl=1)
    exp = jwt.get_unverified_claims(headers["Authorization"].split()[1])["exp"]
    assert client.get("/v1/customers", headers=headers).status_code == 200
    time.sleep(max(0.0, exp + 1.05 - time.time()))  # past exp, for python-jose's whole seconds too
    verified = count_verifications(monkeypatch)
    response = client.get("/v1/customers", headers=headers)
    assert response.status_code == 401 and "expired" in response.json()["message"]
    assert len(verified) == 1  # verified again, not served from the cache


def test_the_cache_serves_a_token_only_before_its_exp_and_keeps_the_newest(settings, tenant_id, monkeypatch):
    from ledgerline.auth import VerifiedTokens

    now = [time.time()]
    cache = VerifiedTokens(size=2, clock=lambda: now[0])
    verified = count_verifications(monkeypatch)
    tokens = [bearer(settings, tenant_id, ttl=600 + n)["Authorization"].split()[1] for n in range(3)]
    first = cache.principal(tokens[0], settings)
    assert cache.principal(tokens[0], settings) is first and len(verified) == 1
    now[0] = jwt.get_unverified_claims(tokens[0])["exp"]  # at exp: never from the cache
    cache.principal(tokens[0], settings)
    assert len(verified) == 2
    now[0] = time.time()
    cache.principal(tokens[1], settings)
    cache.principal(tokens[2], settings)
    assert len(cache) == 2 and tokens[0] not in cache and tokens[1] in cache and tokens[2] in cache


# --- revocable login tokens (issue 17 item 3: every node refuses them within LEDGERLINE_CACHE_CHECK_SECONDS) ---

def test_a_login_token_carries_its_user_s_token_version(client, login_tenant):
    assert jwt.get_unverified_claims(login(client).json()["token"])["uv"] == 1


@pytest.fixture
def recheck_client(database) -> TestClient:
    """An app that looks at a user's token version on every request (no bound)."""
    from tests.conftest import make_settings
    return TestClient(create_app(make_settings(cache_check_seconds=0), database=database),
                      raise_server_exceptions=False)


def test_revoking_a_user_s_tokens_refuses_the_old_and_not_a_new_login(recheck_client, database, login_tenant):
    from ledgerline.tenants.service import revoke_tokens
    old = {"Authorization": f"Bearer {login(recheck_client).json()['token']}"}
    assert recheck_client.get("/v1/customers", headers=old).status_code == 200
    with database.independent_transaction() as session:
        assert revoke_tokens(session, tenant_id=login_tenant, username="jane") == 2
    body = assert_unauthorized(recheck_client.get("/v1/customers", headers=old))
    assert "revoked" in body["message"]
    new = {"Authorization": f"Bearer {login(recheck_client).json()['token']}"}
    assert recheck_client.get("/v1/customers", headers=new).status_code == 200


def test_a_new_password_revokes_the_tokens_of_the_old_one(recheck_client, database, login_tenant):
    from ledgerline.tenants.service import set_password
    old = {"Authorization": f"Bearer {login(recheck_client).json()['token']}"}
    with database.independent_transaction() as session:
        set_password(session, tenant_id=login_tenant, username="jane", password="n3w-secret")
    assert_unauthorized(recheck_client.get("/v1/customers", headers=old))
    assert login(recheck_client).status_code == 401
    assert login(recheck_client, password="n3w-secret").status_code == 200


def test_a_token_naming_a_user_that_does_not_exist_or_a_bad_version_is_401(recheck_client, login_tenant):
    assert_unauthorized(recheck_client.get("/v1/customers", headers=signed(claims_for(login_tenant, sub="ghost", uv=1))))
    for bad in ("1", 1.5, True):
        assert_unauthorized(recheck_client.get("/v1/customers",
                                               headers=signed(claims_for(login_tenant, sub="jane", uv=bad))))
    assert recheck_client.get("/v1/customers", headers=signed(claims_for(login_tenant, sub="jane", uv=1))).status_code == 200


def test_revoking_the_tokens_of_an_unknown_user_names_the_username(session, tenant_id):
    from ledgerline.errors import InvalidRequest
    from ledgerline.tenants.service import revoke_tokens
    with pytest.raises(InvalidRequest) as error:
        revoke_tokens(session, tenant_id=tenant_id, username="nobody")
    assert error.value.errors[0].field == "username"
