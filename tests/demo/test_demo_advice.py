"""The demo gives 精简建议 something to find: the office's 复核 of small purchases signs everything, days later,
with a stock word (turn it into filing), and the office now and then approves a seal request within seconds (秒批).
The history of those two matters is made through the services, once for the module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sanfu.demo.history import seed_history
from sanfu.demo.matters import seed_matters
from sanfu.demo.org import MAIN_UNIT_CODE, seed_demo
from sanfu.insights import period, services
from sanfu.org.models import Unit
from tests.worlds import built_once

pytestmark = pytest.mark.django_db


def build() -> dict[str, Any]:
    seed_demo()
    seed_matters()
    seed_history(count=160, days=95, codes=["purchase", "seal"])
    unit = Unit.objects.get(code=MAIN_UNIT_CODE)
    return services.advice_of(unit_id=unit.pk, span=period.parse_period("", ""))


@pytest.fixture(scope="module")
def advice(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    yield from built_once(django_db_blocker, tmp_path_factory, build)


def test_the_purchase_check_is_suggested_for_filing(advice: dict[str, Any]) -> None:
    found = [(s["kind"], s["matter"], s["node"]) for s in advice["suggestions"]]
    assert ("filing", "purchase", "check") in found
    assert not any(matter == "seal" for _kind, matter, _node in found)  # its nodes reject and return now and then


def test_seal_reviews_approved_within_seconds_are_found(advice: dict[str, Any]) -> None:
    quick = {(r["matter"], r["node"]) for r in advice["quick_tasks"]}
    assert ("seal", "office") in quick
    assert ("purchase", "check") not in quick
