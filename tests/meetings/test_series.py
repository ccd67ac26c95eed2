"""Recurring bookings: daily, weekly on chosen weekdays, every working day of the calendar (holidays and adjusted
working days); all or nothing with the conflicting dates listed; one occurrence cancelled or moved on its own."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest

from sanfu.core.errors import ApplicationError, ConflictError
from sanfu.meetings import services
from sanfu.meetings.models import Booking, BookingException, BookingSeries, BookingStatus, Repeat
from sanfu.org.models import CalendarDay, DayKind
from tests.meetings.conftest import at, next_monday


def test_occurrence_days_follow_the_rule_and_the_calendar(meet: dict[str, Any]) -> None:
    monday = next_monday()
    assert services.occurrence_days(repeat=Repeat.DAILY, first_day=monday, count=3) == [
        monday + timedelta(days=n) for n in range(3)
    ]
    weekly = services.occurrence_days(
        repeat=Repeat.WEEKLY, first_day=monday, last_day=monday + timedelta(days=13), weekdays=[0, 3]
    )
    assert weekly == [monday, monday + timedelta(days=3), monday + timedelta(days=7), monday + timedelta(days=10)]
    # the administrator's calendar: that Tuesday a holiday, that Saturday an adjusted working day
    CalendarDay.objects.create(date=monday + timedelta(days=1), kind=DayKind.HOLIDAY, note="假")
    CalendarDay.objects.create(date=monday + timedelta(days=5), kind=DayKind.WORKDAY, note="调休上班")
    working = services.occurrence_days(repeat=Repeat.WORKDAYS, first_day=monday, last_day=monday + timedelta(days=6))
    assert working == [monday + timedelta(days=n) for n in (0, 2, 3, 4, 5)]
    # known statutory days: 2026-10-01 a holiday, 2026-10-10 (Saturday) an adjusted working day
    october = services.occurrence_days(repeat=Repeat.WORKDAYS, first_day=date(2026, 9, 30), count=4)
    assert october == [date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"repeat": Repeat.DAILY}, "结束日期或次数"),
        ({"repeat": Repeat.DAILY, "count": 201}, "1 到 200"),
        ({"repeat": Repeat.DAILY, "last_day_after": 300}, "最多 200"),
        ({"repeat": Repeat.DAILY, "last_day_after": 400}, "最长一年"),
        ({"repeat": Repeat.WEEKLY, "count": 3}, "星期几"),
        ({"repeat": "hourly", "count": 3}, "重复方式"),
    ],
)
def test_bounds(meet: dict[str, Any], kwargs: dict[str, Any], words: str) -> None:
    monday = next_monday()
    after = kwargs.pop("last_day_after", None)
    if after is not None:
        kwargs["last_day"] = monday + timedelta(days=after)
    with pytest.raises(ApplicationError, match=words):
        services.series_create(
            actor=meet["accountant"],
            room_id=meet["big"].pk,
            title="例会",
            first_day=monday,
            start_time=time(9),
            end_time=time(10),
            **kwargs,
        )
    assert not BookingSeries.objects.exists()


def test_all_or_nothing_lists_the_conflicting_dates(meet: dict[str, Any]) -> None:
    monday = next_monday()
    for offset in (7, 21):
        day = monday + timedelta(days=offset)
        services.booking_create(
            actor=meet["office_head"], room_id=meet["big"].pk, title="占用", starts_at=at(day, 9), ends_at=at(day, 11)
        )
    with pytest.raises(ConflictError) as refused:
        services.series_create(
            actor=meet["accountant"],
            room_id=meet["big"].pk,
            title="周例会",
            repeat=Repeat.WEEKLY,
            weekdays=[0],
            first_day=monday,
            count=5,
            start_time=time(10),
            end_time=time(12),
        )
    for offset in (7, 21):
        assert (monday + timedelta(days=offset)).isoformat() in refused.value.message
    assert (monday + timedelta(days=14)).isoformat() not in refused.value.message
    assert not BookingSeries.objects.exists()
    assert Booking.objects.count() == 2


def test_exceptions_cancel_and_move_one_occurrence(meet: dict[str, Any]) -> None:
    monday = next_monday()
    series = services.series_create(
        actor=meet["accountant"],
        room_id=meet["big"].pk,
        title="周例会",
        repeat=Repeat.WEEKLY,
        weekdays=[0, 2],
        first_day=monday,
        count=4,
        start_time=time(9),
        end_time=time(10),
    )
    occurrences = list(series.bookings.order_by("starts_at"))
    assert [b.occurrence for b in occurrences] == [
        monday,
        monday + timedelta(days=2),
        monday + timedelta(days=7),
        monday + timedelta(days=9),
    ]
    services.booking_cancel(actor=meet["accountant"], booking_id=occurrences[1].pk)
    services.booking_move(
        actor=meet["accountant"],
        booking_id=occurrences[2].pk,
        starts_at=at(monday + timedelta(days=8), 15),
        ends_at=at(monday + timedelta(days=8), 16),
        room_id=meet["big"].pk,
    )
    rows = {b.occurrence: b for b in series.bookings.all()}
    assert rows[monday + timedelta(days=2)].exception == BookingException.CANCELLED
    assert rows[monday + timedelta(days=2)].status == BookingStatus.CANCELLED
    moved = rows[monday + timedelta(days=7)]
    assert (moved.exception, moved.starts_at) == (BookingException.MOVED, at(monday + timedelta(days=8), 15))
    assert rows[monday].exception == BookingException.NONE
    # the cancelled occurrence's slot is free for others
    services.booking_create(
        actor=meet["office_head"],
        room_id=meet["big"].pk,
        title="临时会",
        starts_at=at(monday + timedelta(days=2), 9),
        ends_at=at(monday + timedelta(days=2), 10),
    )
    assert services.series_cancel(actor=meet["accountant"], series_id=series.pk) == 3
