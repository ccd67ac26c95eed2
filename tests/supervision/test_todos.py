"""督办 in 我的待办 counts on the working calendar, as the worker's reminders do: a report due on a rest day is
due on the next working day and shows from the day the owner is reminded (the last working day before it);
a deadline on a rest day runs to the next working day (frozen time across the 2026 National Day holiday)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sanfu.supervision import services, todos
from sanfu.supervision.reminders import reminders_send
from tests.supervision.conftest import day, new_item

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str, hour: int = 9) -> time_machine.travel:
    moment = datetime.combine(day(text), datetime.min.time().replace(hour=hour), tzinfo=SHANGHAI)
    return time_machine.travel(moment, tick=False)


def shown(user: Any) -> list[tuple[str, str, str, bool]]:
    return [(e.title, str(e.due), str(e.note), e.overdue) for e in todos.entries(user, 10)]


def test_a_report_due_on_a_holiday_shows_when_the_reminder_is_sent_and_is_not_late_over_the_holiday(
    sup: dict[str, Any],
) -> None:
    with at("2026-09-17"):
        item = new_item(sup, days=60)
    with at("2026-09-24"):
        services.progress_report(actor=sup["accountant"], item_id=item.pk, text="开工", percent=10)
    # Sep 24 + 7 = Thu Oct 1, a holiday: the report is due Thu Oct 8; the reminder goes out on Wed Sep 30
    with at("2026-09-29"):
        assert todos.count(sup["accountant"]) == 0
        assert reminders_send() == 0
    with at("2026-09-30"):
        assert reminders_send() == 1
        assert shown(sup["accountant"]) == [(item.title, "2026-10-08", "进展待报送", False)]
    with at("2026-10-05"):  # a rest day of the holiday: not late (calendar days would say Oct 1 was missed)
        assert shown(sup["accountant"]) == [(item.title, "2026-10-08", "进展待报送", False)]
    with at("2026-10-09"):
        assert shown(sup["accountant"]) == [(item.title, "2026-10-08", "进展报送逾期", True)]
    assert todos.count(sup["finance_head"]) == 0  # only the owner's


def test_a_deadline_on_a_holiday_is_not_overdue_before_the_next_working_day(sup: dict[str, Any]) -> None:
    with at("2026-09-28"):
        item = new_item(sup, days=5, cadence_days=30)  # due Sat Oct 3: runs to Thu Oct 8
    with at("2026-10-07"):
        assert todos.count(sup["accountant"]) == 0
    with at("2026-10-08"):
        assert todos.count(sup["accountant"]) == 0
    with at("2026-10-09"):
        assert shown(sup["accountant"]) == [(item.title, "2026-10-03", "已逾期", True)]
