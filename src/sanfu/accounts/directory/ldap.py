"""LDAP: the sign-in backend (django-auth-ldap) and the reading of people and OUs for ``sync``.

Imported only when ``SANFU_LDAP_URI`` is set: ``AUTHENTICATION_BACKENDS`` names the backend then, and
``sanfu directory sync`` reads through it. Every value comes from the ``SANFU_LDAP_*`` settings; none of
django-auth-ldap's own ``AUTH_LDAP_*`` settings is read.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

import ldap
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django_auth_ldap.backend import LDAPBackend
from django_auth_ldap.config import LDAPSearch, LDAPSettings
from ldap.controls import SimplePagedResultsControl
from ldap.dn import explode_dn, str2dn

from sanfu.accounts.directory.config import ldap_attributes
from sanfu.accounts.directory.entries import Directory, DirectoryDepartment, DirectoryPerson
from sanfu.accounts.models import User
from sanfu.accounts.selectors import admin_kind_of
from sanfu.core.audit import audit_record, client_ip

logger = logging.getLogger(__name__)

_CODE_RE = re.compile(r"^[-a-zA-Z0-9_]{1,32}$")
_PAGE_SIZE = 500
_TIMEOUT_SECONDS = 10


def _connection_options() -> dict[Any, Any]:
    # No referral chasing (Active Directory's referrals would be followed anonymously), and no hanging forever.
    return {ldap.OPT_REFERRALS: 0, ldap.OPT_NETWORK_TIMEOUT: _TIMEOUT_SECONDS, ldap.OPT_TIMEOUT: _TIMEOUT_SECONDS}


def backend_settings() -> dict[str, Any]:
    """django-auth-ldap's settings, built from ours."""
    a = ldap_attributes()
    return {
        "SERVER_URI": settings.SANFU_LDAP_URI,
        "START_TLS": settings.SANFU_LDAP_START_TLS,
        "BIND_DN": settings.SANFU_LDAP_BIND_DN,
        "BIND_PASSWORD": settings.SANFU_LDAP_BIND_PASSWORD,
        "USER_SEARCH": LDAPSearch(settings.SANFU_LDAP_USER_BASE, ldap.SCOPE_SUBTREE, settings.SANFU_LDAP_USER_FILTER),
        "USER_ATTR_MAP": {"full_name": a.full_name, "email": a.email},
        "ALWAYS_UPDATE_USER": True,
        "CONNECTION_OPTIONS": _connection_options(),
        "CACHE_TIMEOUT": 0,
    }


def mark_directory_account(user: User) -> None:
    """The directory vouches for this account: no local password to guess, expire or change."""
    if user.has_usable_password() or not user.password:
        user.password = make_password(None)
    user.must_change_password = False
    user.password_changed_at = None


class DirectoryLDAPBackend(LDAPBackend):  # type: ignore[misc]  # django-auth-ldap ships no types
    """Signs people in with their directory password. Runs after Django's ``ModelBackend``, so local
    accounts keep their passwords until the directory has signed them in once; from then on the account has
    no local password. Refuses the three administrators (三员) and disabled accounts."""

    _settings: LDAPSettings | None = None
    settings_prefix = "SANFU_LDAP_UNUSED_"  # no setting has this prefix: everything comes from backend_settings()

    @property
    def settings(self) -> LDAPSettings:
        if self._settings is None:
            self._settings = LDAPSettings(self.settings_prefix, backend_settings())
        return self._settings

    @settings.setter
    def settings(self, value: LDAPSettings) -> None:
        self._settings = value

    def get_user(self, user_id: int) -> User | None:
        # django-auth-ldap's get_user ignores is_active: a disabled account would keep its session.
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[User, bool]:
        user, built = super().get_or_build_user(username, ldap_user)
        if not built:
            if admin_kind_of(user):
                # Whoever runs the directory must not become one of the 三员 by setting a password there.
                audit_record(
                    action="auth.login",
                    outcome="denied",
                    actor=user,
                    ip_address=client_ip(getattr(ldap_user, "_request", None)),
                    detail={"method": "ldap", "reason": "administrator"},
                )
                raise ldap_user.AuthenticationFailed("administrators sign in with their local password and TOTP")
            if not user.is_active:
                raise ldap_user.AuthenticationFailed("the account is disabled")
        mark_directory_account(user)
        return user, built


def _first(attrs: dict[str, list[bytes]], name: str) -> str:
    values = attrs.get(name) or []
    return values[0].decode("utf-8").strip() if values else ""


def _relative_key(dn: str, base: str) -> str | None:
    """``dn`` below ``base`` as a lower-cased relative DN ("ou=office"), or None when it is not below it."""
    parts, base_parts = str2dn(dn.lower()), str2dn(base.lower())
    if len(parts) <= len(base_parts) or parts[len(parts) - len(base_parts) :] != base_parts:
        return None
    relative = explode_dn(dn.lower())[: len(parts) - len(base_parts)]
    return ",".join(relative)


def _department_code(key: str, name: str) -> str:
    if _CODE_RE.match(name):
        return name
    return "ou-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def _search(connection: Any, base: str, query: str, attributes: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """Every entry matching ``query`` below ``base``, fetched in pages (directories cap unpaged answers)."""
    control = SimplePagedResultsControl(True, size=_PAGE_SIZE, cookie="")
    found: list[tuple[str, dict[str, Any]]] = []
    while True:
        message = connection.search_ext(base, ldap.SCOPE_SUBTREE, query, attributes, serverctrls=[control])
        _type, entries, _id, controls = connection.result3(message)
        found.extend((dn, attrs) for dn, attrs in entries if dn)  # referrals come without a DN
        cookies = [c.cookie for c in controls if c.controlType == SimplePagedResultsControl.controlType]
        if not cookies or not cookies[0]:
            return found
        control.cookie = cookies[0]


def _connect() -> Any:
    connection = ldap.initialize(settings.SANFU_LDAP_URI)
    for option, value in _connection_options().items():
        connection.set_option(option, value)
    if settings.SANFU_LDAP_START_TLS:
        connection.start_tls_s()
    connection.simple_bind_s(settings.SANFU_LDAP_BIND_DN, settings.SANFU_LDAP_BIND_PASSWORD)
    return connection


def read_directory() -> Directory:
    """The people (matching the sign-in filter with any user name) and the OUs below the search base."""
    base = settings.SANFU_LDAP_USER_BASE
    a = ldap_attributes()
    people_filter = settings.SANFU_LDAP_USER_FILTER.replace("%(user)s", "*")
    connection = _connect()
    try:
        units = _search(connection, base, "(objectClass=organizationalUnit)", ["ou", "description"])
        wanted = [
            a.username,
            a.full_name,
            a.email,
            a.employee_no,
            a.mobile,
        ]
        entries = _search(connection, base, people_filter, wanted)
    finally:
        connection.unbind_s()
    departments = []
    for dn, attrs in units:
        key = _relative_key(dn, base)
        if key is None:  # the base itself
            continue
        name = _first(attrs, "description") or _first(attrs, "ou") or key.split(",", 1)[0].partition("=")[2]
        parent = key.split(",", 1)[1] if "," in key else None
        departments.append(
            DirectoryDepartment(key=key, code=_department_code(key, _first(attrs, "ou")), name=name, parent_key=parent)
        )
    known = {d.key for d in departments}
    people = []
    for dn, attrs in entries:
        username = _first(attrs, a.username).lower()
        if not username:
            continue
        key = _relative_key(dn, base)
        container = key.split(",", 1)[1] if key and "," in key else None
        people.append(
            DirectoryPerson(
                username=username,
                full_name=_first(attrs, a.full_name),
                email=_first(attrs, a.email),
                employee_no=_first(attrs, a.employee_no),
                mobile=_first(attrs, a.mobile),
                department_key=container if container in known else None,
            )
        )
    return Directory(people=people, departments=departments, source=settings.SANFU_LDAP_URI)
