from __future__ import annotations

import base64
import secrets
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from sanfu.accounts import audit_export, selectors, services
from sanfu.accounts import handover as handing
from sanfu.accounts.forms import AccountCreateForm, PasswordChangeForm, RoleGrantForm, TokenForm
from sanfu.accounts.models import RoleGrant, User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core import handover, xlsx
from sanfu.core.audit import audit_verify, client_ip
from sanfu.core.errors import ApplicationError
from sanfu.core.params import parse_id, parse_text


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        # Read before signing in: the sign-in itself overwrites ``last_login``.
        notice = selectors.sign_in_notice(form.get_user())
        response = super().form_valid(form)
        services.sign_in_recorded(user=form.get_user(), ip=client_ip(self.request))
        for level, text in notice:
            messages.add_message(self.request, level, text)
        return response


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
    query = parse_text(request.GET.get("q"))
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
        if not target.is_active:
            _warn_unhanded(request, target)
    return redirect("accounts:manage")


def _warn_unhanded(request: AuthedHttpRequest, person: User) -> None:
    """Disabled without a handover: say what still names the person (their to-dos stay visible to the process
    administrators, whose 流程监控 shows them as stuck)."""
    left = [g for g in handover.groups_of(person) if g.items and g.provider.transfer is not None]
    if left:
        messages.warning(
            request,
            _("%(u)s 名下仍有未交接的事项：%(what)s。其待办在流程监控中标为停滞，请办理离职交接。")
            % {"u": person, "what": "、".join(f"{g.provider.label} {g.count}" for g in left)},
        )


@require_POST
def account_reset(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    _require(request, Perm.MANAGE_ACCOUNTS)
    target = get_object_or_404(User, pk=user_id)
    try:
        reset = services.account_reset_password(actor=request.user, user=target, ip=client_ip(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:manage")
    if reset.password is None:
        messages.success(
            request, _("已重置 %(u)s 的密码，临时密码已发送到其邮箱 %(m)s。") % {"u": target, "m": reset.mailed_to}
        )
    else:
        messages.warning(
            request,
            _("%(u)s 没有电子邮箱。临时密码：%(p)s —— 请当面转交本人（首次登录须修改）；安全管理员已收到通知。")
            % {"u": target, "p": reset.password},
        )
    return redirect("accounts:manage")


class HandoverForm(forms.Form):
    successor = forms.CharField(
        label=gettext_lazy("接任者"),
        max_length=150,
        help_text=gettext_lazy("输入接任者的用户名或工号；须为启用的账户，不能是管理员账户。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("交接原因"),
        max_length=handing.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": gettext_lazy("如：调任财务部，工作由李四接替")}),
    )
    options = forms.MultipleChoiceField(
        label=gettext_lazy("同时处理"), required=False, widget=forms.CheckboxSelectMultiple
    )
    deactivate = forms.BooleanField(label=gettext_lazy("交接后停用该账户（离职）"), required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, choosable: list[tuple[str, str]], may_deactivate: bool, **kwargs: Any) -> None:
        # A plain Form: StyledForm validates a bound form as it starts, before the options are known.
        super().__init__(*args, **kwargs)
        options = self.fields["options"]
        assert isinstance(options, forms.MultipleChoiceField)
        options.choices = choosable
        if not choosable:
            del self.fields["options"]
        if not may_deactivate:
            del self.fields["deactivate"]
        for field in self.fields.values():
            plain = isinstance(field.widget, forms.CheckboxInput | forms.CheckboxSelectMultiple)
            field.widget.attrs["class"] = "form-check-input" if plain else "form-control"
        if not self.is_bound:
            self.initial["token"] = secrets.token_hex(16)

    def clean_successor(self) -> User:
        text = self.cleaned_data["successor"]
        successor = handing.successor_named(text)
        if successor is None:
            raise forms.ValidationError(_("找不到用户名或工号为“%(t)s”的账户。") % {"t": text})
        return successor


def handover_page(request: AuthedHttpRequest) -> HttpResponse:
    """离职交接 / 岗位调整: find the person, see everything that names them, hand it to a successor at once."""
    actor = request.user
    if not handing.may_hand_over(actor):
        raise PermissionDenied
    query = parse_text(request.GET.get("q"))
    person_id = parse_id(request.GET.get("person"))
    if person_id is None:
        people = handing.people_matching(actor=actor, query=query)
        found = Paginator(people, 20).get_page(request.GET.get("page")) if query else None
        return render(request, "accounts/handover.html", {"q": query, "found": found})
    try:
        person = handing.access_person(actor=actor, person_id=person_id)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc
    groups = handing.handover_groups(actor=actor, person=person)
    choosable = [
        (g.provider.name, str(g.provider.label)) for g in groups if g.provider.optional and handing.may_move(actor, g)
    ]
    may_deactivate = person.is_active and person.pk != actor.pk and selectors.has_perm(actor, Perm.MANAGE_ACCOUNTS)
    form = HandoverForm(request.POST or None, choosable=choosable, may_deactivate=may_deactivate)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = handing.account_handover(
                actor=actor,
                person=person,
                successor=data["successor"],
                reason=data["reason"],
                options=data.get("options") or (),
                deactivate=bool(data.get("deactivate")),
                token=data["token"],
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            for err in exc.errors:
                field = str(err.get("field", ""))
                form.add_error(field if field in form.fields else None, str(err["message"]))
            if not exc.errors:
                form.add_error(None, exc.message)
        else:
            text = _("已将 %(u)s 名下 %(n)d 项事务交接给 %(s)s。") % {
                "u": person,
                "n": result.total,
                "s": data["successor"].display_name,
            }
            if result.deactivated:
                text += _("账户已停用。")
            messages.success(request, text)
            if result.total_kept:
                messages.warning(
                    request,
                    _("另有 %(k)d 项未能交给接任者（如接任者已在同一步骤办理），仍列在下方，请流程管理员处理。")
                    % {"k": result.total_kept},
                )
            return redirect(reverse("accounts:handover") + f"?person={person.pk}")
    # How each group fares: moved, moved when chosen, listed only (nothing to move, or another administrator's).
    rows = [
        (
            g,
            "move"
            if handing.moves(actor, g, ())
            else "optional"
            if g.provider.optional and handing.may_move(actor, g)
            else "list",
        )
        for g in groups
    ]
    return render(
        request,
        "accounts/handover.html",
        {
            "q": query,
            "person": person,
            "rows": rows,
            "form": form,
            "to_move": sum(g.count for g, how in rows if how == "move"),
            "listed_only": sum(g.count for g, how in rows if how != "move"),
        },
    )


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
    action = parse_text(request.GET.get("action"))
    who = parse_text(request.GET.get("who"))
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


def audit_download(request: AuthedHttpRequest) -> HttpResponse:
    """审计管理员: the trail as filtered on the page, as an Excel workbook (the export is audited)."""
    _require(request, Perm.READ_AUDIT)
    action = parse_text(request.GET.get("action"))
    who = parse_text(request.GET.get("who"))
    try:
        content = audit_export.audit_workbook(actor=request.user, action=action, who=who)
    except xlsx.TooManyRowsError as exc:
        messages.warning(request, exc.message)
        return redirect(f"{reverse('accounts:audit')}?{urlencode({'action': action, 'who': who})}")
    return xlsx.attachment(content, f"{_('审计记录')}-{timezone.localdate():%Y%m%d}.xlsx")
