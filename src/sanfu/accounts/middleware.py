"""Session limits and the account gate (forced password change, second factor for administrators and process
administrators)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from sanfu.accounts.passwords import password_expired
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import admin_kind_of, has_perm
from sanfu.core.audit import audit_record, client_ip

SIGNED_IN_AT = "sanfu_signed_in_at"
LAST_SEEN = "sanfu_last_seen"
_TOUCH_EVERY_SECONDS = 30  # write the session at most this often just to record activity

LoginRequiredMiddleware = DjangoLoginRequired


def second_factor_required(user: Any) -> bool:
    """Who signs in with TOTP (ID-4) when ``SANFU_ADMIN_REQUIRE_OTP`` is on: the three administrators (三员)
    and whoever manages processes (流程管理员: publishes definitions, cancels, skips and reassigns in the
    flows of a whole unit)."""
    return bool(admin_kind_of(user) or has_perm(user, Perm.MANAGE_PROCESSES))


class SessionLimitsMiddleware:
    """Ends a session after ``SANFU_SESSION_IDLE_MINUTES`` idle or ``SANFU_SESSION_ABSOLUTE_HOURS`` in all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            signed_in = session.get(SIGNED_IN_AT)
            last_seen = session.get(LAST_SEEN, signed_in)
            reason = ""
            if signed_in is None:
                session[SIGNED_IN_AT] = now
                session[LAST_SEEN] = now
            elif now - signed_in > settings.SANFU_SESSION_ABSOLUTE_HOURS * 3600:
                reason = "absolute"
            elif last_seen is not None and now - last_seen > settings.SANFU_SESSION_IDLE_MINUTES * 60:
                reason = "idle"
            elif last_seen is None or now - last_seen > _TOUCH_EVERY_SECONDS:
                session[LAST_SEEN] = now
            if reason:
                audit_record(
                    action="session.expire", actor=user, ip_address=client_ip(request), detail={"reason": reason}
                )
                request._sanfu_session_expired = True  # type: ignore[attr-defined]
                logout(request)
                messages.info(request, _("会话已超时，请重新登录。"))
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


_GATE_EXEMPT = (
    "accounts:logout",
    "accounts:password_change",
    "accounts:otp_setup",
    "accounts:otp_verify",
    "set_language",
)


class AccountGateMiddleware:
    """Before anything else a signed-in user must: change a temporary or expired password, and (for
    administrators and process administrators, when required) set up and pass the TOTP second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            must_change = user.must_change_password or password_expired(user)
            if not self._exempt(request):
                if must_change:
                    return redirect("accounts:password_change")
                if self._second_factor_missing(user):
                    return self._to_second_factor(user)
            elif (
                request.path_info == reverse("accounts:password_change")
                and not must_change
                and self._second_factor_missing(user)
            ):
                # A password alone must not change an administrator's password: whoever stole it would
                # lock the administrator out. (A temporary or expired one is changed first, as at setup.)
                return self._to_second_factor(user)
        return self.get_response(request)

    @staticmethod
    def _second_factor_missing(user: Any) -> bool:
        return bool(settings.SANFU_ADMIN_REQUIRE_OTP and second_factor_required(user) and not user.is_verified())

    @staticmethod
    def _to_second_factor(user: Any) -> HttpResponse:
        has_device = any(True for _ in devices_for_user(user, confirmed=True))
        return redirect("accounts:otp_verify" if has_device else "accounts:otp_setup")

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        path = request.path_info
        if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        exempt = {reverse(name) for name in _GATE_EXEMPT}
        return path in exempt
