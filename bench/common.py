"""What every part of the bench shares: databases, the CLI, servers as subprocesses, git facts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Cluster:
    """The PostgreSQL cluster of BENCH_DATABASE_URL, and the bench's own database in it.

    BENCH_DATABASE_URL names any database the bench may connect to in order to create its own
    (``postgresql://`` or ``postgresql+psycopg://``); the database of that URL is left alone.
    """

    def __init__(self, url: str, database: str) -> None:
        parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://", 1))
        if parts.scheme not in ("postgresql", "postgres"):
            raise SystemExit(f"BENCH_DATABASE_URL must be a postgresql:// URL, not {url!r}")
        self.admin = urlunsplit(parts._replace(path="/" + (parts.path.strip("/") or "postgres")))
        self.conninfo = urlunsplit(parts._replace(path="/" + database))
        self.database = database
        self.host = parts.hostname or "127.0.0.1"
        self.port = str(parts.port or 5432)
        self.user = parts.username or "postgres"

    @property
    def sqlalchemy_url(self) -> str:
        return self.conninfo.replace("postgresql://", "postgresql+psycopg://", 1)

    def recreate(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.database}"')

    def drop(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def exists(self) -> bool:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)).fetchone() is not None

    def pgbench_env(self) -> dict[str, str]:
        parts = urlsplit(self.conninfo)
        env = {**os.environ, "PGHOST": self.host, "PGPORT": self.port, "PGUSER": self.user,
               "PGDATABASE": self.database}
        if parts.password:
            env["PGPASSWORD"] = parts.password
        return env


def cli(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """Run ``ledgerline <args>`` (the CLI a user has) and return its stdout."""
    done = subprocess.run([str(BIN / "ledgerline"), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"ledgerline {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout.strip()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server subprocess in its own process group, logging to a file, stopped with SIGTERM."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int) -> None:
        self.name, self.port = name, port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = RESULTS / f"{name}.log"
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_healthy(self, workers: int = 1, timeout: float = 120.0) -> None:
        """Until every worker has started (uvicorn logs each startup) and /healthz answers: a worker
        still importing the application would hold the first requests sent to it for seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            started = self.log_path.read_text(errors="replace").count("Application startup complete")
            try:
                if started >= workers and httpx.get(f"{self.base_url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start {workers} worker(s) in {timeout:.0f}s; see {self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)   # uvicorn's supervisor stops its workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)   # our own process group (start_new_session)
                self.process.wait(timeout=10)
        self._log.close()


def git_facts() -> dict[str, object]:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                    capture_output=True, text=True).stdout.strip())
    except OSError:
        return {"git_commit": None, "git_dirty": None}
    return {"git_commit": commit, "git_dirty": dirty}


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]
