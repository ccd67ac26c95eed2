#!/usr/bin/env bash
# The whole check: lint, types, import boundaries, migrations, then pytest on SQLite and PostgreSQL (the
# PostgreSQL run starts first and runs beside the rest).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export SANFU_HOME="$PWD" DJANGO_SETTINGS_MODULE=sanfu.config.test_settings

step() { printf '\n== %s ==\n' "$*"; }

step "Chromium for browser tests"
scripts/ensure-chromium.sh

step "slapd and python-ldap for the LDAP tests (optional: the tests skip in one line without them)"
scripts/ensure-ldap.sh

step "nginx for the multi-node smoke test (optional: the test says in one line why it did not run)"
scripts/ensure-nginx.sh || true

# The two databases' runs go side by side (the machine has two cores; each run is one process, and much of a run
# waits on subprocesses, browsers and sockets). The PostgreSQL run, the longer, starts first, before the lint
# steps (pip-audit mostly waits on the network). Each has its own uploaded-files folder; the PostgreSQL run's
# output is shown whole once it ends, after the SQLite run's. A failed lint step stops the build and the run.
# Each run spreads its tests over two worker processes (pytest-xdist; each worker has its own test database):
# whichever run ends first leaves both cores to the other. SANFU_TEST_WORKERS=0 runs each in one process.
workers="${SANFU_TEST_WORKERS:-2}"
spread=()
# worksteal: each worker starts on a contiguous half of the tests (a module's tests stay on one worker, so a scene
# built once per module is built once, not once per worker), and a worker that runs out takes tests from the
# other's queue; with the longest tests collected first (tests/conftest.py) neither is left running alone.
[ "$workers" != 0 ] && spread=(-n "$workers" --dist worksteal)
# The 25 slowest tests of each run are listed at its end: where the next minute of test time is to be won.
spread+=(--durations=25 --durations-min=5)
PG_URL="${SANFU_TEST_DATABASE_URL_PG:-${SANFU_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/sanfu_ci_$$}}"
scratch="$(mktemp -d)"
pg_job=""
stop_pg() {  # a lint step failed: the PostgreSQL run (a subshell and its pytest) does not outlive the build
  if [ -n "$pg_job" ]; then
    pkill -TERM -P "$pg_job" 2>/dev/null || true
    kill "$pg_job" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap stop_pg EXIT
pg_status=skipped
if $BIN/python scripts/pg_reachable.py "$PG_URL"; then
  # pytest-django creates test_<name> as a throwaway database and drops it at the end.
  (SANFU_TEST_MEDIA_ROOT="$scratch/pg-media" SANFU_TEST_DATABASE_URL="$PG_URL" \
    $BIN/pytest -q "${spread[@]}" --create-db "$@" >"$scratch/pg.log" 2>&1; echo $? >"$scratch/pg.rc") &
  pg_job=$!
  pg_status=running
fi

step "ruff"
$BIN/ruff check .
step "mypy"
$BIN/mypy src/sanfu
step "import-linter"
$BIN/lint-imports --no-cache
step "bandit (security lint of src/sanfu; each skipped test is justified in pyproject.toml)"
$BIN/bandit -q -c pyproject.toml -r src/sanfu

step "pip-audit (known vulnerabilities in the installed packages)"
# Sanfu itself (installed editable) is not on PyPI: skipped. When the vulnerability service cannot be reached
# (no network, or a registry mirror without its JSON API: every package comes back "not found"), say so in
# one line and go on; a vulnerability found fails the build.
audit_json="$(mktemp)"
audit_status=0
timeout 300 $BIN/pip-audit --local --skip-editable --progress-spinner off --timeout 15 -f json -o "$audit_json" \
  2>/dev/null || audit_status=$?
$BIN/python - "$audit_json" "$audit_status" <<'PY'
import json, sys
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        deps = json.load(f)["dependencies"]
except (OSError, ValueError, KeyError, TypeError):
    deps = []
audited = [d for d in deps if "skip_reason" not in d]
if sys.argv[2] == "127":
    sys.exit("pip-audit is not installed: .venv/bin/pip install -e '.[dev]'")
if not audited:
    print(f"pip-audit: the vulnerability service could not be reached (exit {sys.argv[2]}); packages not audited")
    sys.exit(0)
found = [d for d in audited if d.get("vulns")]
for d in found:
    fixes = {v["id"]: ", ".join(v.get("fix_versions") or ["?"]) for v in d["vulns"]}
    print(f"{d['name']} {d['version']}:", "; ".join(f"{vid} (fixed in {fix})" for vid, fix in fixes.items()))
print(f"pip-audit: {len(audited)} packages audited, {len(found)} with known vulnerabilities")
sys.exit(1 if found else 0)
PY
rm -f "$audit_json"

step "makemigrations --check"
$BIN/python -m django makemigrations --check --dry-run

step "pytest on SQLite${pg_job:+ (PostgreSQL running beside it)}"
sqlite_rc=0
SANFU_TEST_MEDIA_ROOT="$scratch/sqlite-media" SANFU_TEST_DATABASE_URL="sqlite:///test.sqlite3" \
  $BIN/pytest -q "${spread[@]}" "$@" || sqlite_rc=$?

if [ "$pg_status" = running ]; then
  wait "$pg_job" || true
  pg_job=""
  step "pytest on PostgreSQL"
  cat "$scratch/pg.log"
  pg_rc="$(cat "$scratch/pg.rc" 2>/dev/null || echo 1)"
else
  echo "PostgreSQL is not reachable at ${PG_URL%%\?*}: skipped the PostgreSQL run."
  pg_rc=0
fi
[ "$sqlite_rc" = 0 ] || echo "pytest on SQLite failed (exit $sqlite_rc)"
[ "$pg_rc" = 0 ] || echo "pytest on PostgreSQL failed (exit $pg_rc)"
[ "$sqlite_rc" = 0 ] && [ "$pg_rc" = 0 ]
