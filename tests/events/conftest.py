"""Helpers of the event tests: a receiver on loopback, a clock the test moves, endpoints and workers."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def readme_verifier() -> Callable[[str, str, bytes], bool]:
    """The verification snippet of README "Events and webhooks", run as a receiver would paste it."""
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- webhook-verification-snippet -->\s*```python\n(.*?)```", readme, re.S)
    assert match, "README has no webhook verification snippet"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify_ledgerline_signature"]


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 in a thread; ``answer(received)`` picks each status."""

    answer: Callable[[Received], int] = lambda received: 200
    received: list[Received] = field(default_factory=list)
    server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received = Received({k.lower(): v for k, v in self.headers.items()}, body)
            state.received.append(received)
            status = state.answer(received)
            payload = b"ok" if status < 300 else b"nope: " + b"x" * 2000
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    state.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=state.server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.server.shutdown()
    state.server.server_close()


class Clock:
    """Now, as the test says: starts at the real time, moved on by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance_to(self, moment: dt.datetime) -> None:
        self.now = max(self.now, moment)


def create_endpoint(client, auth, url: str, **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/webhook-endpoints", headers=auth, json={"url": url, **overrides})
    assert response.status_code == 201, response.text
    return response.json()


def mock_client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))
