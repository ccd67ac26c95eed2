#!/usr/bin/env bash
# The multi-node smoke test (tests/deploy) puts Debian's nginx in front of two app servers; install it with
# apt-get when it is missing. Only the binary is used: the script starts its own nginx on free ports with a
# configuration in a temporary folder, never the system's service.
set -uo pipefail
find_nginx() { command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; }; }
if nginx_bin="$(find_nginx)"; then
  echo "nginx: $("$nginx_bin" -v 2>&1 | head -1)"
  exit 0
fi
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "Installing Debian's nginx (light: no modules beyond the core)…"
  log="$(mktemp)"
  # policy-rc.d 101: the package must not start the system's nginx on port 80 (the smoke test starts its own).
  rc_policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$rc_policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$rc_policy" && chmod +x "$rc_policy" && made_policy=1
  fi
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light \
    || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx) >"$log" 2>&1
  status=$?
  [ "$made_policy" = 1 ] && rm -f "$rc_policy"
  if [ "$status" != 0 ] || ! find_nginx >/dev/null; then
    echo "apt-get could not install nginx (see $log)"
    exit 1
  fi
  rm -f "$log"
  exit 0
fi
echo "nginx is not installed and apt-get is not usable here: install Debian's 'nginx' package." >&2
exit 1
