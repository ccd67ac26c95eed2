#!/usr/bin/env bash
# The multi-node shape of deploy/README.md on one machine: nginx in front of two app servers (`sanfu serve` on
# loopback ports), two workers, PostgreSQL and Redis (both already running: 127.0.0.1:5432 with trust auth and
# 127.0.0.1:6379 by default).
#
#   deploy/multinode.sh start          prepare the database (migrate, demo without history), start everything
#   deploy/multinode.sh stop           stop everything it started (SANFU_MULTINODE_DROP=1: drop its database too)
#   deploy/multinode.sh status         what runs, and the address
#   deploy/multinode.sh kill NAME      SIGKILL one part (app1, app2, worker1, worker2, nginx), as a crash would
#   deploy/multinode.sh restart NAME   start one part again
#
# Settings (environment):
#   SANFU_MULTINODE_DIR       its folder: keys, logs, process ids, static files, uploads (default var/multinode)
#   SANFU_MULTINODE_PORT      nginx's port (default: a free one); the app servers take free ports too
#   SANFU_DATABASE_URL        default postgresql://postgres@127.0.0.1:5432/sanfu_multinode (created when missing)
#   SANFU_REDIS_URL           default redis://127.0.0.1:6379/0; the queue is named after the folder
#   SANFU_WEB_WORKERS         processes per app server (default 2)
#   SANFU_MULTINODE_HISTORY   demo requests to generate at the first start (default 0)
#   SANFU_MULTINODE_SEED      demo (default) or minimal: only the people and the matter catalogue
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/.venv/bin"
DIR="${SANFU_MULTINODE_DIR:-$ROOT/var/multinode}"
PARTS=(nginx app1 app2 worker1 worker2)

die() { echo "multinode: $*" >&2; exit 1; }
free_port() { "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pid_of() { cat "$DIR/$1.pid" 2>/dev/null || true; }
alive() { local pid; pid="$(pid_of "$1")"; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
find_nginx() { command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true; }

# Each part runs in a session (process group) of its own, so that stopping or killing it reaches its children
# (an app server's workers) and nothing else.
launch() {
  local name="$1"
  shift
  setsid "$@" >>"$DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/$name.pid"
}

wait_http() {  # URL, seconds: until it answers 200
  local deadline=$((SECONDS + $2))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true)" = 200 ]; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

start_part() {  # NAME [nowait]: start one part (and wait until it answers, unless told not to)
  local name="$1" wait="${2:-wait}"
  # shellcheck disable=SC1091
  source "$DIR/env"
  alive "$name" && return 0
  case "$name" in
    app1 | app2)
      launch "$name" "$BIN/sanfu" serve --bind "127.0.0.1:$(cat "$DIR/$name.port")" --workers "${SANFU_WEB_WORKERS:-2}"
      ;;
    worker1) launch "$name" "$BIN/sanfu" worker ;;
    worker2) launch "$name" "$BIN/sanfu" worker --no-periodic ;; # one scheduler for the group: worker1's
    nginx) launch "$name" "$(find_nginx)" -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -g "daemon off;" ;;
    *) die "no part named $name (${PARTS[*]})" ;;
  esac
  [ "$wait" = wait ] && wait_part "$name"
  return 0
}

wait_part() {
  case "$1" in
    app1 | app2) wait_http "http://127.0.0.1:$(cat "$DIR/$1.port")/accounts/login/" 120 || die "$1 did not come up (see $DIR/$1.log)" ;;
    nginx) wait_http "http://127.0.0.1:$(cat "$DIR/nginx.port")/accounts/login/" 30 || die "nginx did not come up (see $DIR/nginx.log)" ;;
    *) sleep 0.5; alive "$1" || die "$1 exited at once (see $DIR/$1.log)" ;;
  esac
}

stop_parts() {  # SIGTERM to each part's process group at once, SIGKILL to what is left after 15 s
  local name pid pids=()
  for name in "$@"; do
    pid="$(pid_of "$name")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for _ in $(seq 150); do
    local left=0
    for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && left=1; done
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  for name in "$@"; do rm -f "$DIR/$name.pid"; done
}

kill_part() {  # SIGKILL, as a crash: the master and every worker of an app server at once
  local pid
  pid="$(pid_of "$1")"
  [ -n "$pid" ] || die "$1 is not running"
  kill -KILL -- "-$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.05
  done
  rm -f "$DIR/$1.pid"
}

write_env() {
  local db_url="${SANFU_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/sanfu_multinode}"
  local redis_url="${SANFU_REDIS_URL:-redis://127.0.0.1:6379/0}"
  local key
  for key in secret_key audit_key signing_key field_key; do
    [ -s "$DIR/$key" ] || (umask 077 && "$BIN/python" -c "import secrets; print(secrets.token_urlsafe(50))" >"$DIR/$key")
  done
  # SANFU_HOME is the folder (var/ with uploads and static files under it); node_modules is the checkout's.
  ln -sfn "$ROOT/node_modules" "$DIR/node_modules"
  cat >"$DIR/env" <<EOF
export SANFU_HOME="$DIR" DJANGO_SETTINGS_MODULE=sanfu.config.settings
export SANFU_DATABASE_URL="$db_url" SANFU_REDIS_URL="$redis_url" SANFU_QUEUE_NAME="sanfu-$(basename "$DIR")-$(cat "$DIR/nginx.port")"
export SANFU_SECRET_KEY_FILE="$DIR/secret_key" SANFU_AUDIT_KEY_FILE="$DIR/audit_key"
export SANFU_SIGNING_KEY_FILE="$DIR/signing_key" SANFU_FIELD_KEY_FILE="$DIR/field_key"
export SANFU_DEBUG=0 SANFU_HTTPS=0 SANFU_BEHIND_PROXY=1 SANFU_PROXY_COUNT=1 SANFU_DEMO=1 SANFU_EMAIL_CONSOLE=1
export SANFU_ALLOWED_HOSTS=127.0.0.1,localhost SANFU_WEB_WORKERS="${SANFU_WEB_WORKERS:-2}"
EOF
}

write_nginx() {
  mkdir -p "$DIR/nginx/tmp"
  cp "$ROOT/deploy/nginx/sanfu-proxy.conf" "$ROOT/deploy/nginx/sanfu-headers.conf" "$DIR/nginx/"
  cat >"$DIR/nginx/nginx.conf" <<EOF
# Made by deploy/multinode.sh: deploy/nginx/sanfu.conf's shape on plain HTTP and loopback ports.
worker_processes 1;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $DIR/nginx/access.log;
    client_body_temp_path $DIR/nginx/tmp/body;
    proxy_temp_path $DIR/nginx/tmp/proxy;
    fastcgi_temp_path $DIR/nginx/tmp/fastcgi;
    uwsgi_temp_path $DIR/nginx/tmp/uwsgi;
    scgi_temp_path $DIR/nginx/tmp/scgi;
    server_tokens off;
    upstream sanfu_app {
        server 127.0.0.1:$(cat "$DIR/app1.port") max_fails=1 fail_timeout=5s;
        server 127.0.0.1:$(cat "$DIR/app2.port") max_fails=1 fail_timeout=5s;
        keepalive 8;
    }
    server {
        listen 127.0.0.1:$(cat "$DIR/nginx.port");
        location /static/ {
            alias $DIR/var/static/;
            expires 7d;
            include sanfu-headers.conf;
        }
        location /media/ { return 404; }
        include sanfu-proxy.conf;
    }
}
EOF
}

ensure_database() {
  "$BIN/python" - "$SANFU_DATABASE_URL" <<'PY'
import sys
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

url = urlsplit(sys.argv[1])
name = url.path.lstrip("/")
with psycopg.connect(host=url.hostname, port=url.port or 5432, user=url.username or "postgres",
                     password=url.password, dbname="postgres", autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
PY
}

drop_database() {
  "$BIN/python" - "$SANFU_DATABASE_URL" <<'PY'
import sys
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

url = urlsplit(sys.argv[1])
with psycopg.connect(host=url.hostname, port=url.port or 5432, user=url.username or "postgres",
                     password=url.password, dbname="postgres", autocommit=True) as conn:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(url.path.lstrip("/"))))
PY
}

seed() {  # the demo organisation; "minimal": only its people and the matter catalogue (what the smoke test needs)
  if [ "${SANFU_MULTINODE_SEED:-demo}" = minimal ]; then
    "$BIN/sanfu" shell -c "from sanfu.demo.seed import seed_demo, seed_matters; seed_demo(); seed_matters()"
  else
    "$BIN/sanfu" demo --history "${SANFU_MULTINODE_HISTORY:-0}"
  fi
}

start() {
  [ -n "$(find_nginx)" ] || die "nginx is not installed (scripts/ensure-nginx.sh installs Debian's)"
  mkdir -p "$DIR"
  chmod 755 "$DIR"  # nginx's worker (an unprivileged user) reads the static files under it
  for name in nginx app1 app2; do
    [ -s "$DIR/$name.port" ] || free_port >"$DIR/$name.port"
  done
  [ -z "${SANFU_MULTINODE_PORT:-}" ] || echo "$SANFU_MULTINODE_PORT" >"$DIR/nginx.port"
  write_env
  # shellcheck disable=SC1091
  source "$DIR/env"
  ensure_database
  # The static files are collected while the database is prepared.
  (cd "$DIR" && "$BIN/sanfu" collectstatic --noinput -v 0 >"$DIR/collectstatic.log" 2>&1) &
  local collecting=$!
  (cd "$DIR" && "$BIN/sanfu" migrate --noinput -v 0 && seed >"$DIR/demo.log" 2>&1) \
    || die "preparing the database failed (see $DIR/demo.log)"
  wait "$collecting" || die "collectstatic failed (see $DIR/collectstatic.log)"
  chmod -R o+rX "$DIR/var/static"
  write_nginx
  for name in app1 app2 worker1 worker2; do
    start_part "$name" nowait
  done
  for name in app1 app2 worker1 worker2; do
    wait_part "$name"
  done
  start_part nginx
  echo "Sanfu multi-node at http://127.0.0.1:$(cat "$DIR/nginx.port")/ (app servers on $(cat "$DIR/app1.port") and $(cat "$DIR/app2.port"); folder $DIR)"
}

stop() {
  stop_parts "${PARTS[@]}"
  if [ "${SANFU_MULTINODE_DROP:-0}" = 1 ] && [ -s "$DIR/env" ]; then
    # shellcheck disable=SC1091
    source "$DIR/env"
    drop_database
  fi
}

status() {
  for name in "${PARTS[@]}"; do
    if alive "$name"; then echo "$name running (pid $(pid_of "$name"))"; else echo "$name stopped"; fi
  done
  [ -s "$DIR/nginx.port" ] && echo "http://127.0.0.1:$(cat "$DIR/nginx.port")/"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  kill) kill_part "${2:?a part: ${PARTS[*]}}" ;;
  restart) start_part "${2:?a part: ${PARTS[*]}}" ;;
  *) sed -n '2,21p' "$0" >&2; exit 2 ;;
esac
