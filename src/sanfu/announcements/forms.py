from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.models import User
from sanfu.announcements.models import Kind, Scope
from sanfu.announcements.services import AnnouncementIn
from sanfu.core.forms import StyledForm
from sanfu.core.params import parse_id
from sanfu.org.models import Department


class BoundedMultipleChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Ids checked (``core.params``) before the database is asked."""

    def _check_values(self, value: Any) -> Any:
        for one in value:
            if parse_id(one) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(one)[:20]}
                )
        return super()._check_values(value)  # type: ignore[misc]  # not in django-stubs


class PeoplePicker(forms.SelectMultiple):
    """The house person picker (``org/partials/_people_picker.html`` with ``sanfu/people_picker.js``) in place
    of a <select> of every person: it posts the same ``people`` values. A draft's chosen people are rendered as
    chips (``announcements/recipients.js`` puts them in the picker)."""

    template_name = "announcements/widgets/people_picker.html"

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        # the Widget's context, not the Select's: no option is rendered, so every person is never read
        context = forms.Widget.get_context(self, name, value, attrs)
        ids = [parse_id(v) for v in (value or [])]
        wanted = [i for i in ids if i is not None]
        people = User.objects.filter(pk__in=wanted).order_by("username") if wanted else User.objects.none()
        context["chosen"] = list(people)
        return context


def _moment() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ComposeForm(StyledForm):
    """起草通知公告. The rules (who may send to whom, dates, capacity) are the service's; the form only parses."""

    kind = forms.ChoiceField(label=_("类别"), choices=Kind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("正文"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))
    scope = forms.ChoiceField(label=_("发布范围"), choices=Scope.choices)
    departments = BoundedMultipleChoice(
        label=_("接收部门"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("含下级部门；范围为“指定部门”时填写。"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    people = BoundedMultipleChoice(
        label=_("接收人员"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("范围为“指定人员”时填写：输入姓名、拼音或首字母查找，可选多人。"),
        widget=PeoplePicker(),
    )
    pinned_until = forms.DateTimeField(label=_("置顶至"), required=False, widget=_moment())
    expires_at = forms.DateTimeField(label=_("有效期至"), required=False, widget=_moment())
    capacity = forms.IntegerField(
        label=_("名额"), required=False, min_value=1, max_value=10000, help_text=_("文体活动填写；满员后进入候补。")
    )
    signup_until = forms.DateTimeField(label=_("报名截止"), required=False, widget=_moment())

    def __init__(self, *args: Any, departments: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments  # type: ignore[attr-defined]
        self.fields["people"].queryset = people  # type: ignore[attr-defined]
        self.fields["people"].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]

    def data_in(self) -> AnnouncementIn:
        d = self.cleaned_data

        def moment(name: str) -> datetime | None:
            value = d.get(name)
            return value if isinstance(value, datetime) else None

        return AnnouncementIn(
            kind=d["kind"],
            title=d["title"],
            body=d["body"],
            scope=d["scope"],
            department_ids=[x.pk for x in d.get("departments") or []],
            people_ids=[x.pk for x in d.get("people") or []],
            pinned_until=moment("pinned_until"),
            expires_at=moment("expires_at"),
            capacity=d.get("capacity"),
            signup_until=moment("signup_until"),
        )
