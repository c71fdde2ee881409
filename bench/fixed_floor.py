"""The fixed floors: what a minimal FastAPI + psycopg server does on work that does not follow Ledgerline.

The same-SQL floor (``bench/floor_app.py``) moves whenever Ledgerline's SQL moves, so it shows
Ledgerline's Python overhead but not what fewer statements buy. These two routes stay the same
from run to run, so ratios against them do:

- ``GET /fixed/payments/{id}``, the fixed one-row floor: one primary-key lookup of a payment and
  a small JSON object.
- ``POST /fixed/tpcb``, the fixed TPC-B-like HTTP floor: the five statements of pgbench's built-in
  TPC-B script in one transaction, on the ``pgbench_*`` tables that ``pgbench -i`` makes in the
  bench's database (``init_tpcb``). The client draws the account, teller, branch and delta as
  pgbench does and sends them as a JSON body, so the server parses a body as a payment POST does.

They are served by the floor app itself (same uvicorn workers, same pool); ``add_fixed_routes``
puts them on it. ``TPCB`` is also what ``bench/pgbench_floor.py`` (``tpcb_script``) gives pgbench,
so the HTTP floor and pgbench's row send the same statements.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request, Response

# Scale 1 of pgbench: 1 branch, 10 tellers, 100,000 accounts (pgbench's own proportions).
TELLERS_PER_BRANCH = 10
ACCOUNTS_PER_BRANCH = 100_000
EXPONENTS = {"GBP": 2, "EUR": 2, "USD": 2, "JPY": 0, "BHD": 3}   # minor units per major, both floors

PAYMENT = ("SELECT id, number, customer_id, currency, amount_minor, status FROM payments "
           "WHERE id = %(id)s")

# pgbench's built-in "tpcb-like" script (pgbench --show-script=tpcb-like), in psycopg's form.
TPCB = (
    "UPDATE pgbench_accounts SET abalance = abalance + %(delta)s WHERE aid = %(aid)s",
    "SELECT abalance FROM pgbench_accounts WHERE aid = %(aid)s",
    "UPDATE pgbench_tellers SET tbalance = tbalance + %(delta)s WHERE tid = %(tid)s",
    "UPDATE pgbench_branches SET bbalance = bbalance + %(delta)s WHERE bid = %(bid)s",
    "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (%(tid)s, %(bid)s, %(aid)s, %(delta)s, "
    "CURRENT_TIMESTAMP)",
)

# When a list, every statement sent is appended to it (the fixed floors' check in bench/run.py).
RECORDED: list[str] | None = None


def tpcb_draw(rng: random.Random, scale: int) -> dict[str, int]:
    """One transaction's inputs, drawn as pgbench's tpcb-like script draws them."""
    return {"aid": rng.randint(1, ACCOUNTS_PER_BRANCH * scale), "bid": rng.randint(1, scale),
            "tid": rng.randint(1, TELLERS_PER_BRANCH * scale), "delta": rng.randint(-5000, 5000)}


async def _execute(conn, statement: str, params: dict[str, Any]):  # noqa: ANN001, ANN202
    if RECORDED is not None:
        RECORDED.append(statement)
    return await conn.execute(statement, params)


def _dumps(content: dict[str, Any]) -> bytes:
    return json.dumps(content, separators=(",", ":"), default=str).encode()


def add_fixed_routes(app: FastAPI) -> None:
    """The two fixed floors on the floor app, using its pool (``app.state.pool``, dict rows)."""

    @app.get("/fixed/payments/{payment_id}")
    async def fixed_payment(payment_id: int, request: Request) -> Response:
        async with request.app.state.pool.connection() as conn:
            row = await (await _execute(conn, PAYMENT, {"id": payment_id})).fetchone()
        if row is None:
            return Response(b'{"error":"Not Found"}', status_code=404, media_type="application/json")
        amount = Decimal(row["amount_minor"]).scaleb(-EXPONENTS.get(row["currency"], 2))
        return Response(_dumps({"id": row["id"], "number": row["number"], "customerId": row["customer_id"],
                                "currency": row["currency"], "amount": str(amount), "status": row["status"]}),
                        media_type="application/json")

    @app.post("/fixed/tpcb")
    async def fixed_tpcb(request: Request) -> Response:
        body = json.loads(await request.body())
        params = {name: int(body[name]) for name in ("aid", "bid", "tid", "delta")}
        async with request.app.state.pool.connection() as conn, conn.transaction():
            await _execute(conn, TPCB[0], params)
            balance = (await (await _execute(conn, TPCB[1], params)).fetchone())["abalance"]
            for statement in TPCB[2:]:
                await _execute(conn, statement, params)
        return Response(_dumps({"aid": params["aid"], "abalance": balance}), media_type="application/json")
