"""The working-day calendar (工作日历): pure date arithmetic, no database.

A day is a working day when the administrator's table says so; otherwise when the statutory calendar
(``chinese-calendar``, which knows 2004–2026) says so; otherwise (a later year not yet entered) when it is
Monday to Friday. Deadlines use :meth:`WorkingCalendar.add_working_days` and ``add_working_hours``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import chinese_calendar

DEFAULT_PERIODS: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
_MAX_SCAN_DAYS = 3660  # a calendar that never yields a working day in ten years is a data error


class CalendarError(ValueError):
    """The calendar cannot answer (e.g. no working day found)."""


@dataclass(frozen=True)
class DayInfo:
    day: date
    is_workday: bool
    source: str  # "admin", "statutory" or "weekday-rule"
    note: str = ""


@dataclass
class WorkingCalendar:
    """Working days and office hours. ``overrides`` maps a date to True (working) or False (rest)."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    notes: Mapping[date, str] = field(default_factory=dict)
    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS

    def __post_init__(self) -> None:
        for start, end in self.periods:
            if not start < end:
                raise CalendarError(f"office period {start}–{end} ends before it starts")

    # --- days -------------------------------------------------------------------------------------
    def info(self, day: date) -> DayInfo:
        if day in self.overrides:
            return DayInfo(day, self.overrides[day], "admin", self.notes.get(day, ""))
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError:
            return DayInfo(day, day.weekday() < 5, "weekday-rule")
        note = ""
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        if name:
            note = _HOLIDAY_NAMES.get(str(name), str(name))
            if not on_holiday:
                note = f"{note}调休上班"
        return DayInfo(day, working, "statutory", note)

    def is_workday(self, day: date) -> bool:
        return self.info(day).is_workday

    def next_workday(self, day: date, *, include_today: bool = False) -> date:
        current = day if include_today else day + timedelta(days=1)
        for _ in range(_MAX_SCAN_DAYS):
            if self.is_workday(current):
                return current
            current += timedelta(days=1)
        raise CalendarError(f"no working day within ten years after {day}")

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in the closed range [start, end] (0 when end is before start)."""
        count = 0
        current = start
        while current <= end:
            count += self.is_workday(current)
            current += timedelta(days=1)
        return count

    def add_working_days(self, moment: datetime, days: int) -> datetime:
        """The same clock time on the ``days``-th working day after ``moment``'s date.

        From Wed 2026-09-30, 3 working days is Sat 2026-10-10 (Oct 1–7 are the National Day holiday,
        Oct 8–9 work, Oct 10 is an adjusted working Saturday).
        """
        if days < 0:
            raise CalendarError("a deadline cannot be a negative number of working days")
        current = moment.date()
        for _ in range(days):
            current = self.next_workday(current)
        return datetime.combine(current, moment.timetz())

    def add_working_hours(self, moment: datetime, hours: float) -> datetime:
        """``moment`` plus ``hours`` of office time, counted only inside office periods on working days."""
        if hours < 0:
            raise CalendarError("a deadline cannot be a negative number of working hours")
        remaining = timedelta(hours=hours)
        tz = moment.tzinfo
        day = moment.date()
        clock = moment.timetz().replace(tzinfo=None)
        for _ in range(_MAX_SCAN_DAYS):
            if self.is_workday(day):
                for start, end in self.periods:
                    begin = max(start, clock)
                    if begin >= end:
                        continue
                    available = datetime.combine(day, end) - datetime.combine(day, begin)
                    if remaining <= available:
                        return datetime.combine(day, begin, tzinfo=tz) + remaining
                    remaining -= available
            day += timedelta(days=1)
            clock = time(0, 0)
        raise CalendarError(f"no working time within ten years after {moment}")

    def month(self, year: int, month: int) -> list[DayInfo]:
        first = date(year, month, 1)
        days: Iterable[date] = (first + timedelta(days=i) for i in range(31))
        return [self.info(d) for d in days if d.month == month]


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
