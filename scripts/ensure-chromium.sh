#!/usr/bin/env bash
# Browser tests drive Debian's Chromium; install it with apt-get when it is missing (never a browser download).
set -uo pipefail
# The Noto CJK fonts come with it: the GB/T 9704 PDFs and the screenshots need a Chinese font.
has_cjk_fonts() { command -v fc-list >/dev/null && fc-list 2>/dev/null | grep -q "Noto Serif CJK"; }
if [ -x /usr/bin/chromium ] && has_cjk_fonts; then
  echo "Chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
  exit 0
fi
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "Installing Debian's chromium, chromium-driver and fonts-noto-cjk…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk) >/tmp/sanfu-apt.log 2>&1 \
    || { echo "apt-get could not install Chromium (see /tmp/sanfu-apt.log)"; exit 1; }
  exit 0
fi
echo "Chromium is not installed and apt-get is not usable here: install Debian's 'chromium' package." >&2
exit 1
