#!/usr/bin/env bash
# The four keys of deploy/compose.yaml, made once (an existing key is never replaced: the audit chain, the 签发
# digests and the encrypted fields depend on theirs). Back them up apart from the database.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p secrets
chmod 700 secrets
for key in secret_key audit_key signing_key field_key; do
  [ -s "secrets/$key" ] || (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n=' >"secrets/$key")
done
echo "Keys in $(pwd)/secrets"
