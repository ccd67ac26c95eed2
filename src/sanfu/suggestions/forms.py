from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sanfu.core.forms import StyledForm
from sanfu.core.params import MAX_INT
from sanfu.suggestions.models import Category, Status


class SuggestionForm(StyledForm):
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(label=_("建议内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    concerns = forms.TypedChoiceField(label=_("涉及部门"), coerce=int, required=False, empty_value=None)
    anonymous = forms.BooleanField(label=_("匿名提出"), required=False)
    campaign = forms.IntegerField(required=False, min_value=1, max_value=MAX_INT, widget=forms.HiddenInput)

    def __init__(self, *args: Any, departments: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["concerns"].choices = [("", "—"), *departments]  # type: ignore[attr-defined]


class FollowForm(StyledForm):
    code = forms.CharField(label=_("查询码"), max_length=40)


class AssignForm(StyledForm):
    department = forms.TypedChoiceField(label=_("答复部门"), coerce=int)

    def __init__(self, *args: Any, departments: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("请选择答复部门")), *departments]  # type: ignore[attr-defined]


class ReplyForm(StyledForm):
    reply = forms.CharField(label=_("答复"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    public = forms.BooleanField(label=_("公开答复（全体员工可见）"), required=False, initial=True)


class DecideForm(StyledForm):
    status = forms.ChoiceField(label=_("采纳情况"), choices=[c for c in Status.choices if c[0] != Status.PENDING])
    adopting_department = forms.TypedChoiceField(label=_("采纳部门"), coerce=int, required=False, empty_value=None)
    reason = forms.CharField(
        label=_("不采纳理由"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, departments: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["adopting_department"].choices = [("", "—"), *departments]  # type: ignore[attr-defined]
