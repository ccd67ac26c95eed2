"""Queue and handling: a task's working time split at the moment its holder first opened it (``Task.seen_at``),
against a hand-computed October 2026 (office hours 08:30–12:00 and 13:30–17:30; 1–7 Oct the National Day holiday).

| | submitted | 审核 (section head) | 复核 (finance head) |
|---|---|---|---|
| P | Wed 30 Sep 16:00 | opened Thu 8 Oct 08:45 (the next working day after | opened 8 Oct 10:30, |
| | | the holiday), 同意 10:00 | 同意 Fri 9 Oct 09:00 (ended) |
| Q | Mon 12 Oct 09:00 | 同意 11:00 from a list (never opened) | opened 14:00, 同意 15:00 (ended) |
| R (请假) | Wed 14 Oct 09:00 | 审批 (office head) opened 09:10 (and again 09:20: the first | |
| | | stays), 同意 09:30 (ended) | |

Per task (working hours): P 审核 queue 30 Sep 16:00–17:30 (1.5) + 8 Oct 08:30–08:45 (0.25) = 1.75, handling
08:45–10:00 = 1.25; P 复核 queue 0.5, handling 10:30–12:00 + 13:30–17:30 + 9 Oct 08:30–09:00 = 6; Q 审核 no split;
Q 复核 queue 11:00–12:00 + 13:30–14:00 = 1.5, handling 1; R queue 10 min, handling 20 min.
Per instance: P's 9.5 working hours with a task in hand split into 2.25 queued and 7.25 handled; Q has no split
(its 审核 was never opened); R 1/6 and 1/3."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.insights import facts, measures, services
from sanfu.workflow import services as flow
from sanfu.workflow.models import Task
from tests.conftest import build_org
from tests.insights.conftest import Clock, approve, at, publish, start
from tests.worlds import built_once

pytestmark = pytest.mark.django_db

OCTOBER = facts.Month(2026, 10)


def seen(instance: Any, user: Any, moment: Any) -> int:
    with Clock()(moment):
        return flow.tasks_seen(actor=user, instance_id=instance.pk)


def build() -> dict[str, Any]:
    w = build_org()
    publish(w)
    section, finance, office = w["section_head"], w["finance_head"], w["office_head"]
    p = start(w, "buy", "P 打印机", at(9, 30, 16))
    w["not_holder"] = seen(p, w["clerk"], at(9, 30, 16, 10))  # the initiator looks: not his task
    w["waiting"] = seen(p, finance, at(9, 30, 16, 20))  # 复核 does not exist yet: nothing of his to open
    seen(p, section, at(10, 8, 8, 45))
    approve(p, section, at(10, 8, 10))
    seen(p, finance, at(10, 8, 10, 30))
    approve(p, finance, at(10, 9, 9))

    q = start(w, "buy", "Q 办公桌", at(10, 12, 9))
    approve(q, section, at(10, 12, 11))
    seen(q, finance, at(10, 12, 14))
    approve(q, finance, at(10, 12, 15))

    r = start(w, "leave", "R 年假", at(10, 14, 9))
    w["first"] = seen(r, office, at(10, 14, 9, 10))
    w["again"] = seen(r, office, at(10, 14, 9, 20))
    approve(r, office, at(10, 14, 9, 30))
    w.update(p=p, q=q, r=r)
    return w


@pytest.fixture(scope="module")
def scene(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    yield from built_once(django_db_blocker, tmp_path_factory, build)


@pytest.fixture
def spine(scene: dict[str, Any]) -> measures.Spine:
    return services.spine_for(unit_id=scene["unit"].pk, month=OCTOBER)


def _row(frame: Any, **keys: Any) -> dict[str, Any]:
    rows = [r for r in frame.to_dicts() if all(r[k] == v for k, v in keys.items())]
    assert len(rows) == 1, rows
    return rows[0]


def test_the_first_opening_by_the_holder_is_kept_and_never_moves(scene: dict[str, Any]) -> None:
    assert scene["not_holder"] == 0
    assert scene["waiting"] == 0
    assert (scene["first"], scene["again"]) == (1, 0)
    task = Task.objects.get(instance=scene["r"], node="approve")
    assert task.seen_at == at(10, 14, 9, 10)
    assert Task.objects.get(instance=scene["q"], node="review").seen_at is None


def test_a_done_task_is_not_opened_any_more(scene: dict[str, Any]) -> None:
    assert flow.tasks_seen(actor=scene["section_head"], instance_id=scene["q"].pk) == 0
    assert Task.objects.get(instance=scene["q"], node="review").seen_at is None


def test_task_queue_and_handling_across_the_holiday(spine: measures.Spine, scene: dict[str, Any]) -> None:
    review = _row(measures.task_times(spine, ["matter", "node"]), matter="buy", node="review")
    # P's 审核 alone has the split (Q's was acted from a list); its working time 3 = 1.75 + 1.25
    assert review["acted"] == 2
    assert (review["queue_p50"], review["work_p50"]) == (1.75, 1.25)
    check = _row(measures.task_times(spine, ["matter", "node"]), matter="buy", node="check")
    # queue 0.5, 1.5 → P50 1, P90 0.5 + 0.9 × 1; handling 6, 1 → 3.5, 1 + 0.9 × 5
    assert (check["queue_p50"], check["queue_p90"]) == (1.0, 1.4)
    assert (check["work_p50"], check["work_p90"]) == (3.5, 5.5)
    leave = _row(measures.task_times(spine, ["person"]), person=scene["office_head"].pk)
    assert (leave["queue_p50"], leave["work_p50"]) == (0.17, 0.33)


def test_the_share_of_tasks_with_the_split(spine: measures.Spine, scene: dict[str, Any]) -> None:
    # five tasks acted in October, four opened first
    assert measures.seen_share(spine).to_dicts() == [{"seen_acted": 4, "seen_rate": 80.0}]
    section = _row(measures.seen_share(spine, ["person"]), person=scene["section_head"].pk)
    assert (section["seen_acted"], section["seen_rate"]) == (1, 50.0)
    assert set(measures.instances_behind(spine, "unseen", {})) == {scene["q"].pk}


def test_instance_handling_split_into_queue_and_work(spine: measures.Spine) -> None:
    total = measures.turnaround(spine).to_dicts()[0]
    assert (total["ended"], total["split_ended"]) == (3, 2)  # Q has no split
    # queue 2.25 and 1/6 → P50 1.2083; handling 7.25 and 1/3 → P50 3.7917
    assert (total["queue_p50"], total["work_p50"]) == (1.21, 3.79)
    buy = _row(measures.turnaround(spine, ["matter"]), matter="buy")
    # P: 9.5 working hours with a task in hand (30 Sep 1.5, 8 Oct 7.5, 9 Oct 0.5)
    # Q: 12 Oct 09:00–15:00 less the lunch = 4.5 → P50 7, P90 4.5 + 0.9 × 5
    assert (buy["handling_p50"], buy["handling_p90"]) == (7.0, 9.0)
    assert (buy["split_ended"], buy["queue_p50"], buy["work_p50"]) == (1, 2.25, 7.25)


def test_the_review_carries_the_split(spine: measures.Spine) -> None:
    review = measures.review(spine)
    assert review["version"] == measures.COMPUTATION_VERSION
    assert (review["total"]["seen_acted"], review["total"]["seen_rate"], review["total"]["split_ended"]) == (4, 80.0, 2)
    check = next(n for n in review["nodes"] if n["node"] == "check")
    assert (check["queue_p50"], check["work_p50"], check["seen_rate"]) == (1.0, 3.5, 100.0)
