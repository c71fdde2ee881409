# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make run   install into .venv, migrate the embedded SQLite database, serve on :8000
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

run: install
	@$(BIN)/ledgerline init-env
	@$(BIN)/ledgerline migrate
	@$(BIN)/ledgerline serve

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

.PHONY: bench
bench: install
	$(BIN)/python bench/customer_payments.py
