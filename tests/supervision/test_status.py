"""The computed status (``supervision.status``), pure, on the statutory calendar across the 2026 National Day
holiday (Oct 1–7 rest, Oct 8–9 work, Sat Oct 10 an adjusted working day, Sun Oct 11 rest); and the same rule
read from the database with time frozen (time-machine)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sanfu.org.calendar import WorkingCalendar
from sanfu.supervision import selectors, services
from sanfu.supervision.status import Facts, Status, Workdays, effective_deadline, expected_percent, status_of
from tests.supervision.conftest import day, new_item

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def days() -> Workdays:
    return Workdays(WorkingCalendar())


def test_workdays_counts_across_the_holiday(days: Workdays) -> None:
    assert days.between(day("2026-09-28"), day("2026-10-11")) == 6  # Sep 28–30, Oct 8, 9, 10
    assert days.between(day("2026-10-01"), day("2026-10-07")) == 0
    # counting backwards after forwards (the prefix extends both ways)
    assert days.between(day("2026-09-01"), day("2026-09-30")) == WorkingCalendar().working_days_between(
        day("2026-09-01"), day("2026-09-30")
    )


def test_a_deadline_on_a_rest_day_runs_to_the_next_working_day(days: Workdays) -> None:
    assert effective_deadline(days, day("2026-10-03")) == day("2026-10-08")
    facts = Facts(
        state="open",
        created_on=day("2026-09-21"),
        deadline=day("2026-10-03"),
        last_percent=100,
        last_report_on=day("2026-10-08"),
    )
    assert status_of(days, facts, day("2026-10-08")) == Status.ON_TRACK
    assert status_of(days, facts, day("2026-10-09")) == Status.OVERDUE


def test_done_whatever_the_dates(days: Workdays) -> None:
    facts = Facts(state="closed", created_on=day("2026-01-05"), deadline=day("2026-02-01"))
    assert status_of(days, facts, day("2026-12-01")) == Status.DONE


def test_closing_is_judged_on_the_day_it_applied(days: Workdays) -> None:
    facts = Facts(
        state="closing", created_on=day("2026-09-01"), deadline=day("2026-09-30"), applied_on=day("2026-09-30")
    )
    assert status_of(days, facts, day("2026-10-20")) == Status.ON_TRACK
    late = Facts(
        state="closing", created_on=day("2026-09-01"), deadline=day("2026-09-30"), applied_on=day("2026-10-08")
    )
    assert status_of(days, late, day("2026-10-20")) == Status.OVERDUE


def test_at_risk_when_progress_lags_working_time_not_calendar_time(days: Workdays) -> None:
    # created Mon Sep 28, due Fri Oct 16: working days Sep 28–30, Oct 8–10, 12–16 = 11
    facts = Facts(
        state="open",
        created_on=day("2026-09-28"),
        deadline=day("2026-10-16"),
        last_percent=10,
        last_report_on=day("2026-10-07"),
        cadence_days=30,
    )
    # on Oct 8, 3 of 11 working days have passed (27%): 10% is 17 points behind, on track — though 10 calendar
    # days of 18 (56%) have gone
    assert expected_percent(days, facts, day("2026-10-08")) == 27
    assert status_of(days, facts, day("2026-10-08")) == Status.ON_TRACK
    # on Mon Oct 12, 6 of 11 (55%): 45 points behind
    assert status_of(days, facts, day("2026-10-12")) == Status.AT_RISK


def test_at_risk_when_a_report_is_overdue_by_the_cadence(days: Workdays) -> None:
    # last report Thu Sep 24 + 7 days = Thu Oct 1, a holiday: due on Oct 8
    facts = Facts(
        state="open",
        created_on=day("2026-09-01"),
        deadline=day("2026-12-31"),
        last_percent=40,
        last_report_on=day("2026-09-24"),
    )
    assert status_of(days, facts, day("2026-10-08")) == Status.ON_TRACK
    assert status_of(days, facts, day("2026-10-09")) == Status.AT_RISK


@pytest.mark.django_db
def test_the_ledger_computes_status_with_frozen_time(sup: dict[str, Any]) -> None:
    with time_machine.travel(datetime(2026, 9, 21, 9, 0, tzinfo=SHANGHAI), tick=False):
        item = new_item(sup, days=12)  # due Sat Oct 3 (a holiday): runs to Thu Oct 8
        services.progress_report(actor=sup["accountant"], item_id=item.pk, text="开工", percent=30)
    with time_machine.travel(datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI), tick=False):
        services.progress_report(actor=sup["accountant"], item_id=item.pk, text="大部完成", percent=80)
        assert selectors.item_status(item.__class__.objects.get(pk=item.pk)) == Status.ON_TRACK
    with time_machine.travel(datetime(2026, 10, 8, 17, 0, tzinfo=SHANGHAI), tick=False):
        # 8 of 9 working days gone (89%): 80% is 9 points behind, and the report due Oct 7 + runs to Oct 8
        found = selectors.ledger(sup["gm"], selectors.LedgerFilters())
        assert found.counts["on_track"] == 1
        assert found.counts["overdue"] == 0
    with time_machine.travel(datetime(2026, 10, 9, 9, 0, tzinfo=SHANGHAI), tick=False):
        found = selectors.ledger(sup["gm"], selectors.LedgerFilters(status="overdue"))
        assert list(found.rows) == [item.__class__.objects.get(pk=item.pk)]
        assert found.counts["overdue"] == 1
