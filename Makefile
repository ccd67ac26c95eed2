# Sanfu: two commands on a fresh machine.
#   make run    install, migrate, seed the demo organisation, start the worker and serve http://127.0.0.1:8000
#   make test   lint, type-check, migration check, tests on SQLite and (when reachable) PostgreSQL
#   make bench-flow   the flow benchmark against SpiffWorkflow (its own venv, bench/.venv; see docs/benchmarks.md)
#   make bench-inbox  the inbox (我的待办) with a million instances, SQLite and PostgreSQL (docs/benchmarks.md)
#   make bench-ledger the 督办 ledger page and monthly bulletin, 10,000 items, SQLite and PostgreSQL (docs/benchmarks.md)
#   make bench-insights the monthly efficiency review on 1M events against pm4py (bench/.venv; docs/benchmarks.md)
#   make bench-web    the pages and the approve action over HTTP, 50 clients, sanfu serve (wrk; docs/benchmarks.md)

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
export SANFU_HOME := $(CURDIR)

.PHONY: run test install assets lint typecheck demo worker clean bench screenshots bench-flow bench-search bench-inbox bench-ledger bench-insights bench-web

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

screenshots: install assets
	SANFU_SCREENSHOTS=1 SANFU_HOME=$(CURDIR) DJANGO_SETTINGS_MODULE=sanfu.config.test_settings \
		$(BIN)/pytest -q -m browser

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# SpiffWorkflow and pm4py are the benchmarks' peers, never Sanfu dependencies: they live only in bench/.venv.
BENCH_BIN := bench/.venv/bin

$(BENCH_BIN)/.installed: pyproject.toml
	@test -x $(BENCH_BIN)/python || $(PYTHON) -m venv bench/.venv
	$(BENCH_BIN)/pip install --quiet --disable-pip-version-check -e . 'SpiffWorkflow==3.*' 'pm4py==2.7.*'
	@touch $@

bench-flow: $(BENCH_BIN)/.installed
	$(BENCH_BIN)/python bench/flow.py

# A read benchmark on the project venv: bulk-loads a throwaway database of 1,000,000 instances per backend.
bench-inbox: install
	$(BIN)/python bench/inbox.py

# 督办: the ledger page and the monthly bulletin with 10,000 items and 100,000 progress reports (docs/benchmarks.md).
bench-ledger: install
	$(BIN)/python bench/ledger.py

# 流程效能评估: the review of 12 months over 1,000,000 events vs pm4py's performance DFG (pm4py runs in bench/.venv).
bench-insights: install $(BENCH_BIN)/.installed
	$(BIN)/python bench/insights.py --peer-python $(BENCH_BIN)/python

# Archive search: 100,000 documents, FTS5/tsvector ranked search vs LIKE (see docs/benchmarks.md).
bench-search: install
	$(BIN)/python bench/search.py

# Over HTTP: inbox, instance page, approve, archive search vs a bare view; `sanfu serve` (granian) on SQLite and
# PostgreSQL, a `sanfu gen` group. wrk (Debian's) is the load generator, a benchmark dependency only. Small by default;
# the issue's size: make bench-web WEB_ARGS="--staff 100000 --instances 1000000 --documents 100000".
bench-web: install
	@command -v wrk >/dev/null || apt-get install -y wrk || (apt-get update && apt-get install -y wrk)
	$(BIN)/python bench/web.py $(WEB_ARGS)

clean:
	rm -rf $(VENV) node_modules var/static
