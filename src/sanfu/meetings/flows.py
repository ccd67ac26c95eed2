"""The meeting plan's process as a flow definition, and its (idempotent) publication; the built-in meeting kinds
with their checklists (全流程清单), as data.

``meeting-plan``: the organiser submits the plan and agenda → 审批 (the leader the organiser chose) → end. A leader
who returns it sends it back to the organiser, who revises and submits it again."""

from __future__ import annotations

from typing import Any

from sanfu.meetings.models import MeetingKind
from sanfu.workflow.services import definition_publish_if_changed

PLAN_KEY = "meeting-plan"

PLAN_SPEC: dict[str, Any] = {
    "key": PLAN_KEY,
    "name": "会议方案审批",
    "fields": [{"name": "approver"}],
    "nodes": [
        {"id": "start", "kind": "start", "next": "approve"},
        {
            "id": "approve",
            "kind": "approval",
            "name": "审批",
            "approvers": {"type": "field", "field": "approver"},
            "next": "end",
            "deadline": {"working_days": 2, "remind_before_hours": 4, "on_timeout": "remind"},
            "on_empty": "admin",
            "on_reject": "return",
            "reject_to": "initiator",
        },
        {"id": "end", "kind": "end"},
    ],
}

KINDS: list[tuple[str, list[str]]] = [
    (
        "总经理办公会",
        [
            "拟定议题并报批",
            "预订会议室",
            "发出会议通知",
            "收集汇报材料",
            "布置会场、座签",
            "会议签到",
            "整理会议纪要",
            "议定事项转督办",
        ],
    ),
    (
        "党委会",
        ["拟定议题并报批", "预订会议室", "发出会议通知", "收集汇报材料", "会议签到", "整理会议纪要", "议定事项转督办"],
    ),
    ("专题会", ["确定议题", "预订会议室", "发出会议通知", "会议签到", "整理会议纪要"]),
    ("部门例会", ["预订会议室", "发出会议通知", "会议签到"]),
]


def publish_definitions(*, admins: list[int] | None = None) -> None:
    """Publish the plan's definition unless the latest published version has the same content; make the
    built-in meeting kinds that are missing."""
    definition_publish_if_changed(spec={**PLAN_SPEC, "admins": list(admins or [])})
    for sort, (name, checklist) in enumerate(KINDS):
        MeetingKind.objects.get_or_create(name=name, defaults={"checklist": checklist, "sort": sort})
