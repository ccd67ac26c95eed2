"""The September 2026 log of streamlining advice, where every answer is known; read in early November, so the
default period (the last three closed months: August–October) holds it. Working days 7–11, 14–18 Sep, office
hours 08:30–12:00, 13:30–17:30.

采购申请 (``buy``, amount in 元): 分级 → 特急: 审核备案（绿色通道） → 复核; amount > 10,000: 领导审批 (deputy) → 复核;
otherwise 审核 (section head) → 复核 (finance head) → end.

- S1–S6 (8,000 7,000 3,000 2,000 4,000 5,000): 审核 同意 / 已阅。/ OK / no comment after 2 h, 复核 later →
  审核 is turned into filing; S1 + S2, a day apart, are a split (拆单).
- B1–B8 (12,000 … 30,000): 领导审批 同意 after 1 h — B1 within 8 s with nothing opened (秒批), B2 within 8 s
  after opening a file (not 秒批); 复核 after 1 h, but B8 after 45 working hours (Sun 20 Sep is an adjusted
  working day): 压件. Most amounts go above 10,000 to a node that never changes an outcome: the threshold is
  suggested at 27,000 (the 80th percentile of those amounts, rounded up).
- G1 (5,000, 特急): the green channel; 复核 不同意 after 15 working hours (ordinary matters take 2–4 h): a green
  channel on a matter that was not urgent; 复核 said no, so it is never suggested for filing; 压件 too.

请假 (``leave``): 审批 (office head). L1 (the clerk's) reassigned by the process administrator to the accountant,
who approves → approval outside the rule; L2 the office head's own, which he approves → self-approval; L3–L7 the
clerk's, approved with reasons (a node that comments is never turned into filing).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role, User
from sanfu.approvals.services.tasks import request_file_opened
from sanfu.workflow import services as flow
from sanfu.workflow.models import Instance, Task, TaskStatus
from tests.conftest import build_org, grant, make_department, make_staff, make_unit

TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 9) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=TZ)


def _approval(node_id: str, name: str, person: User, nxt: str) -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": "approval",
        "name": name,
        "approvers": {"type": "users", "users": [person.pk]},
        "next": nxt,
    }


def publish(w: dict[str, Any]) -> None:
    flow.definition_publish(
        actor=None,
        spec={
            "key": "buy",
            "name": "采购申请",
            "fields": [{"name": "amount"}],
            "nodes": [
                {"id": "start", "kind": "start", "next": "route"},
                {
                    "id": "route",
                    "kind": "condition",
                    "name": "分级",
                    "branches": [
                        {"when": 'urgency == "特急"', "next": "green"},
                        {"when": "form.amount > 10000.0", "next": "big"},
                        {"default": True, "next": "review"},
                    ],
                },
                _approval("review", "审核", w["section_head"], "check"),
                _approval("big", "领导审批", w["deputy"], "check"),
                _approval("check", "复核", w["finance_head"], "end"),
                {
                    "id": "green",
                    "kind": "filing",
                    "name": "审核备案（绿色通道）",
                    "passes_over": ["review", "big"],
                    "next": "check",
                },
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
                _approval("approve", "审批", w["office_head"], "end"),
                {"id": "end", "kind": "end"},
            ],
        },
    )


def _task(instance: Instance, user: User) -> Task:
    return Task.objects.get(instance=instance, assignee=user, status=TaskStatus.OPEN)


def start(w: dict[str, Any], key: str, title: str, moment: datetime, **extra: Any) -> Instance:
    initiator = extra.pop("initiator", "clerk")
    with time_machine.travel(moment, tick=False):
        return flow.instance_start(actor=w[initiator], definition_key=key, title=title, **extra)


def approve(instance: Instance, user: User, moment: datetime, comment: str = "") -> None:
    with time_machine.travel(moment, tick=False):
        flow.task_approve(actor=user, task_id=_task(instance, user).pk, comment=comment)


def build_advice_scene() -> dict[str, Any]:
    w = build_org()
    other_unit = make_unit("other", name="另一公司")
    other_dept = make_department(other_unit, "综合部")
    w["other_head"] = make_staff(other_dept, username="other_head")
    publish(w)
    ensure_admin_roles()
    grant(w["office_head"], Role.objects.get(code="process-admin"))  # the office, and a process administrator
    grant(w["clerk"], Role.objects.get(code="clerk"))  # the office, by its role
    section, deputy, finance = w["section_head"], w["deputy"], w["finance_head"]

    small = [(1, 8000, at(7, 9)), (2, 7000, at(8, 9)), (3, 3000, at(10, 9)), (4, 2000, at(14, 9))]
    small += [(5, 4000, at(16, 9)), (6, 5000, at(17, 9))]
    comments = ["同意", "已阅。", "", "同意", " OK ", ""]
    for (n, amount, moment), comment in zip(small, comments, strict=True):
        s = start(w, "buy", f"S{n}", moment, form={"amount": amount})
        approve(s, section, moment.replace(hour=11), comment)  # 2 working hours
        approve(s, finance, moment.replace(hour=14, minute=30))  # 1 working hour after 13:30
        w[f"s{n}"] = s

    amounts = [12000, 15000, 18000, 20000, 22000, 25000, 28000, 30000]
    for n, amount in enumerate(amounts, start=1):
        moment = at(7 + (n - 1) % 5 + (7 if n > 5 else 0), 9)
        b = start(w, "buy", f"B{n}", moment, form={"amount": amount})
        if n == 2:  # opens a file of the request first, then approves within seconds
            with time_machine.travel(moment.replace(second=4), tick=False):
                request_file_opened(actor=deputy, instance_id=b.pk, attachment_id=1)
        approve(b, deputy, moment.replace(second=8) if n <= 2 else moment.replace(hour=10), "同意")
        if n == 8:  # 复核 sits on it: 10:00 Wed 16 → 10:00 Wed 23 Sep, 45 working hours
            approve(b, finance, at(23, 10))
        else:
            approve(b, finance, moment.replace(hour=11))
        w[f"b{n}"] = b

    g = start(w, "buy", "G1 特急", at(9, 9), form={"amount": 5000}, urgency="特急")
    with time_machine.travel(at(11, 9), tick=False):  # 15 working hours later
        flow.task_reject(actor=finance, task_id=_task(g, finance).pk, comment="不急，走正常流程")
    w["g1"] = g

    office, accountant = w["office_head"], w["accountant"]
    l1 = start(w, "leave", "L1 改派", at(15, 9))
    with time_machine.travel(at(15, 9, 30), tick=False):
        flow.task_reassign(
            actor=office, task_id=_task(l1, office).pk, to=accountant, reason="主任出差", check_scope=False
        )
    approve(l1, accountant, at(15, 10), "同意，注意交接")
    l2 = start(w, "leave", "L2 自批", at(16, 9), initiator="office_head")
    approve(l2, office, at(16, 9, 5))
    for n, day in enumerate((7, 8, 9, 10, 11), start=3):
        leave = start(w, "leave", f"L{n}", at(day, 14))
        approve(leave, office, at(day, 15), f"同意，请安排好第{n}项工作")
        w[f"l{n}"] = leave
    w.update(l1=l1, l2=l2)
    return w
