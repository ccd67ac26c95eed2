"""An item's status, computed and never typed: pure date arithmetic on the working calendar (no database, no
clock — the caller passes ``today``).

The rules, in order:

1. **done** (已完成) — the item is closed (销号 approved).
2. **overdue** (已逾期) — today is after the item's deadline on the working calendar: a deadline that falls on
   a rest day (a weekend, the National Day holiday) runs to the next working day, so an item due Sat
   2026-10-03 is overdue only from Sat 2026-10-10 (Oct 1–7 rest, Oct 8–9 work). An item under close-out
   review (销号审核中) is judged on the day it applied: applying in time is not overdue while the leader reviews.
3. **at risk** (有风险) — an open item whose next report is overdue (the last report, or the creation, plus
   the cadence in days, moved to a working day, has passed), or whose latest reported percent is more than
   ``AT_RISK_GAP`` (20) points behind the share of working time elapsed: elapsed = working days from the
   creation day up to yesterday, over the working days from the creation day to the deadline.
4. **on track** (正常推进) — everything else.

``Workdays`` counts working days in O(1) after a one-off prefix sum, so that a ledger of thousands of items
is computed in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from sanfu.org.calendar import WorkingCalendar

AT_RISK_GAP = 20  # points of percent behind elapsed working time
ESCALATE_AFTER_WORKING_DAYS = 2  # a report overdue by more than this many working days is escalated


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    DONE = "done"


@dataclass(frozen=True)
class Facts:
    """What the rules read of one item (``state`` is ``Item.state``: open, closing or closed)."""

    state: str
    created_on: date
    deadline: date
    last_percent: int = 0
    last_report_on: date | None = None
    cadence_days: int = 7
    applied_on: date | None = None
    closed_on: date | None = None


@dataclass
class Workdays:
    """Working days of a calendar with memoised prefix counts: ``between`` is O(1) once its range is built."""

    calendar: WorkingCalendar
    _origin: date | None = None
    _prefix: list[int] = field(default_factory=list)  # _prefix[i] = working days in [origin, origin + i)
    _days: dict[date, bool] = field(default_factory=dict)

    def is_workday(self, day: date) -> bool:
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = self.calendar.is_workday(day)
        return known

    def _cover(self, day: date) -> None:
        if self._origin is None:
            self._origin, self._prefix = day, [0]
        if day < self._origin:
            gap = max((self._origin - day).days, 366)  # extend by a year at least: few rebuilds
            start = self._origin - timedelta(days=gap)
            counts = [0]
            for i in range(gap):
                counts.append(counts[-1] + self.is_workday(start + timedelta(days=i)))
            self._prefix = counts + [c + counts[-1] for c in self._prefix[1:]]
            self._origin = start
        last = self._origin + timedelta(days=len(self._prefix) - 1)
        while last <= day:
            self._prefix.append(self._prefix[-1] + self.is_workday(last))
            last += timedelta(days=1)

    def between(self, start: date, end: date) -> int:
        """Working days in the closed range [start, end] (0 when end is before start)."""
        if end < start:
            return 0
        self._cover(start)
        self._cover(end)
        assert self._origin is not None  # set by _cover
        return self._prefix[(end - self._origin).days + 1] - self._prefix[(start - self._origin).days]

    def on_or_after(self, day: date) -> date:
        """The day itself when it is a working day, else the next working day."""
        current = day
        for _ in range(3660):
            if self.is_workday(current):
                return current
            current += timedelta(days=1)
        return self.calendar.next_workday(day, include_today=True)  # raises: no working day in ten years

    def before(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        current = day - timedelta(days=1)
        for _ in range(3660):
            if self.is_workday(current):
                return current
            current -= timedelta(days=1)
        return current


def effective_deadline(days: Workdays, deadline: date) -> date:
    """The deadline on the working calendar: a rest day runs to the next working day."""
    return days.on_or_after(deadline)


def report_due_on(days: Workdays, facts: Facts) -> date | None:
    """When the next progress report is due (None unless the item is open): the last report's day, or the
    creation day, plus the cadence, moved to a working day."""
    if facts.state != "open":
        return None
    base = facts.last_report_on or facts.created_on
    return days.on_or_after(base + timedelta(days=max(1, facts.cadence_days)))


def expected_percent(days: Workdays, facts: Facts, today: date) -> int:
    """The share of working time elapsed (0–100): working days from the creation day up to yesterday over the
    working days from the creation day to the (effective) deadline."""
    total = days.between(facts.created_on, effective_deadline(days, facts.deadline))
    if total <= 0:
        return 100 if today > facts.deadline else 0
    elapsed = days.between(facts.created_on, today - timedelta(days=1))
    return min(100, round(elapsed * 100 / total))


def working_days_late(days: Workdays, due: date, today: date) -> int:
    """Working days after ``due`` up to and including ``today`` (0 when not late)."""
    return days.between(due + timedelta(days=1), today)


def completed_on_time(days: Workdays, facts: Facts) -> bool | None:
    """Whether a closed item was completed — the day its approved close-out was applied for (else the day it
    was closed) — on or before its effective deadline; None unless the item is closed."""
    if facts.state != "closed":
        return None
    completed = facts.applied_on or facts.closed_on
    return completed is not None and completed <= effective_deadline(days, facts.deadline)


def status_of(days: Workdays, facts: Facts, today: date) -> Status:
    """The status by the rules of this module."""
    if facts.state == "closed":
        return Status.DONE
    judged_on = facts.applied_on if facts.state == "closing" and facts.applied_on else today
    if judged_on > effective_deadline(days, facts.deadline):
        return Status.OVERDUE
    if facts.state == "closing":
        return Status.ON_TRACK
    due = report_due_on(days, facts)
    if due is not None and today > due:
        return Status.AT_RISK
    if expected_percent(days, facts, today) - facts.last_percent > AT_RISK_GAP:
        return Status.AT_RISK
    return Status.ON_TRACK
