"""The announcement's approval before publishing as a flow definition, and its (idempotent) publication.

``announcement-publish``: the publisher submits → 审批 (the leader in charge of the publisher's department, else
the head above them) → end. Approving publishes the announcement; returning sends it back to the publisher as a
draft to revise and submit again. Which kinds need it: ``APPROVAL_KINDS`` (the setting
``ANNOUNCEMENT_APPROVAL_KINDS`` overrides it)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from sanfu.announcements.models import Kind
from sanfu.workflow.services import definition_publish_if_changed, definitions_publish_missing

PUBLISH_KEY = "announcement-publish"

APPROVAL_KINDS: tuple[str, ...] = (Kind.BULLETIN,)

PUBLISH_SPEC: dict[str, Any] = {
    "key": PUBLISH_KEY,
    "name": "通知公告发布审批",
    "fields": [{"name": "approver"}],
    "nodes": [
        {"id": "start", "kind": "start", "next": "approve"},
        {
            "id": "approve",
            "kind": "approval",
            "name": "审批",
            "approvers": {"type": "field", "field": "approver"},
            "next": "end",
            "deadline": {"working_days": 1, "remind_before_hours": 4, "on_timeout": "remind"},
            "on_empty": "admin",
            "on_reject": "return",
            "reject_to": "initiator",
        },
        {"id": "end", "kind": "end"},
    ],
}


def needs_approval(kind: str) -> bool:
    """Whether an announcement of ``kind`` is approved before it is published."""
    return kind in tuple(getattr(settings, "ANNOUNCEMENT_APPROVAL_KINDS", APPROVAL_KINDS))


def publish_definitions(*, admins: list[int] | None = None) -> None:
    """Publish the definition unless the latest published version already has the same content."""
    definition_publish_if_changed(spec={**PUBLISH_SPEC, "admins": list(admins or [])})


def ensure_published() -> None:
    """Publish the definition when no version is published yet (one query when one is)."""
    definitions_publish_missing(specs=[{**PUBLISH_SPEC, "admins": []}])
