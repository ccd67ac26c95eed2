"""Signing in with the company directory, and keeping accounts in step with it (docs/directory.md).

Both ways are optional and off by default:

- **LDAP** (``SANFU_LDAP_URI``): people sign in with their directory password (django-auth-ldap); ``sanfu
  directory sync`` (and the worker, when ``SANFU_LDAP_SYNC_MINUTES`` is set) creates and updates their accounts
  and disables the accounts that left the directory.
- **OIDC** (``SANFU_OIDC_ISSUER``): a "使用统一身份认证登录" button sends people to the company's identity
  provider (mozilla-django-oidc, with the id_token's audience and issuer checked).

The three administrators (三员) never sign in either way and are never changed by a sync: their accounts are
Sanfu's own, with a local password and TOTP, so that whoever runs the directory cannot become one of them.
Modules that import ``ldap`` (``ldap``) are imported only when LDAP is configured.
"""
