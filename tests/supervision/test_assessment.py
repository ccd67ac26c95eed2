"""定期考核 over November 2026 against the hand-computed world of ``test_bulletin_world`` (as of Fri 11-20)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from sanfu.core.errors import ApplicationError, PermissionDeniedError
from sanfu.supervision import assessment
from tests.supervision.test_bulletin_world import AS_OF, World, at, module_world

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from module_world(django_db_blocker, tmp_path_factory)


def row(record: assessment.Record) -> tuple[object, ...]:
    return (record.due, record.on_time, record.on_time_rate, record.average_score, record.overdue_days)


def november(world: World, who: str) -> assessment.Assessment:
    with at(AS_OF.isoformat(), 10):
        return assessment.assessment(world.people[who], start=date(2026, 11, 1), end=date(2026, 11, 30), today=AS_OF)


def test_the_clerks_november_assessment_matches_the_hand_computed_figures(world: World) -> None:
    got = november(world, "clerk")
    # 财务部: F1–F5 due; F1 (5) and F2 (4) on time, F3 (3) closed 2 working days late, F4 open 2 working days
    # past its deadline on the 20th, F5 not yet due. 办公室: O1, O2 and the sub-item C, none done yet.
    assert {r.name: row(r) for r in got.departments} == {
        "财务部": (5, 2, Decimal("40.0"), Decimal("4.00"), 4),
        "办公室": (3, 0, Decimal("0.0"), None, 0),
    }
    assert {r.name: row(r) for r in got.people} == {
        "会计": (5, 2, Decimal("40.0"), Decimal("4.00"), 4),
        "文书": (2, 0, Decimal("0.0"), None, 0),
        "办公室主任": (1, 0, Decimal("0.0"), None, 0),
    }
    assert row(got.total) == (8, 2, Decimal("25.0"), Decimal("4.00"), 4)
    assert [r.name for r in got.departments] == ["财务部", "办公室"]  # by on-time rate


def test_october_scores_o4_and_the_general_manager_counts_the_secret_item(world: World) -> None:
    with at(AS_OF.isoformat(), 10):
        october = assessment.assessment(
            world.people["clerk"], start=date(2026, 10, 1), end=date(2026, 10, 31), today=AS_OF
        )
    assert [row(r) for r in october.departments] == [(1, 1, Decimal("100.0"), Decimal("5.00"), 0)]
    got = november(world, "gm")
    finance = next(r for r in got.departments if r.name == "财务部")
    assert row(finance) == (6, 2, Decimal("33.3"), Decimal("4.00"), 4)  # S is due on the 20th: not late yet


def test_only_the_office_and_leaders_may_see_it(world: World) -> None:
    for who in ("accountant", "finance_head", "outsider"):
        with pytest.raises(PermissionDeniedError):
            november(world, who)


def test_periods_are_parsed_with_clear_messages() -> None:
    today = date(2026, 11, 20)
    assert assessment.parse_period("", "", today=today) == (date(2026, 1, 1), date(2026, 12, 31))
    assert assessment.parse_period("2026-11-01", "2026-11-30") == (date(2026, 11, 1), date(2026, 11, 30))
    with pytest.raises(ApplicationError, match="年-月-日"):
        assessment.parse_period("2026-11", "2026-11-30")
    with pytest.raises(ApplicationError, match="不能早于"):
        assessment.parse_period("2026-11-30", "2026-11-01")
    with pytest.raises(ApplicationError, match="三年"):
        assessment.parse_period("2020-01-01", "2026-01-01")
