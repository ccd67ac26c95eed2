from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.announcements import selectors as announcements
from sanfu.approvals.selectors.catalogue import frequent_matters
from sanfu.approvals.views.inbox import render_inbox  # the inbox lives with the 审批中心
from sanfu.core import agenda, notify, robots
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.forms import StyledForm
from sanfu.core.models import RobotKind
from sanfu.core.params import parse_id
from sanfu.meetings import selectors as meetings
from sanfu.org.selectors import delegations_of
from sanfu.supervision import selectors as supervision
from sanfu.web import cockpit as cockpits


@require_GET
def home(request: AuthedHttpRequest) -> HttpResponse:
    """The workbench: the inbox's to-do tab, with the delegations in force, today's agenda (every domain's
    items through ``core.agenda``), the matters the person starts most (常用事项), their unread announcements,
    next meetings and own 督办 items (overdue and at risk first) on the side."""
    user = request.user
    start_of_today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    unread_count, unread = announcements.unread_for(user, limit=5)
    return render_inbox(
        request,
        "todo",
        {
            "delegations": delegations_of(user, at=timezone.now()),
            "side_template": "web/partials/_workbench.html",
            "workbench": {
                "today": agenda.items(user, start_of_today, start_of_today + timedelta(days=1)),
                "frequent": frequent_matters(user),
                "unread_count": unread_count,
                "unread": unread,
                "meetings": meetings.upcoming_for(user, limit=5),
                "items": supervision.my_open_items(user, limit=5),
            },
        },
    )


@require_GET
def cockpit(request: AuthedHttpRequest) -> HttpResponse:
    """领导驾驶舱: the unit's leaders and office see what waits for them, the month's key figures, overdue 督办
    and the trends; anyone else gets a 404."""
    try:
        found = cockpits.cockpit_for(actor=request.user)
    except NotFoundError as exc:
        raise Http404 from exc
    return render(request, "web/cockpit.html", {"cockpit": found, "ledger_url": reverse("supervision:ledger")})


class NotificationSettingForm(StyledForm):
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    email_each = forms.BooleanField(label=_("每条新通知都发邮件"), required=False)
    email_digest = forms.BooleanField(label=_("每天 17:30 发一封未读通知汇总"), required=False)


class RobotChannelForm(StyledForm):
    kind = forms.ChoiceField(label=_("类型"), choices=RobotKind.choices)
    name = forms.CharField(label=_("名称（可不填）"), max_length=64, required=False)
    url = forms.CharField(label=_("Webhook 地址"), max_length=500)
    secret = forms.CharField(
        label=_("加签密钥（钉钉、飞书开启签名时填写）"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    groups = forms.MultipleChoiceField(
        label=_("发送哪些通知"), choices=list(robots.NOTICE_GROUPS.items()), widget=forms.CheckboxSelectMultiple
    )


def notification_settings(request: AuthedHttpRequest) -> HttpResponse:
    """Each person chooses how they hear of new notices: in the app always; by mail at once or daily; and
    through group robots (企业微信、钉钉、飞书), each carrying the kinds of notices they pick."""
    action = request.POST.get("action", "mail") if request.method == "POST" else ""
    current = notify.setting_of(request.user)
    initial = {"email": request.user.email, "email_each": current.email_each, "email_digest": current.email_digest}
    form = NotificationSettingForm(request.POST if action == "mail" else None, initial=initial)
    robot_form = RobotChannelForm(request.POST if action == "robot_add" else None, initial={"groups": ["todo", "urge"]})
    if action == "mail" and form.is_valid():
        data = form.cleaned_data
        try:
            notify.setting_update(
                user=request.user, email=data["email"], email_each=data["email_each"], email_digest=data["email_digest"]
            )
        except ApplicationError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(request, _("通知设置已保存。"))
            return redirect("web:notification_settings")
    elif action == "robot_add" and robot_form.is_valid():
        data = robot_form.cleaned_data
        try:
            robots.robot_channel_add(
                user=request.user,
                kind=data["kind"],
                name=data["name"],
                url=data["url"],
                secret=data["secret"],
                groups=data["groups"],
            )
        except ApplicationError as exc:
            field = str(exc.errors[0].get("field", "")) if exc.errors else ""
            robot_form.add_error(field if field in robot_form.fields else None, exc.message)
        else:
            messages.success(request, _("群机器人已添加。"))
            return redirect("web:notification_settings")
    elif action in {"robot_update", "robot_delete", "robot_try"}:
        return _robot_channel_act(request, action)
    context = {
        "form": form,
        "robot_form": robot_form,
        "channels": robots.robot_channels_of(request.user),
        "notice_groups": list(robots.NOTICE_GROUPS.items()),
        "examples": [(RobotKind(kind).label, example) for kind, example in robots.EXAMPLES.items()],
    }
    return render(request, "web/notification_settings.html", context)


def _robot_channel_act(request: AuthedHttpRequest, action: str) -> HttpResponse:
    channel_id = parse_id(request.POST.get("channel"))
    if channel_id is None:
        raise Http404
    try:
        if action == "robot_update":
            robots.robot_channel_update(
                user=request.user,
                channel_id=channel_id,
                groups=request.POST.getlist("groups"),
                enabled=request.POST.get("enabled") == "on",
            )
            messages.success(request, _("群机器人设置已保存。"))
        elif action == "robot_delete":
            robots.robot_channel_delete(user=request.user, channel_id=channel_id)
            messages.success(request, _("群机器人已删除。"))
        else:
            outcome = robots.robot_channel_try(user=request.user, channel_id=channel_id)
            if outcome.ok:
                messages.success(request, _("测试消息已发送，请到群里查看。"))
            else:
                messages.error(request, _("测试消息发送失败：%(e)s") % {"e": outcome.error})
    except NotFoundError as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("web:notification_settings")
