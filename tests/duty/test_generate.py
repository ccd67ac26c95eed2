"""Roster generation on the working calendar, checked by hand: the National Day holiday of 2026 (Oct 1–7 rest days,
Sun Oct 11 a rest day, Sat Oct 10 a 调休 working day) with officers A, B, C and leaders gm, deputy."""

from __future__ import annotations

import itertools
from datetime import date, time
from typing import Any

import pytest

from sanfu.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from sanfu.duty import services
from sanfu.duty.models import Rota, RotaKind, Shift, ShiftKind
from sanfu.org.calendar import WorkingCalendar
from tests.duty.conftest import at, make_rota, moment, roster

D, N = ShiftKind.DAY, ShiftKind.NIGHT


def test_the_calendar_agrees_with_the_hand_computation() -> None:
    calendar = WorkingCalendar()
    assert [calendar.is_workday(date(2026, 10, d)) for d in range(1, 12)] == [
        *[False] * 7,  # Oct 1–7: 国庆节
        True,  # Thu Oct 8
        True,  # Fri Oct 9
        True,  # Sat Oct 10: 调休上班
        False,  # Sun Oct 11
    ]


def test_generation_across_national_day_and_its_adjusted_saturday(duty: dict[str, Any]) -> None:
    w = duty
    rota = make_rota(w)
    a, b, c, gm, dep = w["a"].pk, w["b"].pk, w["c"].pk, w["gm"].pk, w["deputy"].pk
    with at(date(2026, 9, 20), 9):
        made = roster(rota, date(2026, 9, 30), date(2026, 10, 11), w["clerk"])
    expected = [
        ("09-30", N, a, gm),
        ("10-01", D, b, dep),
        ("10-01", N, c, dep),
        ("10-02", D, a, gm),
        ("10-02", N, b, gm),
        ("10-03", D, c, dep),
        ("10-03", N, a, dep),
        ("10-04", D, b, gm),
        ("10-04", N, c, gm),
        ("10-05", D, a, dep),
        ("10-05", N, b, dep),
        ("10-06", D, c, gm),
        ("10-06", N, a, gm),
        ("10-07", D, b, dep),
        ("10-07", N, c, dep),
        ("10-08", N, a, gm),
        ("10-09", N, b, dep),
        ("10-10", N, c, gm),  # 调休 Saturday: a working day, so only the night shift
        ("10-11", D, a, dep),
        ("10-11", N, b, dep),
    ]
    rows = list(Shift.objects.order_by("starts_at").values_list("day", "kind", "officer_id", "leader_id"))
    assert [(f"{d:%m-%d}", k, o, lead) for d, k, o, lead in rows] == expected
    assert len(made) == 20
    first_day = Shift.objects.get(day=date(2026, 10, 1), kind=D)
    assert first_day.holiday == "国庆节"
    assert (first_day.starts_at, first_day.ends_at) == (
        moment(date(2026, 10, 1), 8, 30),
        moment(date(2026, 10, 1), 17, 30),
    )
    night = Shift.objects.get(day=date(2026, 10, 10), kind=N)
    assert night.holiday == ""
    assert (night.starts_at, night.ends_at) == (moment(date(2026, 10, 10), 17, 30), moment(date(2026, 10, 11), 8, 30))
    # Never the same person on two consecutive shifts.
    officers = [o for _d, _k, o, _l in rows]
    assert all(x != y for x, y in itertools.pairwise(officers))


def test_a_holiday_rota_skips_the_adjusted_saturday_and_the_next_roster_continues(duty: dict[str, Any]) -> None:
    w = duty
    rota = make_rota(w, kind=RotaKind.HOLIDAY)
    a, b, c = w["a"].pk, w["b"].pk, w["c"].pk
    with at(date(2026, 9, 20), 9):
        roster(rota, date(2026, 10, 1), date(2026, 10, 10), w["clerk"])
        days = list(Shift.objects.order_by("day").values_list("day", "officer_id"))
        assert [d.day for d, _o in days] == [1, 2, 3, 4, 5, 6, 7]  # Oct 8–10 are working days
        assert [o for _d, o in days] == [a, b, c, a, b, c, a]
        roster(rota, date(2026, 10, 11), date(2026, 10, 18), w["clerk"])
    later = list(Shift.objects.filter(day__gte=date(2026, 10, 11)).order_by("day").values_list("day", "officer_id"))
    assert [(d.day, o) for d, o in later] == [(11, b), (17, c), (18, a)]  # continues after A of Oct 7


def test_one_officer_takes_every_shift(duty: dict[str, Any]) -> None:
    w = duty
    rota = make_rota(w, kind=RotaKind.NIGHT, officers=[w["a"].pk], leaders=[])
    with at(date(2026, 9, 20), 9):
        made = roster(rota, date(2026, 10, 1), date(2026, 10, 3), w["clerk"])
    assert [s.officer_id for s in made] == [w["a"].pk] * 3
    assert all(s.leader_id is None for s in made)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2026, 10, 5), date(2026, 10, 1), "结束日期不能早于开始日期"),
        (date(2026, 1, 1), date(2027, 1, 5), "一次最多生成"),
    ],
)
def test_bad_ranges_are_refused_and_change_nothing(duty: dict[str, Any], start: date, end: date, message: str) -> None:
    rota = make_rota(duty)
    with pytest.raises(ApplicationError, match=message):
        roster(rota, start, end, duty["clerk"])
    assert not Shift.objects.exists()


def test_a_holiday_rota_over_working_days_only_is_refused(duty: dict[str, Any]) -> None:
    rota = make_rota(duty, kind=RotaKind.HOLIDAY)
    with pytest.raises(ApplicationError, match="没有需要值班的日子"):
        roster(rota, date(2026, 10, 8), date(2026, 10, 10), duty["clerk"])
    assert not Shift.objects.exists()


def test_overlapping_generation_is_refused_and_changes_nothing(duty: dict[str, Any]) -> None:
    w = duty
    rota = make_rota(w)
    with at(date(2026, 9, 20), 9):
        roster(rota, date(2026, 10, 1), date(2026, 10, 3), w["clerk"])
        before = list(Shift.objects.order_by("pk").values_list("pk", "officer_id"))
        with pytest.raises(ConflictError, match="2026-10-03的白班已有排班"):
            roster(rota, date(2026, 10, 3), date(2026, 10, 7), w["clerk"])
    assert list(Shift.objects.order_by("pk").values_list("pk", "officer_id")) == before


def test_clearing_then_generating_again(duty: dict[str, Any]) -> None:
    w = duty
    rota = make_rota(w)
    with at(date(2026, 9, 20), 9):
        roster(rota, date(2026, 10, 1), date(2026, 10, 3), w["clerk"])
        assert (
            services.roster_clear(actor=w["clerk"], rota_id=rota.pk, start=date(2026, 10, 2), end=date(2026, 10, 3))
            == 4
        )
        roster(rota, date(2026, 10, 2), date(2026, 10, 3), w["clerk"])
    assert Shift.objects.count() == 6


def test_only_the_office_generates(duty: dict[str, Any]) -> None:
    rota = make_rota(duty)
    with pytest.raises(PermissionDeniedError):
        roster(rota, date(2026, 10, 1), date(2026, 10, 3), duty["accountant"])
    with pytest.raises(ApplicationError):
        roster(rota, date(2026, 10, 1), date(2026, 10, 3), duty["stranger"])
    assert not Shift.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": " "}, "请填写轮值表名称"),
        ({"officers": []}, "请至少选择一名值班人员"),
        ({"leaders": ["accountant"]}, "带班领导须是本单位公司副职及以上的领导"),
        ({"officers": ["stranger"]}, "值班人员须是本单位在职人员"),
        ({"day_start": time(18), "day_end": time(9)}, "白班结束时间须晚于开始时间"),
        ({"night_start": time(16)}, "白班与夜班的时间不能重叠"),
    ],
)
def test_bad_rotas_are_refused(duty: dict[str, Any], change: dict[str, Any], message: str) -> None:
    for key in ("officers", "leaders"):
        if key in change:
            change[key] = [duty[name].pk for name in change[key]]
    with pytest.raises(ApplicationError, match=message):
        make_rota(duty, **change)
    assert not Rota.objects.exists()
