from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sanfu.api import scopes
from sanfu.api.tokens import max_days


class TokenForm(forms.Form):
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
