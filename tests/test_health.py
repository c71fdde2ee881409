"""Liveness and readiness probes: no token needed, readiness names the database."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ledgerline.app import create_app
from ledgerline.db import Database, make_engine


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_names_the_database(client, backend):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": backend}


def test_probes_need_no_token(client):
    assert client.get("/readyz", headers={"Authorization": "Bearer garbage"}).status_code == 200
    assert client.get("/healthz", headers={"Authorization": "Bearer garbage"}).status_code == 200


def test_readyz_is_503_when_the_database_cannot_be_reached(settings, tmp_path):
    unreachable = Database(make_engine(f"sqlite:///{tmp_path / 'missing-directory' / 'ledgerline.db'}"))
    client = TestClient(create_app(settings, database=unreachable), raise_server_exceptions=False)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    # Liveness does not depend on the database.
    assert client.get("/healthz").status_code == 200
    unreachable.dispose()


def test_the_lifespan_creates_and_disposes_the_database(settings, tmp_path):
    settings = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'fresh.db'}"})
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/readyz").json() == {"status": "ok", "database": "sqlite"}
    assert app.state.db is None
