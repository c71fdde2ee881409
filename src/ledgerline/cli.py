"""The ``ledgerline`` command: serve, worker, migrate, tokens, tenants, users, demo data and checks."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ledgerline.config import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def _alembic_config(settings: Settings):
    from alembic.config import Config

    # A source checkout keeps alembic.ini beside src/; an installed image keeps it in the cwd.
    candidates = [Path.cwd(), Path(__file__).resolve().parents[2]]
    root = next((path for path in candidates if (path / "alembic.ini").is_file()), candidates[-1])
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    config.cmd_opts = argparse.Namespace(x=[f"url={settings.database_url}"])
    return config


def migrate(settings: Settings, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_alembic_config(settings), revision)


def _cmd_migrate(args: argparse.Namespace) -> int:
    migrate(get_settings(), args.revision)
    print(f"database migrated to {args.revision}")
    return 0


class CommandError(Exception):
    """A command that cannot run as asked: one line on stderr, exit code 2, no traceback."""


METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def _metrics_directory(workers: int) -> Iterator[None]:
    """Several workers share their metrics through files in one directory (prometheus-client's
    multiprocess mode), so that a scrape of any worker reports all of them. An operator's own
    ``PROMETHEUS_MULTIPROC_DIR`` is used (emptied of a previous run's files); else a temporary one."""
    import shutil
    import tempfile

    given = os.environ.get(METRICS_DIR_ENV)
    if workers <= 1 and not given:
        yield
        return
    if given:
        directory = Path(given)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        yield
        return
    directory = Path(tempfile.mkdtemp(prefix="ledgerline-metrics-"))
    os.environ[METRICS_DIR_ENV] = str(directory)
    try:
        yield
    finally:
        os.environ.pop(METRICS_DIR_ENV, None)
        shutil.rmtree(directory, ignore_errors=True)


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    if args.workers < 1:
        raise CommandError("--workers must be 1 or more")
    if args.migrate:
        migrate(settings)
    # Ledgerline writes its own line per request (ledgerline.request); uvicorn's access log would repeat it.
    access_log = args.access_log and not args.no_access_log
    with _metrics_directory(args.workers):
        uvicorn.run("ledgerline.app:create_app", factory=True, host=args.host, port=args.port,
                    workers=args.workers, access_log=access_log, proxy_headers=True)
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    import signal
    import threading

    from ledgerline.db import Database, make_engine
    from ledgerline.events.worker import Worker
    from ledgerline.observability import logs

    _register_event_documents()

    if args.poll <= 0:
        raise CommandError("--poll must be more than 0 seconds")
    settings = get_settings()
    logs.configure(settings.log_format, settings.log_level)
    database = Database(make_engine(settings.database_url, transaction_pooler=settings.database_transaction_pooler))
    worker = Worker(database, batch_size=args.batch)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        if args.once:
            report = worker.run_once()
            print(f"dispatched {report.dispatched} events, attempted {report.attempted} deliveries "
                  f"{report.outcomes or ''}".rstrip())
        else:
            worker.run_forever(poll_seconds=args.poll, stop=stop, heartbeat=args.heartbeat)
    finally:
        worker.close()
        database.dispose()
    return 0


def _register_event_documents() -> None:
    """Use cases record events as ``/v1`` renders their resource; the renderers are registered by the /v1
    adapter, which a command that runs such use cases outside the server must load (the server loads it
    anyway). Only those commands load it: the others stay light (and write no metrics files)."""
    import ledgerline.api.v1  # noqa: F401


@contextmanager
def _transaction() -> Iterator[Session]:
    """One committed transaction; the engine is disposed afterwards (a CLI run is short)."""
    from ledgerline.db import Database, make_engine

    settings = get_settings()
    database = Database(make_engine(settings.database_url, transaction_pooler=settings.database_transaction_pooler))
    try:
        with database.session() as session, session.begin():
            yield session
    finally:
        database.dispose()


def _cmd_tenant_create(args: argparse.Namespace) -> int:
    from ledgerline.tenants.service import create_tenant

    with _transaction() as session:
        tenant = create_tenant(session, name=args.name)
        tenant_id = tenant.id
    print(tenant_id)
    return 0


def _cmd_user_create(args: argparse.Namespace) -> int:
    import getpass

    from ledgerline.tenants.service import create_user

    password = args.password or getpass.getpass("password: ")
    with _transaction() as session:
        user = create_user(session, tenant_id=args.tenant, username=args.username,
                           password=password, scopes=args.scope)
        username = user.username
    print(f"user {username} created in tenant {args.tenant}")
    return 0


def _cmd_user_revoke_tokens(args: argparse.Namespace) -> int:
    from ledgerline.tenants.service import revoke_tokens

    with _transaction() as session:
        version = revoke_tokens(session, tenant_id=args.tenant, username=args.username)
    print(f"tokens of user {args.username} revoked (token version {version}); every host refuses them within "
          f"LEDGERLINE_CACHE_CHECK_SECONDS")
    return 0


def _cmd_user_set_scopes(args: argparse.Namespace) -> int:
    from ledgerline.tenants.service import set_scopes

    with _transaction() as session:
        set_scopes(session, tenant_id=args.tenant, username=args.username, scopes=args.scope)
    print(f"user {args.username} now logs in with scopes {args.scope!r}; its older tokens are revoked")
    return 0


def _cmd_api_client_create(args: argparse.Namespace) -> int:
    import json

    from ledgerline.api_clients.service import create_client

    with _transaction() as session:
        created = create_client(session, tenant_id=args.tenant, scopes=args.scope)
    # The secret is shown here once; only its hash is stored.
    print(json.dumps({"client_id": created.client_id, "client_secret": created.client_secret}))
    return 0


def _cmd_api_client_list(args: argparse.Namespace) -> int:
    import json

    from ledgerline.api_clients.service import list_clients

    with _transaction() as session:
        rows = [{"client_id": client.client_id, "tenant": str(client.tenant_id), "scopes": client.scopes,
                 "created_at": client.created_at.isoformat(),
                 "revoked_at": client.revoked_at.isoformat() if client.revoked_at else None}
                for client in list_clients(session, tenant_id=args.tenant)]
    print(json.dumps(rows, indent=2))
    return 0


def _cmd_api_client_revoke(args: argparse.Namespace) -> int:
    from ledgerline.api_clients.service import revoke_client

    with _transaction() as session:
        revoke_client(session, client_id=args.client_id)
    print(f"API client {args.client_id} revoked")
    return 0


def _cmd_token(args: argparse.Namespace) -> int:
    from ledgerline.auth import issue_token

    settings = get_settings()
    algorithm = settings.allowed_jwt_algorithms[0]
    if algorithm.startswith("HS") and settings.jwt_secret is None:
        raise CommandError("no signing secret is configured: set LEDGERLINE_JWT_SECRET "
                           "(or run `ledgerline init-env` to write a development one into .env)")
    if not algorithm.startswith("HS") and settings.jwt_private_key is None:
        raise CommandError(f"signing {algorithm} tokens needs LEDGERLINE_JWT_PRIVATE_KEY (a PEM private key)")
    if args.ttl < 1:
        raise CommandError("--ttl must be 1 second or more")
    token = issue_token(settings, tenant_id=args.tenant, subject=args.sub,
                        scopes=args.scope, ttl_seconds=args.ttl, algorithm=algorithm)
    print(token)
    return 0


def _cmd_init_env(args: argparse.Namespace) -> int:
    """Write a development JWT secret into .env unless one is configured already."""
    env = Path(args.file)
    existing = env.read_text() if env.exists() else ""
    if get_settings().jwt_secret is not None or "LEDGERLINE_JWT_SECRET=" in existing:
        return 0
    # Created owner-only: the file holds a signing secret.
    with os.fdopen(os.open(env, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "a") as handle:
        if existing and not existing.endswith("\n"):
            handle.write("\n")
        handle.write(f"LEDGERLINE_JWT_SECRET={secrets.token_urlsafe(48)}\n")
    print(f"generated a development JWT secret into {env} (LEDGERLINE_JWT_SECRET)", file=sys.stderr)
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    """Recompute balances and outstanding amounts from the journal; non-zero on any mismatch."""
    from ledgerline.ledger.service import verify

    tenant = uuid.UUID(args.tenant) if args.tenant else None
    with _transaction() as session:
        mismatches = verify(session, tenant)
    for mismatch in mismatches:
        print(f"MISMATCH {mismatch}")
    print(f"verify: {len(mismatches)} mismatch(es)")
    return 1 if mismatches else 0


def _cmd_janitor(args: argparse.Namespace) -> int:
    """Deliver the sandbox's due events and resolve stuck collections, once or every ``--every`` seconds."""
    import time

    from ledgerline.db import Database, make_engine
    from ledgerline.providers.janitor import run_once

    _register_event_documents()  # applying a provider's events records payment and collection events
    settings = get_settings()
    database = Database(make_engine(settings.database_url, transaction_pooler=settings.database_transaction_pooler))
    try:
        while True:
            outcomes = run_once(database, settings)
            for outcome in outcomes:
                print(outcome)
            print(f"janitor: {len(outcomes)} change(s)", file=sys.stderr)
            if not args.every:
                return 0
            time.sleep(args.every)
    finally:
        database.dispose()


def _cmd_seed(args: argparse.Namespace) -> int:
    """Demo data through the services, with a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ledgerline import demo
    from ledgerline.db import Database, make_engine

    _register_event_documents()
    if args.customers < 1:
        raise CommandError("--customers must be 1 or more")
    if args.months < 2:
        raise CommandError("--months must be 2 or more")
    settings = get_settings()
    database = Database(make_engine(settings.database_url))

    @contextmanager
    def transaction() -> Iterator[Session]:
        with database.session() as session, session.begin():
            yield session

    columns = (TextColumn("seeding customers"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=Console(stderr=True), disable=args.quiet) as bar:
            def progress(indices: Iterator[int], total: int) -> Iterator[int]:
                task = bar.add_task("customers", total=total)
                for index in indices:
                    yield index
                    bar.advance(task)

            report = demo.seed(transaction, args.tenant, customers_count=args.customers, months=args.months,
                               seed_value=args.seed, max_logo_bytes=settings.max_logo_bytes, progress=progress)
    finally:
        database.dispose()
    print(f"tenant {report.tenant_id}: {report.customers} customers, {report.invoices} invoices, "
          f"{report.payments} payments, {report.refunds} refund(s), {report.write_offs} write-off(s), "
          f"{len(report.sub_brands)} sub-brands with logos")
    print(f"next: ledgerline token --tenant {report.tenant_id}   (then open /docs and Authorize)")
    return 0


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the line breaks of each command's examples."""


def _command(commands: argparse._SubParsersAction, name: str, summary: str, example: str,
             description: str | None = None) -> argparse.ArgumentParser:
    """A sub-command whose ``--help`` ends with an example."""
    return commands.add_parser(name, help=summary, description=description or summary, formatter_class=_Formatter,
                               epilog="example:\n" + "\n".join(f"  {line}" for line in example.splitlines()))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ledgerline", description="Ledgerline billing and payments API server", formatter_class=_Formatter,
        epilog="example:\n  ledgerline migrate && ledgerline serve --workers 2\n\n"
               "Settings come from the environment and ./.env (README, Configuration); "
               "`ledgerline COMMAND --help` shows each command.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = _command(commands, "serve", "serve the API",
                     "ledgerline serve --host 0.0.0.0 --port 8000 --workers 4 --migrate",
                     "Serve the API with uvicorn. With several workers, /metrics reports all of them "
                     "(prometheus-client multiprocess mode, in PROMETHEUS_MULTIPROC_DIR or a temporary directory).")
    serve.add_argument("--host", default=None, help="address to listen on (default $HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default $PORT or 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--migrate", action="store_true", help="run migrations first")
    serve.add_argument("--access-log", action="store_true",
                       help="also write uvicorn's access log (Ledgerline logs one line per request anyway)")
    serve.add_argument("--no-access-log", action="store_true", help="no uvicorn access log (the default)")
    serve.set_defaults(handler=_cmd_serve)

    worker = _command(commands, "worker", "deliver events to webhook endpoints",
                      "ledgerline worker --poll 1\nledgerline worker --once   # one pass, then exit",
                      "Fan outbox events out to the webhook endpoints, POST them signed (HMAC-SHA256), retry "
                      "failures with backoff for about 3 days, in each customer's order. Several workers may run "
                      "at once on PostgreSQL; run one on SQLite. SIGTERM stops it after the current attempt.")
    worker.add_argument("--poll", type=float, default=1.0, help="seconds between passes when idle (default 1)")
    worker.add_argument("--batch", type=int, default=50, help="deliveries claimed per pass (default 50)")
    worker.add_argument("--once", action="store_true", help="one pass, then exit")
    worker.add_argument("--heartbeat", type=Path, default=None, metavar="FILE",
                        help="touch FILE after every pass that worked (a health check reads its age)")
    worker.set_defaults(handler=_cmd_worker)

    migrate_cmd = _command(commands, "migrate", "apply database migrations",
                           "DATABASE_URL=postgresql+psycopg://app:secret@db/ledgerline ledgerline migrate")
    migrate_cmd.add_argument("revision", nargs="?", default="head", help="target revision (default head)")
    migrate_cmd.set_defaults(handler=_cmd_migrate)

    token = _command(commands, "token", "print a signed development token",
                     "TOKEN=$(ledgerline token --tenant 6f1c...e2 --scope 'payments.* customers.read' --ttl 600)\n"
                     "curl -H \"Authorization: Bearer $TOKEN\" localhost:8000/v1/payments",
                     "Print a JWT signed with the configured secret (LEDGERLINE_JWT_SECRET) or private key.")
    token.add_argument("--tenant", required=True, type=uuid.UUID, help="tenant UUID")
    token.add_argument("--scope", default="*", help="space-separated scopes, '*' grants everything")
    token.add_argument("--sub", default="cli", help="subject (user name)")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    token.set_defaults(handler=_cmd_token)

    tenant = _command(commands, "tenant", "manage tenants", 'TENANT=$(ledgerline tenant create "Acme Billing")')
    tenant_actions = tenant.add_subparsers(dest="action", required=True, metavar="ACTION")
    tenant_create = _command(tenant_actions, "create", "create a tenant and print its id",
                             'TENANT=$(ledgerline tenant create "Acme Billing")')
    tenant_create.add_argument("name", help="the tenant's name (the brand users log in with)")
    tenant_create.set_defaults(handler=_cmd_tenant_create)

    user = _command(commands, "user", "manage users",
                    "ledgerline user create --tenant $TENANT --username jane --scope '*'")
    user_actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    user_create = _command(user_actions, "create", "create a login user",
                           "ledgerline user create --tenant $TENANT --username jane --scope 'payments.*'")
    user_create.add_argument("--tenant", required=True, type=uuid.UUID, help="tenant UUID")
    user_create.add_argument("--username", required=True, help="the login name")
    user_create.add_argument("--password", help="prompted for when omitted")
    user_create.add_argument("--scope", default="*", help="space-separated scopes, '*' grants everything")
    user_create.set_defaults(handler=_cmd_user_create)
    user_revoke = _command(user_actions, "revoke-tokens", "refuse every login token the user holds",
                           "ledgerline user revoke-tokens --tenant $TENANT --username jane")
    user_revoke.add_argument("--tenant", required=True, type=uuid.UUID, help="tenant UUID")
    user_revoke.add_argument("--username", required=True, help="the login name")
    user_revoke.set_defaults(handler=_cmd_user_revoke_tokens)
    user_scopes = _command(user_actions, "set-scopes", "change the scopes of a user's logins (revokes its tokens)",
                           "ledgerline user set-scopes --tenant $TENANT --username jane --scope 'payments.read'")
    user_scopes.add_argument("--tenant", required=True, type=uuid.UUID, help="tenant UUID")
    user_scopes.add_argument("--username", required=True, help="the login name")
    user_scopes.add_argument("--scope", required=True, help="space-separated scopes, '*' grants everything")
    user_scopes.set_defaults(handler=_cmd_user_set_scopes)

    api_client = _command(commands, "api-client", "manage OAuth2 API clients (Exsited's client credentials)",
                          "ledgerline api-client create --tenant $TENANT --scope 'payments.*'")
    api_client_actions = api_client.add_subparsers(dest="action", required=True, metavar="ACTION")
    api_client_create = _command(
        api_client_actions, "create", "create an API client and print its id and secret as JSON (shown once)",
        "ledgerline api-client create --tenant $TENANT --scope 'payments.*'\n"
        "# {\"client_id\": \"llc_...\", \"client_secret\": \"...\"}: POST them to /api/v1/oauth2/token")
    api_client_create.add_argument("--tenant", required=True, type=uuid.UUID, help="tenant UUID")
    api_client_create.add_argument("--scope", default="*", help="space-separated scopes, '*' grants everything")
    api_client_create.set_defaults(handler=_cmd_api_client_create)
    api_client_list = _command(api_client_actions, "list", "list API clients as JSON (never their secrets)",
                               "ledgerline api-client list --tenant $TENANT")
    api_client_list.add_argument("--tenant", type=uuid.UUID, help="only this tenant's clients")
    api_client_list.set_defaults(handler=_cmd_api_client_list)
    api_client_revoke = _command(api_client_actions, "revoke", "revoke an API client: it gets no more tokens",
                                 "ledgerline api-client revoke llc_0123456789abcdef01234567")
    api_client_revoke.add_argument("client_id", help="the client id to revoke")
    api_client_revoke.set_defaults(handler=_cmd_api_client_revoke)

    seed = _command(commands, "seed", "create a demo tenant with realistic data",
                    'ledgerline seed --tenant "Demo Telecom" --customers 50 --months 12',
                    "Create (or add to) a tenant with sub-brands and logos, customers, monthly invoices, "
                    "payments, a refund and a write-off, all through the services; shows a progress bar.")
    seed.add_argument("--tenant", required=True, help="tenant name or id (created when no such tenant exists)")
    seed.add_argument("--customers", type=int, default=25, help="how many customers (default 25)")
    seed.add_argument("--months", type=int, default=6, help="months of invoices per customer (default 6)")
    seed.add_argument("--seed", type=int, default=16, help="random seed, for the same data again (default 16)")
    seed.add_argument("--quiet", action="store_true", help="no progress bar")
    seed.set_defaults(handler=_cmd_seed)

    verify = _command(commands, "verify", "recompute every balance from the journal",
                      "ledgerline verify --tenant $TENANT || echo 'the ledger disagrees'",
                      "Recompute balances and outstanding amounts from the journal; exit 1 on any mismatch.")
    verify.add_argument("--tenant", help="only this tenant (UUID)")
    verify.set_defaults(handler=_cmd_verify)

    janitor = _command(commands, "janitor", "settle sandbox payments and resolve stuck collections",
                       "ledgerline janitor --every 5",
                       "Deliver the sandbox provider's due events and ask providers about collections pending "
                       "longer than LEDGERLINE_JANITOR_DEADLINE_SECONDS.")
    janitor.add_argument("--every", type=float, default=0, help="run again every this many seconds (default: once)")
    janitor.set_defaults(handler=_cmd_janitor)

    init_env = _command(commands, "init-env", "generate a development JWT secret into .env",
                        "ledgerline init-env && ledgerline serve")
    init_env.add_argument("--file", default=".env", help="the file to add LEDGERLINE_JWT_SECRET to (default .env)")
    init_env.set_defaults(handler=_cmd_init_env)
    return parser


def walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...],
                                                                                          argparse.ArgumentParser]]:
    """Every parser of the command line, the top one first, with the words that reach it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from walk(child, (*path, name))


def main(argv: list[str] | None = None) -> int:
    from pydantic import ValidationError

    from ledgerline.errors import LedgerlineError

    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "host", "unset") is None:
            args.host = os.environ.get("HOST", "127.0.0.1")
        if getattr(args, "port", "unset") is None:
            try:
                args.port = int(os.environ.get("PORT", "8000"))
            except ValueError:
                raise CommandError(f"PORT must be a number, not {os.environ['PORT']!r}") from None
        return args.handler(args)
    except LedgerlineError as exc:  # a refused request (duplicate name, unknown tenant): no traceback
        print(f"ledgerline: {exc.message}", file=sys.stderr)
        return 1
    except CommandError as exc:
        print(f"ledgerline: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:  # a setting in the environment or .env is invalid
        problems = "; ".join(f"{'.'.join(map(str, error['loc'])) or 'settings'}: {error['msg']}"
                             for error in exc.errors())
        print(f"ledgerline: invalid settings: {problems}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
