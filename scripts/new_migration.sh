#!/usr/bin/env bash
# Autogenerate the next Alembic revision from the models, against a scratch PostgreSQL
# database migrated to head. Usage: scripts/new_migration.sh REV_ID "message"
set -euo pipefail
cd "$(dirname "$0")/.."
rev="$1"; message="$2"
db="ledgerline_autogen_$$"
url="postgresql+psycopg://postgres@127.0.0.1:5432/$db"
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db" >/dev/null
trap 'psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null' EXIT
.venv/bin/alembic -x url="$url" upgrade head >/dev/null
.venv/bin/alembic -x url="$url" revision --autogenerate --rev-id "$rev" -m "$message"
