"""The two 公文 processes as flow definitions, and their (idempotent) publication.

收文 ``doc-incoming``: 拟办 (office) → 批办 (the leader the office proposed) → 传阅 (read receipts) → 分办
(office: one lead department and any co-departments) → 承办 (the heads of those departments, in parallel)
→ 办结 (office). 发文 ``doc-outgoing``: 核稿 (office, never the drafter) → 会签 (heads of the departments
concerned, all) → 签发 (the signing leader) → 编号 → 印发 (office) → 分发 (recipient departments' heads,
read receipts).

Step names are data: the definitions store them in Chinese, as published, and the pages show them in the
reader's language through :func:`step_name`. Their msgids carry the context ``公文步骤`` (a plain
``gettext_noop`` cannot: the step 会签 is "Countersign", while the designer's 会签, the voting mode of the
same msgid, is "All must approve").
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from sanfu.workflow.services import definition_publish_if_changed

INCOMING_KEY = "doc-incoming"
OUTGOING_KEY = "doc-outgoing"
CLERKS: dict[str, Any] = {"type": "role", "role": "clerk"}

# The built-in step names (the nodes of both flows, and the steps the pages name besides them: 登记 of a
# 收文, 拟稿 of a 发文, 归档, a revision's stage), each marked for translation with its context.
STEP_NAMES: dict[str, Promise] = {
    "登记": pgettext_lazy("公文步骤", "登记"),
    "拟办": pgettext_lazy("公文步骤", "拟办"),
    "批办": pgettext_lazy("公文步骤", "批办"),
    "传阅": pgettext_lazy("公文步骤", "传阅"),
    "分办": pgettext_lazy("公文步骤", "分办"),
    "承办": pgettext_lazy("公文步骤", "承办"),
    "办结": pgettext_lazy("公文步骤", "办结"),
    "归档": pgettext_lazy("公文步骤", "归档"),
    "拟稿": pgettext_lazy("公文步骤", "拟稿"),
    "核稿": pgettext_lazy("公文步骤", "核稿"),
    "会签": pgettext_lazy("公文步骤", "会签"),
    "签发": pgettext_lazy("公文步骤", "签发"),
    "编号": pgettext_lazy("公文步骤", "编号"),
    "印发": pgettext_lazy("公文步骤", "印发"),
    "分发": pgettext_lazy("公文步骤", "分发"),
    "修改": pgettext_lazy("公文步骤", "修改"),
    "签发后退回": pgettext_lazy("公文步骤", "签发后退回"),
}


def step_name(name: str) -> str:
    """A step's name in the active language; a name that is not a built-in one (a definition edited by its
    administrators) as it is."""
    label = STEP_NAMES.get(name)
    return name if label is None else str(label)


def _deadline(days: int) -> dict[str, Any]:
    return {"working_days": days, "remind_before_hours": 4, "on_timeout": "remind"}


def _task(
    node_id: str, kind: str, name: str, rule: dict[str, Any], nxt: str, *, days: int, **extra: Any
) -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": kind,
        "name": name,
        "approvers": rule,
        "next": nxt,
        "deadline": _deadline(days),
        **extra,
    }


INCOMING_SPEC: dict[str, Any] = {
    "key": INCOMING_KEY,
    "name": "收文办理",
    "fields": [{"name": "leader"}, {"name": "readers"}, {"name": "departments"}],
    "nodes": [
        {"id": "start", "kind": "start", "next": "propose"},
        _task(
            "propose",
            "handle",
            "拟办",
            CLERKS,
            "instruct",
            days=1,
            mode="any",
            fields={"leader": "write", "readers": "write"},
        ),
        _task(
            "instruct",
            "approval",
            "批办",
            {"type": "field", "field": "leader"},
            "circulate",
            days=2,
            on_empty="admin",
            # the service writes each 传阅 round's readers here (incoming_instruct: a reader who has the same
            # 批示 already is not sent it again)
            fields={"readers": "write"},
        ),
        {
            "id": "circulate",
            "kind": "cc",
            "name": "传阅",
            "recipients": {"type": "field", "field": "readers"},
            "next": "distribute",
        },
        _task("distribute", "handle", "分办", CLERKS, "handling", days=1, mode="any", fields={"departments": "write"}),
        _task(
            "handling",
            "handle",
            "承办",
            {"type": "department_heads", "departments": {"field": "departments"}},
            "close",
            days=5,
            mode="all",
        ),
        _task("close", "handle", "办结", CLERKS, "end", days=1, mode="any"),
        {"id": "end", "kind": "end"},
    ],
}

OUTGOING_SPEC: dict[str, Any] = {
    "key": OUTGOING_KEY,
    "name": "发文办理",
    "fields": [{"name": "countersign"}, {"name": "signer"}, {"name": "recipient_departments"}],
    "nodes": [
        {"id": "start", "kind": "start", "next": "review"},
        _task(
            "review",
            "handle",
            "核稿",
            CLERKS,
            "countersign",
            days=1,
            mode="any",
            fields={"countersign": "write", "signer": "write"},
            # separation of duties: the drafter never reviews his own draft; with no other clerk, the
            # process administrators review it rather than nobody
            exclude_initiator=True,
            on_empty="admin",
        ),
        _task(
            "countersign",
            "approval",
            "会签",
            {"type": "department_heads", "departments": {"field": "countersign"}},
            "signoff",
            days=2,
            mode="all",
            on_reject="return",
            reject_to="review",
        ),
        _task(
            "signoff",
            "approval",
            "签发",
            {"type": "field", "field": "signer"},
            "numbering",
            days=2,
            on_empty="admin",
            on_reject="return",
            reject_to="review",
        ),
        _task("numbering", "handle", "编号", CLERKS, "issue", days=1, mode="any"),
        _task(
            "issue",
            "handle",
            "印发",
            CLERKS,
            "distribute",
            days=1,
            mode="any",
            fields={"recipient_departments": "write"},
        ),
        {
            "id": "distribute",
            "kind": "cc",
            "name": "分发",
            "recipients": {"type": "department_heads", "departments": {"field": "recipient_departments"}},
            "next": "end",
        },
        {"id": "end", "kind": "end"},
    ],
}


def publish_definitions(*, admins: list[int] | None = None) -> None:
    """Publish both definitions unless the latest published version already has the same content."""
    for spec in (INCOMING_SPEC, OUTGOING_SPEC):
        definition_publish_if_changed(spec={**spec, "admins": list(admins or [])})
