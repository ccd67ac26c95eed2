#!/usr/bin/env bash
# Serve a seeded Sanfu on SQLite at http://127.0.0.1:8000 with one worker beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
export SANFU_HOME="$PWD" SANFU_DEBUG="${SANFU_DEBUG:-1}" SANFU_ADDR="${SANFU_ADDR:-127.0.0.1:8000}"
mkdir -p var
.venv/bin/sanfu migrate --noinput -v 0
.venv/bin/sanfu demo
.venv/bin/sanfu worker >var/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "Worker started (log: var/worker.log). Serving at http://$SANFU_ADDR — press Ctrl+C to stop."
.venv/bin/sanfu run "$SANFU_ADDR"
