from __future__ import annotations

from typing import Any

import pytest

from sanfu.workflow import services

REFERENCE = {
    "key": "expense",
    "name": "费用报销",
    "fields": [{"name": "amount"}, {"name": "departments"}],
    "nodes": [
        {"id": "start", "kind": "start", "next": "head"},
        {"id": "head", "kind": "approval", "name": "部门负责人审批", "approvers": {"type": "head"}, "next": "amount"},
        {
            "id": "amount",
            "kind": "condition",
            "branches": [
                {"when": "form.amount > 10000", "next": "finance"},
                {"default": True, "next": "leader"},
            ],
        },
        {
            "id": "finance",
            "kind": "approval",
            "name": "财务审核",
            "approvers": {"type": "department_heads", "departments": {"field": "departments"}},
            "mode": "all",
            "next": "leader",
        },
        {
            "id": "leader",
            "kind": "approval",
            "name": "分管领导审批",
            "approvers": {"type": "leader_in_charge", "department": "initiator"},
            "next": "end",
        },
        {"id": "end", "kind": "end"},
    ],
}


@pytest.fixture
def reference(db: None) -> Any:
    """The reference expense process, published."""
    return services.definition_publish(actor=None, spec=REFERENCE)
