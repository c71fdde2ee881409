# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make run   install into .venv, migrate the embedded SQLite database, serve on :8000 (and the worker)
#   make test  install, run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test migrate clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	@$(BIN)/ledgerline migrate

# The delivery worker runs beside the server and stops with it.
run: install
	@$(BIN)/ledgerline init-env
	@$(BIN)/ledgerline migrate
	@$(BIN)/ledgerline worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; $(BIN)/ledgerline serve

# One worker per core (pytest-xdist): each worker migrates its own SQLite file and PostgreSQL schema.
PYTEST_WORKERS ?= auto

test: install
	@$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The schemathesis suite (every operation of the OpenAPI) and the security suite, alone.
.PHONY: fuzz security
fuzz: install
	@$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/fuzz $(PYTEST_ARGS)

security: install
	@$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/security $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) ledgerline.db ledgerline.db-wal ledgerline.db-shm

# Ledgerline against its floors on PostgreSQL (BENCH_DATABASE_URL, default the local cluster);
# BENCH_ARGS="--scale 0.01 --duration 3" for a quick run. See bench/README.md.
BENCH_ARGS ?=
BENCH_STAMP := $(VENV)/.bench-stamp

$(BENCH_STAMP): pyproject.toml $(STAMP)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,bench]"
	@touch $(BENCH_STAMP)

.PHONY: bench
bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# SIGKILL the server mid-load, restart it, check nothing was lost, doubled or half-applied (crash/README.md).
# PostgreSQL only: CRASH_DATABASE_URL (default the local cluster's ledgerline_crash, recreated). Not part of `test`.
.PHONY: crash-test
crash-test: install
	$(BIN)/python crash/crash_test.py $(CRASH_ARGS)

# Two API hosts in network namespaces behind HAProxy, PgBouncer (transaction mode), a PostgreSQL primary and
# a streaming hot standby of their own under deploy/run/ (root; Debian packages installed when missing).
# `make cluster-smoke` checks a running one; `make cluster-down` removes everything. See deploy/README.md.
.PHONY: cluster cluster-smoke cluster-status cluster-down
cluster: install
	@bash deploy/cluster.sh up

cluster-smoke: install
	@test -f deploy/run/cluster.env || bash deploy/cluster.sh up
	@$(BIN)/python scripts/cluster_smoke.py $(SMOKE_ARGS)

cluster-status:
	@bash deploy/cluster.sh status

cluster-down:
	@bash deploy/cluster.sh down

# The fault test (issue 17 item 4, deploy/README.md): a fresh cluster (idempotency lock 5 s, so that a key
# whose host died is taken over by its retry soon), then concurrent money traffic through HAProxy while a
# host is killed, PgBouncer restarted, the standby stopped and started; exactly-once, invariants, verify.
# Root; not part of `test`. The cluster stays up afterwards (`make cluster-down`).
CLUSTER_TEST_ARGS ?=
.PHONY: cluster-test
cluster-test: install
	@CLUSTER_IDEMPOTENCY_LOCK_SECONDS=5 bash deploy/cluster.sh up
	$(BIN)/python deploy/cluster_test.py $(CLUSTER_TEST_ARGS)

# `ledgerline serve --workers 4` under a load of 1,000 requests; every scrape of /metrics must count them all
# (prometheus-client multiprocess mode). The same test runs smaller in `make test`.
.PHONY: metrics-smoke
metrics-smoke: install
	METRICS_SMOKE_REQUESTS=1000 METRICS_SMOKE_WORKERS=4 $(BIN)/python -m pytest -p no:xdist \
	    tests/observability/test_multiprocess.py $(PYTEST_ARGS)
