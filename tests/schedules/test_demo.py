"""The demo's 领导日程: the current week of 总经理 and the four 副职, three to five entries each of every
visibility, a conflict between two entries this week and one with a notified meeting; idempotent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.demo.meetings import seed_meetings
from sanfu.demo.org import seed_demo
from sanfu.demo.schedules import seed_schedules
from sanfu.schedules import selectors
from sanfu.schedules.models import ScheduleEntry, Visibility
from tests.worlds import built_once


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    def build() -> int:
        seed_demo()
        seed_meetings()
        return seed_schedules()

    yield from built_once(django_db_blocker, tmp_path_factory, build)


@pytest.mark.django_db
def test_the_current_week_of_every_leader(demo: int) -> None:
    assert demo == ScheduleEntry.objects.count()
    monday = selectors.monday_of(timezone.localdate())
    this_week = ScheduleEntry.objects.filter(starts_at__date__gte=monday, starts_at__date__lt=monday + timedelta(7))
    per_leader = Counter(this_week.values_list("leader__username", flat=True))
    assert set(per_leader) == {"gm", "deputy1", "deputy2", "deputy3", "deputy4"}
    assert all(3 <= n <= 5 for n in per_leader.values()), per_leader
    assert set(ScheduleEntry.objects.values_list("visibility", flat=True)) == set(Visibility.values)
    assert seed_schedules() == 0  # idempotent


@pytest.mark.django_db
def test_the_secretary_sees_the_leaders_titles_and_the_conflicts(demo: int) -> None:
    secretary = User.objects.get(username="secretary")
    monday = selectors.monday_of(timezone.localdate())
    rows = selectors.week(secretary, monday)
    assert [(r.leader.username, r.title) for r in rows][:2] == [("gm", "总经理"), ("deputy1", "副总经理")]
    assert {r.title for r in rows} >= {"总经理", "副总经理", "总工程师", "纪委书记"}
    assert selectors.conflict_count(rows) == 1  # 总工程师's public entry (the 内部 one it overlaps she may not read)
    clerk = User.objects.get(username="clerk")
    assert selectors.conflict_count(selectors.week(clerk, monday)) == 2  # the office reads both
    clash = ScheduleEntry.objects.get(title="会见来访客商")
    meeting_week = selectors.week(secretary, selectors.monday_of(timezone.localtime(clash.starts_at).date()))
    flagged = [
        item
        for row in meeting_week
        for day in row.days
        for half in day
        for item in half
        if item.entry is not None and item.entry.pk == clash.pk
    ]
    assert flagged
    assert flagged[0].conflict
    staff = User.objects.get(username="staff")
    seen = [i.text for r in selectors.week(staff, monday) for d in r.days for h in d for i in h]
    assert "有安排" in seen  # a private entry is only busy to an employee
    assert "个人事务" not in seen
