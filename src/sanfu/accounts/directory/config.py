"""What the directory settings say, read through ``django.conf.settings`` (no LDAP or OIDC library here)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

LDAP_BACKEND = "sanfu.accounts.directory.ldap.DirectoryLDAPBackend"
OIDC_BACKEND = "sanfu.accounts.directory.oidc.DirectoryOIDCBackend"


def ldap_enabled() -> bool:
    return bool(getattr(settings, "SANFU_LDAP_URI", ""))


def oidc_enabled() -> bool:
    return bool(getattr(settings, "SANFU_OIDC_ISSUER", "") and getattr(settings, "SANFU_OIDC_CLIENT_ID", ""))


@dataclass(frozen=True)
class LdapAttributes:
    """Which directory attribute holds each of a person's fields."""

    username: str
    full_name: str
    email: str
    employee_no: str
    mobile: str


def ldap_attributes() -> LdapAttributes:
    return LdapAttributes(
        username=settings.SANFU_LDAP_ATTR_USERNAME,
        full_name=settings.SANFU_LDAP_ATTR_FULL_NAME,
        email=settings.SANFU_LDAP_ATTR_EMAIL,
        employee_no=settings.SANFU_LDAP_ATTR_EMPLOYEE_NO,
        mobile=settings.SANFU_LDAP_ATTR_MOBILE,
    )
