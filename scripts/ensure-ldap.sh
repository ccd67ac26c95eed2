#!/usr/bin/env bash
# LDAP sign-in is optional (the `ldap` extra): python-ldap builds against Debian's libldap2-dev and libsasl2-dev,
# and the LDAP tests start Debian's slapd. Install what is missing with apt-get, then the extra into .venv.
# When that cannot be done, say so in one line and go on: tests/accounts/test_ldap.py then skips itself.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
has_debian_parts() { [ -x /usr/sbin/slapd ] && [ -x /usr/sbin/slapadd ] && [ -f /usr/include/ldap.h ] && [ -f /usr/include/sasl/sasl.h ]; }
has_extra() { $BIN/python -c "import ldap, django_auth_ldap" 2>/dev/null; }
if has_debian_parts && has_extra; then
  echo "LDAP: slapd and python-ldap $($BIN/python -c 'import ldap; print(ldap.__version__)') present"
  exit 0
fi
if ! has_debian_parts; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's slapd, ldap-utils, libldap2-dev and libsasl2-dev…"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd ldap-utils libldap2-dev libsasl2-dev) \
      >/tmp/sanfu-apt-ldap.log 2>&1 \
      || { echo "LDAP: apt-get could not install slapd and the LDAP headers (see /tmp/sanfu-apt-ldap.log): LDAP tests skipped"; exit 0; }
  else
    echo "LDAP: slapd or the LDAP headers are missing and apt-get is not usable here: LDAP tests skipped"
    exit 0
  fi
fi
if ! has_extra; then
  $BIN/pip install --quiet --disable-pip-version-check -e '.[ldap]' >/tmp/sanfu-pip-ldap.log 2>&1 \
    || { echo "LDAP: pip could not install the ldap extra (see /tmp/sanfu-pip-ldap.log): LDAP tests skipped"; exit 0; }
fi
echo "LDAP: slapd and python-ldap $($BIN/python -c 'import ldap; print(ldap.__version__)') installed"
