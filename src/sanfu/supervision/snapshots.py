"""The status snapshot: each item's computed status (``supervision.status``) kept on its row, so that the ledger
and the bulletin filter, count (``GROUP BY``) and page in SQL instead of judging every item in Python on every
request.

What is kept (``Item``): ``status`` — the status on the day ``status_on`` (for a closed item, 已完成 on any day);
``on_time`` — for a closed item, whether it was completed by its effective deadline (the bulletin's 按期完成);
``status_version`` — the row's ``version`` the snapshot was computed from.

**A snapshot is fresh** when ``status_version`` equals the row's ``version`` and, unless the item is closed,
``status_on`` is the day asked about (``stale_q``). Every write of the facts the rules read (the lifecycle, a
progress report, a new item) bumps ``version``, so an item changed since its snapshot is stale whatever the day;
a change of the working calendar (``org.CalendarDay``) marks every snapshot stale (``apps.py``).

**Who writes it** — always this module, always from the rules, never a person:

- every service that changes an item, in its own transaction, right after the change (``refresh_item``);
- the worker each night just after midnight (``tasks.refresh_supervision_statuses``), for the new day;
- any read that needs statuses (the ledger, the bulletin), first: ``refresh`` recomputes the stale rows in one
  pass (one query of their columns, one ``UPDATE`` per group of equal results) — the first read of a day the
  worker missed, or after a calendar change, pays for it; the others find nothing stale.

Racing writers cannot leave a wrong snapshot marked fresh: a snapshot is written only where ``version`` is still
the one it was computed from (a conditional update), and it records that version."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from django.db.models import CharField, F, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from sanfu.org.calendar import WorkingCalendar
from sanfu.org.selectors import working_calendar
from sanfu.supervision.models import Item, ItemState
from sanfu.supervision.status import Facts, Workdays, completed_on_time, status_of

CHUNK = 500  # primary keys per UPDATE

MOMENTS = ("created_at", "last_report_at", "applied_at", "closed_at")


def moment_columns(items: QuerySet[Item]) -> QuerySet[Item]:
    """The item's moments (``MOMENTS``) also as text, ``<name>_text``: the stored UTC value as the database
    writes it (SQLite: ``2026-12-07 02:00:00.123456``; PostgreSQL, whose sessions Django keeps in UTC:
    ``2026-12-07 02:00:00.123456+00``), which ``datetime.fromisoformat`` reads in a microsecond. Django's
    own conversion of a datetime column costs about ten times that a value, and a recompute reads thousands."""
    return items.annotate(**{f"{name}_text": Cast(name, output_field=CharField()) for name in MOMENTS})


def local_day(text: str | None, zone: tzinfo | None = None) -> date | None:
    """A stored moment read as text (``moment_columns``), as the office's local date (``zone``: the current
    time zone, passed by callers that read thousands — looking it up costs more than the conversion)."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    zone = zone or timezone.get_current_timezone()
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone).date()


_STATUTORY: dict[date, bool] = {}  # the statutory calendar's answers, kept for the process: they never change


def _statutory(day: date) -> bool:
    known = _STATUTORY.get(day)
    if known is None:
        known = _STATUTORY[day] = WorkingCalendar().is_workday(day)
    return known


@dataclass
class MemoCalendar(WorkingCalendar):
    """The working calendar with each day's answer kept: the administrator's table first (read each time one is
    built), then the statutory calendar, whose answers are kept for the process — ``chinese_calendar`` checks
    its whole table's range on every call (tens of microseconds), and judging thousands of items asks about the
    same few hundred days again and again."""

    _next: dict[tuple[date, bool], date] = field(default_factory=dict, repr=False)

    def is_workday(self, day: date) -> bool:
        override = self.overrides.get(day)
        return _statutory(day) if override is None else override

    def next_workday(self, day: date, *, include_today: bool = False) -> date:
        key = (day, include_today)
        found = self._next.get(key)
        if found is None:
            found = self._next[key] = super().next_workday(day, include_today=include_today)
        return found


def memo_workdays() -> Workdays:
    """The working calendar (with the administrator's table) on a :class:`MemoCalendar`."""
    calendar = working_calendar()
    return Workdays(MemoCalendar(overrides=calendar.overrides, notes=calendar.notes, periods=calendar.periods))


def stale_q(today: date) -> Q:
    """The rows whose snapshot does not hold for ``today`` (see the module)."""
    changed = Q(status_version__isnull=True) | ~Q(status_version=F("version"))
    old = ~Q(state=ItemState.CLOSED) & (Q(status_on__isnull=True) | ~Q(status_on=today))
    return changed | old


_COLUMNS = (
    "pk",
    "version",
    "state",
    "created_at_text",
    "deadline",
    "last_percent",
    "last_report_at_text",
    "cadence_days",
    "applied_at_text",
    "closed_at_text",
)


def refresh(items: QuerySet[Item] | None = None, *, today: date | None = None, days: Workdays | None = None) -> int:
    """Recompute the snapshot of the stale rows among ``items`` (every item by default) for ``today`` (the
    office's date by default), in one pass; returns how many rows were written."""
    today = today or timezone.localdate()
    rows = moment_columns((Item.objects.all() if items is None else items).filter(stale_q(today)))
    found = list(rows.values_list(*_COLUMNS))
    if not found:
        return 0
    days = days or memo_workdays()
    zone = timezone.get_current_timezone()
    groups: dict[tuple[str, bool | None, int], list[int]] = defaultdict(list)
    for pk, version, state, created, deadline, percent, reported, cadence, applied, closed in found:
        facts = Facts(
            state=state,
            created_on=local_day(created, zone) or deadline,
            deadline=deadline,
            last_percent=percent,
            last_report_on=local_day(reported, zone),
            cadence_days=cadence,
            applied_on=local_day(applied, zone),
            closed_on=local_day(closed, zone),
        )
        key = (status_of(days, facts, today).value, completed_on_time(days, facts), version)
        groups[key].append(pk)
    written = 0
    for (status, on_time, version), pks in groups.items():
        for start in range(0, len(pks), CHUNK):
            written += Item.objects.filter(pk__in=pks[start : start + CHUNK], version=version).update(
                status=status, on_time=on_time, status_on=today, status_version=version
            )
    return written


def refresh_item(item: Item | int, *, today: date | None = None) -> None:
    """The snapshot of one item just changed (called by the services inside their transaction)."""
    pk = item if isinstance(item, int) else item.pk
    refresh(Item.objects.filter(pk=pk), today=today)


def invalidate_all(**_: Any) -> None:
    """Every snapshot stale (the working calendar changed: effective deadlines and statuses may move)."""
    Item.objects.exclude(status_version__isnull=True).update(status_version=None)
