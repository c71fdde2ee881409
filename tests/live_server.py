"""``ledgerline serve`` as a user runs it: a subprocess on a free loopback port, on a migrated SQLite file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

SECRET = "live-server-secret-0123456789abcdefghijklmnopqrstuvwxyz"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(directory: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("LEDGERLINE_") and key not in ("DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR")}
    env.update(DATABASE_URL=f"sqlite:///{directory / 'live.db'}", LEDGERLINE_JWT_SECRET=SECRET,
               LEDGERLINE_LOG_FORMAT="json")
    env.update(extra)  # DATABASE_URL too: a PostgreSQL schema instead of the SQLite file
    return env


def cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "ledgerline.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@contextmanager
def live_server(directory: Path, *, workers: int = 1, timeout: float = 90.0,
                **extra_env: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield the base URL and the environment of a server on a freshly migrated database; stopped with SIGTERM."""
    env = server_env(directory, **extra_env)
    cli(env, directory, "migrate")
    port = free_port()
    log_path = directory / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ledgerline.cli", "serve", "--port", str(port), "--workers", str(workers)],
            cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                assert process.poll() is None, log_path.read_text()
                started = log_path.read_text(errors="replace").count("Application startup complete")
                try:
                    if started >= workers and httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, f"no server after {timeout}s:\n{log_path.read_text()}"
                time.sleep(0.2)
            yield base_url, env
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
