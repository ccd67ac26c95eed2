"""Readable labels: node kinds, approval modes, and a sentence for an approver/recipient rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from sanfu.core.params import parse_id


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
        number = parse_id(str(value))
        return str(names.departments.get(number, value)) if number is not None else str(value)

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


def passes_over_text(ids: Sequence[str], node_names: Mapping[str, str]) -> str:
    """What a filing node on a green channel (绿色通道) stands in for: the steps it passes over."""
    return _("略过：%(nodes)s（各自备案给其人员）") % {"nodes": "、".join(node_names.get(i, i) for i in ids)}


def excludes_initiator_text() -> str:
    return _("发起人不办理本节点（职责分离）")


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
