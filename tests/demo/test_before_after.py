"""The demo's before/after: 费用报销 and 请假 ran six months on their first version, then three on the
streamlined one (a graded threshold moved; a review turned into filing), published through the workflow
services, with every request made through the services on the version published at its moment. The review's
comparison of the two versions shows a clear, significant drop for both. Built once for the module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanfu.demo.history import STREAMLINED_FOR_DAYS, seed_history
from sanfu.demo.matters import seed_matters
from sanfu.demo.org import MAIN_UNIT_CODE, seed_demo
from sanfu.insights.compare import compare_versions
from sanfu.org.models import Unit
from sanfu.workflow.models import Instance, ProcessDefinition
from tests.worlds import built_once

pytestmark = pytest.mark.django_db


def build() -> dict[str, Any]:
    seed_demo()
    seed_matters(first_versions=True)
    made = seed_history(count=180, codes=["expense", "leave"])
    return {"made": made, "unit": Unit.objects.get(code=MAIN_UNIT_CODE)}


@pytest.fixture(scope="module")
def history(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    yield from built_once(django_db_blocker, tmp_path_factory, build)


@pytest.mark.parametrize("key", ["expense", "leave"])
def test_two_published_versions_each_used_in_its_own_months(history: dict[str, Any], key: str) -> None:
    first, second = ProcessDefinition.objects.filter(key=key).order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert first.published_at < second.published_at
    switch = timezone.now() - timedelta(days=STREAMLINED_FOR_DAYS)
    assert abs(second.published_at - switch) < timedelta(minutes=5)
    on_first = Instance.objects.filter(definition=first)
    on_second = Instance.objects.filter(definition=second)
    assert on_first.count() > 30
    assert on_second.count() > 30
    assert not on_first.filter(created_at__gte=second.published_at).exists()
    assert not on_second.filter(created_at__lt=second.published_at).exists()


def test_leave_turned_its_review_into_filing_and_expense_moved_its_threshold(history: dict[str, Any]) -> None:
    leave = {v: ProcessDefinition.objects.get(key="leave", version=v).spec for v in (1, 2)}
    kinds = {v: {n["id"]: n["kind"] for n in spec["nodes"]} for v, spec in leave.items()}
    assert kinds[1]["hr_review"] == "approval"
    assert kinds[2]["hr_filing"] == "filing"
    assert "hr_review" not in kinds[2]
    expense = {v: ProcessDefinition.objects.get(key="expense", version=v).spec for v in (1, 2)}
    thresholds = {
        v: next(n for n in spec["nodes"] if n["id"] == "route")["branches"][1]["when"] for v, spec in expense.items()
    }
    assert thresholds == {1: "form.amount > 1000.0", 2: "form.amount > 5000.0"}


@pytest.mark.parametrize("key", ["expense", "leave"])
def test_the_comparison_shows_a_significant_drop(history: dict[str, Any], key: str) -> None:
    result = compare_versions(unit_id=history["unit"].pk, key=key, version_a=1, version_b=2)
    row = next(r for r in result["rows"] if r["measure"] == "elapsed_mean")
    assert row["significant"], row
    assert row["high"] < 0
    assert row["verdict"].startswith("下降")
    handling = next(r for r in result["rows"] if r["measure"] == "handling_mean")
    assert handling["change"] < 0


def test_seeding_again_changes_nothing(history: dict[str, Any]) -> None:
    versions = ProcessDefinition.objects.count()
    assert seed_matters(first_versions=True) == 0
    assert seed_history(count=10) == 0
    assert ProcessDefinition.objects.count() == versions
