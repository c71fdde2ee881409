"""/crmapi/rest/v2 beyond the generic suites: hostile values in every flattened identifier and in
``fields_set``, and forged tokens where CRM.COM clients put them (the query and the body), each answered
in the CRM.COM envelope with nothing written."""

from __future__ import annotations

import time

import pytest
from jose import jwt

from tests.security.conftest import ISSUER, Deployment, Keys, rsa_pem_pair
from tests.security.test_list_parameters import HOSTILE
from tests.spec import envelope_problems, operations, parameters

BASE = "/crmapi/rest/v2"
GETS = [(path, operation) for method, path, operation in operations() if method == "GET" and path.startswith(BASE)]


def required(deployment: Deployment, operation) -> dict[str, str]:
    values = {"payment_identifier": "id=1", "accounts_receivable_identifier": f"id={deployment.customer_id}",
              "number": "1"}
    return {p["name"]: values[p["name"]] for p in parameters(operation, "query") if p.get("required")}


@pytest.mark.parametrize(("path", "operation"), GETS, ids=[path for path, _ in GETS])
def test_hostile_identifier_and_fields_set_values_are_refused_in_the_envelope(deployment: Deployment, path,
                                                                               operation, record_property):
    before = deployment.row_counts()
    sent = 0
    targets = [p["name"] for p in parameters(operation, "query") if p["name"] not in ("token", "number")]
    assert targets
    for name in targets:
        for value in HOSTILE + [f"id={value}" for value in HOSTILE] + [f"name={value}" for value in HOSTILE]:
            params = {**required(deployment, operation), name: value}
            response = deployment.client.get(path, params=params, headers=deployment.auth)
            sent += 1
            label = f"GET {path}?{name}={value!r}"
            body = response.json()
            if response.status_code == 200:  # a literal that matched nothing (a name nobody has is 400)
                assert body["status"]["code"] == "OK" and body["data"] in ([], None), label
                continue
            assert response.status_code in (400, 404), f"{label}: {response.status_code} {response.text[:300]}"
            assert envelope_problems(path, response.status_code, body) == [], label
            assert body["status"]["code"] in ("VALIDATION_ERROR", "INVALID_IDENTIFIER", "NOT_FOUND"), label
    assert deployment.row_counts() == before
    record_property("requests_sent", sent)


def forged(deployment: Deployment, keys: Keys) -> dict[str, str]:
    now = int(time.time())
    claims = {"sub": "attacker", "tenant": str(deployment.tenant_id), "scope": "*", "aud": "ledgerline",
              "iss": ISSUER, "iat": now, "nbf": now, "exp": now + 600}
    return {
        "another-key": jwt.encode(claims, rsa_pem_pair().private, algorithm="RS256"),
        "expired": jwt.encode({**claims, "exp": now - 60}, keys.private, algorithm="RS256"),
        "wrong-issuer": jwt.encode({**claims, "iss": "https://attacker.example"}, keys.private, algorithm="RS256"),
        "garbage": "not.a.token",
    }


def test_forged_tokens_in_the_query_and_the_body_are_invalid_token(deployment: Deployment, keys: Keys):
    before = deployment.row_counts()
    for kind, token in forged(deployment, keys).items():
        shown = deployment.client.get(f"{BASE}/payments/show", params={"token": token, "payment_identifier": "id=1"})
        created = deployment.client.post(f"{BASE}/payments/create", json={
            "token": token, "accounts_receivable_identifier": {"id": deployment.customer_id},
            "type_identifier": {"alternative_code": "PAYMENT"}, "payment_method_identifier": {"alternative_code": "CHEQUE"},
            "life_cycle_state": "POSTED", "payment_amount": 1})
        for response in (shown, created):
            assert response.status_code == 401, (kind, response.text)
            assert response.json()["status"]["code"] == "INVALID_TOKEN", kind
            assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"'), kind
    assert deployment.row_counts() == before


def test_a_good_token_in_the_body_works_and_a_forged_header_does_not_override_it(deployment: Deployment, keys: Keys):
    token = deployment.auth["Authorization"].removeprefix("Bearer ")
    response = deployment.client.post(f"{BASE}/payments/post", json={"token": token, "payment_identifier": {"id": 1}},
                                      headers={"Authorization": "Bearer " + forged(deployment, keys)["garbage"]})
    assert response.status_code == 404 and response.json()["status"]["code"] == "NOT_FOUND"
