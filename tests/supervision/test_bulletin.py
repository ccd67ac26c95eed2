"""The monthly bulletin's figures against the hand-computed world of ``test_bulletin_world`` (its docstring
lists every item and why it counts where it does), as the clerk (who does not see the 秘密 item S) and as the
general manager (who does)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from sanfu.core.errors import ApplicationError
from sanfu.supervision import bulletin
from sanfu.supervision.status import Status
from tests.supervision.test_bulletin_world import AS_OF, World, at, module_world

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from module_world(django_db_blocker, tmp_path_factory)


def figures(line: bulletin.DepartmentLine) -> dict[str, object]:
    return {
        "due": line.due,
        "on_time": line.on_time,
        "overdue": line.overdue,
        "pending": line.pending,
        "new": line.new,
        "closed": line.closed,
        "at_risk": line.at_risk,
        "completion": line.completion_rate,
        "overdue_rate": line.overdue_rate,
        "rank": line.rank,
    }


def november(world: World, who: str) -> bulletin.Bulletin:
    with at(AS_OF.isoformat(), 10):
        return bulletin.bulletin(world.people[who], year=2026, month=11, today=AS_OF)


def test_the_clerks_november_bulletin_matches_the_hand_computed_figures(world: World) -> None:
    got = november(world, "clerk")
    by_name = {line.name: figures(line) for line in got.departments}
    assert by_name == {
        # F1, F2 on time; F3 closed late, F4 open past its deadline; F5 not yet due (and at risk)
        "财务部": {
            "due": 5,
            "on_time": 2,
            "overdue": 2,
            "pending": 1,
            "new": 1,
            "closed": 3,
            "at_risk": 1,
            "completion": Decimal("40.0"),
            "overdue_rate": Decimal("40.0"),
            "rank": 1,
        },
        # O1 applied in time (under review) and O2 on track; O4 closed in November but due in October; O3 new
        # and at risk; the sub-item C is not counted
        "办公室": {
            "due": 2,
            "on_time": 0,
            "overdue": 0,
            "pending": 2,
            "new": 1,
            "closed": 1,
            "at_risk": 1,
            "completion": Decimal("0.0"),
            "overdue_rate": Decimal("0.0"),
            "rank": 2,
        },
    }
    assert figures(got.total) == {
        "due": 7,
        "on_time": 2,
        "overdue": 2,
        "pending": 3,
        "new": 2,
        "closed": 4,
        "at_risk": 2,
        "completion": Decimal("28.6"),  # 2 / 7 = 28.57…
        "overdue_rate": Decimal("28.6"),
        "rank": None,
    }
    items = {pk: key for key, item in world.items.items() for pk in [item.pk]}
    assert [items[line.pk] for line in got.at_risk] == ["F5", "O3"]
    assert [items[line.pk] for line in got.overdue] == ["F4"]
    assert got.overdue_now == 1
    assert [items[line.pk] for line in got.closed] == ["O4", "F3", "F1", "F2"]  # by the day closed
    assert [items[line.pk] for line in got.new] == ["F5", "O3"]
    assert got.at_risk[0].status == Status.AT_RISK
    assert got.title == "2026年11月督办工作通报"


def test_the_general_manager_also_counts_the_secret_item(world: World) -> None:
    got = november(world, "gm")
    finance = next(line for line in got.departments if line.name == "财务部")
    # S: due 11-20, not past its deadline on the 20th → pending; no report since 10-15 → at risk
    assert (finance.due, finance.on_time, finance.overdue, finance.pending, finance.at_risk) == (6, 2, 2, 2, 2)
    assert finance.completion_rate == Decimal("33.3")
    assert got.total.due == 8


def test_october_counts_o4_on_time_and_nothing_new_but_what_was_created(world: World) -> None:
    with at(AS_OF.isoformat(), 10):
        got = bulletin.bulletin(world.people["clerk"], year=2026, month=10, today=AS_OF)
    office = next(line for line in got.departments if line.name == "办公室")
    assert (office.due, office.on_time, office.closed, office.new) == (1, 1, 0, 3)  # new: O1, O2, O4
    assert got.total.new == 7  # F1–F4, O1, O2, O4 (S is hidden from the clerk, C is a sub-item)


def test_a_unit_filter_and_an_outsider_see_nothing_of_it(world: World) -> None:
    outsider = world.people["outsider"]
    with at(AS_OF.isoformat(), 10):
        got = bulletin.bulletin(outsider, year=2026, month=11, today=AS_OF)
    assert got.total.due == 0
    assert got.departments == []
    assert got.at_risk == []


def test_months_are_parsed_and_a_future_month_is_refused() -> None:
    today = date(2026, 11, 20)
    assert bulletin.parse_month("2026-11", today=today) == (2026, 11)
    assert bulletin.parse_month("", today=today) == (2026, 11)
    for bad in ("2026-13", "11/2026", "abcd", "2026-1x"):
        with pytest.raises(ApplicationError, match="年-月"):
            bulletin.parse_month(bad, today=today)
    with pytest.raises(ApplicationError, match="尚未开始"):
        bulletin.parse_month("2026-12", today=today)


def test_rates_round_half_up_and_ties_share_a_rank() -> None:
    assert bulletin.rate(1, 8) == Decimal("12.5")
    assert bulletin.rate(1, 3) == Decimal("33.3")
    assert bulletin.rate(2, 3) == Decimal("66.7")
    assert bulletin.rate(0, 0) is None
    lines = [
        bulletin.DepartmentLine(1, "甲", due=2, on_time=1),
        bulletin.DepartmentLine(2, "乙", due=2, on_time=1),
        bulletin.DepartmentLine(3, "丙", due=1, on_time=1),
        bulletin.DepartmentLine(4, "丁", new=1),
    ]
    ranked = bulletin._rank(lines)
    assert [(line.name, line.rank) for line in ranked] == [("丙", 1), ("乙", 2), ("甲", 2), ("丁", None)]
