"""The review of a closed month is computed once and read from the cache; the open month is computed on every
read and never stored; a change to the working calendar (or to the measures' version) recomputes a month; the
worker fills the month just closed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine

from sanfu.insights import facts, measures, services, tasks
from sanfu.insights.models import MonthReview
from sanfu.org.models import DayKind
from sanfu.org.services import calendar_day_set
from tests.insights.conftest import approve, at, start

pytestmark = pytest.mark.django_db

OCTOBER = facts.Month(2026, 10)


def test_a_closed_month_is_read_from_the_cache(scene: dict[str, Any]) -> None:
    unit = scene["unit"].pk
    first = services.month_review(unit_id=unit, month=OCTOBER, now=at(11, 5, 9))
    stored = MonthReview.objects.get(unit_id=unit, month=date(2026, 10, 1))
    assert stored.version == measures.COMPUTATION_VERSION
    assert stored.figures == first
    # what is read now is what was stored, not a recomputation
    MonthReview.objects.filter(pk=stored.pk).update(figures={**first, "month": "stored"})
    assert services.month_review(unit_id=unit, month=OCTOBER, now=at(11, 6, 9))["month"] == "stored"
    # a month computed by an older version of the measures is recomputed
    MonthReview.objects.filter(pk=stored.pk).update(version=measures.COMPUTATION_VERSION - 1)
    assert services.month_review(unit_id=unit, month=OCTOBER, now=at(11, 6, 9))["month"] == "2026-10"
    assert MonthReview.objects.get(pk=stored.pk).version == measures.COMPUTATION_VERSION


def test_the_open_month_is_computed_on_every_read_and_never_stored(scene: dict[str, Any]) -> None:
    unit = scene["unit"].pk
    with time_machine.travel(at(10, 28, 12), tick=False):
        before = services.month_review(unit_id=unit, month=OCTOBER)
        late = start(scene, "leave", "H 事假", at(10, 28, 9))
        approve(late, scene["office_head"], at(10, 28, 10))
        after = services.month_review(unit_id=unit, month=OCTOBER)
    assert (before["total"]["throughput"], after["total"]["throughput"]) == (5, 6)
    assert not MonthReview.objects.exists()


def test_a_change_to_the_working_calendar_recomputes_a_closed_month(
    scene: dict[str, Any], admins: dict[str, Any]
) -> None:
    unit = scene["unit"].pk
    first = services.month_review(unit_id=unit, month=OCTOBER, now=at(11, 5, 9))
    check = next(n for n in first["nodes"] if n["node"] == "check")
    assert check["handling_p90"] == 12.25  # A's 复核: 8, 9 and Sat 10 Oct worked
    # the administrator makes Fri 9 Oct a rest day: A's 复核 loses its 7.5 working hours (16 → 8.5)
    calendar_day_set(actor=admins["sysadmin"], day=date(2026, 10, 9), kind=DayKind.HOLIDAY, note="停电")
    again = services.month_review(unit_id=unit, month=OCTOBER, now=at(11, 5, 10))
    check = next(n for n in again["nodes"] if n["node"] == "check")
    # handling 1, 1, 3.5, 8.5 → P90 at 2.7: 3.5 + 0.7 × 5
    assert check["handling_p90"] == 7.0
    assert MonthReview.objects.get(unit_id=unit).calendar != facts.calendar_version([])


def test_the_worker_fills_the_month_just_closed(scene: dict[str, Any]) -> None:
    with time_machine.travel(at(11, 1, 1, 20), tick=False):
        assert tasks.fill_month_reviews.call_local() == 2  # both units had instances
    assert set(MonthReview.objects.values_list("unit_id", "month")) == {
        (scene["unit"].pk, date(2026, 10, 1)),
        (scene["other_head"].staff.unit_id, date(2026, 10, 1)),
    }
    october = MonthReview.objects.get(unit_id=scene["unit"].pk).figures
    assert october["total"]["throughput"] == 5
