"""The working calendar: statutory holidays and adjusted days, the administrator's table, deadlines."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanfu.core.errors import PermissionDeniedError
from sanfu.org import selectors, services
from sanfu.org.calendar import CalendarError, WorkingCalendar
from sanfu.org.models import DayKind

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_national_day_2026_is_skipped_and_adjusted_saturday_counts():
    cal = WorkingCalendar()
    # Wed 2026-09-30 → Oct 1–7 holiday, Thu Oct 8 (1), Fri Oct 9 (2), Sat Oct 10 adjusted working day (3).
    assert cal.add_working_days(at(2026, 9, 30, 10, 0), 1) == at(2026, 10, 8, 10, 0)
    assert cal.add_working_days(at(2026, 9, 30, 10, 0), 3) == at(2026, 10, 10, 10, 0)
    assert cal.add_working_days(at(2026, 9, 30, 10, 0), 4) == at(2026, 10, 12, 10, 0)
    assert not cal.is_workday(date(2026, 10, 1))
    assert cal.is_workday(date(2026, 10, 10))
    assert cal.info(date(2026, 10, 10)).note.endswith("调休上班")
    assert cal.info(date(2026, 10, 1)).note == "国庆节"


def test_zero_days_is_the_same_moment_and_negative_is_refused():
    cal = WorkingCalendar()
    assert cal.add_working_days(at(2026, 11, 25, 9, 0), 0) == at(2026, 11, 25, 9, 0)
    with pytest.raises(CalendarError):
        cal.add_working_days(at(2026, 11, 25, 9, 0), -1)
    with pytest.raises(CalendarError):
        cal.add_working_hours(at(2026, 11, 25, 9, 0), -1)


def test_working_hours_skip_lunch_evenings_and_the_holiday():
    cal = WorkingCalendar()
    # Wed 2026-09-30 16:30: one hour left that day (to 17:30), then Oct 8 from 08:30.
    assert cal.add_working_hours(at(2026, 9, 30, 16, 30), 1) == at(2026, 9, 30, 17, 30)
    assert cal.add_working_hours(at(2026, 9, 30, 16, 30), 2) == at(2026, 10, 8, 9, 30)
    # 11:00 + 2h: one hour to noon, lunch 12:00–13:30, one more hour → 14:30.
    assert cal.add_working_hours(at(2026, 11, 25, 11, 0), 2) == at(2026, 11, 25, 14, 30)
    # Asked before office hours: counting starts at 08:30.
    assert cal.add_working_hours(at(2026, 11, 25, 7, 0), 1) == at(2026, 11, 25, 9, 30)


def test_years_the_statutory_calendar_does_not_know_use_weekdays_and_the_table():
    cal = WorkingCalendar()
    assert cal.info(date(2027, 3, 3)).source == "weekday-rule"
    assert cal.is_workday(date(2027, 3, 3))  # a Wednesday
    assert not cal.is_workday(date(2027, 3, 6))  # a Saturday
    table = WorkingCalendar(overrides={date(2027, 1, 1): False, date(2027, 3, 6): True})
    assert not table.is_workday(date(2027, 1, 1))
    assert table.is_workday(date(2027, 3, 6))
    assert table.info(date(2027, 3, 6)).source == "admin"


def test_the_administrator_table_overrides_the_statutory_calendar(db, admins):
    sysadmin = admins["sysadmin"]
    services.calendar_day_set(actor=sysadmin, day=date(2026, 10, 10), kind=DayKind.HOLIDAY, note="本单位轮休")
    services.calendar_day_set(actor=sysadmin, day=date(2027, 2, 6), kind=DayKind.WORKDAY, note="春节调休")
    cal = selectors.working_calendar()
    assert not cal.is_workday(date(2026, 10, 10))
    assert cal.is_workday(date(2027, 2, 6))
    assert cal.info(date(2026, 10, 10)).note == "本单位轮休"
    services.calendar_day_clear(actor=sysadmin, day=date(2026, 10, 10))
    assert selectors.working_calendar().is_workday(date(2026, 10, 10))


def test_only_the_system_administrator_edits_the_calendar(db, admins):
    for name in ("secadmin", "auditadmin", "outsider"):
        with pytest.raises(PermissionDeniedError):
            services.calendar_day_set(actor=admins[name], day=date(2027, 1, 1), kind=DayKind.HOLIDAY)


def test_calendar_page_shows_the_month_and_lets_the_sysadmin_edit(db, admins, login, org):
    page = login(org["clerk"]).get("/org/calendar/?year=2026&month=10")
    text = page.content.decode()
    assert page.status_code == 200
    assert "国庆节" in text
    assert "调整日期" not in text  # no edit form for an ordinary user
    assert login(org["clerk"]).post("/org/calendar/", {"day": "2027-01-01", "kind": "holiday"}).status_code == 404
    client = login(admins["sysadmin"])
    response = client.post("/org/calendar/", {"day": "2027-01-01", "kind": "holiday", "note": "元旦"})
    assert response.status_code == 302
    assert not selectors.working_calendar().is_workday(date(2027, 1, 1))


@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 20)),  # noqa: DTZ001  # hypothesis takes naive bounds
    days=st.integers(min_value=0, max_value=30),
)
def test_adding_working_days_lands_on_a_working_day_after_exactly_n_of_them(start, days):
    cal = WorkingCalendar()
    moment = start.replace(tzinfo=SHANGHAI)
    result = cal.add_working_days(moment, days)
    assert result.time() == moment.time()
    if days:
        assert cal.is_workday(result.date())
        assert cal.working_days_between(moment.date() + timedelta(days=1), result.date()) == days


@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20)),  # noqa: DTZ001  # hypothesis takes naive bounds
    hours=st.integers(min_value=1, max_value=40),
)
def test_adding_working_hours_ends_inside_office_hours_on_a_working_day(start, hours):
    cal = WorkingCalendar()
    result = cal.add_working_hours(start.replace(tzinfo=SHANGHAI), hours)
    assert cal.is_workday(result.date())
    assert any(begin < result.time() <= end for begin, end in cal.periods)
