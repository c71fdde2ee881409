"""Print the statements Ledgerline sends for each measured request: what ``bench/floor_sql.py`` copies.

    .venv/bin/python bench/show_sql.py [get list credit post cancel] [--reuse] [--full] [--database NAME]

Seeds a small database (``--scale 0.01``, about 20 s; ``--reuse`` takes the one a previous run left) and
makes each measured request once in-process, as the SQL check of ``bench/run.py`` does (the same
requests, the same recorder on Ledgerline's engines). For each statement it prints its position, how
it was executed (``execute``; ``executemany``: PostgreSQL runs it once per row; ``insertmanyvalues``:
one multi-row INSERT) and the ``floor_sql.py`` constant of the same shape (``in_list``,
``multi_values`` and ``values_table`` widen a constant, so it matches whatever number of items the
statement carries), or ``NEW`` followed by the statement for one item (``narrow``) as a Python literal
to paste into ``floor_sql.py``, with the names of its parameters. Last, per request, the sequence of constants: the order the floor app and the
pgbench scripts must send them in, compared with ``floor_sql.SEQUENCES``. Exits 1 when any statement is
NEW or any sequence differs.

After a change to Ledgerline's SQL: run this, add or replace the NEW constants in ``floor_sql.py``,
follow the sequences in ``floor_app.py`` and ``pgbench_floor.py``, then ``make bench`` checks it all.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import uuid
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import psycopg  # noqa: E402

from bench import floor_sql, seed  # noqa: E402
from bench.common import DEFAULT_URL, Cluster  # noqa: E402
from bench.run import ENDPOINTS, check_request, environment, token_for, warm_up  # noqa: E402
from bench.sqlcapture import app_with_recorder, family, normalize  # noqa: E402


def constants() -> dict[str, str]:
    """The family of each statement constant of floor_sql.py -> its name."""
    found: dict[str, str] = {}
    for name, value in vars(floor_sql).items():
        if name.isupper() and not name.startswith("_") and isinstance(value, str):
            found.setdefault(family(normalize(value)), name)
    return found


_NAMED = re.compile(r"%\((\w+)\)s")
_TOKEN = re.compile("\x00(\\w+)\x01")
_RUN = re.compile(r"\(([^()]*)\)(?:, \([^()]*\))+")
_IN_ITEMS = re.compile(r"IN \(([^(),]+)(?:, [^(),]+)+\)")


def narrow(statement: str) -> str:
    """The statement for one item, as ``floor_sql.py`` keeps it (``in_list``, ``multi_values`` and
    ``values_table`` widen it again): ``IN`` lists and runs of ``VALUES`` rows cut to their first."""
    text = _NAMED.sub(lambda m: f"\x00{m.group(1)}\x01", statement)   # no parentheses inside parameters
    text = _RUN.sub(lambda m: f"({m.group(1)})", text)
    text = _IN_ITEMS.sub(lambda m: f"IN ({m.group(1)})", text)
    return _TOKEN.sub(lambda m: f"%({m.group(1)})s", text)


def python_literal(name: str, statement: str, width: int = 100) -> str:
    """``NAME = ( '...' '...' )``: the statement exactly, split at spaces into lines of about ``width``."""
    pieces, current = [], ""
    for word in statement.split(" "):
        candidate = word if not current else current + " " + word
        if len(candidate) > width and current:
            pieces.append(current + " ")
            current = word
        else:
            current = candidate
    pieces.append(current)
    return "\n".join([f"{name} = ("] + [f"    {piece!r}" for piece in pieces] + [")"])


def parameter_names(parameters: object) -> list[str]:
    first = parameters[0] if isinstance(parameters, (list, tuple)) and parameters else parameters
    return list(first) if isinstance(first, dict) else []


def capture(cluster: Cluster, tenant_id: uuid.UUID, secret: str, customer: int, keys: list[str]) -> dict[str, dict]:
    """Each request of ``keys`` once against Ledgerline: its statements, how each was executed, the counts."""
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

    app, recorder, dispose = app_with_recorder(cluster.sqlalchemy_url, {"jwt_secret": secret})
    headers = {"Authorization": f"Bearer {token_for(tenant_id, secret)}"}
    captured: dict[str, dict] = {}
    created = None
    try:
        with TestClient(app, headers=headers) as client:
            warm_up(client, customer)   # a warm process, as the SQL check measures it
            for key, *_ in ENDPOINTS:   # all of them: the cancel cancels what the POST made
                method, path, body = check_request(key, customer, customer, created)
                with recorder.recording() as statements:
                    response = client.request(method, path, json=body)
                if key == "post":
                    created = response.json().get("id")
                if key in keys:
                    captured[key] = {"request": f"{method} {path}", "status": response.status_code,
                                     "statements": list(statements), "styles": list(recorder.styles),
                                     "executions": recorder.executions, "commits": recorder.commits}
    finally:
        dispose()
    return captured


def report(captured: dict[str, dict], full: bool) -> int:
    known = constants()
    new = differs = 0
    for key, seen in captured.items():
        print(f"== {key}: {seen['request']} -> {seen['status']}: {len(seen['statements'])} statement(s), "
              f"{seen['executions']} executed, {seen['commits']} COMMIT(s)")
        sequence = []
        for n, ((statement, parameters), style) in enumerate(zip(seen["statements"], seen["styles"]), start=1):
            name = known.get(family(normalize(statement)))
            sequence.append(name or f"NEW_{n}")
            rows = f" x{len(parameters)}" if style != "execute" and isinstance(parameters, (list, tuple)) else ""
            print(f"  {n:2}. {style}{rows:<4} {name or 'NEW'}")
            if name is None or full:
                new += name is None
                one = narrow(statement)
                print("\n".join("      " + line for line in python_literal(name or f"NEW_{n}", one).splitlines()))
                print(f"      parameters ({'for one item; ' if one != statement else ''}"
                      f"{len(parameter_names(parameters))} sent): {', '.join(dict.fromkeys(_NAMED.findall(one)))}")
        print(f"  sequence: {', '.join(sequence)}")
        expected = floor_sql.SEQUENCES.get(key)
        if sequence == expected:
            print("  = floor_sql.SEQUENCES: the floor app and the pgbench scripts send these")
        else:
            differs += 1
            print(f"  floor_sql.SEQUENCES[{key!r}] is {expected}: update it, bench/floor_app.py and "
                  "bench/pgbench_floor.py")
        print()
    return 1 if new or differs else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("keys", nargs="*", default=[key for key, *_ in ENDPOINTS],
                        help="the requests to show (default all: get list credit post cancel)")
    parser.add_argument("--database", default="ledgerline_bench_sql", help="the database (recreated unless --reuse)")
    parser.add_argument("--scale", type=float, default=0.01, help="seeding scale (default 0.01)")
    parser.add_argument("--reuse", action="store_true", help="use the database as a previous run left it")
    parser.add_argument("--full", action="store_true", help="print every statement, not only the NEW ones")
    args = parser.parse_args()
    unknown = set(args.keys) - {key for key, *_ in ENDPOINTS}
    if unknown:
        parser.error(f"unknown request(s) {sorted(unknown)}")
    cluster = Cluster(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL), args.database)
    secret = os.urandom(32).hex()
    if args.reuse and cluster.exists():
        with psycopg.connect(cluster.conninfo) as conn:
            tenant_id = conn.execute("SELECT id FROM tenants ORDER BY created_at LIMIT 1").fetchone()[0]
    else:
        tenant_id, _, _ = seed.prepare(cluster, environment(cluster, secret), seed.plan_for(args.scale))
    with psycopg.connect(cluster.conninfo) as conn:   # a customer with 5 open invoices left to pay
        row = conn.execute("SELECT customer_id FROM invoices WHERE tenant_id = %s AND status = 'POSTED' AND "
                           "outstanding_minor > 0 GROUP BY customer_id HAVING count(*) >= 10 ORDER BY customer_id "
                           "DESC LIMIT 1", (tenant_id,)).fetchone()
    if row is None:
        raise SystemExit(f"no customer of {args.database} has 10 open invoices left: run without --reuse")
    return report(capture(cluster, tenant_id, secret, row[0], args.keys), args.full)


if __name__ == "__main__":
    raise SystemExit(main())
