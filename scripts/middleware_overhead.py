"""What the observability middleware costs per request (README "Operating", issue 16).

Two measurements, each as the best of several interleaved rounds of CPU time (``time.process_time``, all
threads of the process: on a shared machine the wall clock mostly measures the neighbours):
1. the middleware alone around a bare ASGI app, awaited directly: its own cost per request, with the
   metrics only and with metrics and the JSON request log;
2. through TestClient, 2,000 sequential ``GET /healthz`` and 2,000 authenticated ``GET /v1/customers/{id}``
   against the app with the middleware (metrics + JSON request log) and without it.
Logs go to /dev/null so that their formatting is counted but the terminal is not.

    .venv/bin/python scripts/middleware_overhead.py [--requests 2000] [--rounds 5]

Instructions instead of time (repeatable whatever the neighbours do), one app per run:

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.%p \
        .venv/bin/python scripts/middleware_overhead.py --callgrind on --requests 500
    (and --callgrind off); the difference of the two totals over the requests is the cost per request.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path


def bare_middleware(requests: int, rounds: int) -> dict[str, float]:
    from ledgerline.observability import logs
    from ledgerline.observability.middleware import ObservabilityMiddleware

    logs.configure("json")  # as create_app does: the request line is formatted and written

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})

    async def send(_message):
        return None

    targets = {"bare": app, "metrics": ObservabilityMiddleware(app, log_requests=False),
               "metrics+log": ObservabilityMiddleware(app)}

    async def run(target) -> float:
        started = time.process_time()
        for _ in range(requests):
            scope = {"type": "http", "method": "GET", "path": "/x", "headers": [(b"host", b"x")]}
            await target(scope, None, send)
        return (time.process_time() - started) / requests

    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, target in targets.items():
            best[name] = min(best.get(name, float("inf")), asyncio.run(run(target)))
    return best


def through_the_app(requests: int, rounds: int) -> dict[str, tuple[float, float]]:
    from fastapi.testclient import TestClient

    from ledgerline.app import create_app
    from ledgerline.auth import issue_token
    from ledgerline.cli import migrate
    from ledgerline.config import Settings
    from ledgerline.customers.service import create_customer
    from ledgerline.db import Database, make_engine
    from ledgerline.tenants.service import create_tenant

    directory = Path(tempfile.mkdtemp(prefix="ledgerline-overhead-"))
    url = f"sqlite:///{directory / 'overhead.db'}"
    base = dict(_env_file=None, database_url=url, jwt_secret="overhead-secret-0123456789abcdefghijklmnop",
                log_format="json")
    migrate(Settings(**base))
    database = Database(make_engine(url))
    with database.session() as session, session.begin():
        tenant_id = create_tenant(session, name="Overhead").id
        customer_id = create_customer(session, tenant_id=tenant_id, name="Jane", currency="GBP").id
    settings_on = Settings(**base)
    settings_off = Settings(**base, metrics_enabled=False, log_requests=False)
    token = issue_token(settings_on, tenant_id=tenant_id, subject="bench", scopes="*", ttl_seconds=3600)
    auth = {"Authorization": f"Bearer {token}"}
    paths = {"GET /healthz": ("/healthz", {}), "GET /v1/customers/{id}": (f"/v1/customers/{customer_id}", auth)}
    results: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in paths}
    with TestClient(create_app(settings_off)) as without, TestClient(create_app(settings_on)) as with_:
        for round_number in range(rounds):
            for name, (path, headers) in paths.items():
                # Alternate which app goes first, so that neither always runs on a warmer cache.
                order = [(0, without), (1, with_)] if round_number % 2 == 0 else [(1, with_), (0, without)]
                for position, client in order:
                    assert client.get(path, headers=headers).status_code == 200
                    started = time.process_time()
                    for _ in range(requests):
                        client.get(path, headers=headers)
                    results[name][position].append((time.process_time() - started) / requests)
    database.dispose()
    return {name: (min(off), min(on)) for name, (off, on) in results.items()}


def callgrind(variant: str, requests: int) -> None:
    """Only the request loop is counted: collection is switched on and off around it."""
    import subprocess

    from fastapi.testclient import TestClient

    from ledgerline.app import create_app
    from ledgerline.config import Settings

    settings = Settings(_env_file=None, database_url="sqlite://", jwt_secret="x" * 40, log_format="json",
                        metrics_enabled=variant != "off", log_requests=variant == "on")
    with TestClient(create_app(settings)) as client:
        for _ in range(50):
            client.get("/healthz")
        subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True, capture_output=True)
        for _ in range(requests):
            client.get("/healthz")
        subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--callgrind", choices=("on", "metrics", "off"),
                        help="one app, its request loop only (see above); metrics: no request log")
    args = parser.parse_args()
    if args.callgrind:
        sys.stderr = open(os.devnull, "w")
        callgrind(args.callgrind, args.requests)
        return
    real_stderr = sys.stderr
    sys.stderr = open(os.devnull, "w")  # the request log is formatted and written, to nowhere
    try:
        alone = bare_middleware(args.requests * 5, args.rounds)
        app = through_the_app(args.requests, args.rounds)
    finally:
        sys.stderr.close()
        sys.stderr = real_stderr
    bare = alone["bare"]
    print(f"middleware alone (CPU per request): bare app {bare * 1e6:.1f} µs; "
          f"+{(alone['metrics'] - bare) * 1e6:.1f} µs with metrics; "
          f"+{(alone['metrics+log'] - bare) * 1e6:.1f} µs with metrics and the JSON log line")
    for name, (off, on) in app.items():
        print(f"{name} through TestClient (CPU per request): {off * 1e6:.0f} µs without, {on * 1e6:.0f} µs with "
              f"({(on - off) * 1e6:+.0f} µs, {(on / off - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    main()
