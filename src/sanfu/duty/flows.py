"""The swap's approval (换班审批) as a flow definition, and its (idempotent) publication.

``duty-swap``: the colleague has agreed → 审批 by the office of the unit (any one of them, 或签) → end. Approving
changes the shifts (``services.swap_approve``); rejecting leaves the roster as it was."""

from __future__ import annotations

from typing import Any

from sanfu.workflow.services import definition_publish_if_changed, definitions_publish_missing

SWAP_KEY = "duty-swap"

SWAP_SPEC: dict[str, Any] = {
    "key": SWAP_KEY,
    "name": "值班换班审批",
    "fields": [{"name": "office"}],
    "nodes": [
        {"id": "start", "kind": "start", "next": "approve"},
        {
            "id": "approve",
            "kind": "approval",
            "name": "办公室审批",
            "approvers": {"type": "field", "field": "office"},
            "mode": "any",
            "next": "end",
            "on_empty": "admin",
            "on_reject": "end",
        },
        {"id": "end", "kind": "end"},
    ],
}


def publish_definitions(*, admins: list[int] | None = None) -> None:
    """Publish the definition unless the latest published version already has the same content."""
    definition_publish_if_changed(spec={**SWAP_SPEC, "admins": list(admins or [])})


def ensure_published() -> None:
    """Publish the definition when no version is published yet (one query when one is)."""
    definitions_publish_missing(specs=[{**SWAP_SPEC, "admins": []}])
