"""我的日程: a person's calendar from every domain's ``core.agenda`` provider, laid out by week or by month, and the
schedules domain's own provider (the leader's own entries).

A secretary's or the office's calendar does not repeat the leaders' entries they keep: those are on the leaders'
week page; the personal calendar holds what is the person's own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from sanfu.accounts.models import User
from sanfu.core import agenda
from sanfu.core.agenda import AgendaItem
from sanfu.schedules.models import ScheduleEntry
from sanfu.schedules.selectors import monday_of

MAX_SPAN_DAYS = 62  # the API's and the page's longest span (a month grid is at most 42 days)
KIND = gettext_lazy("领导日程")


def schedule_items(user: User, start: datetime, end: datetime) -> list[AgendaItem]:
    """For ``core.agenda``: the person's own 领导日程 entries overlapping [start, end) (one query); a leader reads
    every entry of their own, whatever its visibility."""
    if not getattr(user, "is_authenticated", False):
        return []
    entries = ScheduleEntry.objects.filter(leader_id=user.pk, starts_at__lt=end, ends_at__gt=start).order_by(
        "starts_at", "pk"
    )
    week = reverse("schedules:week")
    return [
        AgendaItem(
            uid=f"schedule-{e.pk}@sanfu",
            title=e.title,
            starts_at=e.starts_at,
            ends_at=e.ends_at,
            all_day=e.all_day,
            kind=KIND,
            url=f"{week}?week={monday_of(timezone.localtime(e.starts_at).date()):%Y-%m-%d}",
            place=e.place,
            note=e.note,
        )
        for e in entries
    ]


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class Day:
    day: date
    items: list[AgendaItem]
    in_month: bool = True  # a month grid's leading and trailing days of the months around are dimmed
    today: bool = False


@dataclass
class Calendar:
    view: str  # "week" or "month"
    anchor: date
    first: date
    last: date  # inclusive
    days: list[Day]
    previous: date
    following: date

    @property
    def weeks(self) -> list[list[Day]]:
        return [self.days[i : i + 7] for i in range(0, len(self.days), 7)]

    @property
    def count(self) -> int:
        return len({item.uid for day in self.days for item in day.items})


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def span_of(view: str, anchor: date) -> tuple[date, date]:
    """The days [first, last] a view of ``anchor`` shows: its week, or the whole weeks around its month."""
    if view == "month":
        first_of_month = anchor.replace(day=1)
        last_of_month = _add_months(anchor, 1) - timedelta(days=1)
        return monday_of(first_of_month), monday_of(last_of_month) + timedelta(days=6)
    monday = monday_of(anchor)
    return monday, monday + timedelta(days=6)


def by_day(found: list[AgendaItem], first: date, last: date) -> dict[date, list[AgendaItem]]:
    """Each item on every local day from ``first`` to ``last`` it touches (a moment on its own day). A timed item
    shorter than a day is shown on the day it starts only: a night shift 17:30–08:30 belongs to its evening, and
    listed again on the next morning it read as a second shift."""
    days: dict[date, list[AgendaItem]] = {first + timedelta(days=i): [] for i in range((last - first).days + 1)}
    for item in found:
        begin = timezone.localtime(item.starts_at).date()
        if item.ends_at is None or item.ends_at <= item.starts_at:  # a moment
            end = begin
        else:  # an item ending at midnight does not touch the day that starts then
            short = not item.all_day and item.ends_at - item.starts_at < timedelta(days=1)
            end = begin if short else timezone.localtime(item.ends_at - timedelta(microseconds=1)).date()
        day = max(begin, first)
        while day <= min(end, last):
            days[day].append(item)
            day += timedelta(days=1)
    return days


def items_between(user: User, first: date, last: date) -> list[AgendaItem]:
    """The person's items on the days ``first`` to ``last`` (inclusive), from every provider."""
    return agenda.items(user, day_start(first), day_start(last + timedelta(days=1)))


def calendar(user: User, view: str, anchor: date) -> Calendar:
    view = "month" if view == "month" else "week"
    first, last = span_of(view, anchor)
    today = timezone.localdate()
    days = by_day(items_between(user, first, last), first, last)
    if view == "month":
        previous, following = _add_months(anchor, -1), _add_months(anchor, 1)
    else:
        previous, following = first - timedelta(days=7), first + timedelta(days=7)
    return Calendar(
        view=view,
        anchor=anchor,
        first=first,
        last=last,
        days=[
            Day(day=d, items=items, in_month=view == "week" or d.month == anchor.month, today=d == today)
            for d, items in days.items()
        ],
        previous=previous,
        following=following,
    )
