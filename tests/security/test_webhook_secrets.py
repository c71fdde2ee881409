"""Webhook secrets: answered only by create and rotate-secret, never listed, never logged (the API's request
log nor the worker's), never another tenant's."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from ledgerline.app import create_app
from ledgerline.events.worker import Worker
from tests.conftest import make_settings
from tests.factories import create_customer


@pytest.fixture
def json_client(database):
    app = create_app(make_settings(log_format="json"), database=database)
    return TestClient(app, raise_server_exceptions=False)


def test_secrets_are_shown_once_and_never_logged(json_client, database, auth, other_auth, capsys):
    created = json_client.post("/v1/webhook-endpoints", headers=auth, json={"url": "https://receiver.example/h"})
    assert created.status_code == 201
    endpoint = created.json()
    rotated = json_client.post(f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret", headers=auth).json()
    secrets = [endpoint["secret"], rotated["secret"]]
    create_customer(json_client, auth)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="echo " + request.headers["ledgerline-signature"])

    Worker(database, client=httpx.Client(transport=httpx.MockTransport(answer))).run_once()
    answers = [json_client.get("/v1/webhook-endpoints", headers=auth).text,
               json_client.get(f"/v1/webhook-endpoints/{endpoint['id']}", headers=auth).text,
               json_client.get("/v1/events", headers=auth).text]
    for secret in secrets:
        assert all(secret not in text for text in answers)
    logged = capsys.readouterr().err
    assert logged and all(secret not in logged for secret in secrets)
    assert json_client.get(f"/v1/webhook-endpoints/{endpoint['id']}", headers=other_auth).status_code == 404
    assert json_client.get("/v1/webhook-deliveries", headers=other_auth).json() == []
