"""docker-compose.yml and the Dockerfile, checked with what a machine without a Docker engine has.

The compose file's structure is checked against what ``docker compose up`` needs (services, health checks,
start order, the database URL); ``docker compose config`` validates it too wherever the compose plugin is
installed. The image's command is run with a stand-in ``ledgerline`` to prove it migrates, then serves.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from ledgerline.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"


@pytest.fixture(scope="module")
def compose() -> dict:
    document = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(document, dict) and isinstance(document.get("services"), dict)
    return document


def _healthcheck(service: dict) -> list[str]:
    check = service.get("healthcheck")
    assert isinstance(check, dict), "every long-running service has a health check"
    test = check["test"]
    assert isinstance(test, list) and test[0] in ("CMD", "CMD-SHELL") and len(test) > 1
    for key in ("interval", "timeout"):
        assert re.fullmatch(r"\d+(ms|s|m)", str(check[key])), key
    assert int(check.get("retries", 3)) >= 1
    return test


def test_compose_brings_up_postgresql_and_the_api_with_health_checks(compose):
    services = compose["services"]
    allowed = {"image", "build", "environment", "volumes", "healthcheck", "ports", "depends_on", "restart",
               "command", "profiles"}
    for name, service in services.items():
        assert set(service) <= allowed, (name, set(service) - allowed)
        assert ("image" in service) != ("build" in service), name

    db = services["db"]
    assert re.fullmatch(r"postgres:1[5-9](\.\d+)?", db["image"])
    assert "pg_isready" in " ".join(_healthcheck(db))
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} <= set(db["environment"])
    for volume in db["volumes"]:
        assert volume.split(":")[0] in compose["volumes"]   # named volumes are declared

    api = services["api"]
    assert api["build"] == "."
    assert "/readyz" in " ".join(_healthcheck(api))   # healthy only once the database answers
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    url = api["environment"]["DATABASE_URL"]
    user, password, database = (db["environment"][key] for key in ("POSTGRES_USER", "POSTGRES_PASSWORD",
                                                                    "POSTGRES_DB"))
    assert url == f"postgresql+psycopg://{user}:{password}@db:5432/{database}"
    assert "LEDGERLINE_JWT_SECRET" in api["environment"]
    assert any(str(port).endswith(":8000") for port in api["ports"])


def test_every_compose_command_is_a_real_ledgerline_command(compose):
    """No placeholder services: every command is a real one; the worker runs beside the API."""
    commands = {name for path, _ in _walk() if len(path) == 1 for name in path}
    for name, service in compose["services"].items():
        command = service.get("command")
        if command is None:
            assert name in ("db", "api"), f"{name} has no command of its own"
            continue
        assert command[0] == "ledgerline" and command[1] in commands, (name, command)
        build_parser().parse_args(command[1:])   # the arguments parse (SystemExit otherwise)
        if name == "worker":   # the one long-running service beside the API
            assert command[:2] == ["ledgerline", "worker"] and "profiles" not in service
            assert service["depends_on"]["api"]["condition"] == "service_healthy"   # migrated by then
            # Its health check reads the age of the file each working pass touches.
            heartbeat = command[command.index("--heartbeat") + 1]
            assert heartbeat in " ".join(_healthcheck(service)) and "getmtime" in " ".join(_healthcheck(service))
            continue
        assert "profiles" in service, f"{name} is a one-off (a profile), not part of a plain `up`"
    assert "worker" in compose["services"] and "worker" in commands


def _walk():
    from ledgerline.cli import walk

    return walk(build_parser())


def _compose_command() -> list[str] | None:
    """``docker compose`` (the plugin), else the standalone ``docker-compose``; None when neither is here."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True,
                                                 timeout=30).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_config_accepts_the_file(tmp_path):
    compose_command = _compose_command()
    if compose_command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed here")
    # `config` reads and validates the file only: no engine is needed.
    done = subprocess.run([*compose_command, "-f", str(COMPOSE), "--profile", "demo", "config", "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text().replace("condition: service_healthy", "condition: [1, 2]", 1))
    refused = subprocess.run([*compose_command, "-f", str(broken), "config", "--quiet"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0   # the check can fail


def _instructions(name: str) -> list[str]:
    lines = DOCKERFILE.read_text().replace("\\\n", " ").splitlines()
    return [line.split(maxsplit=1)[1] for line in lines if line.split(maxsplit=1)[:1] == [name]]


def _instruction(name: str) -> str:
    [line] = _instructions(name)
    return line


def _run_image_command(tmp_path: Path, *, migrate_fails: bool = False) -> tuple[int, list[str]]:
    """The image's CMD under sh, with the image's ENV, and a ``ledgerline`` that records its arguments."""
    command = json.loads(_instruction("CMD"))
    assert command[:2] == ["sh", "-c"], "CMD runs a shell line (exec form)"
    assert "ENTRYPOINT" not in DOCKERFILE.read_text()   # nothing runs before or around CMD
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    fake = bin_dir / "ledgerline"
    fail = 'if [ "$1" = migrate ]; then exit 3; fi\n' if migrate_fails else ""
    fake.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\n{fail}exit 0\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    for key, value in re.findall(r"(\w+)=(\S+)", " ".join(_instructions("ENV"))):
        if not key.startswith(("PYTHON", "PIP")):
            env[key] = value
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
    return done.returncode, calls.read_text().splitlines() if calls.exists() else []


def test_the_image_migrates_then_serves(tmp_path):
    returncode, calls = _run_image_command(tmp_path)
    assert returncode == 0
    assert calls == ["migrate", "serve --workers 2"]
    assert "exec ledgerline serve" in _instruction("CMD")   # the server is PID 1 and gets SIGTERM itself
    assert build_parser().parse_args(calls[1].split()).workers == 2


def test_the_image_does_not_serve_when_migrations_fail(tmp_path):
    returncode, calls = _run_image_command(tmp_path, migrate_fails=True)
    assert returncode == 3 and calls == ["migrate"]


def test_the_image_installs_the_package_and_checks_readiness():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.1[1-9]", text, re.M)
    assert "pip install --no-cache-dir ." in text
    assert re.search(r"^USER (?!root)\w+", text, re.M)
    assert "/readyz" in _instruction("HEALTHCHECK")
    for copied in ("src", "migrations", "alembic.ini", "pyproject.toml"):
        assert copied in text and (ROOT / copied).exists()
