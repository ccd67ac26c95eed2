#!/usr/bin/env bash
# The whole check: lint, types, import boundaries, migrations, then pytest on SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export SANFU_HOME="$PWD" DJANGO_SETTINGS_MODULE=sanfu.config.test_settings

step() { printf '\n== %s ==\n' "$*"; }

step "ruff"
$BIN/ruff check .
step "mypy"
$BIN/mypy src/sanfu
step "import-linter"
$BIN/lint-imports --no-cache
step "makemigrations --check"
$BIN/python -m django makemigrations --check --dry-run

step "Chromium for browser tests"
scripts/ensure-chromium.sh

step "pytest on SQLite"
SANFU_TEST_DATABASE_URL="sqlite:///test.sqlite3" $BIN/pytest -q "$@"

PG_URL="${SANFU_TEST_DATABASE_URL_PG:-${SANFU_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/sanfu_ci_$$}}"
if $BIN/python scripts/pg_reachable.py "$PG_URL"; then
  step "pytest on PostgreSQL"
  # pytest-django creates test_<name> as a throwaway database and drops it at the end.
  SANFU_TEST_DATABASE_URL="$PG_URL" $BIN/pytest -q --create-db "$@"
else
  echo "PostgreSQL is not reachable at ${PG_URL%%\?*}: skipped the PostgreSQL run (SQLite passed)."
fi
