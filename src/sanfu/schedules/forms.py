from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sanfu.core.forms import StyledForm
from sanfu.schedules.models import Visibility


class EntryForm(StyledForm):
    leader = forms.TypedChoiceField(label=_("领导"), coerce=int)
    title = forms.CharField(label=_("事项"), max_length=200)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(
        label=_("结束时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    all_day = forms.BooleanField(label=_("全天"), required=False)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    visibility = forms.ChoiceField(label=_("可见范围"), choices=Visibility.choices, initial=Visibility.PUBLIC)

    def __init__(self, *args: Any, leaders: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].choices = leaders  # type: ignore[attr-defined]
