"""The forms of 服务领导决策: they parse what a page posts, with clear messages; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.models import User
from sanfu.briefing.models import Kind, Output
from sanfu.core.forms import StyledForm
from sanfu.core.params import parse_id
from sanfu.org.clearance import Level


class PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A person by id, the id checked (``core.params``) before the database is asked."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and parse_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class RequestForm(StyledForm):
    """提出需求. The departments asked and their deadlines come from the table below the fields (``ask`` /
    ``deadline_<id>``), read by the view."""

    kind = forms.ChoiceField(label=_("类别"), choices=Kind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    needs = forms.CharField(label=_("需求说明"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    due_on = forms.DateField(label=_("完成时限"), widget=forms.DateInput(attrs={"type": "date"}))
    requested_by = PersonChoice(label=_("提出领导"), queryset=User.objects.none())
    owner = PersonChoice(label=_("承办人"), queryset=User.objects.none())
    confidentiality = forms.ChoiceField(label=_("密级"), choices=Level.choices, initial=Level.INTERNAL)

    def __init__(self, *args: Any, leaders: Any, office: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requested_by"].queryset = leaders  # type: ignore[attr-defined]
        self.fields["owner"].queryset = office  # type: ignore[attr-defined]


class MaterialForm(forms.Form):
    department = forms.IntegerField(min_value=1, max_value=2**53)
    text = forms.CharField(max_length=20000, required=False)


class DeclineForm(forms.Form):
    department = forms.IntegerField(min_value=1, max_value=2**53)
    reason = forms.CharField(
        label=_("无材料理由"), max_length=1000, error_messages={"required": _("请填写无材料理由。")}
    )


class UrgeForm(forms.Form):
    department = forms.IntegerField(min_value=1, max_value=2**53)


class DraftForm(forms.Form):
    text = forms.CharField(label=_("稿件正文"), max_length=20000, error_messages={"required": _("请填写稿件正文。")})
    note = forms.CharField(label=_("修改说明"), max_length=200, required=False)


class OpinionForm(forms.Form):
    text = forms.CharField(label=_("意见"), max_length=2000, required=False)


class IssueForm(forms.Form):
    output = forms.ChoiceField(
        label=_("成果形式"), choices=Output.choices, error_messages={"required": _("请选择成果形式。")}
    )
    recipients = forms.CharField(label=_("主送"), max_length=200, required=False)
