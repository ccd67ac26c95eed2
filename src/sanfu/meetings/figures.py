"""会议月度统计: a unit's meeting figures for one month, with a breakdown per meeting kind and per room.

What is counted (the page's footnote says the same):

- **召开会议** (held): meetings of the unit that were notified (not cancelled, not left as a plan), start in the
  month and have ended by now;
- **平均时长**: their average length in minutes (start to end as planned);
- **缺席率** (no-show rate): of the attendees expected at held meetings (replied 参加 or 委派他人参加, or never
  replied; not those on leave), the share with no sign-in;
- **逾期材料**: materials of held meetings uploaded after the materials deadline (``Material.late``);
- **纪要按时送发文**: held meetings whose minutes were sent to 发文 (``minutes_sent_at``) on or before the
  ``MINUTES_DUE_WORKING_DAYS``-th working day after the meeting's day, on the working calendar (a holiday does
  not count); the rate is over all held meetings, so minutes not yet issued count as not on time;
- **会议室占用率** (room occupancy): hours booked (bookings not cancelled) inside office hours on working days,
  over the office hours of the month's working days, per room and over the unit's rooms (active ones and any
  booked in the month).

Reads are a fixed number of queries whatever the number of meetings: the held meetings (one query), attendees
and materials grouped by meeting (one ``GROUP BY`` each), the month's bookings of the unit's rooms and the rooms
(one each), and the working calendar. The per-meeting arithmetic (lengths, working days) is done on those rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.core import xlsx
from sanfu.core.errors import ApplicationError
from sanfu.meetings.models import Attendee, Booking, BookingStatus, Material, Meeting, MeetingStatus, Reply, Room
from sanfu.org.calendar import WorkingCalendar
from sanfu.org.selectors import working_calendar

# Minutes count as issued on time when sent to 发文 within this many working days after the meeting's day.
MINUTES_DUE_WORKING_DAYS = 3
EXPECTED_REPLIES = (Reply.PENDING, Reply.ATTEND, Reply.DEPUTY)


def rate(part: int | float, whole: int | float) -> float | None:
    """``part`` of ``whole`` in percent, one decimal (None when ``whole`` is 0: nothing to measure)."""
    if not whole:
        return None
    return round(100.0 * part / whole, 1)


@dataclass
class Line:
    """One row of figures: a meeting kind, a room, or the whole unit (``key`` 0)."""

    key: int
    name: str
    held: int = 0
    total_minutes: int = 0
    expected: int = 0
    absent: int = 0
    materials: int = 0
    late_materials: int = 0
    minutes_issued: int = 0
    minutes_on_time: int = 0
    booked_hours: float = 0.0
    available_hours: float = 0.0

    @property
    def average_minutes(self) -> int | None:
        return round(self.total_minutes / self.held) if self.held else None

    @property
    def no_show_rate(self) -> float | None:
        return rate(self.absent, self.expected)

    @property
    def minutes_on_time_rate(self) -> float | None:
        return rate(self.minutes_on_time, self.held)

    @property
    def occupancy(self) -> float | None:
        return rate(self.booked_hours, self.available_hours)

    def add(self, other: Line) -> None:
        for name in (
            "held",
            "total_minutes",
            "expected",
            "absent",
            "materials",
            "late_materials",
            "minutes_issued",
            "minutes_on_time",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class MonthFigures:
    year: int
    month: int
    unit_id: int
    working_days: int
    hours_per_day: float
    due_working_days: int
    total: Line
    kinds: list[Line] = field(default_factory=list)
    rooms: list[Line] = field(default_factory=list)

    @property
    def month_text(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def chart_data(self) -> dict[str, object]:
        """The figures the page's chart draws (rooms' occupancy, kinds' meetings held)."""
        return {
            "rooms": [r.name for r in self.rooms],
            "occupancy": [r.occupancy or 0 for r in self.rooms],
            "kinds": [k.name for k in self.kinds],
            "held": [k.held for k in self.kinds],
            "labels": {"occupancy": _("会议室占用率"), "held": _("召开会议")},
        }


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The month as [first day 00:00, first day of the next month 00:00) in the site's time zone."""
    first = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (
        timezone.make_aware(datetime.combine(first, time(0, 0))),
        timezone.make_aware(datetime.combine(following, time(0, 0))),
    )


def _office_hours(calendar: WorkingCalendar) -> float:
    return sum(
        (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() / 3600
        for start, end in calendar.periods
    )


def booked_office_hours(calendar: WorkingCalendar, starts_at: datetime, ends_at: datetime, until: date) -> float:
    """Hours of [starts_at, ends_at) inside office periods of working days, up to the day before ``until``."""
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    hours = 0.0
    day = start.date()
    while day <= end.date() and day < until:
        if calendar.is_workday(day):
            for period_start, period_end in calendar.periods:
                begin = max(timezone.make_aware(datetime.combine(day, period_start)), start)
                finish = min(timezone.make_aware(datetime.combine(day, period_end)), end)
                if finish > begin:
                    hours += (finish - begin).total_seconds() / 3600
        day += timedelta(days=1)
    return hours


def minutes_due_on(calendar: WorkingCalendar, meeting_day: date, days: int = MINUTES_DUE_WORKING_DAYS) -> date:
    """The last day minutes of a meeting held on ``meeting_day`` count as on time: the ``days``-th working day
    after it (Wed 2026-09-30 and 3 days: Sat 2026-10-10, the National Day holiday not counted)."""
    current = meeting_day
    for _n in range(days):
        current = calendar.next_workday(current)
    return current


def _sorted(lines: Iterable[Line]) -> list[Line]:
    return sorted(lines, key=lambda line: (-line.held, line.name))


def month_figures(
    *, unit_id: int, year: int, month: int, now: datetime | None = None, calendar: WorkingCalendar | None = None
) -> MonthFigures:
    """The unit's figures for ``year``-``month`` (see the module for what each one counts)."""
    now = now or timezone.now()
    calendar = calendar or working_calendar()
    since, until = month_bounds(year, month)
    held = list(
        Meeting.objects.filter(
            unit_id=unit_id,
            status=MeetingStatus.NOTIFIED,
            starts_at__gte=since,
            starts_at__lt=until,
            ends_at__lte=now,
        )
        .values_list("pk", "kind_id", "kind__name", "booking__room_id", "starts_at", "ends_at", "minutes_sent_at")
        .order_by("starts_at", "pk")
    )
    ids = [row[0] for row in held]
    attendance = {
        row["meeting_id"]: row
        for row in Attendee.objects.filter(meeting_id__in=ids)
        .values("meeting_id")
        .annotate(
            expected=Count("pk", filter=Q(reply__in=EXPECTED_REPLIES)),
            absent=Count("pk", filter=Q(reply__in=EXPECTED_REPLIES, signed_in_at__isnull=True)),
        )
        .order_by()
    }
    materials = {
        row["meeting_id"]: row
        for row in Material.objects.filter(meeting_id__in=ids)
        .values("meeting_id")
        .annotate(total=Count("pk"), late=Count("pk", filter=Q(late=True)))
        .order_by()
    }
    rooms = dict(
        Room.objects.filter(
            Q(active=True)
            | Q(
                pk__in=Booking.objects.filter(
                    room__unit_id=unit_id, starts_at__lt=until, ends_at__gt=since, status=BookingStatus.BOOKED
                ).values("room_id")
            ),
            unit_id=unit_id,
        )
        .order_by("sort", "pk")
        .values_list("pk", "name")
    )
    bookings = Booking.objects.filter(
        room_id__in=list(rooms), status=BookingStatus.BOOKED, starts_at__lt=until, ends_at__gt=since
    ).values_list("room_id", "starts_at", "ends_at")

    total = Line(key=0, name=_("合计"))
    kinds: dict[int, Line] = {}
    by_room: dict[int, Line] = {pk: Line(key=pk, name=name) for pk, name in rooms.items()}
    for pk, kind_id, kind_name, room_id, starts_at, ends_at, sent_at in held:
        line = Line(key=pk, name="", held=1, total_minutes=round((ends_at - starts_at).total_seconds() / 60))
        seen = attendance.get(pk)
        if seen:
            line.expected, line.absent = seen["expected"], seen["absent"]
        files = materials.get(pk)
        if files:
            line.materials, line.late_materials = files["total"], files["late"]
        if sent_at is not None:
            line.minutes_issued = 1
            due = minutes_due_on(calendar, timezone.localtime(starts_at).date())
            line.minutes_on_time = int(timezone.localtime(sent_at).date() <= due)
        total.add(line)
        kinds.setdefault(kind_id, Line(key=kind_id, name=kind_name)).add(line)
        if room_id in by_room:
            by_room[room_id].add(line)

    first_day, next_month = since.date(), timezone.localtime(until).date()
    working_days = calendar.working_days_between(first_day, next_month - timedelta(days=1))
    hours_per_day = _office_hours(calendar)
    for room_id, starts_at, ends_at in bookings:
        clipped_start = max(starts_at, since)
        by_room[room_id].booked_hours += booked_office_hours(calendar, clipped_start, ends_at, next_month)
    for line in by_room.values():
        line.booked_hours = round(line.booked_hours, 2)
        line.available_hours = working_days * hours_per_day
        total.booked_hours += line.booked_hours
        total.available_hours += line.available_hours
    total.booked_hours = round(total.booked_hours, 2)
    return MonthFigures(
        year=year,
        month=month,
        unit_id=unit_id,
        working_days=working_days,
        hours_per_day=hours_per_day,
        due_working_days=MINUTES_DUE_WORKING_DAYS,
        total=total,
        kinds=_sorted(kinds.values()),
        rooms=list(by_room.values()),
    )


def parse_month(text: str | None, *, today: date | None = None) -> tuple[int, int]:
    """``YYYY-MM`` → (year, month); empty is the current month; a wrong text or a month not yet begun is an
    ``ApplicationError`` saying so."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    if not text:
        return today.year, today.month
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2100:
        raise ApplicationError(_("月份应写成“年-月”，例如 2026-11。"))
    year, month = int(found.group(1)), int(found.group(2))
    if (year, month) > (today.year, today.month):
        raise ApplicationError(_("%(y)d年%(m)d月尚未开始，没有可统计的会议。") % {"y": year, "m": month})
    return year, month


def _row(line: Line, *, occupancy: bool) -> list[object]:
    row: list[object] = [
        line.name,
        line.held,
        line.average_minutes,
        line.expected,
        line.absent,
        line.no_show_rate,
        line.materials,
        line.late_materials,
        line.minutes_issued,
        line.minutes_on_time,
        line.minutes_on_time_rate,
    ]
    if occupancy:
        row += [line.booked_hours, line.available_hours, line.occupancy]
    return row


def figures_workbook(figures: MonthFigures) -> bytes:
    """The month's figures as .xlsx: the whole unit and per kind on one sheet, per room on another."""
    header = [
        _("会议类型"),
        _("召开会议"),
        _("平均时长（分钟）"),
        _("应到人次"),
        _("缺席人次"),
        _("缺席率（%）"),
        _("会前材料"),
        _("逾期材料"),
        _("纪要已印发"),
        _("纪要按时送发文"),
        _("纪要按时送发文率（%）"),
    ]
    room_header = [_("会议室"), *header[1:], _("占用小时"), _("可用小时"), _("占用率（%）")]
    return xlsx.workbook(
        xlsx.Sheet(
            _("按会议类型"),
            header,
            [*(_row(k, occupancy=False) for k in figures.kinds), _row(figures.total, occupancy=False)],
            [16, 10, 14, 10, 10, 10, 10, 10, 10, 12, 16],
        ),
        xlsx.Sheet(
            _("按会议室"),
            room_header,
            [*(_row(r, occupancy=True) for r in figures.rooms), _row(figures.total, occupancy=True)],
            [16, 10, 14, 10, 10, 10, 10, 10, 10, 12, 16, 10, 10, 12],
        ),
    )
