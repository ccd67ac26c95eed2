from __future__ import annotations

from functools import partial

from django import forms
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.models import User
from sanfu.core import lookups
from sanfu.core.forms import StyledForm
from sanfu.org.models import DayKind


class DelegationForm(StyledForm):
    delegate = forms.ModelChoiceField(
        label=_("被委托人"), queryset=User.objects.filter(is_active=True, staff__isnull=False).order_by("username")
    )
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    matter_types = forms.MultipleChoiceField(
        label=_("限定事项"),
        # The matters are the 审批中心's: offered through the lookup it provides (org may not import it),
        # read afresh each time the form is built.
        choices=partial(lookups.choices, "matters"),
        required=False,
        help_text=_("不选表示全部事项；可按住 Ctrl 多选。"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    reason = forms.CharField(label=_("事由"), required=False, max_length=200)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delegate"].label_from_instance = lambda u: f"{u.display_name}（{u.username}）"  # type: ignore[attr-defined]


class CalendarDayForm(StyledForm):
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("类型"), choices=[*DayKind.choices, ("clear", _("恢复法定安排"))])
    note = forms.CharField(label=_("说明"), required=False, max_length=64)
