"""前后对比: two versions of a matter (or two periods) on the same measures, each change with its 95% interval.

The world, built once per module through the workflow services with the clock set (office hours 08:30–12:00,
13:30–17:30; every step inside one afternoon, so elapsed = working = handling time):

| | version | submitted (13:30 of) | steps | elapsed |
|---|---|---|---|---|
| buy v1 | 审核 → 复核 | Sep 14, 15, 16, 17, 18, 21 | 审核 after 1 h, 复核 at the end | 2.5, 3, 3, 3, 3, 3.5 h |
| buy v2 | 审核 (复核 is filing) | Oct 19, 20, 21, 22, 23, 26 | 审核 at the end | 1.5, 2, 2, 2, 2, 2.5 h |
| leave v1 | 审批 | Sep 14 … 18 | 审批 at the end | 1, 2, 3, 4, 5 h |
| leave v2 | 审批 (a time limit added) | Oct 19 … 23 | 审批 at the end | 1, 2, 3, 4, 5 h |

buy: mean and median 3 h → 2 h, a drop of 33.3%; leave: no difference at all. One buy v2 instance (Oct 22) is
returned once by 审核 at 14:00 and resubmitted at 14:30 (its elapsed still 2 h).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import polars as pl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.api.tokens import token_issue
from sanfu.core.errors import ApplicationError
from sanfu.insights import compare
from sanfu.insights.facts import Month
from sanfu.workflow import services as flow
from tests.conftest import build_org, grant
from tests.insights.conftest import Clock, _task, approve, at, start
from tests.worlds import built_once

pytestmark = pytest.mark.django_db
SEPTEMBER, OCTOBER = Month(2026, 9), Month(2026, 10)

BUY_V1 = [(9, 14, 2.5), (9, 15, 3), (9, 16, 3), (9, 17, 3), (9, 18, 3), (9, 21, 3.5)]
BUY_V2 = [(10, 19, 1.5), (10, 20, 2), (10, 21, 2), (10, 22, 2), (10, 23, 2), (10, 26, 2.5)]
LEAVE_V1 = [(9, d, h) for d, h in zip(range(14, 19), range(1, 6), strict=True)]
LEAVE_V2 = [(10, d, h) for d, h in zip(range(19, 24), range(1, 6), strict=True)]


def _approval(node_id: str, name: str, person: Any, nxt: str, **extra: Any) -> dict[str, Any]:
    rule = {"type": "users", "users": [person.pk]}
    return {"id": node_id, "kind": "approval", "name": name, "approvers": rule, "next": nxt, **extra}


def buy_spec(w: dict[str, Any], *, streamlined: bool) -> dict[str, Any]:
    check: dict[str, Any] = _approval("check", "复核", w["finance_head"], "end")
    if streamlined:  # 复核 turned into filing (备案): the finance head is told, nobody waits
        rule = {"type": "users", "users": [w["finance_head"].pk]}
        check = {"id": "check", "kind": "filing", "name": "复核备案", "recipients": rule, "next": "end"}
    return {
        "key": "buy",
        "name": "采购申请",
        "nodes": [
            {"id": "start", "kind": "start", "next": "review"},
            _approval("review", "审核", w["section_head"], "check"),
            check,
            {"id": "end", "kind": "end"},
        ],
    }


def leave_spec(w: dict[str, Any], *, limited: bool) -> dict[str, Any]:
    extra = {"deadline": {"working_days": 1}} if limited else {}
    return {
        "key": "leave",
        "name": "请假",
        "nodes": [
            {"id": "start", "kind": "start", "next": "approve"},
            _approval("approve", "审批", w["office_head"], "end", **extra),
            {"id": "end", "kind": "end"},
        ],
    }


def _run(w: dict[str, Any], key: str, rows: list[tuple[int, int, float]], steps: list[str]) -> list[Any]:
    """One instance per row: submitted at 13:30, the first step after an hour, the last at the end."""
    made = []
    for month, day, hours in rows:
        instance = start(w, key, f"{key} {month}-{day}", at(month, day, 13, 30))
        begin = at(month, day, 13, 30)
        if (month, day) == (10, 22) and key == "buy":
            with Clock()(begin + timedelta(minutes=30)):
                flow.task_return(actor=w[steps[0]], task_id=_task(instance, w[steps[0]]).pk, comment="缺报价单")
            with Clock()(begin + timedelta(hours=1)):
                flow.instance_resubmit(actor=w["clerk"], instance_id=instance.pk, comment="已补")
        if len(steps) == 2:
            approve(instance, w[steps[0]], begin + timedelta(hours=1))
        approve(instance, w[steps[-1]], begin + timedelta(hours=hours))
        made.append(instance)
    return made


def build_versions() -> dict[str, Any]:
    w = build_org()
    ensure_admin_roles()
    grant(w["office_head"], Role.objects.get(code="process-admin"))
    grant(w["clerk"], Role.objects.get(code="clerk"))
    with Clock()(at(9, 1, 9)):
        flow.definition_publish(actor=None, spec=buy_spec(w, streamlined=False))
        flow.definition_publish(actor=None, spec=leave_spec(w, limited=False))
    w["buy_v1"] = _run(w, "buy", BUY_V1, ["section_head", "finance_head"])
    w["leave_v1"] = _run(w, "leave", LEAVE_V1, ["office_head"])
    with Clock()(at(10, 12, 9)):
        flow.definition_publish(actor=None, spec=buy_spec(w, streamlined=True))
        flow.definition_publish(actor=None, spec=leave_spec(w, limited=True))
    w["buy_v2"] = _run(w, "buy", BUY_V2, ["section_head"])
    w["leave_v2"] = _run(w, "leave", LEAVE_V2, ["office_head"])
    return w


@pytest.fixture(scope="module")
def versions(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    yield from built_once(django_db_blocker, tmp_path_factory, build_versions)


@pytest.fixture(autouse=True)
def _december() -> Iterator[None]:
    with time_machine.travel(at(12, 7, 9), tick=True):
        yield


def _row(result: dict[str, Any], measure: str) -> dict[str, Any]:
    return next(r for r in result["rows"] if r["measure"] == measure)


def test_a_streamlined_version_shows_its_drop_with_an_interval(versions: dict[str, Any]) -> None:
    result = compare.compare_versions(unit_id=versions["unit"].pk, key="buy", version_a=1, version_b=2)
    assert (result["a"]["n"], result["b"]["n"]) == (6, 6)
    for measure in ("elapsed_mean", "elapsed_p50", "working_mean", "handling_p50"):
        row = _row(result, measure)
        assert (row["a"], row["b"]) == (3.0, 2.0), measure
        assert row["change"] == -33.3
        assert row["low"] <= row["change"] <= row["high"] < 0  # the interval holds the change and leaves out 0
        assert row["significant"]
        assert row["verdict"].startswith("下降 33%（95% 置信区间 \u2212")
    returns = _row(result, "returns_mean")
    assert (returns["a"], returns["b"]) == (0.0, 0.17)
    assert returns["change"] is None
    assert returns["verdict"] == "对比基准为零，无法计算变化率"
    first_pass = _row(result, "first_pass_rate")
    assert (first_pass["a"], first_pass["b"]) == (100.0, 83.33)
    assert first_pass["change"] == -16.7  # percentage points
    assert first_pass["low"] < first_pass["change"] < first_pass["high"]
    assert not first_pass["significant"]
    assert first_pass["verdict"].startswith("差异不显著")


def test_the_same_figures_on_every_read(versions: dict[str, Any]) -> None:
    one = compare.compare_versions(unit_id=versions["unit"].pk, key="buy", version_a=1, version_b=2)
    two = compare.compare_versions(unit_id=versions["unit"].pk, key="buy", version_a=1, version_b=2)
    assert one == two  # a fixed seed: the interval does not move between reads


def test_no_difference_is_not_significant(versions: dict[str, Any]) -> None:
    result = compare.compare_versions(unit_id=versions["unit"].pk, key="leave", version_a=1, version_b=2)
    row = _row(result, "elapsed_mean")
    assert (row["a"], row["b"], row["change"]) == (3.0, 3.0, 0.0)
    assert row["low"] < 0 < row["high"]
    assert not row["significant"]
    assert row["verdict"].startswith("差异不显著（95% 置信区间 \u2212")
    sla = _row(result, "sla_rate")
    assert (sla["n_a"], sla["n_b"], sla["b"]) == (0, 5, 100.0)  # only version 2 has a time limit
    assert sla["verdict"] == "无数据"


def test_two_periods_of_one_matter(versions: dict[str, Any]) -> None:
    result = compare.compare_periods(
        unit_id=versions["unit"].pk, a=(Month(2026, 9), Month(2026, 9)), b=(Month(2026, 10), Month(2026, 11)), key="buy"
    )
    assert (result["a"]["n"], result["b"]["n"]) == (6, 6)
    assert _row(result, "elapsed_mean")["change"] == -33.3
    everything = compare.compare_periods(
        unit_id=versions["unit"].pk, a=(Month(2026, 9), Month(2026, 9)), b=(Month(2026, 10), Month(2026, 10))
    )
    assert (everything["a"]["n"], everything["b"]["n"]) == (11, 11)


def test_hand_computed_bootstrap_and_newcombe() -> None:
    a = pl.Series([10.0, 12, 14, 16, 18, 20, 22, 24, 26, 28])
    change, low, high = compare.relative_change(a, a * 0.7, "mean")
    assert change == pytest.approx(-30.0)
    assert low is not None
    assert high is not None
    assert low < -30 < high < 0
    assert compare.relative_change(a, a, "median")[0] == 0.0
    # Newcombe's worked example (his 1998 paper, example (a)): 56/70 against 48/80 → 0.2, interval 0.0524…0.3339
    difference, low_d, high_d = compare.difference_of_proportions(48, 80, 56, 70)
    assert difference == pytest.approx(20.0)
    assert (round(low_d, 2), round(high_d, 2)) == (5.24, 33.39)
    assert compare.verdict("relative", -5.0, -9.0, -1.0, n_a=3, n_b=40).startswith("样本太少")


def test_bad_questions_are_refused_with_a_reason(versions: dict[str, Any]) -> None:
    unit = versions["unit"].pk
    with pytest.raises(ApplicationError, match="没有已发布的第 9 版"):
        compare.compare_versions(unit_id=unit, key="buy", version_a=1, version_b=9)
    with pytest.raises(ApplicationError, match="两个不同的版本"):
        compare.compare_versions(unit_id=unit, key="buy", version_a=2, version_b=2)
    with pytest.raises(ApplicationError, match="晚于结束月份"):
        compare.compare_periods(unit_id=unit, a=(OCTOBER, SEPTEMBER), b=(OCTOBER, OCTOBER))
    with pytest.raises(ApplicationError, match="不存在"):
        compare.compare_periods(
            unit_id=unit, a=(Month(2026, 9), Month(2026, 9)), b=(Month(2026, 10), Month(2026, 10)), key="nope"
        )


PAGE = reverse("insights:compare")
REVERSED = {"mode": "period", "a_from": "2026-10", "a_to": "2026-09", "b_from": "2026-10", "b_to": "2026-10"}


def test_the_page_the_workbook_and_the_api(versions: dict[str, Any], login: Any) -> None:
    office = login(versions["office_head"])
    query = {"mode": "version", "matter": "buy", "a": "1", "b": "2"}
    page = office.get(PAGE, query)
    assert page.status_code == 200
    text = page.content.decode()
    assert "下降 33%" in text
    assert "第 1 版" in text
    assert "采购申请" in text
    assert office.get(PAGE).status_code == 200  # the empty form
    bad = office.get(
        PAGE, {"mode": "period", "a_from": "2026-10", "a_to": "2026-09", "b_from": "2026-10", "b_to": "2026-10"}
    )
    assert bad.status_code == 400
    assert "晚于结束月份" in bad.content.decode()
    workbook = office.get(reverse("insights:compare_xlsx"), query)
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any("下降 33%" in str(v) for row in cells for v in row)
    assert login(versions["accountant"]).get(PAGE, query).status_code == 404  # not the office, not a leader

    _token, raw = token_issue(actor=versions["clerk"], name="对比", scopes=["insights:read"], days=30)
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    answer = api.get("/api/v1/insights/compare", {"mode": "version", "matter": "buy", "version_a": 1, "version_b": 2})
    assert answer.status_code == 200, answer.content
    assert _row(answer.json(), "elapsed_mean")["change"] == -33.3
    wrong = api.get("/api/v1/insights/compare", {"mode": "version", "matter": "buy", "version_a": 1, "version_b": 7})
    assert wrong.status_code == 422
