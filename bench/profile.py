"""Where Ledgerline's time goes on one measured endpoint: pyinstrument around in-process requests.

    .venv/bin/python bench/profile.py SCENARIO [--requests 300] [--database ledgerline_bench_profile]
           [--scale 0.01] [--reuse] [--html out.html]

SCENARIO is get, list, credit, post or cancel (as in bench/loadgen.py). The database is seeded at
``--scale`` (``--reuse`` keeps one seeded before). Requests go one at a time through httpx's ASGI
transport into the application, with sync endpoints and dependencies run inline (not in worker
threads), so the profile shows a request's whole work on one thread: the client's frames (httpx),
routing and dependencies (FastAPI), SQLAlchemy, rendering, and the waits on PostgreSQL (psycopg).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import psycopg  # noqa: E402

from bench import seed  # noqa: E402
from bench.common import DEFAULT_URL, Cluster  # noqa: E402


CATEGORIES = (   # (label, path fragment) by the innermost frame; the first match wins
    ("Ledgerline code", "/ledgerline/"),
    ("SQLAlchemy", "/sqlalchemy/"),
    ("psycopg (Python side)", "/psycopg/"),
    ("pydantic", "/pydantic"),
    ("FastAPI / Starlette", "/fastapi/"),
    ("FastAPI / Starlette", "/starlette/"),
    ("JWT (python-jose, cryptography)", "/jose/"),
    ("JWT (python-jose, cryptography)", "/cryptography/"),
    ("JSON (simplejson)", "/simplejson/"),
    ("client side (httpx, anyio)", "/httpx/"),
    ("client side (httpx, anyio)", "/anyio/"),
)
WAITING = "waiting on PostgreSQL (psycopg wait)"


def breakdown(frame, inside_wait: bool = False, totals: dict[str, float] | None = None,  # noqa: ANN001
              parent_path: str = "") -> dict[str, float]:
    """Seconds per category: a frame's own time goes to the category of its file (a synthetic
    ``[self]`` frame's to its caller's); anything below psycopg's ``wait`` is time spent waiting for
    PostgreSQL's answer."""
    totals = {} if totals is None else totals
    path = parent_path if frame.is_synthetic else (frame.file_path or "")
    inside_wait = inside_wait or (frame.function == "wait" and "/psycopg/" in path)
    own = frame.time - sum(child.time for child in frame.children)
    label = WAITING if inside_wait else next((name for name, part in CATEGORIES if part in path),
                                             "other (stdlib, asyncio, uvloop)")
    totals[label] = totals.get(label, 0.0) + own
    for child in frame.children:
        breakdown(child, inside_wait, totals, path)
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=("get", "list", "credit", "post", "cancel"))
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database", default="ledgerline_bench_profile")
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--reuse", action="store_true", help="use the database as seeded by an earlier run")
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    parser.add_argument("--all", action="store_true", help="show library frames too")
    args = parser.parse_args()

    import anyio.to_thread
    import httpx
    from pyinstrument import Profiler

    from bench.run import token_for
    from ledgerline.app import create_app
    from ledgerline.config import Settings
    from ledgerline.db import Database, make_engine

    cluster = Cluster(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL), args.database)
    if not (args.reuse and cluster.exists()):
        env = {**os.environ, "DATABASE_URL": cluster.sqlalchemy_url}
        seed.prepare(cluster, env, seed.plan_for(args.scale))
    with psycopg.connect(cluster.conninfo) as conn:
        tenant_id = uuid.UUID(str(conn.execute("SELECT id FROM tenants").fetchone()[0]))
        customers = [row[0] for row in conn.execute(
            "SELECT customer_id FROM invoices WHERE status = 'POSTED' GROUP BY customer_id "
            "HAVING sum(outstanding_minor) >= 5000 ORDER BY customer_id")]
        payments = conn.execute("SELECT max(id) FROM payments").fetchone()[0]
        pages = max(1, conn.execute("SELECT count(*) FROM customers").fetchone()[0] // 100)

    # Sync endpoints and dependencies run inline on the event loop's thread instead of a worker
    # thread, so that one profiler on one thread sees all of a request. Requests are sequential.
    async def inline(func, *args, **_options):  # noqa: ANN001, ANN202
        return func(*args)

    anyio.to_thread.run_sync = inline
    secret = os.urandom(16).hex()
    engine = make_engine(cluster.sqlalchemy_url)
    app = create_app(Settings(database_url=cluster.sqlalchemy_url, jwt_secret=secret, environment="production"),
                     database=Database(engine))
    headers = {"Authorization": f"Bearer {token_for(tenant_id, secret)}"}

    async def session() -> Profiler:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
            async def pay(n: int) -> httpx.Response:
                return await client.post("/v1/customer-payments", json={
                    "customerId": customers[n % len(customers)], "amountInMajorCurrency": 50.00,
                    "type": "CREDIT_CARD", "description": "bench", "reference": "profile"})

            async def request(n: int, created: list[int]) -> httpx.Response:
                if args.scenario == "get":
                    return await client.get(f"/v1/payments/{1 + n * 7919 % payments}")
                if args.scenario == "list":
                    return await client.get(f"/v1/payments?customerId={customers[n % len(customers)]}"
                                            "&pageSize=100&sort=receivedOn:desc")
                if args.scenario == "credit":
                    return await client.get(f"/v1/customer-credit-status?page={1 + n % pages}&pageSize=100")
                if args.scenario == "post":
                    return await pay(n)
                return await client.post(f"/v1/payments/{created.pop()}/cancel")

            # Each customer has 50.00 open twice (bench/seed.py) and posts take them round robin: at most
            # 2 x customers posts (warm-up and, for cancel, the payments to cancel included).
            created = [(await pay(n)).json()["id"]
                       for n in range(10 + (args.requests if args.scenario == "cancel" else 0))]
            for n in range(10):
                await request(n, created)
            profiler = Profiler(interval=0.0005, async_mode="disabled")
            profiler.start()
            for n in range(args.requests):
                response = await request(len(created) + 10 + n if args.scenario == "post" else n, created)
                assert response.status_code < 300, response.text
            profiler.stop()
        return profiler

    profiler = asyncio.run(session())
    engine.dispose()
    print(profiler.output_text(unicode=False, color=False, show_all=args.all))
    totals = breakdown(profiler.last_session.root_frame())
    whole = sum(totals.values())
    print(f"Where the time of {args.requests} sequential {args.scenario} requests goes "
          f"({whole / args.requests * 1000:.2f} ms per request):")
    for label, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"  {seconds / whole:6.1%}  {seconds / args.requests * 1000:7.3f} ms  {label}")
    if args.html:
        Path(args.html).write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
