"""督办's process: 销号 (close-out) ``supervision-closeout``, and its idempotent publication.

The owner applies; the assigning leader or the office (the unit's clerks) approves or rejects — whoever acts
first (或签). The applicant never approves his own close-out. A rejection ends the instance (``on_reject``
end) and the service reopens the item; the next application starts a new instance, so each application is
one flow with its own history."""

from __future__ import annotations

from typing import Any

from sanfu.workflow.services import definition_publish_if_changed, definitions_publish_missing

SUBJECT_PREFIX = "supervision-"  # every 督办 definition key starts with it
CLOSEOUT_KEY = "supervision-closeout"
APPROVE_NODE = "approve"

CLOSEOUT_SPEC: dict[str, Any] = {
    "key": CLOSEOUT_KEY,
    "name": "督办销号",
    "fields": [{"name": "approvers"}],
    "nodes": [
        {"id": "start", "kind": "start", "next": APPROVE_NODE},
        {
            "id": APPROVE_NODE,
            "kind": "approval",
            "name": "销号审核",
            "approvers": {"type": "field", "field": "approvers"},
            "mode": "any",
            "next": "end",
            "on_reject": "end",
            "on_empty": "admin",
            "exclude_initiator": True,
            "deadline": {"working_days": 3, "remind_before_hours": 4, "on_timeout": "remind"},
        },
        {"id": "end", "kind": "end"},
    ],
}


def publish_definitions(*, admins: list[int] | None = None) -> None:
    """Publish the definition unless the latest published version already has the same content."""
    definition_publish_if_changed(spec={**CLOSEOUT_SPEC, "admins": list(admins or [])})


def ensure_published() -> None:
    """Publish the definition when no version is published yet (one query when one is)."""
    definitions_publish_missing(specs=[{**CLOSEOUT_SPEC, "admins": []}])
