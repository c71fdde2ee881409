"""The ``ledgerline`` command against a throw-away SQLite file migrated with ``ledgerline migrate``."""

from __future__ import annotations

import json
import logging
import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jose import jwt
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from ledgerline.app import create_app
from ledgerline.cli import main
from ledgerline.config import get_settings
from ledgerline.models import Event, Tenant, User

SECRET = "cli-test-secret-0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.chdir(tmp_path)  # settings read ./.env: never the developer's own
    for name in list(os.environ):
        if name.startswith("LEDGERLINE_"):
            monkeypatch.delenv(name)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LEDGERLINE_JWT_SECRET", SECRET)
    get_settings.cache_clear()
    # Alembic's env.py installs the logging of alembic.ini; keep it from leaking into other tests.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        assert main(["migrate"]) == 0
        yield url
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out.strip()


def create_tenant(capsys, name: str = "Acme Billing") -> uuid.UUID:
    return uuid.UUID(run(capsys, "tenant", "create", name))


def test_migrate_reports_the_revision(database_url, capsys):
    assert run(capsys, "migrate") == "database migrated to head"


def test_tenant_create_prints_the_new_tenants_uuid(database_url, capsys):
    tenant_id = create_tenant(capsys, "Acme Billing")
    engine = create_engine(database_url)
    with Session(engine) as session:
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        assert tenant.name == "Acme Billing"
    engine.dispose()


def test_duplicate_tenant_fails_cleanly(database_url, capsys):
    create_tenant(capsys, "Acme Billing")
    assert main(["tenant", "create", "Acme Billing"]) == 1
    captured = capsys.readouterr()
    assert "exists already" in captured.err
    assert captured.out == ""


def test_token_decodes_with_the_configured_secret_and_carries_the_scopes(database_url, capsys):
    tenant_id = create_tenant(capsys)
    token = run(capsys, "token", "--tenant", str(tenant_id), "--scope", "customers.read invoices.*",
                "--sub", "ops", "--ttl", "120")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="ledgerline")
    assert claims["scope"] == "customers.read invoices.*"
    assert claims["tenant"] == str(tenant_id)
    assert claims["sub"] == "ops"
    assert claims["exp"] - claims["iat"] == 120
    with pytest.raises(Exception):
        jwt.decode(token, "another-secret", algorithms=["HS256"], audience="ledgerline")


def test_token_defaults_to_every_scope_and_works_on_the_api(database_url, capsys):
    tenant_id = create_tenant(capsys)
    token = run(capsys, "token", "--tenant", str(tenant_id))
    assert jwt.get_unverified_claims(token)["scope"] == "*"
    with TestClient(create_app(get_settings())) as client:
        response = client.get("/v1/customers", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_token_refuses_a_tenant_that_is_not_a_uuid(database_url, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["token", "--tenant", "acme"])
    assert exit_.value.code == 2
    assert "invalid UUID value" in capsys.readouterr().err


def test_user_create_then_authenticate(database_url, capsys):
    tenant_id = create_tenant(capsys, "Acme Billing")
    out = run(capsys, "user", "create", "--tenant", str(tenant_id), "--username", "jane",
              "--password", "s3cret!", "--scope", "customers.*")
    assert out == f"user jane created in tenant {tenant_id}"
    engine = create_engine(database_url)
    with Session(engine) as session:
        user = session.execute(select(User).where(User.username == "jane")).scalar_one()
        assert user.tenant_id == tenant_id
        assert user.scopes == "customers.*"
        assert "s3cret!" not in user.password_hash and user.password_hash.startswith("$argon2")
    engine.dispose()

    with TestClient(create_app(get_settings())) as client:
        login = client.post("/v1/authenticate", json={"brand": "Acme Billing", "username": "jane",
                                                      "password": "s3cret!"})
        assert login.status_code == 200, login.text
        assert login.json()["username"] == "jane"
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        assert client.post("/v1/customers", json={"name": "X", "currency": "GBP"}, headers=headers).status_code == 201
        wrong = client.post("/v1/authenticate", json={"brand": "Acme Billing", "username": "jane",
                                                      "password": "nope"})
        assert wrong.status_code == 401


def test_user_create_in_an_unknown_tenant_fails_cleanly(database_url, capsys):
    assert main(["user", "create", "--tenant", str(uuid.uuid4()), "--username", "jane", "--password", "x"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_init_env_writes_a_secret_into_a_fresh_env_file_once(database_url, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("LEDGERLINE_JWT_SECRET")
    get_settings.cache_clear()
    env = tmp_path / ".env"
    assert not env.exists()

    assert main(["init-env", "--file", str(env)]) == 0
    first = env.read_text()
    lines = first.splitlines()
    assert len(lines) == 1 and lines[0].startswith("LEDGERLINE_JWT_SECRET=")
    secret = lines[0].split("=", 1)[1]
    assert len(secret) >= 32
    assert stat.S_IMODE(env.stat().st_mode) == 0o600

    get_settings.cache_clear()
    assert main(["init-env", "--file", str(env)]) == 0
    assert env.read_text() == first  # not twice

    get_settings.cache_clear()
    assert get_settings().jwt_secret.get_secret_value() == secret  # the server picks it up


def test_init_env_keeps_existing_settings(database_url, tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLINE_JWT_SECRET")
    get_settings.cache_clear()
    env = tmp_path / ".env"
    env.write_text("DATABASE_URL=sqlite:///./other.db")  # no trailing newline
    assert main(["init-env", "--file", str(env)]) == 0
    lines = env.read_text().splitlines()
    assert lines[0] == "DATABASE_URL=sqlite:///./other.db"
    assert lines[1].startswith("LEDGERLINE_JWT_SECRET=") and len(lines) == 2


def test_init_env_writes_nothing_when_a_secret_is_configured(database_url, tmp_path):
    env = tmp_path / ".env"
    assert main(["init-env", "--file", str(env)]) == 0  # LEDGERLINE_JWT_SECRET is in the environment
    assert not env.exists()


def test_verify_passes_on_a_consistent_ledger_and_names_a_mismatch(database_url, capsys):
    from sqlalchemy import create_engine, text

    tenant = create_tenant(capsys)
    assert "0 mismatch" in run(capsys, "verify", "--tenant", str(tenant))
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO customers (tenant_id, locator, uuid, version, number, name, currency, "
            "credit_threshold_minor, credit_minor, status, created_at, updated_at) VALUES "
            "(:tenant, 'L1', :uuid, 1, 'CUS-1', 'X', 'GBP', 0, 700, 'ACTIVE', '2026-01-01', '2026-01-01')"),
            {"tenant": tenant.hex, "uuid": uuid.uuid4().hex})
    engine.dispose()
    capsys.readouterr()
    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH customer credit" in out and "stored 700, journal says 0" in out


def test_token_without_a_secret_is_one_clear_line_and_exit_code_2(database_url, monkeypatch, capsys):
    monkeypatch.delenv("LEDGERLINE_JWT_SECRET")
    get_settings.cache_clear()
    capsys.readouterr()
    assert main(["token", "--tenant", str(uuid.uuid4())]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.strip().splitlines()
    assert line.startswith("ledgerline: ") and "LEDGERLINE_JWT_SECRET" in line and "Traceback" not in line


def test_the_installed_command_without_a_secret_prints_no_traceback(tmp_path):
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if not key.startswith("LEDGERLINE_")}
    done = subprocess.run([sys.executable, "-m", "ledgerline.cli", "token", "--tenant", str(uuid.uuid4())],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_invalid_settings_are_named_without_a_traceback(database_url, monkeypatch, capsys):
    monkeypatch.setenv("LEDGERLINE_JWT_ALGORITHMS", "none")
    get_settings.cache_clear()
    capsys.readouterr()
    assert main(["token", "--tenant", str(uuid.uuid4())]) == 2
    err = capsys.readouterr().err
    assert "jwt_algorithms" in err and "Traceback" not in err


def test_every_command_and_sub_command_has_help_with_an_example(capsys):
    from ledgerline.cli import build_parser, walk

    parsers = list(walk(build_parser()))
    names = {" ".join(path) for path, _ in parsers}
    assert {"", "serve", "migrate", "token", "tenant", "tenant create", "user", "user create", "seed", "verify",
            "init-env"} <= names
    for path, parser in parsers:
        text = parser.format_help()
        assert "example:\n  ledgerline " in text or "example:\n  TOKEN=" in text or "example:\n  TENANT=" in text \
            or "example:\n  DATABASE_URL=" in text, path
        for action in parser._actions:
            if action.option_strings or action.dest not in ("command", "action"):
                assert action.help, (path, action.dest)
        with pytest.raises(SystemExit) as exited:
            main([*path, "--help"])
        assert exited.value.code == 0
        assert "example:" in capsys.readouterr().out


def test_seed_makes_a_demo_tenant_that_verifies_clean(database_url, capsys):
    output = run(capsys, "seed", "--tenant", "Demo Telecom", "--customers", "9", "--months", "3", "--quiet")
    assert "9 customers, 27 invoices" in output and "1 write-off(s)" in output and "2 sub-brands" in output
    tenant_id = uuid.UUID(output.split()[1].rstrip(":"))
    assert run(capsys, "verify", "--tenant", str(tenant_id)) == "verify: 0 mismatch(es)"
    token = run(capsys, "token", "--tenant", str(tenant_id))
    with TestClient(create_app()) as client:
        auth = {"Authorization": f"Bearer {token}"}
        assert client.get("/v1/customers", headers=auth).headers["x-total-count"] == "9"
        assert client.get("/v1/refunds", headers=auth).headers["x-total-count"] == "2"
        assert client.get("/v1/credits?creditType=writeOff", headers=auth).headers["x-total-count"] == "1"
        brands = client.get("/v1/contract-owner-sub-brands", headers=auth).json()
        assert len(brands) == 2
        logo = client.get(f"/v1/contract-owner-sub-brands/{brands[0]['id']}/logo", headers=auth)
        assert logo.status_code == 200 and logo.headers["content-type"] == "image/png"
        statuses = {invoice["paymentStatus"] for invoice in client.get("/v1/invoices?pageSize=1000",
                                                                        headers=auth).json()}
        assert {"PAID", "UNPAID", "PART_REFUNDED"} <= statuses
    # A second run adds to the same tenant (found by name) and still verifies.
    again = run(capsys, "seed", "--tenant", "Demo Telecom", "--customers", "1", "--months", "2", "--quiet")
    assert again.split()[1].rstrip(":") == str(tenant_id)
    assert run(capsys, "verify") == "verify: 0 mismatch(es)"


def test_seed_shows_a_progress_bar_of_the_customers_on_stderr(database_url, capsys):
    capsys.readouterr()
    assert main(["seed", "--tenant", "Progress Telecom", "--customers", "3", "--months", "2"]) == 0
    captured = capsys.readouterr()
    assert "seeding customers" in captured.err and "3/3" in captured.err   # rich's bar, finished
    assert "seeding" not in captured.out and "3 customers" in captured.out   # the report stays on stdout


def test_the_installed_seed_command_records_events_on_its_own(database_url, tmp_path):
    """A fresh process, as a newcomer runs it: the use cases' events are rendered without the server's
    modules loaded first (in this test process the app is imported already, which hid the missing import)."""
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if not key.startswith("LEDGERLINE_")}
    env.update(DATABASE_URL=database_url, LEDGERLINE_JWT_SECRET=SECRET)
    done = subprocess.run([sys.executable, "-m", "ledgerline.cli", "seed", "--tenant", "Fresh Process",
                           "--customers", "1", "--months", "2", "--quiet"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with Session(create_engine(database_url)) as session:
        tenant = session.execute(select(Tenant).where(Tenant.name == "Fresh Process")).scalar_one()
        types = set(session.execute(select(Event.type).where(Event.tenant_id == tenant.id)).scalars())
    assert {"customer.created", "invoice.posted", "payment.posted"} <= types


def test_seed_refuses_nonsense_counts_cleanly(database_url, capsys):
    capsys.readouterr()
    assert main(["seed", "--tenant", "X", "--customers", "0"]) == 2
    assert "--customers" in capsys.readouterr().err


def test_serve_with_several_workers_gives_them_a_metrics_directory(monkeypatch, tmp_path):
    from ledgerline.cli import METRICS_DIR_ENV, _metrics_directory

    monkeypatch.delenv(METRICS_DIR_ENV, raising=False)
    with _metrics_directory(1):
        assert METRICS_DIR_ENV not in os.environ
    with _metrics_directory(3):
        directory = Path(os.environ[METRICS_DIR_ENV])
        assert directory.is_dir()
    assert not directory.exists() and METRICS_DIR_ENV not in os.environ
    # An operator's own directory is kept, emptied of a previous run's files.
    own = tmp_path / "metrics"
    own.mkdir()
    (own / "counter_123.db").write_bytes(b"old")
    monkeypatch.setenv(METRICS_DIR_ENV, str(own))
    with _metrics_directory(1):
        assert os.environ[METRICS_DIR_ENV] == str(own) and not list(own.glob("*.db"))
    assert own.is_dir()


def test_api_client_create_prints_its_credentials_as_json_which_get_a_token(database_url, capsys):
    tenant_id = create_tenant(capsys, "Acme Billing")
    created = json.loads(run(capsys, "api-client", "create", "--tenant", str(tenant_id), "--scope", "payments.*"))
    assert set(created) == {"client_id", "client_secret"}
    listed = json.loads(run(capsys, "api-client", "list", "--tenant", str(tenant_id)))
    assert [(each["client_id"], each["scopes"], each["revoked_at"]) for each in listed] == [
        (created["client_id"], "payments.*", None)]
    assert created["client_secret"] not in json.dumps(listed)
    with TestClient(create_app(get_settings())) as client:
        token = client.post("/api/v1/oauth2/token", json={"grant_type": "client_credentials", **created,
                                                          "redirect_uri": "https://app.example/cb"})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assert client.get("/api/v3/payments", headers=headers).status_code == 200
        assert run(capsys, "api-client", "revoke", created["client_id"]) == f"API client {created['client_id']} revoked"
        again = client.post("/api/v1/oauth2/token", json={"grant_type": "client_credentials", **created})
        assert again.status_code == 401


def test_api_client_revoke_of_an_unknown_client_fails_cleanly(database_url, capsys):
    assert main(["api-client", "revoke", "llc_nobody"]) == 1
    assert "not found" in capsys.readouterr().err
