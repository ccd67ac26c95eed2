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
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanfu.accounts import services
from sanfu.accounts.forms import AccountCreateForm, PasswordChangeForm, RoleGrantForm, TokenForm
from sanfu.accounts.models import RoleGrant, User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.accounts.selectors import has_perm
from sanfu.core.audit import audit_record, audit_verify, client_ip
from sanfu.core.errors import ApplicationError
from sanfu.core.models import AuditRecord


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
    if not has_perm(request.user, perm):
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
    if not verified and TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        # Enrolling another authenticator with only the password would bypass the second factor.
        return redirect("accounts:otp_verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("动态口令"), confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit_record(action="otp.enrol", actor=user, ip_address=client_ip(request))
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
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            audit_record(action="otp.verify", actor=request.user, ip_address=client_ip(request))
            return redirect(_safe_next(request) or "web:home")
        audit_record(action="otp.verify", outcome="failure", actor=request.user, ip_address=client_ip(request))
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
    users = User.objects.order_by("username")
    if query:
        users = users.filter(Q(username__icontains=query) | Q(full_name__icontains=query))
    page = Paginator(users, 30).get_page(request.GET.get("page"))
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
    grants = RoleGrant.objects.select_related("user", "role", "unit").order_by(
        "role__admin_kind", "role__code", "user__username"
    )
    page = Paginator(grants, 50).get_page(request.GET.get("page"))
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
    records = AuditRecord.objects.order_by("-seq")
    action = request.GET.get("action", "").strip()
    who = request.GET.get("who", "").strip()
    if action:
        records = records.filter(action__startswith=action)
    if who:
        records = records.filter(actor_name__icontains=who)
    verification = audit_verify() if request.GET.get("verify") else None
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(
        request, "accounts/audit.html", {"page": page, "verification": verification, "action": action, "who": who}
    )
