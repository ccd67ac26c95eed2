"""The demo's 值班安排: the National Day 2026 and New Year 2027 holiday rosters, a day's log with an instructed
incident and a received handover, and this week's round-the-clock duty: whoever is on duty now logs and hands
over, and the next officer confirms. Idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanfu.demo.duty import HOLIDAYS, seed_duty
from sanfu.demo.org import MAIN_UNIT_CODE, seed_demo
from sanfu.duty import selectors, services
from sanfu.duty.models import Handover, LogEntry, Shift, ShiftKind
from tests.worlds import built_once


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    def build() -> int:
        seed_demo()
        return seed_duty()

    yield from built_once(django_db_blocker, tmp_path_factory, build)


def _main(**filters: Any) -> Any:
    return Shift.objects.filter(unit__code=MAIN_UNIT_CODE, **filters)


@pytest.mark.django_db
def test_the_holiday_rosters(demo: int) -> None:
    assert demo > 0
    national = _main(day__gte=date(2026, 10, 1), day__lte=date(2026, 10, 7), rota__name="节假日值班")
    assert national.count() == 14  # a day and a night shift on each of the seven days
    assert set(national.filter(kind=ShiftKind.DAY).values_list("holiday", flat=True)) == {"国庆节"}
    new_year = _main(day__gte=date(2027, 1, 1), day__lte=date(2027, 1, 3))
    assert new_year.count() == 6
    assert new_year.get(day=date(2027, 1, 1), kind=ShiftKind.DAY).holiday == "元旦"
    first = _main(day=date(2026, 10, 1), kind=ShiftKind.DAY).get()
    assert LogEntry.objects.filter(shift=first).count() == 3
    assert LogEntry.objects.get(shift=first, is_incident=True).acknowledged_at is not None
    assert Handover.objects.get(shift=first).received_at is not None
    assert seed_duty() == 0  # idempotent


@pytest.mark.django_db
def test_someone_is_on_duty_now_and_hands_over(demo: int) -> None:
    unit_id = _main().values_list("unit_id", flat=True).first()
    now = timezone.now()
    on_duty = selectors.on_duty_now(unit_id, now)
    assert on_duty, "nobody on duty now"
    current = on_duty[0]
    in_holiday = any(start <= current.day <= end for start, end in HOLIDAYS)
    if not in_holiday:
        assert current.officer.username in {"clerk", "staff"}
    services.log_write(actor=current.officer, shift_id=current.pk, data=services.EntryIn(content="巡查正常"))
    handover = services.handover_write(actor=current.officer, shift_id=current.pk, note="设备正常，无遗留事项")
    assert handover.next_shift is not None
    assert handover.next_shift.officer_id != current.officer_id
    received = services.handover_confirm(
        actor=handover.next_shift.officer, shift_id=current.pk, now=now + timedelta(minutes=1)
    )
    assert received.received_at is not None


@pytest.mark.django_db
def test_the_week_is_covered_day_and_night(demo: int) -> None:
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    for offset in range(7):
        day = monday + timedelta(days=offset)
        assert set(_main(day=day).values_list("kind", flat=True)) == {ShiftKind.DAY, ShiftKind.NIGHT}, day
