"""OIDC sign-in (authorization code with PKCE and nonce) through mozilla-django-oidc.

The provider is found by discovery (``<SANFU_OIDC_ISSUER>/.well-known/openid-configuration``, fetched when a
sign-in needs it and kept for an hour), so an installation sets only the issuer, the client and the claims.
mozilla-django-oidc's own ``OIDC_*`` settings are not used: ``oidc_setting`` answers for them.

What Sanfu adds to the library:
- the id_token's **audience, issuer and expiry are checked** (the library checks only the signature);
- a person is matched to an existing account by one claim (user name or 工号); an account is created only when
  ``SANFU_OIDC_CREATE_USERS`` is on and the claim is a user name;
- the three administrators (三员) are refused: they sign in with their local password and TOTP only, so that
  whoever runs the identity provider cannot become one of them; disabled accounts are refused too;
- each refusal is audited (``auth.oidc``, with the reason) besides the failed sign-in itself.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from sanfu.accounts import selectors, services
from sanfu.accounts.directory.config import oidc_enabled
from sanfu.accounts.models import User
from sanfu.accounts.selectors import admin_kind_of
from sanfu.core.audit import audit_record, client_ip

logger = logging.getLogger(__name__)

_TIMEOUT_SECONDS = 10
_DISCOVERY_SECONDS = 3600
_LEEWAY_SECONDS = 30
_discovered: dict[str, tuple[float, dict[str, Any]]] = {}
_discovery_lock = threading.Lock()


class OIDCUnavailableError(Exception):
    """The provider's discovery document could not be read or does not describe the configured issuer."""


def discovery() -> dict[str, Any]:
    issuer = settings.SANFU_OIDC_ISSUER.rstrip("/")
    with _discovery_lock:
        fetched = _discovered.get(issuer)
        if fetched is not None and time.monotonic() - fetched[0] < _DISCOVERY_SECONDS:
            return fetched[1]
    try:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=_TIMEOUT_SECONDS)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OIDCUnavailableError(str(exc)) from exc
    # OpenID Connect Discovery 1.0, 4.3: the document must name the issuer it was fetched for.
    if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != issuer:
        raise OIDCUnavailableError("the discovery document names another issuer")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not document.get(key):
            raise OIDCUnavailableError(f"the discovery document has no {key}")
    with _discovery_lock:
        _discovered[issuer] = (time.monotonic(), document)
    return document


_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
}


def oidc_setting(attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's settings, answered from ``SANFU_OIDC_*`` and the discovery document."""
    if attr in _ENDPOINTS:
        return discovery().get(_ENDPOINTS[attr])
    fixed: dict[str, Any] = {
        "OIDC_RP_CLIENT_ID": settings.SANFU_OIDC_CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": settings.SANFU_OIDC_CLIENT_SECRET,
        "OIDC_RP_SIGN_ALGO": settings.SANFU_OIDC_SIGN_ALGO,
        "OIDC_RP_SCOPES": settings.SANFU_OIDC_SCOPES,
        "OIDC_RP_IDP_SIGN_KEY": None,
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_VERIFY_SSL": True,
        "OIDC_TIMEOUT": _TIMEOUT_SECONDS,
        "OIDC_CREATE_USER": settings.SANFU_OIDC_CREATE_USERS,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:oidc_callback",
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
        "LOGIN_REDIRECT_URL": settings.LOGIN_REDIRECT_URL,
        "LOGIN_REDIRECT_URL_FAILURE": "accounts:login",
    }
    if attr in fixed:
        return fixed[attr]
    if default:
        return default[0]
    raise KeyError(attr)


def _refuse(request: HttpRequest | None, reason: str, *, user: User | None = None, subject: str = "") -> None:
    audit_record(
        action="auth.oidc",
        outcome="denied" if user is not None else "failure",
        actor=user,
        actor_name="" if user is not None else subject[:150],
        ip_address=client_ip(request),
        detail={"reason": reason[:200], "subject": subject[:150]},
    )


# What a sign-in by OIDC can fail with: a refused token or account, an unreachable or malformed provider.
_REFUSALS = (SuspiciousOperation, OIDCUnavailableError, requests.RequestException, jwt.PyJWTError, ValueError)


class DirectoryOIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]  # mozilla-django-oidc ships no types
    """Signs in the person the provider vouches for (see the module's docstring for what is checked)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The library's __init__ reads every endpoint; Django builds a backend for each password sign-in and
        # each request's session user, so the endpoints are read only when a sign-in by OIDC happens.
        self.UserModel = User

    get_settings = staticmethod(oidc_setting)

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:  # noqa: N802  # the library's attribute names
        return str(oidc_setting("OIDC_OP_TOKEN_ENDPOINT"))

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str | None:  # noqa: N802
        return oidc_setting("OIDC_OP_USER_ENDPOINT")  # type: ignore[no-any-return]

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:  # noqa: N802
        return str(oidc_setting("OIDC_OP_JWKS_ENDPOINT"))

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:  # noqa: N802
        return str(settings.SANFU_OIDC_CLIENT_ID)

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:  # noqa: N802
        return str(settings.SANFU_OIDC_CLIENT_SECRET)

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:  # noqa: N802
        return str(settings.SANFU_OIDC_SIGN_ALGO)

    OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        if request is None or not oidc_enabled() or "code" not in request.GET or "state" not in request.GET:
            return None  # a password sign-in, or OIDC is off
        try:
            return super().authenticate(request, **kwargs)  # type: ignore[no-any-return]
        except (
            SuspiciousOperation,
            OIDCUnavailableError,
            requests.RequestException,
            jwt.PyJWTError,
            ValueError,
        ) as exc:
            logger.warning("OIDC sign-in refused: %s", exc)
            _refuse(request, str(exc))
            return None

    def get_payload_data(self, token: str, key: Any) -> dict[str, Any]:
        """The id_token's claims after checking its signature, algorithm, audience, issuer and lifetime."""
        algorithm = self.OIDC_RP_SIGN_ALGO
        if jwt.get_unverified_header(token).get("alg") != algorithm:
            raise SuspiciousOperation("the id_token is not signed with the configured algorithm")
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=str(discovery()["issuer"]),
                leeway=_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"id_token refused: {exc}") from exc

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The id_token's claims, completed by the userinfo endpoint when the provider has one (its answer is
        used only when it is about the same subject: OpenID Connect Core 5.3.2)."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT and access_token:
            info = super().get_userinfo(access_token, id_token, payload)
            if isinstance(info, dict) and info.get("sub") == payload.get("sub"):
                claims = {**info, **payload}
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(str(claims.get(settings.SANFU_OIDC_MATCH_CLAIM, "")).strip())

    def _claimed(self, claims: dict[str, Any]) -> str:
        return str(claims.get(settings.SANFU_OIDC_MATCH_CLAIM, "")).strip()

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        value = self._claimed(claims)
        if settings.SANFU_OIDC_MATCH_FIELD == "employee_no":
            return User.objects.filter(staff__employee_no=value)
        return User.objects.filter(username__iexact=value)

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        return f"{settings.SANFU_OIDC_MATCH_CLAIM} {self._claimed(claims)}"

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        request = getattr(self, "request", None)
        if admin_kind_of(user):
            _refuse(request, "administrator", user=user, subject=self._claimed(claims))
            raise SuspiciousOperation("administrators sign in with their local password and TOTP")
        if not user.is_active:
            _refuse(request, "disabled", user=user, subject=self._claimed(claims))
            raise SuspiciousOperation("the account is disabled")
        if not user.has_usable_password():
            # No local password (the directory's, or an import's): the provider vouches for the person, so there
            # is nothing to change at first sign-in, and the name and address follow the provider's.
            user.must_change_password = False
            user.full_name = str(claims.get(settings.SANFU_OIDC_NAME_CLAIM) or user.full_name)[:64]
            user.email = str(claims.get(settings.SANFU_OIDC_EMAIL_CLAIM) or user.email)[:254]
            user.save(update_fields=["must_change_password", "full_name", "email"])
        return user

    def create_user(self, claims: dict[str, Any]) -> User | None:
        username = self._claimed(claims).lower()
        request = getattr(self, "request", None)
        if settings.SANFU_OIDC_MATCH_FIELD != "username":
            _refuse(request, "no account with this employee number", subject=username)
            return None
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            _refuse(request, "the claimed user name is not a valid user name", subject=username)
            return None
        user = User(
            username=username[:150],
            full_name=str(claims.get(settings.SANFU_OIDC_NAME_CLAIM) or "")[:64],
            email=str(claims.get(settings.SANFU_OIDC_EMAIL_CLAIM) or "")[:254],
            must_change_password=False,
        )
        user.set_unusable_password()
        with transaction.atomic():
            user.save()
            audit_record(
                action="account.create",
                actor_name="oidc",
                target=f"user:{user.pk}",
                ip_address=client_ip(request),
                detail={"username": user.username, "source": "oidc"},
            )
        return user

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User | None:
        user = super().get_or_create_user(access_token, id_token, payload)
        if user is None and not settings.SANFU_OIDC_CREATE_USERS:
            _refuse(getattr(self, "request", None), "no matching account", subject=str(payload.get("sub", "")))
        return user  # type: ignore[no-any-return]

    def get_user(self, user_id: int) -> User | None:
        # The library's get_user ignores is_active: a disabled account would keep its session.
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None


class _SignIn(OIDCAuthenticationRequestView):  # type: ignore[misc]
    """Sends the browser to the provider (state, nonce and PKCE verifier kept in the session)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)  # endpoints are read in get()

    get_settings = staticmethod(oidc_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            return redirect("accounts:login")  # OIDC is off (a stale button): the password form
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except OIDCUnavailableError as exc:
            logger.warning("OIDC provider unavailable: %s", exc)
            messages.error(request, _("统一身份认证暂时无法访问，请稍后再试或使用用户名和密码登录。"))
            return redirect("accounts:login")
        self.OIDC_RP_CLIENT_ID = settings.SANFU_OIDC_CLIENT_ID
        return super().get(request)  # type: ignore[no-any-return]


class _Callback(OIDCAuthenticationCallbackView):  # type: ignore[misc]
    """The provider's answer: signs the person in, as the password form does (notice of the last sign-in)."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            return redirect("accounts:login")
        return super().get(request)  # type: ignore[no-any-return]

    def login_failure(self) -> HttpResponse:
        messages.error(self.request, _("统一身份认证登录未成功。管理员账户请使用用户名、密码和动态口令登录。"))
        return HttpResponseRedirect(str(redirect("accounts:login").url))

    def login_success(self) -> HttpResponse:
        notice = selectors.sign_in_notice(self.user)  # read before signing in: it overwrites last_login
        response = super().login_success()
        services.sign_in_recorded(user=self.user, ip=client_ip(self.request))
        for level, text in notice:
            messages.add_message(self.request, level, text)
        return response  # type: ignore[no-any-return]


sign_in = login_not_required(_SignIn.as_view())
callback = login_not_required(_Callback.as_view())
