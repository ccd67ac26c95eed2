from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sanfu.schedules.models import Visibility


class EntryForm(forms.Form):
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

    def __init__(self, *args: object, leaders: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["leader"].choices = leaders  # type: ignore[attr-defined]
