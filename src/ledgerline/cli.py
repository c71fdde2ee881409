"""The ``ledgerline`` command: serve, migrate, tokens, tenants and users."""

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


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    if args.migrate:
        migrate(settings)
    uvicorn.run("ledgerline.app:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, access_log=not args.no_access_log, proxy_headers=True)
    return 0


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


def _cmd_token(args: argparse.Namespace) -> int:
    from ledgerline.auth import issue_token

    token = issue_token(get_settings(), tenant_id=args.tenant, subject=args.sub,
                        scopes=args.scope, ttl_seconds=args.ttl)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ledgerline", description="Ledgerline billing and payments API server")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the API")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--migrate", action="store_true", help="run migrations first")
    serve.add_argument("--no-access-log", action="store_true")
    serve.set_defaults(handler=_cmd_serve)

    migrate_cmd = commands.add_parser("migrate", help="apply database migrations")
    migrate_cmd.add_argument("revision", nargs="?", default="head")
    migrate_cmd.set_defaults(handler=_cmd_migrate)

    token = commands.add_parser("token", help="print a signed development token")
    token.add_argument("--tenant", required=True, type=uuid.UUID, help="tenant UUID")
    token.add_argument("--scope", default="*", help="space-separated scopes, '*' grants everything")
    token.add_argument("--sub", default="cli", help="subject (user name)")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    token.set_defaults(handler=_cmd_token)

    tenant = commands.add_parser("tenant", help="manage tenants").add_subparsers(dest="action", required=True)
    tenant_create = tenant.add_parser("create", help="create a tenant and print its id")
    tenant_create.add_argument("name")
    tenant_create.set_defaults(handler=_cmd_tenant_create)

    user = commands.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    user_create = user.add_parser("create", help="create a login user")
    user_create.add_argument("--tenant", required=True, type=uuid.UUID, help="tenant UUID")
    user_create.add_argument("--username", required=True)
    user_create.add_argument("--password", help="prompted for when omitted")
    user_create.add_argument("--scope", default="*")
    user_create.set_defaults(handler=_cmd_user_create)

    verify = commands.add_parser("verify", help="recompute every balance from the journal")
    verify.add_argument("--tenant", help="only this tenant (UUID)")
    verify.set_defaults(handler=_cmd_verify)

    init_env = commands.add_parser("init-env", help="generate a development JWT secret into .env")
    init_env.add_argument("--file", default=".env")
    init_env.set_defaults(handler=_cmd_init_env)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ledgerline.errors import LedgerlineError

    args = build_parser().parse_args(argv)
    if getattr(args, "host", "unset") is None:
        args.host = os.environ.get("HOST", "127.0.0.1")
    if getattr(args, "port", "unset") is None:
        args.port = int(os.environ.get("PORT", "8000"))
    try:
        return args.handler(args)
    except LedgerlineError as exc:  # a refused request (duplicate name, unknown tenant): no traceback
        print(f"ledgerline: {exc.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
