"""领导日程 reads: the week of the viewer's unit, leader by leader and half-day by half-day, showing only what the
viewer may read (the rest as 「有安排」), with conflicts flagged; and the 公开 entries for the posted sheet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core import busy
from sanfu.core.errors import NotFoundError
from sanfu.schedules import rights
from sanfu.schedules.models import ScheduleEntry, Visibility

HALVES = ((time(0), time(12)), (time(12), None))


@dataclass
class Item:
    """One entry in a half-day cell. ``entry`` is None when the viewer may only know the leader is busy."""

    entry: ScheduleEntry | None
    text: str
    conflict: bool = False
    conflict_with: list[str] = field(default_factory=list)


@dataclass
class Row:
    leader: User
    days: list[list[list[Item]]]  # [day][half] -> items
    may_keep: bool = False
    title: str = ""  # the leader's 职务 (总经理, 总工程师), else their rank

    @property
    def halves(self) -> list[list[list[Item]]]:
        """[half][day] -> items: the morning row, then the afternoon row."""
        return [[day[0] for day in self.days], [day[1] for day in self.days]]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def moment(day: date, at: time | None) -> datetime:
    """``day`` at ``at`` in local time; ``None`` is the end of the day (the next midnight)."""
    if at is None:
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return timezone.make_aware(datetime.combine(day, at))


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def week_entries(unit_id: int, monday: date, *, public_only: bool = False) -> list[ScheduleEntry]:
    start, end = moment(monday, time.min), moment(monday + timedelta(days=7), time.min)
    entries = ScheduleEntry.objects.filter(unit_id=unit_id, starts_at__lt=end, ends_at__gt=start)
    if public_only:
        entries = entries.filter(visibility=Visibility.PUBLIC)
    return list(entries.order_by("starts_at", "pk"))


def conflicts(entries: list[ScheduleEntry], spans: list[busy.Busy]) -> dict[int, list[ScheduleEntry | busy.Busy]]:
    """Per entry id, what it overlaps: another entry of the same leader, or a meeting or booking of theirs."""
    found: dict[int, list[ScheduleEntry | busy.Busy]] = {}
    for i, a in enumerate(entries):
        for b in entries[i + 1 :]:
            if a.leader_id == b.leader_id and _overlap(a.starts_at, a.ends_at, b.starts_at, b.ends_at):
                found.setdefault(a.pk, []).append(b)
                found.setdefault(b.pk, []).append(a)
        for span in spans:
            if span.user_id == a.leader_id and _overlap(a.starts_at, a.ends_at, span.starts_at, span.ends_at):
                found.setdefault(a.pk, []).append(span)
    return found


def _clash_text(viewer: User, other: ScheduleEntry | busy.Busy, keeps: bool) -> str:
    """What the viewer is told an entry clashes with: its title when they may read it (a meeting's or booking's
    when they keep the leader's schedule), else only 「其他安排」."""
    if isinstance(other, ScheduleEntry):
        return other.title if rights.may_read(viewer, other) else _("其他安排")
    return other.title if keeps else _("其他安排")


def week(viewer: User, monday: date) -> list[Row]:
    """The viewer's unit's leaders and their week; empty for someone without a unit."""
    unit_id = rights.unit_of(viewer)
    if unit_id is None:
        return []
    leaders = rights.leaders_of(unit_id)
    entries = week_entries(unit_id, monday)
    start, end = moment(monday, time.min), moment(monday + timedelta(days=7), time.min)
    clashes = conflicts(entries, busy.spans([u.pk for u in leaders], start, end))
    rows = []
    for leader in leaders:
        keeps = rights.may_keep(viewer, leader)
        days: list[list[list[Item]]] = []
        mine = [e for e in entries if e.leader_id == leader.pk]
        for offset in range(7):
            day = monday + timedelta(days=offset)
            halves = []
            for begin, finish in HALVES:
                lo, hi = moment(day, begin), moment(day, finish)
                items = []
                for entry in mine:
                    if not _overlap(entry.starts_at, entry.ends_at, lo, hi):
                        continue
                    if rights.may_read(viewer, entry):
                        clash = [_clash_text(viewer, other, keeps) for other in clashes.get(entry.pk, [])]
                        items.append(Item(entry, entry.title, conflict=bool(clash), conflict_with=clash))
                    else:
                        items.append(Item(None, _("有安排")))
                halves.append(_merge_busy(items))
            days.append(halves)
        rows.append(Row(leader=leader, days=days, may_keep=keeps, title=getattr(leader, "post_title", "")))
    return rows


def conflict_count(rows: list[Row]) -> int:
    """How many entries the viewer can read clash with something this week (an entry spanning several
    half-days counts once)."""
    return len(
        {
            item.entry.pk
            for row in rows
            for day in row.days
            for half in day
            for item in half
            if item.entry is not None and item.conflict
        }
    )


def _merge_busy(items: list[Item]) -> list[Item]:
    """Several hidden entries in one half-day read as one 「有安排」 (their number is not told either)."""
    shown = [i for i in items if i.entry is not None]
    return shown + [i for i in items if i.entry is None][:1]


def access_entry(*, actor: User, entry_id: int) -> ScheduleEntry:
    """An entry whose details ``actor`` may read, else NotFoundError (404)."""
    entry = ScheduleEntry.objects.select_related("leader").filter(pk=entry_id).first()
    if entry is None or not rights.may_read(actor, entry):
        raise NotFoundError(_("日程不存在。"))
    return entry
