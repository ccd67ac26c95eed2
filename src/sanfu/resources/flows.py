"""The car request's process as a flow definition, and its (idempotent) publication.

``vehicle-request``: the requester submits → 部门审核 (the head of the requester's department; skipped when there
is none) → 派车 (any one of the unit's vehicle managers, 或签: approving that step is the dispatch itself, with a
car and a driver) → end. Either step may return the request to the requester, who revises and submits it again.

``supply-request``: a 领用申请 with an item that needs approval → 部门审核 (the head of the requester's department)
→ end; approving makes it ready to issue; returning sends it back to the requester."""

from __future__ import annotations

from typing import Any

from sanfu.workflow.services import definition_publish_if_changed, definitions_publish_missing

VEHICLE_KEY = "vehicle-request"

VEHICLE_SPEC: dict[str, Any] = {
    "key": VEHICLE_KEY,
    "name": "公务用车申请",
    "fields": [{"name": "head"}, {"name": "managers"}],
    "nodes": [
        {"id": "start", "kind": "start", "next": "head"},
        {
            "id": "head",
            "kind": "approval",
            "name": "部门审核",
            "approvers": {"type": "field", "field": "head"},
            "next": "dispatch",
            "deadline": {"working_days": 1, "remind_before_hours": 4, "on_timeout": "remind"},
            "on_empty": "skip",
            "on_reject": "return",
            "reject_to": "initiator",
        },
        {
            "id": "dispatch",
            "kind": "approval",
            "name": "派车",
            "mode": "any",
            "approvers": {"type": "field", "field": "managers"},
            "next": "end",
            "deadline": {"working_days": 1, "remind_before_hours": 4, "on_timeout": "remind"},
            "on_empty": "admin",
            "on_reject": "return",
            "reject_to": "initiator",
        },
        {"id": "end", "kind": "end"},
    ],
}


SUPPLY_KEY = "supply-request"

SUPPLY_SPEC: dict[str, Any] = {
    "key": SUPPLY_KEY,
    "name": "办公用品领用审批",
    "fields": [{"name": "head"}],
    "nodes": [
        {"id": "start", "kind": "start", "next": "head"},
        {
            "id": "head",
            "kind": "approval",
            "name": "部门审核",
            "approvers": {"type": "field", "field": "head"},
            "next": "end",
            "deadline": {"working_days": 1, "remind_before_hours": 4, "on_timeout": "remind"},
            "on_empty": "skip",
            "on_reject": "return",
            "reject_to": "initiator",
        },
        {"id": "end", "kind": "end"},
    ],
}

SPECS = (VEHICLE_SPEC, SUPPLY_SPEC)


def publish_definitions(*, admins: list[int] | None = None) -> None:
    """Publish each definition unless the latest published version already has the same content."""
    for spec in SPECS:
        definition_publish_if_changed(spec={**spec, "admins": list(admins or [])})


def ensure_published() -> None:
    """Publish each definition that has no published version yet (one query when all have)."""
    definitions_publish_missing(specs=[{**spec, "admins": []} for spec in SPECS])
