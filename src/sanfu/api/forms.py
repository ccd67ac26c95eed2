from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.models import User
from sanfu.api import scopes
from sanfu.api.tokens import max_days
from sanfu.api.webhooks import EVENT_TYPES
from sanfu.core.forms import StyledForm


class TokenForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("用途，例如“财务系统对接”。"))
    scopes = forms.MultipleChoiceField(label=_("权限范围"), widget=forms.CheckboxSelectMultiple)
    days = forms.IntegerField(label=_("有效期（天）"), min_value=1, initial=90)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        chosen = self.fields["scopes"]
        assert isinstance(chosen, forms.MultipleChoiceField)
        chosen.choices = [(code, f"{code} — {label}") for code, label in scopes.declared().items()]
        days = self.fields["days"]
        assert isinstance(days, forms.IntegerField)
        days.max_value = max_days()
        days.validators.append(forms.IntegerField(max_value=max_days()).validators[-1])


class SubscriptionForm(StyledForm):
    """事件推送订阅. The system administrator's form adds the owner (an integration account) and the choice to
    allow a private address; everybody else subscribes for themselves, to public https addresses."""

    url = forms.CharField(
        label=_("接收地址"), max_length=500, help_text=_("对方系统接收推送的地址，公网地址须以 https:// 开头。")
    )
    event_types = forms.MultipleChoiceField(label=_("事件类型"), widget=forms.CheckboxSelectMultiple)
    owner = forms.CharField(
        label=_("所属账户"),
        max_length=150,
        required=False,
        help_text=_("用户名；留空为本人。推送只含该账户能看到的事项。"),
    )
    allow_private = forms.BooleanField(
        label=_("允许内网地址"), required=False, help_text=_("接收方在公司内网时才开启。")
    )

    def __init__(self, *args: Any, manages_all: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        chosen = self.fields["event_types"]
        assert isinstance(chosen, forms.MultipleChoiceField)
        chosen.choices = [(code, f"{code} — {label}") for code, label in EVENT_TYPES.items()]
        if not manages_all:
            del self.fields["owner"]
            del self.fields["allow_private"]

    def clean_owner(self) -> User | None:
        username = self.cleaned_data.get("owner", "").strip()
        if not username:
            return None
        owner = User.objects.filter(username=username).first()
        if owner is None:
            raise forms.ValidationError(_("没有这个账户。"))
        return owner


class RotateForm(StyledForm):
    grace_hours = forms.IntegerField(label=_("旧密钥过渡期（小时）"), min_value=0, max_value=168, initial=24)
