"""预警 before a time limit is likely missed (``insights.escalation``), on a scene of its own in November 2026
(no holidays; office hours 08:30–12:00 and 13:30–17:30).

修理 (``fix``): 核对, held by the accountant (财务部, head: the finance head); 领用 (``take``): 核对, held by
the clerk (文秘科, head: the section head). Both nodes have a time limit of 6 working hours.

History: three 修理 each submitted 09:00 and approved 09:00 the next working day (7 + 0.5 = 7.5 working
hours: the accountant's P50 on 核对 is 7.5 h); three 领用 each approved an hour after submission (P50 1 h).
Open: one of each submitted Mon 9 Nov 09:00, due 16:30 the same day (3 + 3 working hours). The accountant is
predicted to finish at 09:00 the next day (late); the clerk at 10:00 (in time). A quarter of the 6 hours is
1.5 h: from 15:00 the finance head is told too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from sanfu.core.models import Notification
from sanfu.insights import escalation
from sanfu.insights.tasks import warn_late_tasks
from sanfu.workflow import services as flow
from sanfu.workflow.models import Task, TaskStatus
from tests.conftest import build_org
from tests.insights.conftest import approve, at, start
from tests.worlds import built_once

pytestmark = pytest.mark.django_db


def _definition(key: str, name: str, holder: Any) -> dict[str, Any]:
    return {
        "key": key,
        "name": name,
        "nodes": [
            {"id": "start", "kind": "start", "next": "check"},
            {
                "id": "check",
                "kind": "approval",
                "name": "核对",
                "approvers": {"type": "users", "users": [holder.pk]},
                "next": "end",
                "deadline": {"working_hours": 6},
            },
            {"id": "end", "kind": "end"},
        ],
    }


def build() -> dict[str, Any]:
    w = build_org()
    flow.definition_publish(actor=None, spec=_definition("fix", "修理", w["accountant"]))
    flow.definition_publish(actor=None, spec=_definition("take", "领用", w["clerk"]))
    for day in (2, 3, 4):
        approve(start(w, "fix", f"修理 {day}", at(11, day, 9), initiator="clerk"), w["accountant"], at(11, day + 1, 9))
        approve(start(w, "take", f"领用 {day}", at(11, day, 9), initiator="accountant"), w["clerk"], at(11, day, 10))
    w["slow"] = start(w, "fix", "修理 待办", at(11, 9, 9), initiator="clerk")
    w["fast"] = start(w, "take", "领用 待办", at(11, 9, 9), initiator="accountant")
    return w


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from built_once(django_db_blocker, tmp_path_factory, build)


def _notices(user: Any) -> list[str]:
    return list(Notification.objects.filter(user=user, key__startswith="insights.late").values_list("title", flat=True))


def test_the_slow_holder_is_warned_before_the_due_time_and_the_fast_one_is_not(world: dict[str, Any]) -> None:
    with time_machine.travel(at(11, 9, 10), tick=False):
        found = escalation.predictions()
        assert warn_late_tasks.call_local() == 1
    late = dict(zip(found["instance"].to_list(), found["late"].to_list(), strict=True))
    assert late == {world["slow"].pk: True, world["fast"].pk: False}
    assert _notices(world["accountant"]) == ["预计将超期：修理 待办"]
    assert _notices(world["clerk"]) == []
    assert _notices(world["finance_head"]) == []  # more than a quarter of the time is left


def test_the_head_is_told_only_late_and_nothing_twice(world: dict[str, Any]) -> None:
    with time_machine.travel(at(11, 9, 14, 30), tick=False):  # 2 h of 6 left: not yet under a quarter
        assert escalation.warn_late_tasks() == 1
    assert _notices(world["finance_head"]) == []
    with time_machine.travel(at(11, 9, 15, 30), tick=False):  # 1 h left
        assert escalation.warn_late_tasks() == 1  # the head's; the holder was told already
        assert escalation.warn_late_tasks() == 0
    assert _notices(world["accountant"]) == ["预计将超期：修理 待办"]
    assert _notices(world["finance_head"]) == [f"预计将超期：{world['accountant'].display_name} 的待办“修理 待办”"]
    assert _notices(world["section_head"]) == []


def test_past_the_due_time_nobody_is_warned(world: dict[str, Any]) -> None:
    with time_machine.travel(at(11, 9, 17), tick=False):
        assert escalation.predictions().is_empty()
        assert escalation.warn_late_tasks() == 0


def test_a_holder_without_history_is_judged_by_the_node(world: dict[str, Any]) -> None:
    # 转交 at 10:00 to the finance head, who never held 核对 of 修理: the node's P50 (7.5 h) from 10:00 ends
    # after 16:30, so the new holder is warned.
    with time_machine.travel(at(11, 9, 10), tick=False):
        task = Task.objects.get(instance=world["slow"], status=TaskStatus.OPEN)
        flow.task_transfer(actor=world["accountant"], task_id=task.pk, to=world["finance_head"], comment="请代办")
        assert escalation.warn_late_tasks() == 1
    assert _notices(world["finance_head"]) == ["预计将超期：修理 待办"]
    assert _notices(world["accountant"]) == []
