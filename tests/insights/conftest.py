"""The October 2026 scene of the efficiency review, built once per module through the workflow services with
the clock set by time-machine. Office hours 08:30–12:00 and 13:30–17:30 (7.5 h a working day); 1–7 Oct is
the National Day holiday, Sat 10 Oct an adjusted working day, Sat 31 Oct a rest day.

采购申请 (``buy``): 审核 (section head, 文秘科, time limit 4 working hours) → 复核 (finance head, 财务部).
请假 (``leave``): 审批 (office head, 办公室). Every instance is the clerk's (文秘科).
The office: the office head (流程管理员) and the clerk (办公室文秘); the leaders: gm and deputy (by rank).

| | submitted | steps | ended |
|---|---|---|---|
| A | Wed 30 Sep 16:00 | 审核 Thu 8 Oct 09:00 (due 8 Oct 11:00); 复核 Sat 10 Oct 10:00 | approved 10 Oct 10:00 |
| B | Mon 12 Oct 09:00 | 审核 退回 12 Oct 11:00 “缺发票” (due 14:30); resubmitted Tue 13 Oct 09:00; | approved |
| | | 审核 13 Oct 10:00 (due 14:30); 复核 13 Oct 15:00 | 13 Oct 15:00 |
| C | Fri 30 Oct 16:00 | 审核 open at the month's end (due Mon 2 Nov 11:00) | — |
| D | Mon 19 Oct 09:00 | 审核 Tue 20 Oct 09:00 (due 19 Oct 14:30: late); 复核 驳回 20 Oct 10:00 | rejected 20 Oct |
| E | Fri 23 Oct 17:00 | 审核 Mon 26 Oct 09:00 (due 26 Oct 12:00); 复核 26 Oct 10:00 | approved 26 Oct 10:00 |
| F | Wed 14 Oct 09:00 | 请假 审批 14 Oct 09:30 | approved 14 Oct 09:30 |
| G | Mon 14 Sep 09:00 | 审核 14 Sep 10:00; 复核 14 Sep 11:00 | approved 14 Sep 11:00 (September) |
| X | another unit's 请假, Mon 12 Oct, open (its task is the office head's) | | |
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role, User
from sanfu.org.models import PostRole, Rank
from sanfu.workflow import services as flow
from sanfu.workflow.models import Instance, Task, TaskStatus
from tests.conftest import build_org, grant, make_department, make_staff, make_unit
from tests.worlds import built_once

TZ = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def _node(node_id: str, name: str, person: User, nxt: str, **extra: Any) -> dict[str, Any]:
    rule = {"type": "users", "users": [person.pk]}
    return {"id": node_id, "kind": "approval", "name": name, "approvers": rule, "next": nxt, **extra}


def publish(w: dict[str, Any]) -> None:
    flow.definition_publish(
        actor=None,
        spec={
            "key": "buy",
            "name": "采购申请",
            "nodes": [
                {"id": "start", "kind": "start", "next": "review"},
                _node("review", "审核", w["section_head"], "check", deadline={"working_hours": 4}),
                _node("check", "复核", w["finance_head"], "end"),
                {"id": "end", "kind": "end"},
            ],
        },
    )
    flow.definition_publish(
        actor=None,
        spec={
            "key": "leave",
            "name": "请假",
            "nodes": [
                {"id": "start", "kind": "start", "next": "approve"},
                _node("approve", "审批", w["office_head"], "end"),
                {"id": "end", "kind": "end"},
            ],
        },
    )


def _task(instance: Instance, user: User) -> Task:
    return Task.objects.get(instance=instance, assignee=user, status=TaskStatus.OPEN)


class Clock:
    """Each step at its moment (time-machine moves Django's ``timezone.now``)."""

    def __call__(self, moment: datetime) -> Any:
        return time_machine.travel(moment, tick=False)


def start(w: dict[str, Any], key: str, title: str, moment: datetime, initiator: str = "clerk") -> Instance:
    with Clock()(moment):
        return flow.instance_start(actor=w[initiator], definition_key=key, title=title)


def approve(instance: Instance, user: User, moment: datetime) -> None:
    with Clock()(moment):
        flow.task_approve(actor=user, task_id=_task(instance, user).pk)


def build_scene() -> dict[str, Any]:
    w = build_org()
    other_unit = make_unit("other", name="另一公司")
    other_dept = make_department(other_unit, "综合部")
    w["other_head"] = make_staff(other_dept, role=PostRole.HEAD, rank=Rank.HEAD, username="other_head")
    w["other_clerk"] = make_staff(other_dept, username="other_clerk")
    w["other_gm"] = make_staff(other_dept, rank=Rank.LEADER, username="other_gm")
    publish(w)
    ensure_admin_roles()  # the built-in roles
    grant(w["office_head"], Role.objects.get(code="process-admin"))  # the office, by managing processes
    grant(w["clerk"], Role.objects.get(code="clerk"))  # the office, by its role
    section, finance, office = w["section_head"], w["finance_head"], w["office_head"]

    a = start(w, "buy", "A 打印机", at(9, 30, 16))
    approve(a, section, at(10, 8, 9))
    approve(a, finance, at(10, 10, 10))

    b = start(w, "buy", "B 办公桌", at(10, 12, 9))
    with Clock()(at(10, 12, 11)):
        flow.task_return(actor=section, task_id=_task(b, section).pk, comment="缺发票")
    with Clock()(at(10, 13, 9)):
        flow.instance_resubmit(actor=w["clerk"], instance_id=b.pk, comment="已补发票")
    approve(b, section, at(10, 13, 10))
    approve(b, finance, at(10, 13, 15))

    c = start(w, "buy", "C 投影仪", at(10, 30, 16))

    d = start(w, "buy", "D 空调", at(10, 19, 9))
    approve(d, section, at(10, 20, 9))
    with Clock()(at(10, 20, 10)):
        flow.task_reject(actor=finance, task_id=_task(d, finance).pk, comment="预算不足")

    e = start(w, "buy", "E 碎纸机", at(10, 23, 17))
    approve(e, section, at(10, 26, 9))
    approve(e, finance, at(10, 26, 10))

    f = start(w, "leave", "F 年假", at(10, 14, 9))
    approve(f, office, at(10, 14, 9, 30))

    g = start(w, "buy", "G 九月", at(9, 14, 9))
    approve(g, section, at(9, 14, 10))
    approve(g, finance, at(9, 14, 11))

    # another unit's matter: its definition names the other unit's head on both nodes
    x = start(w, "leave", "X 另一公司", at(10, 12, 9), initiator="other_clerk")
    w.update(a=a, b=b, c=c, d=d, e=e, f=f, g=g, x=x)
    return w


@pytest.fixture(scope="module")
def scene(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    yield from built_once(django_db_blocker, tmp_path_factory, build_scene)


@pytest.fixture(scope="module")
def advice_scene(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    from tests.insights.advice_world import build_advice_scene

    yield from built_once(django_db_blocker, tmp_path_factory, build_advice_scene)
