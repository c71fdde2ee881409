"""A live Ledgerline on its own PostgreSQL database: what the bench and the crash test share.

Loopback only: the local cluster (``postgres@127.0.0.1:5432``, trust auth) and a server bound
to 127.0.0.1 on a free port, started as a subprocess in a process group of its own so that it
can be stopped (SIGTERM to the uvicorn supervisor) or killed whole (SIGKILL to the group).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import IO

import httpx
import psycopg

from common import BIN, ROOT, cli, free_port  # noqa: F401 - the crash test imports them from here

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def recreate_database(name: str, admin_url: str = ADMIN_URL) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str, admin_url: str = ADMIN_URL) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server(env: dict[str, str], port: int, workers: int, log_file: IO) -> subprocess.Popen:
    """``ledgerline serve`` on 127.0.0.1:port, in a new session (its own process group)."""
    return subprocess.Popen(
        [str(BIN / "ledgerline"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--no-access-log"], cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(base_url: str, server: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode} before answering /healthz")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not answer /healthz in time")


def kill_server(server: subprocess.Popen) -> None:
    """SIGKILL to the whole process group: the uvicorn supervisor and every worker, no clean-up."""
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.wait(timeout=10)
    # Workers are children of the supervisor; make sure none outlived it before the port is reused.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)       # uvicorn's supervisor stops its workers
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)  # our own process group (start_new_session)
        server.wait(timeout=10)
