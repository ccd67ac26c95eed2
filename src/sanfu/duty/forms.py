from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sanfu.core.forms import StyledForm
from sanfu.duty.models import RotaKind, Severity

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE = forms.DateInput(attrs={"type": "date"})


class RotaForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("值班类型"), choices=RotaKind.choices)
    day_start = forms.TimeField(label=_("白班开始"), widget=TIME)
    day_end = forms.TimeField(label=_("白班结束"), widget=TIME)
    night_start = forms.TimeField(label=_("夜班开始"), widget=TIME)
    night_end = forms.TimeField(label=_("夜班结束（次日）"), widget=TIME)
    phone = forms.CharField(label=_("值班电话"), max_length=40, required=False)
    officers = forms.CharField(
        label=_("值班人员"),
        help_text=_("按轮值顺序每行一人，填写用户名或工号"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    leaders = forms.CharField(
        label=_("带班领导"),
        help_text=_("按轮值顺序每行一人，填写用户名或工号"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def lines(text: str) -> list[str]:
    """The non-empty lines (or comma-separated items) of ``text``, stripped."""
    return [part.strip() for part in text.replace(",", "\n").replace("，", "\n").splitlines() if part.strip()]


class RangeForm(StyledForm):
    start = forms.DateField(label=_("开始日期"), widget=DATE)
    end = forms.DateField(label=_("结束日期"), widget=DATE)


class LogForm(StyledForm):
    occurred_at = forms.DateTimeField(
        label=_("发生时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    content = forms.CharField(label=_("情况"), widget=forms.Textarea(attrs={"rows": 2}))
    handling = forms.CharField(label=_("处理情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    caller = forms.CharField(label=_("来电"), required=False, max_length=100)
    is_incident = forms.BooleanField(label=_("突发事件"), required=False)
    severity = forms.ChoiceField(label=_("等级"), required=False, choices=[("", "—"), *Severity.choices])


class HandoverForm(StyledForm):
    note = forms.CharField(label=_("交班记录"), widget=forms.Textarea(attrs={"rows": 3}))


class InstructionForm(StyledForm):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    instruction = forms.CharField(label=_("批示意见"), widget=forms.Textarea(attrs={"rows": 2}))


class SwapForm(StyledForm):
    counterpart = forms.TypedChoiceField(label=_("请谁替班"), coerce=int)
    counter_shift = forms.TypedChoiceField(label=_("换回对方的班次"), coerce=int, required=False, empty_value=None)
    reason = forms.CharField(label=_("换班原因"), max_length=200)

    def __init__(self, *args: Any, people: list[tuple[int, str]], shifts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["counterpart"].choices = people  # type: ignore[attr-defined]
        self.fields["counter_shift"].choices = [("", _("不换回（替班）")), *shifts]  # type: ignore[attr-defined]


class ReassignForm(StyledForm):
    officer = forms.TypedChoiceField(label=_("值班人员"), coerce=int)
    leader = forms.TypedChoiceField(label=_("带班领导"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, people: list[tuple[int, str]], leaders: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["officer"].choices = people  # type: ignore[attr-defined]
        self.fields["leader"].choices = [("", "—"), *leaders]  # type: ignore[attr-defined]
