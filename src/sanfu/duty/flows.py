"""The swap's approval (换班审批) as a flow definition, and its (idempotent) publication.

``duty-swap``: the colleague has agreed → 审批 by the office of the unit (any one of them, 或签) → end. Approving
changes the shifts (``services.swap_approve``); rejecting leaves the roster as it was."""

from __future__ import annotations

from typing import Any

from sanfu.workflow.models import DefinitionStatus, ProcessDefinition
from sanfu.workflow.services import definition_publish

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
    wanted = {**SWAP_SPEC, "admins": list(admins or [])}
    latest = (
        ProcessDefinition.objects.filter(key=SWAP_KEY, status=DefinitionStatus.PUBLISHED).order_by("-version").first()
    )
    if latest is not None and {k: v for k, v in latest.spec.items() if k != "version"} == wanted:
        return
    definition_publish(actor=None, spec=wanted)


def ensure_published() -> None:
    """Publish the definition when no version is published yet (one query when one is)."""
    if not ProcessDefinition.objects.filter(key=SWAP_KEY, status=DefinitionStatus.PUBLISHED).exists():
        publish_definitions()
