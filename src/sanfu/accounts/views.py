from __future__ import annotations

import base64
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from sanfu.accounts import selectors, services
from sanfu.accounts.forms import AccountCreateForm, PasswordChangeForm, RoleGrantForm, TokenForm
from sanfu.accounts.models import RoleGrant, User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core.audit import audit_verify, client_ip
from sanfu.core.errors import ApplicationError


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


login_view = login_not_required(LoginView.as_view())


@login_not_required
def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


def _require(request: AuthedHttpRequest, perm: str) -> None:
    # Another role's console is a 404, not a hint that it exists.
    if not selectors.has_perm(request.user, perm):
        raise Http404


def password_change(request: AuthedHttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            for err in exc.errors:
                form.add_error(str(err["field"]), str(err["message"]))
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("web:home")
    return render(request, "accounts/password_change.html", {"form": form})


def otp_setup(request: AuthedHttpRequest) -> HttpResponse:
    """Enrol a TOTP authenticator: show the QR code and secret, confirm with one code."""
    user = request.user
    verified = bool(getattr(user, "is_verified", lambda: False)())  # set by django_otp's OTPMiddleware
    if not verified and selectors.has_confirmed_totp(user):
        # Enrolling another authenticator with only the password would bypass the second factor.
        return redirect("accounts:otp_verify")
    device = services.otp_device_prepare(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.otp_device_confirm(
            user=user, device=device, token=form.cleaned_data["token"], ip=client_ip(request)
        ):
            otp_login(request, device)
            messages.success(request, _("动态口令已启用。"))
            return redirect("web:home")
        form.add_error("token", _("口令不正确，请核对手机时间后重试。"))
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_setup.html",
        {"form": form, "qr_svg": image.to_string(encoding="unicode"), "secret": secret},
    )


def _safe_next(request: HttpRequest) -> str:
    """``?next=`` when it points inside this site, else an empty string (no open redirect)."""
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def otp_verify(request: AuthedHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.otp_verify(user=request.user, token=form.cleaned_data["token"], ip=client_ip(request))
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request) or "web:home")
        form.add_error("token", _("口令不正确。"))
    return render(request, "accounts/otp_verify.html", {"form": form})


def manage(request: AuthedHttpRequest) -> HttpResponse:
    """系统管理员: accounts — create, enable/disable, reset password."""
    _require(request, Perm.MANAGE_ACCOUNTS)
    form = AccountCreateForm(request.POST or None)
    created: tuple[User, str] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.account_create(actor=request.user, ip=client_ip(request), **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            form = AccountCreateForm()
    query = request.GET.get("q", "").strip()
    page = Paginator(selectors.accounts_matching(query), 30).get_page(request.GET.get("page"))
    return render(request, "accounts/manage.html", {"form": form, "page": page, "created": created, "q": query})


@require_POST
def account_toggle(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    _require(request, Perm.MANAGE_ACCOUNTS)
    target = get_object_or_404(User, pk=user_id)
    try:
        services.account_set_active(actor=request.user, user=target, active=not target.is_active, ip=client_ip(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("已启用 %(u)s。") % {"u": target} if target.is_active else _("已停用 %(u)s。") % {"u": target}
        )
    return redirect("accounts:manage")


@require_POST
def account_reset(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    _require(request, Perm.MANAGE_ACCOUNTS)
    target = get_object_or_404(User, pk=user_id)
    raw = services.account_reset_password(actor=request.user, user=target, ip=client_ip(request))
    messages.warning(request, _("%(u)s 的临时密码：%(p)s（首次登录须修改）") % {"u": target, "p": raw})
    return redirect("accounts:manage")


def roles(request: AuthedHttpRequest) -> HttpResponse:
    """安全管理员: grant and revoke roles."""
    _require(request, Perm.GRANT_ROLES)
    form = RoleGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_grant(
                actor=request.user,
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已授予角色。"))
            return redirect("accounts:roles")
    page = Paginator(selectors.role_grants(), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/roles.html", {"form": form, "page": page})


@require_POST
def role_revoke(request: AuthedHttpRequest, grant_id: int) -> HttpResponse:
    _require(request, Perm.GRANT_ROLES)
    grant = get_object_or_404(RoleGrant.objects.select_related("role", "user"), pk=grant_id)
    try:
        services.role_revoke(actor=request.user, grant=grant, ip=client_ip(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已收回角色。"))
    return redirect("accounts:roles")


def audit(request: AuthedHttpRequest) -> HttpResponse:
    """审计管理员: read the audit trail and verify its chain."""
    _require(request, Perm.READ_AUDIT)
    action = request.GET.get("action", "").strip()
    who = request.GET.get("who", "").strip()
    records = selectors.audit_records(action=action, who=who)
    verification = audit_verify() if request.GET.get("verify") else None
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    labels = selectors.audit_target_labels(page)
    rows = [(record, labels.get(record.target, record.target)) for record in page]
    return render(
        request,
        "accounts/audit.html",
        {"page": page, "rows": rows, "verification": verification, "action": action, "who": who},
    )
