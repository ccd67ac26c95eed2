"""The hardship application's approval as a flow definition, and its (idempotent) publication.

``hardship-apply``: the applicant submits → 委员会审议 (any one member of the applicant's unit's committee, never
the applicant) → 主任审批 (the committee's chair, never the applicant) → end. Rejecting at either step ends it.
The instance carries no details (its form is empty, its title a number): they stay on the application, which
only the applicant and the committee read."""

from __future__ import annotations

from typing import Any

from sanfu.hardship.models import CHAIR_ROLE, COMMITTEE_ROLE
from sanfu.workflow.services import definition_publish_if_changed, definitions_publish_missing

APPLY_KEY = "hardship-apply"

APPLY_SPEC: dict[str, Any] = {
    "key": APPLY_KEY,
    "name": "爱心基金申请审批",
    "nodes": [
        {"id": "start", "kind": "start", "next": "review"},
        {
            "id": "review",
            "kind": "approval",
            "name": "委员会审议",
            "approvers": {"type": "role", "role": COMMITTEE_ROLE, "unit": "initiator"},
            "mode": "any",
            "exclude_initiator": True,
            "on_empty": "refuse",
            "on_reject": "end",
            "next": "chair",
            "deadline": {"working_days": 5, "remind_before_hours": 8, "on_timeout": "remind"},
        },
        {
            "id": "chair",
            "kind": "approval",
            "name": "主任审批",
            "approvers": {"type": "role", "role": CHAIR_ROLE, "unit": "initiator"},
            "mode": "any",
            "exclude_initiator": True,
            "on_empty": "refuse",
            "on_reject": "end",
            "next": "end",
            "deadline": {"working_days": 3, "remind_before_hours": 8, "on_timeout": "remind"},
        },
        {"id": "end", "kind": "end"},
    ],
}


def publish_definitions() -> None:
    """Publish the definition unless the latest published version already has the same content."""
    definition_publish_if_changed(spec={**APPLY_SPEC, "admins": []})


def ensure_published() -> None:
    """Publish the definition when no version is published yet (one query when one is)."""
    definitions_publish_missing(specs=[{**APPLY_SPEC, "admins": []}])
