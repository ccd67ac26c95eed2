from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.models import Role, User
from sanfu.core.forms import StyledForm


class PasswordChangeForm(StyledForm):
    old_password = forms.CharField(
        label=_("原密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label=_("新密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    confirm_password = forms.CharField(
        label=_("确认新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("confirm_password"):
            self.add_error("confirm_password", _("两次输入的新密码不一致。"))
        return data


class TokenForm(StyledForm):
    token = forms.RegexField(
        label=_("动态口令"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("请输入 6 位数字口令。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class AccountCreateForm(StyledForm):
    username = forms.RegexField(
        label=_("用户名"),
        max_length=150,
        regex=r"^[A-Za-z0-9_.@+-]+$",
        error_messages={"invalid": _("用户名只能包含字母、数字和 _ . @ + -。")},
    )
    full_name = forms.CharField(label=_("姓名"), max_length=64)
    email = forms.EmailField(label=_("电子邮箱"), required=False)


class RoleGrantForm(StyledForm):
    user = forms.ModelChoiceField(label=_("账户"), queryset=User.objects.filter(is_active=True).order_by("username"))
    role = forms.ModelChoiceField(label=_("角色"), queryset=Role.objects.order_by("admin_kind", "code"))
