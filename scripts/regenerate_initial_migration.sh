#!/usr/bin/env bash
# Until the first release, the schema is one initial revision regenerated from the models.
# Usage: scripts/regenerate_initial_migration.sh  (needs the local PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
db="ledgerline_autogen_$$"
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db" >/dev/null
trap 'psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null' EXIT
rm -f migrations/versions/*_0001_initial_schema.py
.venv/bin/alembic -x url="postgresql+psycopg://postgres@127.0.0.1:5432/$db" revision --autogenerate \
  --rev-id 0001 -m "initial schema" >/dev/null
ls migrations/versions/*_0001_initial_schema.py
