"""Each measure of the review against the hand-computed October 2026 of ``conftest`` (office hours 08:30–12:00
and 13:30–17:30; 1–7 Oct the National Day holiday; Sat 10 Oct a working day).

Per instance (hours: elapsed = handling + with the initiator + off-hours):

| | elapsed | handling (a task open, working time) | with initiator | off-hours |
|---|---|---|---|---|
| A | 30 Sep 16:00 → 10 Oct 10:00 = 234 | 1.5 (30 Sep) + 0.5 (8 Oct) + 7 + 7.5 + 1.5 (10 Oct) = 18 | 0 | 216 |
| B | 12 Oct 09:00 → 13 Oct 15:00 = 30 | 2 + 1 + 3.5 = 6.5 | 12 Oct 11:00 → 13 Oct 09:00: 1 + 4 + 0.5 = 5.5 | 18 |
| D | 19 Oct 09:00 → 20 Oct 10:00 = 25 | 7.5 + 1 = 8.5 | 0 | 16.5 |
| E | Fri 23 Oct 17:00 → Mon 26 Oct 10:00 = 65 | 0.5 + 0.5 + 1 = 2 | 0 | 63 (the weekend) |
| F | 14 Oct 09:00 → 09:30 = 0.5 | 0.5 | 0 | 0 |

P50/P90 interpolate linearly: of n sorted values, the q-quantile sits at position q·(n−1)."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.insights import facts, measures, services

pytestmark = pytest.mark.django_db

OCTOBER = facts.Month(2026, 10)


@pytest.fixture
def spine(scene: dict[str, Any]) -> measures.Spine:
    return services.spine_for(unit_id=scene["unit"].pk, month=OCTOBER)


def _row(frame: Any, **keys: Any) -> dict[str, Any]:
    rows = [r for r in frame.to_dicts() if all(r[k] == v for k, v in keys.items())]
    assert len(rows) == 1, rows
    return rows[0]


def test_turnaround_split_across_the_holiday_and_the_weekend(spine: measures.Spine) -> None:
    buy = _row(measures.turnaround(spine, ["matter"]), matter="buy")
    # buy: A, B, D, E. elapsed 25, 30, 65, 234 → P50 (30+65)/2; P90 at 2.7: 65 + 0.7 × 169
    assert buy["ended"] == 4
    assert (buy["elapsed_p50"], buy["elapsed_p90"]) == (47.5, 183.3)
    # handling 2, 6.5, 8.5, 18 → 7.5; 8.5 + 0.7 × 9.5
    assert (buy["handling_p50"], buy["handling_p90"]) == (7.5, 15.15)
    # with the initiator 0, 0, 0, 5.5 → 0; 0.7 × 5.5
    assert (buy["with_initiator_p50"], buy["with_initiator_p90"]) == (0.0, 3.85)
    # off-hours 16.5, 18, 63, 216 → 40.5; 63 + 0.7 × 153
    assert (buy["off_hours_p50"], buy["off_hours_p90"]) == (40.5, 170.1)
    total = measures.turnaround(spine).to_dicts()[0]
    # with F (0.5 everywhere, 0 off-hours): five values, P50 the third, P90 at 3.6
    assert total["ended"] == 5
    assert (total["elapsed_p50"], total["elapsed_p90"]) == (30.0, 166.4)
    assert (total["handling_p50"], total["handling_p90"]) == (6.5, 14.2)
    assert (total["off_hours_p50"], total["off_hours_p90"]) == (18.0, 154.8)


def test_task_times_per_node(spine: measures.Spine) -> None:
    review = _row(measures.task_times(spine, ["matter", "node"]), matter="buy", node="review")
    # 审核: A 2 (183 off: the holiday), B 2 and 1, D 7.5 (16.5 off: the night), E 1 (63 off: the weekend)
    assert review["acted"] == 5
    assert (review["handling_p50"], review["handling_p90"]) == (2.0, 5.3)
    assert (review["off_hours_p50"], review["off_hours_p90"]) == (16.5, 135.0)
    check = _row(measures.task_times(spine, ["matter", "node"]), matter="buy", node="check")
    # 复核: A 16 (8 Oct 7 + 9 Oct 7.5 + Sat 10 Oct 1.5; 33 off), B 3.5 (1.5 lunch), D 1, E 1
    assert check["acted"] == 4
    assert (check["handling_p50"], check["handling_p90"]) == (2.25, 12.25)
    assert (check["off_hours_p50"], check["off_hours_p90"]) == (0.75, 23.55)


def test_sla_throughput_and_backlog(spine: measures.Spine, scene: dict[str, Any]) -> None:
    # 审核 has 4 working hours: A's due 8 Oct 11:00 (met at 09:00), B's two met, D's (19 Oct 14:30) missed on
    # 20 Oct, E's (Mon 26 Oct 12:00) met; C's is due on 2 Nov: not yet counted.
    sla = _row(measures.sla(spine, ["node"]), node="review")
    assert (sla["sla_due"], sla["sla_on_time"], sla["sla_rate"]) == (5, 4, 80.0)
    assert "check" not in measures.sla(spine, ["node"])["node"].to_list()  # no time limit on 复核
    assert measures.throughput(spine).to_dicts() == [{"throughput": 5, "approved": 4}]
    assert _row(measures.throughput(spine, ["matter"]), matter="buy") == {
        "matter": "buy",
        "throughput": 4,
        "approved": 3,
    }
    assert measures.backlog(spine).to_dicts() == [{"backlog": 1}]  # C; the other unit's X is not ours
    assert _row(measures.task_backlog(spine, ["person"]), person=scene["section_head"].pk)["open_tasks"] == 1


def test_rework_returns_and_first_pass_yield(spine: measures.Spine, scene: dict[str, Any]) -> None:
    assert _row(measures.returns(spine, ["person"]), person=scene["section_head"].pk)["returns"] == 1
    (reason,) = measures.return_reasons(spine).to_dicts()
    assert (reason["instance"], reason["node"], reason["comment"]) == (scene["b"].pk, "review", "缺发票")
    # B was sent back; D was rejected, but ended on its first pass
    buy = _row(measures.first_pass(spine, ["matter"]), matter="buy")
    assert (buy["first_pass"], buy["first_pass_rate"]) == (3, 75.0)
    assert measures.first_pass(spine).to_dicts() == [{"first_pass": 4, "first_pass_rate": 80.0}]


def test_handoffs_between_departments(spine: measures.Spine) -> None:
    # 文秘科 → 财务部 once in each 采购申请 (B: 审核, 审核 again, then 复核); 请假 stays in 办公室
    buy = _row(measures.handoffs(spine, ["matter"]), matter="buy")
    assert (buy["handoffs"], buy["handoffs_mean"], buy["handed_off"]) == (4, 1.0, 4)
    assert _row(measures.handoffs(spine, ["matter"]), matter="leave")["handoffs"] == 0
    assert measures.handoffs(spine).to_dicts()[0]["handoffs_mean"] == 0.8


def test_departments_and_people(spine: measures.Spine, scene: dict[str, Any]) -> None:
    finance = _row(measures.task_times(spine, ["department"]), department=scene["finance"].pk)
    assert (finance["acted"], finance["handling_p50"]) == (4, 2.25)
    office = _row(measures.task_times(spine, ["person"]), person=scene["office_head"].pk)
    assert office["acted"] == 1  # F; the other unit's X waits on him but is not this unit's


def test_the_review_gathers_every_measure(spine: measures.Spine) -> None:
    review = measures.review(spine)
    assert review["month"] == "2026-10"
    total = review["total"]
    assert (total["throughput"], total["backlog"], total["sla_rate"], total["returns"]) == (5, 1, 80.0, 1)
    assert [m["matter"] for m in review["matters"]] == ["buy", "leave"]
    assert [(n["matter"], n["node"], n["node_name"]) for n in review["nodes"]] == [
        ("buy", "check", "复核"),
        ("buy", "review", "审核"),
        ("leave", "approve", "审批"),
    ]
    assert review["names"]["matters"] == {"buy": "采购申请", "leave": "请假"}


def test_drill_downs_name_the_instances_behind_each_figure(spine: measures.Spine, scene: dict[str, Any]) -> None:
    def ids(figure: str, **filters: Any) -> set[int]:
        return set(measures.instances_behind(spine, figure, filters))

    a, b, c, d, e, f = (scene[k].pk for k in "abcdef")
    assert ids("ended") == {a, b, d, e, f}
    assert ids("ended", matter="leave") == {f}
    assert ids("backlog") == {c}
    assert ids("sent_back") == {b}
    assert ids("handoffs", matter="buy") == {a, b, d, e}
    assert ids("sla_missed") == {d}
    assert ids("sla_missed", department=scene["finance"].pk) == set()
    assert ids("returns", person=scene["section_head"].pk) == {b}
    assert ids("acted", person=scene["office_head"].pk) == {f}
    assert ids("open_tasks") == {c}
    with pytest.raises(ValueError, match="unknown figure"):
        measures.instances_behind(spine, "nothing", {})


def test_september_is_its_own_month(scene: dict[str, Any]) -> None:
    september = services.spine_for(unit_id=scene["unit"].pk, month=facts.Month(2026, 9))
    assert set(measures.instances_behind(september, "ended", {})) == {scene["g"].pk}
    assert set(measures.instances_behind(september, "backlog", {})) == {scene["a"].pk}  # open on 30 Sep
    assert measures.turnaround(september).to_dicts()[0]["elapsed_p50"] == 2.0  # 09:00 → 11:00


def test_an_empty_month_has_no_figures(scene: dict[str, Any]) -> None:
    review = measures.review(services.spine_for(unit_id=scene["unit"].pk, month=facts.Month(2026, 6)))
    assert review["matters"] == []
    assert review["nodes"] == []
    assert review["total"]["ended"] == 0
    assert review["total"]["elapsed_p50"] is None
