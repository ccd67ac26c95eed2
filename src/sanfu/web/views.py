from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.approvals.views.inbox import render_inbox  # the inbox lives with the 审批中心
from sanfu.core import notify
from sanfu.core.errors import ApplicationError
from sanfu.core.forms import StyledForm
from sanfu.org.selectors import delegations_of


@require_GET
def home(request: AuthedHttpRequest) -> HttpResponse:
    """我的待办: the home page is the inbox's to-do tab, with the delegations in force on the side."""
    return render_inbox(request, "todo", {"delegations": delegations_of(request.user, at=timezone.now())})


class NotificationSettingForm(StyledForm):
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    email_each = forms.BooleanField(label=_("每条新通知都发邮件"), required=False)
    email_digest = forms.BooleanField(label=_("每天 17:30 发一封未读通知汇总"), required=False)


def notification_settings(request: AuthedHttpRequest) -> HttpResponse:
    """Each person chooses how they hear of new notices (in the app always; by mail at once or daily)."""
    current = notify.setting_of(request.user)
    initial = {"email": request.user.email, "email_each": current.email_each, "email_digest": current.email_digest}
    form = NotificationSettingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
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
    return render(request, "web/notification_settings.html", {"form": form})
