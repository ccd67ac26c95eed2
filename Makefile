# Sanfu: two commands on a fresh machine.
#   make run    install, migrate, seed the demo organisation, start the worker and serve http://127.0.0.1:8000
#   make test   lint, type-check, migration check, tests on SQLite and (when reachable) PostgreSQL

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
export SANFU_HOME := $(CURDIR)

.PHONY: run test install assets lint typecheck demo worker clean bench

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(BIN)/.installed

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: node_modules/.installed

run: install assets
	@scripts/run.sh

test: install assets
	@scripts/test.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) node_modules var/static
