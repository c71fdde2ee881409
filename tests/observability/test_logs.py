"""The request log: one JSON line per request with its id, tenant, route, status and duration; no secrets."""

from __future__ import annotations

import io
import json
import logging

import pytest
from fastapi.testclient import TestClient

from ledgerline.app import create_app
from ledgerline.observability import logs
from ledgerline.tenants.service import create_user
from tests.conftest import make_settings
from tests.factories import create_customer

CARD = "4111 1111 1111 1111"
IBAN = "GB82WEST12345698765432"
PASSWORD = "correct horse battery staple 9"


def request_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()
            if line.startswith("{") and '"logger": "ledgerline.request"' in line]


@pytest.fixture
def json_client(database):
    app = create_app(make_settings(log_format="json"), database=database)
    return TestClient(app, raise_server_exceptions=False)


def test_one_json_line_per_request_with_id_tenant_route_status_and_duration(json_client, auth, tenant_id, capsys):
    customer = create_customer(json_client, auth)
    capsys.readouterr()
    response = json_client.get(f"/v1/customers/{customer['id']}", headers={**auth, "X-Request-Id": "req-42"})
    assert response.headers["x-request-id"] == "req-42"
    [line] = request_lines(capsys.readouterr().err)
    assert line["request_id"] == "req-42" and line["tenant"] == str(tenant_id)
    assert line["route"] == "/v1/customers/{customer_id}" and line["method"] == "GET" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["level"] == "INFO" and line["ts"].endswith("Z")


def test_an_unauthenticated_request_has_no_tenant_and_its_generated_id_is_the_answered_one(json_client, capsys):
    capsys.readouterr()
    response = json_client.get("/v1/customers")
    assert response.status_code == 401
    [line] = request_lines(capsys.readouterr().err)
    assert line["tenant"] is None and line["status"] == 401 and line["request_id"] == response.headers["x-request-id"]


def test_no_password_token_card_or_bank_number_is_ever_logged(json_client, database, settings, auth, tenant_id,
                                                              capsys):
    from ledgerline.models import Tenant

    with database.independent_transaction() as session:
        create_user(session, tenant_id=tenant_id, username="jane", password=PASSWORD)
        brand = session.get(Tenant, tenant_id).name

    @json_client.app.get("/boom")
    def boom() -> None:  # an unexpected failure whose message carries secrets: the traceback is logged
        raise RuntimeError(f"failed with Authorization: Bearer {auth['Authorization'][7:]} card {CARD} "
                           f"iban {IBAN} password={PASSWORD!r}")

    capsys.readouterr()
    login = json_client.post("/v1/authenticate", json={"brand": brand, "username": "jane", "password": PASSWORD})
    assert login.status_code == 200, login.text
    token = login.json()["token"]
    assert json_client.get("/v1/customers", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    json_client.post("/v1/customers", headers=auth, json={"name": f"Card {CARD}", "currency": "GBP"})
    json_client.get(f"/v1/customers?name=like:{CARD.replace(' ', '')}&token={token}", headers=auth)
    assert json_client.get("/boom", headers=auth).status_code == 500
    logging.getLogger("ledgerline.errors").warning("payment failed: card_number=%s token %s",
                                                   CARD.replace(" ", ""), token)
    output = capsys.readouterr().err
    assert '"logger": "ledgerline.errors"' in output and "RuntimeError" in output   # the failure was logged
    assert len(request_lines(output)) == 5
    for secret in (PASSWORD, token, auth["Authorization"][7:], CARD, CARD.replace(" ", ""), IBAN,
                   "4111111111111111", "1111 1111 1111 1111"):
        assert secret not in output, secret
    assert "[REDACTED" in output


@pytest.mark.parametrize("text, hidden", [
    ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
    ('{"password": "hunter2"}', "hunter2"),
    ("secret=s3cr3t&x=1", "s3cr3t"),
    ("card 5500-0000-0000-0004 declined", "5500-0000-0000"),
    ("account 12345678901234", "1234567890"),
    ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "eyJzdWIiOiJ4In0"),
])
def test_mask_hides_secrets(text, hidden):
    assert hidden not in logs.mask(text)


def test_mask_keeps_ordinary_text_and_short_numbers():
    text = "GET /v1/invoices/12345 200 in 3.2 ms, amount 1999.00"
    assert logs.mask(text) == text


def test_plain_text_on_a_terminal_json_otherwise():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert isinstance(logs.formatter_for("auto", Terminal()), logs.TextFormatter)
    assert isinstance(logs.formatter_for("auto", io.StringIO()), logs.JsonFormatter)
    record = logging.LogRecord("ledgerline.request", logging.INFO, __file__, 1, "GET /x 200", None, None)
    record.status = 200
    line = logs.TextFormatter().format(record)
    assert "INFO" in line and "GET /x 200" in line and "status=200" in line and not line.startswith("{")


def test_an_operator_logging_configuration_is_left_alone(monkeypatch):
    logger = logging.getLogger(logs.ROOT_LOGGER)
    monkeypatch.setattr(logger, "handlers", [logging.NullHandler()])
    monkeypatch.setattr(logger, "propagate", True)
    logs.configure("json")
    assert len(logger.handlers) == 1 and isinstance(logger.handlers[0], logging.NullHandler)
    assert logger.propagate is True
