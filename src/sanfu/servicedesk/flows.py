"""The window's processes as flow definitions, and their (idempotent) publication. Every key starts with
``svc-`` (the subject prefix: the inbox opens the window's own pages).

A service's requests run on a definition generated from the departments behind it (``svc-service-<id>``): one
handle node per department (``dept-<department id>``, the department's heads, 或签, due in the service's promised
working days), all in parallel from a ``parallel`` node to a ``join`` (集成服务); a single department needs no
fork. Each department's task is then its own task with its own deadline in its heads' 我的待办. When the departments
or the promised days change, the next request starts on a new version; running ones keep theirs.

``svc-review``: a bad rating's review by the heads of the departments that handled it (any one answers).
``svc-complaint``: a complaint's investigation and reply by the window's office (any one clerk)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_noop

from sanfu.workflow.services import definition_publish_if_changed, definitions_publish_missing

KEY_PREFIX = "svc-"
REVIEW_KEY = "svc-review"
COMPLAINT_KEY = "svc-complaint"
REVIEW_DAYS = 3
COMPLAINT_DAYS = 5


# A department's step: one message, stored in the definition as written (definitions are data, kept in Chinese:
# a name that followed the publisher's language would publish a new version whenever that language changed);
# a page shows it in the reader's language with the same msgid (``gettext(STEP_NAME) % …``, or the blocktranslate
# of servicedesk/request.html).
STEP_NAME = gettext_noop("%(department)s办理")


def step_name(department: str) -> str:
    """The stored name of ``department``'s step (in Chinese, as the definition keeps it)."""
    return STEP_NAME % {"department": department}


def service_key(service_id: int) -> str:
    return f"{KEY_PREFIX}service-{service_id}"


def department_node(department_id: int) -> str:
    return f"dept-{department_id}"


def _handle(node_id: str, name: str, approvers: dict[str, Any], days: int) -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": "handle",
        "name": name,
        "mode": "any",
        "approvers": approvers,
        "deadline": {"working_days": days, "remind_before_hours": 4, "on_timeout": "remind"},
        "on_empty": "admin",
    }


def service_spec(
    *, service_id: int, name: str, departments: Sequence[tuple[int, str]], days: int, admins: Sequence[int]
) -> dict[str, Any]:
    """The definition of a service handled by ``departments`` ((id, name) pairs) in parallel."""
    nodes: list[dict[str, Any]] = []
    handles = [
        {
            **_handle(
                department_node(pk), step_name(dept_name), {"type": "department_heads", "departments": [pk]}, days
            ),
            "next": "join" if len(departments) > 1 else "end",
        }
        for pk, dept_name in departments
    ]
    if len(departments) > 1:
        nodes.append({"id": "start", "kind": "start", "next": "fan"})
        nodes.append({"id": "fan", "kind": "parallel", "branches": [h["id"] for h in handles], "join": "join"})
        nodes.extend(handles)
        nodes.append({"id": "join", "kind": "join", "next": "end"})
    else:
        nodes.append({"id": "start", "kind": "start", "next": handles[0]["id"]})
        nodes.extend(handles)
    nodes.append({"id": "end", "kind": "end"})
    return {"key": service_key(service_id), "name": name, "admins": list(admins), "nodes": nodes}


REVIEW_SPEC: dict[str, Any] = {
    "key": REVIEW_KEY,
    "name": "差评整改",
    "fields": [{"name": "heads"}],
    "nodes": [
        {"id": "start", "kind": "start", "next": "review"},
        {**_handle("review", "差评核查整改", {"type": "field", "field": "heads"}, REVIEW_DAYS), "next": "end"},
        {"id": "end", "kind": "end"},
    ],
}

COMPLAINT_SPEC: dict[str, Any] = {
    "key": COMPLAINT_KEY,
    "name": "服务投诉",
    "fields": [{"name": "handlers"}],
    "nodes": [
        {"id": "start", "kind": "start", "next": "investigate"},
        {
            **_handle("investigate", "投诉调查答复", {"type": "field", "field": "handlers"}, COMPLAINT_DAYS),
            "next": "end",
        },
        {"id": "end", "kind": "end"},
    ],
}


def publish(spec: dict[str, Any]) -> bool:
    """Publish ``spec`` unless the latest published version has the same content. True when published."""
    return definition_publish_if_changed(spec=spec) is not None


def publish_definitions(*, admins: Sequence[int] = ()) -> None:
    """The review and complaint definitions (the services' own are published with the services)."""
    publish({**REVIEW_SPEC, "admins": list(admins)})
    publish({**COMPLAINT_SPEC, "admins": list(admins)})


def ensure_published() -> None:
    """Publish the review and complaint definitions that have no published version yet (one query when both
    have)."""
    definitions_publish_missing(specs=[{**REVIEW_SPEC, "admins": []}, {**COMPLAINT_SPEC, "admins": []}])
