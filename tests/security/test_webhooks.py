"""Provider webhooks take no bearer token: their HMAC signature is the credential. Forged, replayed,
unsigned or misdirected deliveries are 401 and write nothing."""

from __future__ import annotations

import time

from tests.factories import create_contract_owner
from tests.providers.helpers import WEBHOOK_SECRET, event, signed
from tests.security.conftest import Deployment


def test_forged_webhooks_are_401_and_write_nothing(deployment: Deployment):
    client, auth = deployment.client, deployment.auth
    owner = create_contract_owner(client, auth)
    provider = client.post("/v1/payment-providers", json={
        "type": "GO_CARDLESS", "name": "GC", "contractOwnerIds": [owner["id"]], "webhookSecret": WEBHOOK_SECRET},
        headers=auth).json()
    path = f"/v1/payment-provider-webhooks/{provider['id']}"
    before = deployment.row_counts()
    events = [event("SBX-PM-1", "PAID_OUT")]
    forged = [
        signed(events, secret="guessed-secret-0000000"),
        signed(events, timestamp=int(time.time()) - 3600),  # a replay from an hour ago
        signed(events, timestamp=int(time.time()) + 3600),
        (signed(events)[0], {"Content-Type": "application/json"}),
        (signed(events)[0], {"Content-Type": "application/json", "Webhook-Signature": "t=abc,v1=00"}),
        (signed(events)[0], {**signed([])[1]}),  # a signature of another body
        (signed(events)[0], {"Content-Type": "application/json", **auth}),  # a bearer token is no substitute
    ]
    for body, headers in forged:
        response = client.post(path, content=body, headers=headers)
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "Unauthorized"
    other = client.post("/v1/payment-provider-webhooks/999999999", content=signed(events)[0],
                        headers=signed(events)[1])
    assert other.status_code == 401
    assert deployment.row_counts() == before
