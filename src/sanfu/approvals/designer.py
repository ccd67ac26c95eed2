"""The process designer (流程设计): pure helpers and the designer's own writes.

* A **tree** is how the designer edits a process, the way DingTalk and Feishu show it: a vertical chain of
  nodes from start to end, where a condition or parallel node holds its branches (each a chain of its own)
  side by side, merging below. :func:`definition_to_tree` and :func:`tree_to_definition` convert between a
  tree and the engine's JSON definition; node ids are kept, so a definition survives the round trip.
* Conditions may be built from *clauses* (field + operator + value); :func:`clauses_to_cel` writes the CEL
  with literals of the field's CEL type (money → double, integer number → int).
* :func:`bpmn_xml` exports a definition as BPMN 2.0 XML; :func:`compare` diffs two versions node by node.
* :func:`form_schema_save` is the one write of its own (publishing goes through ``workflow.services``).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.approvals import formschema
from sanfu.approvals.models import MatterType
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, PermissionDeniedError

# Keys that are the graph itself (rebuilt from the tree), never stored on a tree node.
_LINKS = ("next",)
ADDABLE_KINDS = ("approval", "handle", "cc", "filing", "condition", "parallel", "timer", "subprocess")
OPERATORS = ("==", "!=", ">", ">=", "<", "<=", "contains")


class NotATreeError(ValueError):
    """The definition's graph cannot be drawn as a tree (a loop, or branches that never meet)."""


# ------------------------------------------------------------------------------ definition → tree


def _successors(raw: Mapping[str, Any], joins: Mapping[str, str]) -> list[str]:
    kind = raw.get("kind")
    if kind == "condition":
        return [str(b.get("next")) for b in raw.get("branches") or [] if isinstance(b, Mapping)]
    if kind == "parallel":
        return [joins.get(str(raw["id"]), "")] if raw.get("join") else []
    return [str(raw["next"])] if raw.get("next") else []


def definition_to_tree(spec: Mapping[str, Any]) -> dict[str, Any]:  # noqa: PLR0915
    """The tree of ``spec`` (a definition that parses). Raise :class:`NotATreeError` when it has no tree."""
    nodes: dict[str, dict[str, Any]] = {str(n["id"]): dict(n) for n in spec.get("nodes", [])}
    start = next((n for n in nodes.values() if n.get("kind") == "start"), None)
    if start is None:
        raise NotATreeError("没有开始节点")
    joins = {nid: str(n["join"]) for nid, n in nodes.items() if n.get("kind") == "parallel" and n.get("join")}

    def after(node_id: str) -> str | None:
        """The node that follows ``node_id`` in its chain (past its branches, for a condition/parallel)."""
        raw = nodes[node_id]
        if raw.get("kind") == "condition":
            return merge_of(node_id)
        if raw.get("kind") == "parallel":
            join = joins.get(node_id)
            return str(nodes[join]["next"]) if join and join in nodes and nodes[join].get("next") else None
        return str(raw["next"]) if raw.get("next") else None

    def sequence(first: str, limit: int = 10_000) -> list[str]:
        seq: list[str] = []
        current: str | None = first
        while current is not None:
            if current in seq or len(seq) > limit or current not in nodes:
                raise NotATreeError(f"节点“{current}”处形成循环或引用了不存在的节点")
            seq.append(current)
            if nodes[current].get("kind") in {"end", "join"}:
                break
            current = after(current)
        return seq

    merges: dict[str, str] = {}

    def merge_of(node_id: str) -> str:
        if node_id in merges:
            return merges[node_id]
        merges[node_id] = ""  # guards against a loop through this condition
        targets = [str(b.get("next")) for b in nodes[node_id].get("branches") or []]
        if not targets:
            raise NotATreeError(f"条件节点“{node_id}”没有分支")
        seqs = [sequence(t) for t in targets]
        common = next((n for n in seqs[0] if all(n in s for s in seqs[1:])), None)
        if common is None:
            raise NotATreeError(f"条件节点“{node_id}”的分支不会汇合")
        merges[node_id] = common
        return common

    def chain(first: str | None, stop: str | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        current = first
        seen: set[str] = set()
        while current is not None and current != stop:
            if current in seen or current not in nodes:
                raise NotATreeError(f"节点“{current}”处形成循环")
            seen.add(current)
            raw = nodes[current]
            if raw.get("kind") == "end":
                if stop is not None:
                    raise NotATreeError(f"分支在“{current}”处提前结束")
                break
            out.append(tree_node(current))
            current = after(current)
        return out

    def tree_node(node_id: str) -> dict[str, Any]:
        raw = nodes[node_id]
        item = {k: copy.deepcopy(v) for k, v in raw.items() if k not in _LINKS}
        kind = raw.get("kind")
        if kind == "condition":
            stop = merge_of(node_id)
            item["branches"] = [
                {
                    "default": bool(b.get("default")),
                    "name": str(b.get("name", "")),
                    "when": "" if b.get("default") else str(b.get("when", "")),
                    "clauses": None if b.get("default") else cel_to_clauses(str(b.get("when", ""))),
                    "nodes": chain(str(b.get("next")), stop),
                }
                for b in raw.get("branches") or []
            ]
        elif kind == "parallel":
            join = joins[node_id]
            item["branches"] = [{"nodes": chain(str(b), join)} for b in raw.get("branches") or []]
            item["join"] = {k: copy.deepcopy(v) for k, v in nodes[join].items() if k not in _LINKS}
        return item

    end_id = next((nid for nid, n in nodes.items() if n.get("kind") == "end"), "end")
    body = chain(str(start.get("next")) if start.get("next") else None, None)
    # the chain ends at an end node: the one it reaches
    last = sequence(str(start["next"]))[-1] if start.get("next") else end_id
    end = nodes.get(last, {"id": end_id, "kind": "end"})
    options = {k: copy.deepcopy(v) for k, v in spec.items() if k not in {"nodes", "version"}}
    return {
        "options": options,
        "start": {k: v for k, v in start.items() if k not in _LINKS},
        "nodes": body,
        "end": {k: v for k, v in end.items() if k not in _LINKS},
    }


# ------------------------------------------------------------------------------ tree → definition


def tree_to_definition(tree: Mapping[str, Any], *, fields: Sequence[str] | None = None) -> dict[str, Any]:
    """The definition JSON of ``tree``. ``fields`` (the form's names) replaces the definition's field list;
    ``field_types`` in the options (name → formschema type) lets clauses write typed literals."""
    options = dict(tree.get("options") or {})
    types: Mapping[str, Any] = options.pop("field_types", None) or {}
    out: list[dict[str, Any]] = []

    def emit(chain: Sequence[Mapping[str, Any]], cont: str) -> str:
        nxt = cont
        for node in reversed(list(chain)):
            item = {k: copy.deepcopy(v) for k, v in node.items() if k not in {"branches", "join", *_LINKS}}
            kind = node.get("kind")
            if kind == "condition":
                branches = []
                for b in node.get("branches") or []:
                    target = emit(b.get("nodes") or [], nxt)
                    named = {"name": b["name"]} if b.get("name") else {}
                    if b.get("default"):
                        branches.append({"default": True, "next": target, **named})
                        continue
                    when = str(b.get("when") or "").strip()
                    if b.get("clauses") and (b.get("mode") == "simple" or not when):
                        when = clauses_to_cel(b["clauses"], types)  # the server writes the typed CEL
                    branches.append({"when": when, "next": target, **named})
                item["branches"] = branches
            elif kind == "parallel":
                join = dict(node.get("join") or {})
                join.setdefault("id", f"{node.get('id')}_join")
                join["kind"] = "join"
                join["next"] = nxt
                out.append(join)
                item["branches"] = [emit(b.get("nodes") or [], str(join["id"])) for b in node.get("branches") or []]
                item["join"] = join["id"]
            else:
                item["next"] = nxt
            out.append(item)
            nxt = str(node.get("id"))
        return nxt

    end = dict(tree.get("end") or {"id": "end", "kind": "end"})
    start = dict(tree.get("start") or {"id": "start", "kind": "start"})
    start["next"] = emit(tree.get("nodes") or [], str(end["id"]))
    nodes = [start, *reversed(out), end]
    spec = {**options, "nodes": nodes}
    if fields is not None:
        spec["fields"] = [{"name": name} for name in fields]
    return spec


def _with_defaults(node: Mapping[str, Any]) -> dict[str, Any]:
    if node.get("kind") in {"approval", "handle"} and "mode" not in node:
        return {**node, "mode": "sequential" if node.get("kind") == "approval" else "all"}
    return dict(node)


def graph_of(spec: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The definition's nodes by id, for comparing two definitions regardless of node order."""
    return {str(n["id"]): dict(n) for n in spec.get("nodes", [])}


# ------------------------------------------------------------------------------ conditions


_LITERAL = r'(?P<value>"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false)'
_CLAUSE_RE = re.compile(
    r"^(?P<subject>form\.[A-Za-z_]\w*|urgency|amount)\s*(?P<op>==|!=|>=|<=|>|<)\s*" + _LITERAL + "$"
)
_CONTAINS_RE = re.compile(r'^(?P<subject>form\.[A-Za-z_]\w*)\.contains\((?P<value>"(?:[^"\\]|\\.)*")\)$')
_IN_RE = re.compile(r'^(?P<value>"(?:[^"\\]|\\.)*") in (?P<subject>form\.[A-Za-z_]\w*)$')


def _literal(value: Any, kind: str | None, op: str) -> str:  # noqa: PLR0911
    text = str(value if value is not None else "").strip()
    if kind in {"money", "number_double"}:
        try:
            return repr(float(text))
        except ValueError:
            return json.dumps(text, ensure_ascii=False)
    if kind == "number":
        try:
            return str(int(float(text)))
        except ValueError:
            return json.dumps(text, ensure_ascii=False)
    if kind in {"person", "department"} and re.fullmatch(r"-?\d+", text):
        return text
    if kind is None and re.fullmatch(r"-?\d+(?:\.\d+)?|true|false", text):
        return text  # a field of unknown type: the literal as written
    return json.dumps(text, ensure_ascii=False)


def clauses_to_cel(clauses: Sequence[Mapping[str, Any]], types: Mapping[str, Any]) -> str:
    """``[{"field": "amount", "op": ">", "value": "5000"}]`` → ``form.amount > 5000.0`` (all clauses must hold).
    ``field`` "urgency" is the built-in 紧急程度; ``types`` maps field names to formschema types
    ("number" for integers, "number_double" for other numbers)."""
    parts = []
    for clause in clauses:
        name, op = str(clause.get("field") or ""), str(clause.get("op") or "==")
        if not name or op not in OPERATORS:
            continue
        subject = "urgency" if name == "urgency" else f"form.{name}"
        kind = None if name == "urgency" else types.get(name)
        if op == "contains":
            value = json.dumps(str(clause.get("value") or ""), ensure_ascii=False)
            parts.append(f"{value} in {subject}" if kind == "multiselect" else f"{subject}.contains({value})")
        else:
            parts.append(f"{subject} {op} {_literal(clause.get('value'), kind, op)}")
    return " && ".join(parts)


def cel_to_clauses(source: str) -> list[dict[str, Any]] | None:
    """The clauses of a condition built from them (or written like them); None when it is other CEL."""
    clauses: list[dict[str, Any]] = []
    for part in (p.strip() for p in source.split("&&")):
        found = _CLAUSE_RE.match(part)
        if found:
            subject, op, value = found["subject"], found["op"], found["value"]
        elif found := _CONTAINS_RE.match(part) or _IN_RE.match(part):
            subject, op, value = found["subject"], "contains", found["value"]
        else:
            return None
        name = "urgency" if subject == "urgency" else "amount" if subject == "amount" else subject[5:]
        clauses.append({"field": name, "op": op, "value": json.loads(value) if value.startswith('"') else value})
    return clauses or None


def field_types(schema: formschema.FormSchema) -> dict[str, str]:
    types: dict[str, str] = {}
    for spec in schema.fields:
        kind = spec.format if spec.type == "computed" else spec.type
        if kind == "number" and not spec.integer:
            kind = "number_double"
        types[spec.name] = kind
        for key in formschema.derived_keys(spec):
            types[key] = "number" if key.endswith("_working_days") else "money"
    return types


def schema_names(schema: formschema.FormSchema) -> list[str]:
    names: list[str] = []
    for spec in schema.fields:
        names.append(spec.name)
        names.extend(formschema.derived_keys(spec))
    return names


# ------------------------------------------------------------------------------ reading rules


@dataclass
class Names:
    """Display names for the ids a rule names."""

    people: Mapping[int, str] = field(default_factory=dict)
    departments: Mapping[int, str] = field(default_factory=dict)
    roles: Mapping[str, str] = field(default_factory=dict)
    units: Mapping[int, str] = field(default_factory=dict)
    fields: Mapping[str, str] = field(default_factory=dict)


def describe_rule(rule: Any, names: Names | None = None) -> str:  # noqa: PLR0911
    """A readable sentence for an approver/recipient rule."""
    names = names or Names()
    if not isinstance(rule, Mapping):
        return _("未设置")
    kind = rule.get("type")

    def dept(value: Any) -> str:
        if value == "initiator" or value is None:
            return _("发起人所在部门")
        if isinstance(value, Mapping):
            return _("表单字段“%(f)s”") % {"f": names.fields.get(str(value.get("field")), value.get("field"))}
        return str(names.departments.get(int(value), value)) if str(value).isdigit() else str(value)

    if kind == "users":
        return _("指定人员：%(p)s") % {"p": "、".join(str(names.people.get(u, u)) for u in rule.get("users") or [])}
    if kind == "role":
        unit = rule.get("unit", "initiator")
        where = _("发起人单位") if unit == "initiator" else str(names.units.get(unit, unit))
        return _("角色：%(r)s（%(u)s）") % {"r": names.roles.get(str(rule.get("role")), rule.get("role")), "u": where}
    if kind == "head":
        text = _("发起人的上级（%(n)s 级）") % {"n": rule.get("levels", 1)}
        if rule.get("stop_at_rank"):
            text += _("，至职级 %(r)s 为止") % {"r": rule["stop_at_rank"]}
        return text
    if kind == "leader_in_charge":
        return _("分管领导：%(d)s") % {"d": dept(rule.get("department", "initiator"))}
    if kind == "department_heads":
        raw = rule.get("departments")
        text = dept(raw) if isinstance(raw, Mapping) else "、".join(dept(d) for d in raw or [])
        return _("部门负责人：%(d)s") % {"d": text}
    if kind == "field":
        return _("表单字段中的人员：%(f)s") % {"f": names.fields.get(str(rule.get("field")), rule.get("field"))}
    if kind == "chosen":
        among = rule.get("among")
        return _("发起人自选") + (f"（{describe_rule(among, names)}）" if among else "")
    if kind == "initiator":
        return _("发起人本人")
    return str(kind)


def mode_label(mode: str) -> str:
    return {"sequential": _("依次审批"), "all": _("会签"), "any": _("或签"), "ratio": _("比例会签")}.get(mode, mode)


def kind_label(kind: str) -> str:
    return {
        "start": _("发起"),
        "end": _("结束"),
        "approval": _("审批"),
        "handle": _("办理"),
        "cc": _("抄送"),
        "filing": _("备案"),
        "condition": _("条件分支"),
        "parallel": _("并行分支"),
        "join": _("汇聚"),
        "subprocess": _("子流程"),
        "timer": _("定时等待"),
    }.get(kind, kind)


# ------------------------------------------------------------------------------ compare


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
}


_OPTION_LABELS: dict[str, Any] = {
    "name": _l("流程名称"),
    "on_self": _l("审批人是发起人时"),
    "dedupe": _l("审批人重复时"),
    "resubmit": _l("退回后重新提交"),
    "admins": _l("流程管理员"),
    "fields": _l("表单字段"),
}


def _value_text(key: str, value: Any, names: Names) -> str:  # noqa: PLR0911
    if value is None:
        return "—"
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
    rows: list[NodeChange] = []
    for node_id in order:
        before, after = ga.get(node_id), gb.get(node_id)
        shown = after or before or {}
        row = NodeChange(node_id, "same", str(shown.get("name") or node_id), str(shown.get("kind", "")))
        if before is None:
            row.status = "added"
            row.changes = (
                [(str(_KEY_LABELS.get(k, k)), "", _value_text(k, v, names)) for k, v in after.items() if k != "id"]
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
                            _value_text(key, before.get(key), names),
                            _value_text(key, after.get(key), names),
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


# ------------------------------------------------------------------------------ BPMN 2.0

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SANFU_NS = "https://sanfu.example/bpmn"


def _iso_duration(wait: Mapping[str, Any]) -> str:
    if "working_days" in wait:
        return f"P{wait['working_days']}D"
    hours = wait.get("working_hours", wait.get("hours", 0))
    return f"PT{hours}H"


_SETTINGS = ("mode", "ratio", "veto", "on_empty", "on_self", "dedupe", "deadline", "fields")


def bpmn_xml(spec: Mapping[str, Any], names: Names | None = None) -> bytes:  # noqa: PLR0912, PLR0915
    """The definition as BPMN 2.0 XML: events, tasks, gateways and sequence flows. Sanfu's own settings
    (approver rule, mode, deadline) travel in ``extensionElements`` and, readable, in ``documentation``."""
    names = names or Names()
    ET.register_namespace("bpmn", BPMN_NS)
    ET.register_namespace("xsi", XSI_NS)
    ET.register_namespace("sanfu", SANFU_NS)

    def q(tag: str) -> str:
        return f"{{{BPMN_NS}}}{tag}"

    root = ET.Element(q("definitions"), {"id": f"defs_{spec.get('key', 'process')}", "targetNamespace": SANFU_NS})
    process = ET.SubElement(
        root,
        q("process"),
        {"id": str(spec.get("key") or "process"), "name": str(spec.get("name", "")), "isExecutable": "true"},
    )
    nodes = [dict(n) for n in spec.get("nodes", [])]
    flows: list[tuple[str, str, str | None, bool]] = []  # source, target, condition, default
    defaults: dict[str, str] = {}
    tags = {
        "start": "startEvent",
        "end": "endEvent",
        "approval": "userTask",
        "handle": "userTask",
        "cc": "sendTask",
        "filing": "sendTask",
        "condition": "exclusiveGateway",
        "parallel": "parallelGateway",
        "join": "parallelGateway",
        "timer": "intermediateCatchEvent",
        "subprocess": "callActivity",
    }
    for node in nodes:
        node_id, kind = str(node["id"]), str(node.get("kind"))
        if kind == "condition":
            for branch in node.get("branches") or []:
                when = None if branch.get("default") else str(branch.get("when", ""))
                flows.append((node_id, str(branch["next"]), when, bool(branch.get("default"))))
        elif kind == "parallel":
            flows.extend((node_id, str(target), None, False) for target in node.get("branches") or [])
        elif node.get("next"):
            flows.append((node_id, str(node["next"]), None, False))
    flow_ids: list[str] = []
    counts: dict[tuple[str, str], int] = {}
    for source, target, _when, is_default in flows:
        counts[(source, target)] = counts.get((source, target), 0) + 1
        n = counts[(source, target)]
        flow_ids.append(f"flow_{source}_{target}" + (f"_{n}" if n > 1 else ""))
        if is_default:
            defaults[source] = flow_ids[-1]
    for node in nodes:
        node_id, kind = str(node["id"]), str(node.get("kind"))
        attrs = {"id": node_id, "name": str(node.get("name") or node_id)}
        if kind in {"parallel", "condition"}:
            attrs["gatewayDirection"] = "Diverging"
        elif kind == "join":
            attrs["gatewayDirection"] = "Converging"
        elif kind == "subprocess":
            attrs["calledElement"] = str(node.get("definition", ""))
        if node_id in defaults:
            attrs["default"] = defaults[node_id]
        element = ET.SubElement(process, q(tags.get(kind, "task")), attrs)
        rule = node.get("approvers") if kind in {"approval", "handle"} else node.get("recipients")
        if rule is not None:
            text = describe_rule(rule, names)
            if kind in {"approval", "handle"}:
                text += f"；{mode_label(str(node.get('mode', 'sequential' if kind == 'approval' else 'all')))}"
            ET.SubElement(element, q("documentation")).text = text
            ext = ET.SubElement(element, q("extensionElements"))
            ET.SubElement(ext, f"{{{SANFU_NS}}}rule", {"kind": kind}).text = json.dumps(rule, ensure_ascii=False)
            props = {k: node[k] for k in _SETTINGS if k in node}
            if props:
                ET.SubElement(ext, f"{{{SANFU_NS}}}settings").text = json.dumps(props, ensure_ascii=False)
        for (_source, target, _when, _default), flow_id in zip(flows, flow_ids, strict=True):
            if target == node_id:
                ET.SubElement(element, q("incoming")).text = flow_id
        for (source, _target, _when, _default), flow_id in zip(flows, flow_ids, strict=True):
            if source == node_id:
                ET.SubElement(element, q("outgoing")).text = flow_id
        if kind == "timer":
            timer = ET.SubElement(element, q("timerEventDefinition"))
            wait = node.get("wait") or {}
            expression = {f"{{{XSI_NS}}}type": "bpmn:tFormalExpression"}
            if "until_field" in wait:
                ET.SubElement(timer, q("timeDate"), expression).text = f"form.{wait['until_field']}"
            else:
                ET.SubElement(timer, q("timeDuration"), expression).text = _iso_duration(wait)
    for (source, target, when, _default), flow_id in zip(flows, flow_ids, strict=True):
        flow = ET.SubElement(process, q("sequenceFlow"), {"id": flow_id, "sourceRef": source, "targetRef": target})
        if when is not None:
            ET.SubElement(
                flow, q("conditionExpression"), {f"{{{XSI_NS}}}type": "bpmn:tFormalExpression", "language": "CEL"}
            ).text = when
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


# ------------------------------------------------------------------------------ form schema


def form_schema_save(*, actor: User, matter: MatterType, fields: Sequence[Mapping[str, Any]]) -> MatterType:
    """Save the matter's form fields once :func:`formschema.parse_schema` accepts them (every problem is
    reported in one ApplicationError). Validations and other schema keys are kept."""
    if not has_perm(actor, Perm.MANAGE_PROCESSES):
        raise PermissionDeniedError(_("您没有权限修改表单。"))
    schema = {**(matter.form_schema or {}), "fields": [dict(f) for f in fields]}
    schema.setdefault("version", 1)
    try:
        formschema.parse_schema(schema)
    except formschema.SchemaError as exc:
        raise ApplicationError(
            _("表单有误，未保存。"), errors=[{"message": problem} for problem in exc.problems]
        ) from exc
    with transaction.atomic():
        before = [f.get("name") for f in (matter.form_schema or {}).get("fields", []) if isinstance(f, Mapping)]
        matter.form_schema = schema
        matter.save(update_fields=["form_schema"])
        audit_record(
            action="approvals.form_schema_save",
            actor=actor,
            target=f"matter:{matter.code}",
            detail={"before": before, "after": [f.get("name") for f in schema["fields"]]},
        )
    return matter
