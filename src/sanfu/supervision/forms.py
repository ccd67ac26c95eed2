"""The 督办 forms: what a page posts, checked with clear messages before a service is called (the services check
the rules again: the forms only parse)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.models import User
from sanfu.core.forms import StyledForm
from sanfu.core.params import parse_id
from sanfu.org.clearance import Level
from sanfu.org.models import Department
from sanfu.supervision.models import CheckKind, Source


class BoundedChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice by id whose id is checked (``core.params``) before the database is asked: a value no column can
    hold is an invalid choice, not a database error."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and parse_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class BoundedMultipleChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def _check_values(self, value: Any) -> Any:
        for one in value:
            if parse_id(one) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(one)[:20]}
                )
        return super()._check_values(value)  # type: ignore[misc]  # not in django-stubs


class PersonChoice(BoundedChoice):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


def _people() -> Any:
    return User.objects.filter(is_active=True, staff__isnull=False).order_by("staff__employee_no", "pk")


def _departments() -> Any:
    return Department.objects.filter(is_active=True).order_by("unit_id", "path")


class ItemForm(StyledForm):
    """新建督办事项 (manual entry)."""

    title = forms.CharField(label=_("事项名称"), max_length=200)
    content = forms.CharField(label=_("督办内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    source = forms.ChoiceField(label=_("来源"), choices=Source.choices, initial=Source.MANUAL)
    source_label = forms.CharField(label=_("来源说明"), max_length=200, required=False)
    owner = PersonChoice(label=_("责任人"), queryset=User.objects.none())
    lead_department = BoundedChoice(label=_("牵头部门"), queryset=Department.objects.none(), required=False)
    co_departments = BoundedMultipleChoice(label=_("协办部门"), queryset=Department.objects.none(), required=False)
    deadline = forms.DateField(label=_("完成时限"), widget=forms.DateInput(attrs={"type": "date"}))
    cadence_days = forms.IntegerField(label=_("报送周期（天）"), min_value=1, max_value=366, initial=7)
    quality_requirements = forms.CharField(
        label=_("质量要求"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    confidentiality = forms.ChoiceField(label=_("密级"), choices=Level.choices, initial=Level.INTERNAL)
    indicator_name = forms.CharField(label=_("量化指标"), max_length=100, required=False)
    indicator_target = forms.DecimalField(
        label=_("目标值"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    indicator_unit = forms.CharField(label=_("单位"), max_length=16, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()  # type: ignore[attr-defined]
        self.fields["lead_department"].queryset = _departments()  # type: ignore[attr-defined]
        self.fields["co_departments"].queryset = _departments()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("indicator_name") and data.get("indicator_target") is None:
            self.add_error("indicator_target", _("请填写指标的目标值。"))
        return data


class DecomposeForm(StyledForm):
    """分解: a sub-item down to a person."""

    title = forms.CharField(label=_("分解事项"), max_length=200)
    content = forms.CharField(label=_("具体要求"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner = PersonChoice(label=_("责任人"), queryset=User.objects.none())
    deadline = forms.DateField(label=_("完成时限"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()  # type: ignore[attr-defined]


class ReportForm(StyledForm):
    text = forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 3}))
    percent = forms.IntegerField(label=_("完成进度（%）"), min_value=0, max_value=100)


class CheckForm(StyledForm):
    kind = forms.ChoiceField(label=_("督查方式"), choices=CheckKind.choices)
    findings = forms.CharField(label=_("督查情况"), widget=forms.Textarea(attrs={"rows": 3}))


class CommentForm(StyledForm):
    text = forms.CharField(label=_("批示"), widget=forms.Textarea(attrs={"rows": 3}))


class CloseoutForm(StyledForm):
    summary = forms.CharField(label=_("完成情况"), widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(StyledForm):
    score = forms.TypedChoiceField(
        label=_("质量评分"), choices=[(n, str(n)) for n in range(5, 0, -1)], coerce=int, required=False
    )
    comment = forms.CharField(label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
