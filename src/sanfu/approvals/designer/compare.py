"""Compare two versions of a definition node by node: what was added, removed or changed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from sanfu.approvals.designer.labels import Names, describe_rule, kind_label, mode_label
from sanfu.approvals.designer.tree import graph_of


def _with_defaults(node: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(node)
    if out.get("kind") in {"approval", "handle"} and "mode" not in out:
        out["mode"] = "sequential" if out.get("kind") == "approval" else "all"
    for key in ("exclude_initiator", "passes_over"):  # off / none is the same as not written
        if key in out and not out[key]:
            del out[key]
    return out


@dataclass
class NodeChange:
    node_id: str
    status: str  # added | removed | changed | same
    name: str
    kind: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (what, before, after)


_KEY_LABELS: dict[str, Any] = {
    "name": _l("名称"),
    "kind": _l("类型"),
    "next": _l("下一节点"),
    "approvers": _l("审批人"),
    "recipients": _l("接收人"),
    "mode": _l("审批方式"),
    "ratio": _l("通过比例"),
    "veto": _l("一票否决"),
    "on_reject": _l("驳回处理"),
    "reject_to": _l("退回到"),
    "on_empty": _l("审批人为空时"),
    "on_self": _l("审批人是发起人时"),
    "dedupe": _l("审批人重复时"),
    "deadline": _l("时限"),
    "fields": _l("字段权限"),
    "branches": _l("分支"),
    "join": _l("汇聚节点"),
    "definition": _l("子流程"),
    "wait": _l("等待"),
    "batch": _l("允许批量审批"),
    "exclude_initiator": _l("发起人不办理本节点（职责分离）"),
    "passes_over": _l("绿色通道略过的节点"),
}


_OPTION_LABELS: dict[str, Any] = {
    "name": _l("流程名称"),
    "on_self": _l("审批人是发起人时"),
    "dedupe": _l("审批人重复时"),
    "resubmit": _l("退回后重新提交"),
    "admins": _l("流程管理员"),
    "fields": _l("表单字段"),
}


def _value_text(  # noqa: PLR0911, PLR0912
    key: str, value: Any, names: Names, titles: Mapping[str, str] | None = None
) -> str:
    if value is None:
        return "—"
    if key == "passes_over" and isinstance(value, list):
        return "、".join(str((titles or {}).get(str(v), v)) for v in value) or "—"
    if key in {"approvers", "recipients"}:
        return describe_rule(value, names)
    if key == "mode":
        return mode_label(str(value))
    if key == "kind":
        return kind_label(str(value))
    if key == "branches" and isinstance(value, list):
        parts = []
        for b in value:
            if isinstance(b, Mapping):
                parts.append(
                    f"{_('默认')} → {b.get('next')}" if b.get("default") else f"{b.get('when')} → {b.get('next')}"
                )
            else:
                parts.append(str(b))
        return "；".join(parts)
    if key == "fields" and isinstance(value, Mapping):
        labels = {"read": _("只读"), "write": _("可编辑"), "hidden": _("隐藏")}
        return "；".join(f"{names.fields.get(k, k)}：{labels.get(v, v)}" for k, v in value.items()) or "—"
    if key == "deadline" and isinstance(value, Mapping):
        amount = (
            _("%(n)s 个工作日") % {"n": value["working_days"]}
            if value.get("working_days") is not None
            else _("%(n)s 个工作小时") % {"n": value.get("working_hours")}
        )
        return _("%(a)s，提前 %(r)s 小时提醒，超时：%(t)s") % {
            "a": amount,
            "r": value.get("remind_before_hours", 0),
            "t": value.get("on_timeout", "remind"),
        }
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, Mapping | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def compare(a: Mapping[str, Any], b: Mapping[str, Any], names: Names | None = None) -> dict[str, Any]:
    """Node by node: what was added, removed or changed from version ``a`` to ``b``."""
    names = names or Names()
    ga = {k: _with_defaults(v) for k, v in graph_of(a).items()}
    gb = {k: _with_defaults(v) for k, v in graph_of(b).items()}
    order = list(ga) + [n for n in gb if n not in ga]
    titles = {k: str(v.get("name") or k) for g in (ga, gb) for k, v in g.items()}  # the newer name wins
    rows: list[NodeChange] = []
    for node_id in order:
        before, after = ga.get(node_id), gb.get(node_id)
        shown = after or before or {}
        row = NodeChange(node_id, "same", str(shown.get("name") or node_id), str(shown.get("kind", "")))
        if before is None:
            row.status = "added"
            row.changes = (
                [
                    (str(_KEY_LABELS.get(k, k)), "", _value_text(k, v, names, titles))
                    for k, v in after.items()
                    if k != "id"
                ]
                if after
                else []
            )
        elif after is None:
            row.status = "removed"
        else:
            for key in [k for k in before if k != "id"] + [k for k in after if k not in before]:
                if before.get(key) != after.get(key):
                    row.changes.append(
                        (
                            str(_KEY_LABELS.get(key, key)),
                            _value_text(key, before.get(key), names, titles),
                            _value_text(key, after.get(key), names, titles),
                        )
                    )
            if row.changes:
                row.status = "changed"
        rows.append(row)
    options = []
    for key in ("name", "on_self", "dedupe", "resubmit", "admins", "fields"):
        if a.get(key) != b.get(key):
            label = str(_OPTION_LABELS.get(key, key))
            options.append((label, _value_text(key, a.get(key), names), _value_text(key, b.get(key), names)))
    return {"rows": rows, "options": options, "same": not options and all(r.status == "same" for r in rows)}
