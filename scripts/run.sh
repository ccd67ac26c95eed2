#!/usr/bin/env bash
# Serve a seeded Sanfu on SQLite at http://127.0.0.1:8000 (`sanfu serve`) with one worker beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
# The demo looks like the product: DEBUG off (Chinese error pages, no settings dump), plain HTTP on the
# loopback address only, mail printed to the console, a secret key made once for this checkout.
export SANFU_HOME="$PWD" SANFU_DEBUG="${SANFU_DEBUG:-0}" SANFU_HTTPS="${SANFU_HTTPS:-0}" \
  SANFU_EMAIL_CONSOLE="${SANFU_EMAIL_CONSOLE:-1}" SANFU_ADDR="${SANFU_ADDR:-127.0.0.1:8000}"
export SANFU_DEMO=1  # a demonstration: its well-known accounts are expected (`check --deploy` refuses them elsewhere)
mkdir -p var
if [ -z "${SANFU_SECRET_KEY:-}${SANFU_SECRET_KEY_FILE:-}" ]; then
  [ -s var/secret_key ] || (umask 077 && .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" >var/secret_key)
  export SANFU_SECRET_KEY_FILE="$PWD/var/secret_key"
fi
if [ -z "${SANFU_AUDIT_KEY:-}${SANFU_AUDIT_KEY_FILE:-}" ]; then  # the audit chain's own key, made once too
  [ -s var/audit_key ] || (umask 077 && .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(40))" >var/audit_key)
  export SANFU_AUDIT_KEY_FILE="$PWD/var/audit_key"
fi
if [ -z "${SANFU_SIGNING_KEY:-}${SANFU_SIGNING_KEY_FILE:-}" ]; then  # the key of the 签发 digests, made once too
  [ -s var/signing_key ] || (umask 077 && .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(40))" >var/signing_key)
  export SANFU_SIGNING_KEY_FILE="$PWD/var/signing_key"
fi
if [ -z "${SANFU_FIELD_KEY:-}${SANFU_FIELD_KEY_FILE:-}" ]; then  # the key of the fields encrypted at rest, made once too
  [ -s var/field_key ] || (umask 077 && .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(40))" >var/field_key)
  export SANFU_FIELD_KEY_FILE="$PWD/var/field_key"
fi
.venv/bin/sanfu migrate --noinput -v 0
.venv/bin/sanfu demo
.venv/bin/sanfu worker >var/worker.log 2>&1 &
worker=$!
echo "Worker started (log: var/worker.log). Serving at http://$SANFU_ADDR — press Ctrl+C to stop."
# The production server (`sanfu serve`: granian; SANFU_WEB_WORKERS and SANFU_WEB_THREADS size it), static files
# from WhiteNoise inside the app. It runs in a process group of its own and Ctrl+C stops it through its main
# process (workers that got the terminal's SIGINT themselves would wait out their kill timeout).
setsid .venv/bin/sanfu serve --bind "$SANFU_ADDR" &
server=$!
stop() {
  trap - INT TERM EXIT
  kill -TERM "$server" "$worker" 2>/dev/null || true
  wait "$server" "$worker" 2>/dev/null || true
}
trap 'stop; exit 130' INT TERM
trap stop EXIT
wait "$server"
