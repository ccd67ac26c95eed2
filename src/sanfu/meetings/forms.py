from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.models import User
from sanfu.core.forms import StyledForm
from sanfu.core.params import parse_id
from sanfu.meetings.models import Booking, MeetingKind, Repeat, Reply, Room
from sanfu.meetings.services import EQUIPMENT_CHOICES, MAX_OCCURRENCES
from sanfu.org.models import Department


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


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")


WEEKDAYS = [
    (0, _("周一")),
    (1, _("周二")),
    (2, _("周三")),
    (3, _("周四")),
    (4, _("周五")),
    (5, _("周六")),
    (6, _("周日")),
]


class BookingForm(StyledForm):
    room = BoundedChoice(label=_("会议室"), queryset=Room.objects.none(), empty_label=None)
    title = forms.CharField(label=_("会议名称"), max_length=200)
    day = forms.DateField(label=_("日期"), widget=_date())
    start = forms.TimeField(label=_("开始时间"), widget=_time())
    end = forms.TimeField(label=_("结束时间"), widget=_time())
    repeat = forms.ChoiceField(label=_("重复"), choices=[("", _("不重复")), *Repeat.choices], required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("星期"), choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    last_day = forms.DateField(
        label=_("重复至"),
        required=False,
        widget=_date(),
        help_text=_("或填写次数"),
    )
    count = forms.IntegerField(label=_("次数"), required=False, min_value=1, max_value=MAX_OCCURRENCES)

    def __init__(self, *args: Any, rooms: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = rooms  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, time) and isinstance(end, time) and end <= start:
            self.add_error("end", _("结束时间须晚于开始时间。"))
        if data.get("repeat") and not data.get("last_day") and not data.get("count"):
            self.add_error("last_day", _("请填写结束日期或次数。"))
        return data

    def span(self) -> tuple[datetime, datetime]:
        day: date = self.cleaned_data["day"]
        return (
            timezone.make_aware(datetime.combine(day, self.cleaned_data["start"])),
            timezone.make_aware(datetime.combine(day, self.cleaned_data["end"])),
        )


class RoomForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=100)
    location = forms.CharField(label=_("位置"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("容纳人数"), min_value=1, max_value=10000, initial=10)
    equipment = forms.MultipleChoiceField(
        label=_("设备"),
        choices=[(e, e) for e in EQUIPMENT_CHOICES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    open_to_all = forms.BooleanField(label=_("本单位人员均可预订"), required=False, initial=True)
    departments = BoundedMultipleChoice(
        label=_("可预订的部门"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("不对全单位开放时选择；可按住 Ctrl 多选。"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    sort = forms.IntegerField(label=_("排序"), required=False, initial=0, min_value=-1000, max_value=1000)

    def __init__(self, *args: Any, unit_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.filter(unit_id=unit_id or 0)  # type: ignore[attr-defined]


def _booking_label(booking: Booking) -> str:
    start, end = timezone.localtime(booking.starts_at), timezone.localtime(booking.ends_at)
    return f"{booking.room.name} {start:%Y-%m-%d %H:%M}–{end:%H:%M} {booking.title}"


class MeetingForm(StyledForm):
    kind = BoundedChoice(label=_("会议类型"), queryset=MeetingKind.objects.filter(active=True), empty_label=None)
    title = forms.CharField(label=_("会议名称"), max_length=200)
    booking = BoundedChoice(
        label=_("会议室预订"), queryset=Booking.objects.none(), help_text=_("先在会议室看板上预订，再安排会议。")
    )
    approver = BoundedChoice(label=_("审批领导"), queryset=User.objects.none())
    attendees = BoundedMultipleChoice(
        label=_("参会人"),
        queryset=User.objects.none(),
        help_text=_("可按住 Ctrl 多选。"),
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    agenda = forms.CharField(
        label=_("议题"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一个议题，可写作：议题 | 汇报部门 | 材料。"),
    )
    notes = forms.CharField(label=_("会议说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, bookings: Any, people: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["booking"].queryset = bookings  # type: ignore[attr-defined]
        self.fields["booking"].label_from_instance = _booking_label  # type: ignore[attr-defined]
        self.fields["approver"].queryset = people  # type: ignore[attr-defined]
        self.fields["attendees"].queryset = people  # type: ignore[attr-defined]
        for name in ("approver", "attendees"):
            self.fields[name].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]
        self.departments = {d.name: d.pk for d in departments}

    def clean_agenda(self) -> list[tuple[str, int | None, str]]:
        items = []
        for n, line in enumerate(str(self.cleaned_data["agenda"]).splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("｜", "|").split("|")]
            department = None
            if len(parts) > 1 and parts[1]:
                department = self.departments.get(parts[1])
                if department is None:
                    raise forms.ValidationError(
                        _("第 %(n)d 行：本单位没有“%(name)s”这个部门。") % {"n": n, "name": parts[1]}
                    )
            items.append((parts[0], department, parts[2] if len(parts) > 2 else ""))
        if not items:
            raise forms.ValidationError(_("请至少列一个议题。"))
        return items


class ReplyForm(StyledForm):
    reply = forms.ChoiceField(
        label=_("回复"),
        choices=[(Reply.ATTEND, _("参加")), (Reply.DEPUTY, _("委派他人参加")), (Reply.DECLINE, _("请假"))],
        widget=forms.RadioSelect,
    )
    deputy = BoundedChoice(label=_("代参会人"), queryset=User.objects.none(), required=False)
    reason = forms.CharField(label=_("请假事由"), max_length=200, required=False)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deputy"].queryset = people  # type: ignore[attr-defined]
        self.fields["deputy"].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]
