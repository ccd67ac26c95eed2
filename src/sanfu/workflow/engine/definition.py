"""Process definitions: versioned JSON, parsed once into frozen objects and validated precisely.

A definition is a graph of nodes. Every node has an ``id`` and a ``kind``; most have ``next``.

==============  ==================================================================================
kind            meaning
==============  ==================================================================================
start           where a submission enters; ``next``
end             the instance is approved/finished
approval        people vote: ``approvers`` (rule), ``mode`` sequential (依次) | all (会签) | any (或签) |
                ratio (比例会签, with ``ratio``), ``veto`` (一票否决), ``on_reject`` end | return;
                ``exclude_initiator`` (approval and handle): the initiator is never one of the node's
                people, nor can the task be transferred or added to them (a drafter never reviews his own
                draft); when that leaves nobody, ``on_empty`` applies
handle          办理: people do the work and reply (``mode`` all | any | sequential)
cc              抄送: ``recipients`` get a copy with a read receipt; never blocks
filing          备案: ``recipients`` are informed for the record; never blocks. ``passes_over``: the task
                nodes a shortcut (特急's green channel) leaves out: each is filed to its own people and
                recorded under its own name
condition       ``branches``: [{"when": CEL, "next": id}, …, {"default": true, "next": id}]
parallel        ``branches``: [node ids] run at once, meeting at ``join``
join            waits for every branch of its parallel node; ``next``
subprocess      starts ``definition`` (a key) and waits for it to end
timer           waits ``wait``: {"working_days": n} | {"working_hours": h} | {"hours": h} |
                {"until_field": "form_field"}
==============  ==================================================================================

Approver rules (``approvers`` / ``recipients``): ``{"type": "users", "users": [ids]}``,
``{"type": "role", "role": code, "unit": "initiator" | id}``, ``{"type": "head", "levels": n,
"stop_at_rank": r}`` (逐级), ``{"type": "leader_in_charge", "department": "initiator" | id |
{"field": name}}``, ``{"type": "department_heads", "departments": [ids] | {"field": name}}``,
``{"type": "field", "field": name}``, ``{"type": "chosen", "among": rule | null}`` (自选),
``{"type": "initiator"}``. The org answers them through ``Facts``; the engine never sees the database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sanfu.workflow.engine.conditions import Condition, compile_condition
from sanfu.workflow.engine.errors import InvalidDefinitionError

NODE_KINDS = {
    "start",
    "end",
    "approval",
    "handle",
    "cc",
    "filing",
    "condition",
    "parallel",
    "join",
    "subprocess",
    "timer",
}
TASK_KINDS = {"approval", "handle"}  # nodes whose people must act before the instance moves on
NOTICE_KINDS = {"cc", "filing"}  # nodes whose people are only told
MODES = {"sequential", "all", "any", "ratio"}
RULE_TYPES = {"users", "role", "head", "leader_in_charge", "department_heads", "field", "chosen", "initiator"}
ON_EMPTY = {"skip", "admin", "refuse"}
ON_SELF = {"none", "auto_pass", "to_head"}
DEDUPE = {"none", "consecutive", "everywhere"}
ON_TIMEOUT = {"remind", "escalate", "auto_approve", "auto_transfer", "auto_return"}
FIELD_ACCESS = {"read", "write", "hidden"}
RESUBMIT = {"restart", "jump_back"}


@dataclass(frozen=True, slots=True)
class Deadline:
    working_days: float | None = None
    working_hours: float | None = None
    remind_before_hours: float = 0.0
    on_timeout: str = "remind"
    transfer_to: Mapping[str, Any] | None = None  # rule, for auto_transfer


@dataclass(frozen=True, slots=True)
class Branch:
    next: str
    when: Condition | None = None  # None = the default branch


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    kind: str
    name: str
    next: str | None = None
    approvers: Mapping[str, Any] | None = None
    mode: str = "sequential"
    ratio: float = 1.0
    veto: bool = False
    on_reject: str = "end"  # end | return
    reject_to: str = "initiator"  # initiator | previous | <node id>
    on_empty: str = "skip"
    on_self: str | None = None  # None = the definition's default
    dedupe: str | None = None
    deadline: Deadline | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    branches: tuple[Branch, ...] = ()
    parallel: tuple[str, ...] = ()
    join: str | None = None
    subprocess: str | None = None
    wait: Mapping[str, Any] | None = None
    batch: bool = False  # may be approved in a batch from the inbox
    passes_over: tuple[str, ...] = ()  # filing: the task nodes filed to their people instead (绿色通道)
    exclude_initiator: bool = False  # the initiator is never among the node's people (separation of duties)

    @property
    def is_task_node(self) -> bool:
        return self.kind in TASK_KINDS

    def votes_needed(self, total: int) -> int:
        """How many approvals this node needs out of ``total`` voters."""
        if total == 0:
            return 0
        if self.mode == "any":
            return 1
        if self.mode == "ratio":
            return max(1, math.ceil(self.ratio * total - 1e-9))
        return total


@dataclass(frozen=True, slots=True)
class Definition:
    key: str
    version: int
    name: str
    nodes: Mapping[str, Node]
    start: str
    admins: tuple[int, ...] = ()
    on_self: str = "none"
    dedupe: str = "none"
    resubmit: str = "restart"
    matter: str = ""
    fields: tuple[str, ...] = ()
    spec: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # node id → the parallel node whose branch it is on; worked out once, with the definition itself
    regions: Mapping[str, str] = field(init=False, compare=False, repr=False)
    # join node id → the parallel node it closes (the first, should a broken definition have two)
    join_owners: Mapping[str, Node] = field(init=False, compare=False, repr=False)
    # whether a submission has anything to check on the path: a 自选 (chosen) node or one that refuses to
    # start without approvers
    checks_path: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regions", _regions(self.nodes))
        owners: dict[str, Node] = {}
        for node in self.nodes.values():
            if node.kind == "parallel" and node.join is not None:
                owners.setdefault(node.join, node)
        object.__setattr__(self, "join_owners", owners)
        checks = any(
            node.is_task_node
            and node.approvers is not None
            and (node.approvers.get("type") == "chosen" or node.on_empty == "refuse")
            for node in self.nodes.values()
        )
        object.__setattr__(self, "checks_path", checks)

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def on_self_for(self, node: Node) -> str:
        return node.on_self or self.on_self

    def dedupe_for(self, node: Node) -> str:
        return node.dedupe or self.dedupe

    def parallel_region(self, node_id: str) -> str | None:
        """The parallel node whose branches contain ``node_id`` (None outside any parallel region)."""
        return self.regions.get(node_id)


def _regions(nodes: Mapping[str, Node]) -> dict[str, str]:
    # Not cached by id(definition): ids are reused once a definition is garbage-collected, and a new
    # definition would then be answered with another one's regions.
    regions: dict[str, str] = {}
    for node in nodes.values():
        if node.kind != "parallel" or node.join is None:
            continue
        for start in node.parallel:
            stack, seen = [start], set()
            while stack:
                current = stack.pop()
                if current in seen or current == node.join or current not in nodes:
                    continue
                seen.add(current)
                regions.setdefault(current, node.id)
                stack.extend(_successors(nodes[current]))
    return regions


def _successors(node: Node) -> list[str]:
    if node.kind == "condition":
        return [b.next for b in node.branches]
    if node.kind == "parallel":
        return list(node.parallel)
    return [node.next] if node.next else []


def _rule_problems(node_id: str, rule: Any, fields: set[str], what: str) -> list[tuple[str | None, str]]:
    if not isinstance(rule, Mapping):
        return [(node_id, f"{what}规则必须是对象")]
    kind = rule.get("type")
    if kind not in RULE_TYPES:
        return [(node_id, f"{what}规则类型“{kind}”不存在")]
    problems: list[tuple[str | None, str]] = []
    if kind == "users" and not (
        isinstance(rule.get("users"), list) and rule["users"] and all(isinstance(u, int) for u in rule["users"])
    ):
        problems.append((node_id, f"{what}规则“指定人员”需要至少一个人员编号，永远无法解析出{what}"))
    if kind == "role" and not rule.get("role"):
        problems.append((node_id, f"{what}规则“角色”未指定角色"))
    if kind == "head":
        levels = rule.get("levels", 1)
        if not isinstance(levels, int) or levels < 1:
            problems.append((node_id, "逐级审批的层级数必须是正整数"))
    if kind in {"field", "leader_in_charge", "department_heads"}:
        name = rule.get("field")
        for key in ("department", "departments"):
            if isinstance(rule.get(key), Mapping):
                name = rule[key].get("field")
        if kind == "field" and not name:
            problems.append((node_id, f"{what}规则“表单字段”未指定字段"))
        if name and fields and name not in fields:
            problems.append((node_id, f"{what}规则引用的表单字段“{name}”不存在"))
    if kind == "department_heads" and not isinstance(rule.get("departments"), list | Mapping):
        problems.append((node_id, "“部门负责人”规则需要部门列表或表单字段"))
    if kind == "chosen" and rule.get("among") is not None:
        problems.extend(_rule_problems(node_id, rule["among"], fields, what))
    return problems


def _deadline(node_id: str, raw: Any, problems: list[tuple[str | None, str]], fields: set[str]) -> Deadline | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.append((node_id, "时限必须是对象"))
        return None
    days, hours = raw.get("working_days"), raw.get("working_hours")
    if (days is None) == (hours is None):
        problems.append((node_id, "时限需要且只能指定 working_days 或 working_hours 之一"))
        return None
    amount = days if days is not None else hours
    if not isinstance(amount, int | float) or amount <= 0:
        problems.append((node_id, "时限必须是正数"))
        return None
    on_timeout = raw.get("on_timeout", "remind")
    if on_timeout not in ON_TIMEOUT:
        problems.append((node_id, f"超时处理方式“{on_timeout}”不存在"))
    transfer_to = raw.get("transfer_to")
    if on_timeout == "auto_transfer":
        if transfer_to is None:
            problems.append((node_id, "超时自动转交需要指定转交对象规则 transfer_to"))
        else:
            problems.extend(_rule_problems(node_id, transfer_to, fields, "转交对象"))
    remind = raw.get("remind_before_hours", 0)
    if not isinstance(remind, int | float) or remind < 0:
        problems.append((node_id, "提前提醒小时数不能为负"))
        remind = 0
    return Deadline(
        working_days=days,
        working_hours=hours,
        remind_before_hours=float(remind),
        on_timeout=on_timeout,
        transfer_to=transfer_to,
    )


def parse_definition(spec: Mapping[str, Any]) -> Definition:
    """Parse and validate ``spec``; raise :class:`InvalidDefinitionError` listing every problem."""
    problems: list[tuple[str | None, str]] = []
    if not isinstance(spec, Mapping):
        raise InvalidDefinitionError([(None, "定义必须是 JSON 对象")])
    raw_nodes = spec.get("nodes")
    if not isinstance(raw_nodes, list) or not raw_nodes:
        raise InvalidDefinitionError([(None, "定义没有任何节点")])
    fields = {str(f["name"]) if isinstance(f, Mapping) else str(f) for f in spec.get("fields", [])}
    nodes: dict[str, Node] = {}
    for raw in raw_nodes:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str) or not raw["id"]:
            problems.append((None, "每个节点都需要字符串 id"))
            continue
        node_id, kind = raw["id"], raw.get("kind")
        if node_id in nodes:
            problems.append((node_id, "节点 id 重复"))
            continue
        if kind not in NODE_KINDS:
            problems.append((node_id, f"节点类型“{kind}”不存在"))
            continue
        nodes[node_id] = _parse_node(raw, problems, fields)
    starts = [n for n in nodes.values() if n.kind == "start"]
    if len(starts) != 1:
        problems.append((None, "定义必须恰好有一个开始节点"))
    if not any(n.kind == "end" for n in nodes.values()):
        problems.append((None, "定义没有结束节点"))
    for option, allowed in (("on_self", ON_SELF), ("dedupe", DEDUPE), ("resubmit", RESUBMIT)):
        if spec.get(option, next(iter(sorted(allowed)))) not in allowed:
            problems.append((None, f"{option} 取值“{spec.get(option)}”不存在"))
    if len(starts) != 1:  # without one start the graph cannot be walked; report what we have
        raise InvalidDefinitionError(problems)
    definition = Definition(
        key=str(spec.get("key", "")),
        version=int(spec.get("version", 1)),
        name=str(spec.get("name", "")),
        nodes=nodes,
        start=starts[0].id,
        admins=tuple(int(a) for a in spec.get("admins", [])),
        on_self=str(spec.get("on_self", "none")),
        dedupe=str(spec.get("dedupe", "none")),
        resubmit=str(spec.get("resubmit", "restart")),
        matter=str(spec.get("matter", spec.get("key", ""))),
        fields=tuple(sorted(fields)),
        spec=spec,
    )
    problems.extend(_graph_problems(definition))
    if problems:
        raise InvalidDefinitionError(problems)
    return definition


def _parse_node(raw: Mapping[str, Any], problems: list[tuple[str | None, str]], fields: set[str]) -> Node:
    node_id, kind = str(raw["id"]), str(raw["kind"])
    name = str(raw.get("name") or node_id)
    mode = raw.get("mode", "sequential" if kind == "approval" else "all")
    if kind in TASK_KINDS and mode not in MODES:
        problems.append((node_id, f"审批方式“{mode}”不存在"))
    ratio = raw.get("ratio", 1.0)
    if mode == "ratio" and not (isinstance(ratio, int | float) and 0 < ratio <= 1):
        problems.append((node_id, "比例会签的通过比例必须在 0 到 1 之间"))
    rule = raw.get("approvers") if kind in TASK_KINDS else raw.get("recipients")
    passes_over = raw.get("passes_over", []) if kind == "filing" else []
    if not isinstance(passes_over, list) or not all(isinstance(n, str) for n in passes_over):
        problems.append((node_id, "passes_over 必须是节点 id 的列表"))
        passes_over = []
    if kind in TASK_KINDS | NOTICE_KINDS:
        if rule is None and passes_over:
            pass  # files to the people of the nodes it passes over
        elif rule is None:
            problems.append((node_id, "没有设置审批人/接收人规则，永远无法解析出人员"))
        else:
            problems.extend(_rule_problems(node_id, rule, fields, "审批人" if kind in TASK_KINDS else "接收人"))
    for option, allowed in (("on_empty", ON_EMPTY), ("on_self", ON_SELF), ("dedupe", DEDUPE)):
        value = raw.get(option)
        if value is not None and value not in allowed:
            problems.append((node_id, f"{option} 取值“{value}”不存在"))
    exclude_initiator = raw.get("exclude_initiator", False)
    if not isinstance(exclude_initiator, bool):
        problems.append((node_id, "exclude_initiator 必须是 true 或 false"))
    elif exclude_initiator and kind not in TASK_KINDS:
        problems.append((node_id, "只有审批和办理节点可以排除发起人（exclude_initiator）"))
    on_reject = raw.get("on_reject", "end")
    if on_reject not in {"end", "return"}:
        problems.append((node_id, f"驳回处理“{on_reject}”不存在"))
    access = raw.get("fields", {}) or {}
    for fname, value in access.items():
        if value not in FIELD_ACCESS:
            problems.append((node_id, f"字段“{fname}”的权限“{value}”不存在（read / write / hidden）"))
        elif fields and fname not in fields:
            problems.append((node_id, f"字段权限引用的表单字段“{fname}”不存在"))
    branches: list[Branch] = []
    if kind == "condition":
        raw_branches = raw.get("branches") or []
        defaults = [b for b in raw_branches if isinstance(b, Mapping) and b.get("default")]
        if len(defaults) != 1:
            problems.append((node_id, f"条件分支必须恰好有一个默认分支（现有 {len(defaults)} 个）"))
        for b in raw_branches:
            if not isinstance(b, Mapping) or not isinstance(b.get("next"), str):
                problems.append((node_id, "每个分支都需要 next"))
                continue
            if b.get("default"):
                branches.append(Branch(next=b["next"]))
                continue
            try:
                condition = compile_condition(str(b.get("when", "")), fields=fields)
            except ValueError as exc:
                problems.append((node_id, f"条件“{b.get('when')}”有误：{exc}"))
                continue
            branches.append(Branch(next=b["next"], when=condition))
        branches.sort(key=lambda br: br.when is None)  # the default is tried last
    wait = raw.get("wait")
    if kind == "timer":
        keys = {"working_days", "working_hours", "hours", "until_field"}
        if not isinstance(wait, Mapping) or len(set(wait) & keys) != 1:
            problems.append((node_id, "定时节点需要且只能指定一种等待方式"))
        elif "until_field" in wait and fields and wait["until_field"] not in fields:
            problems.append((node_id, f"定时节点引用的表单字段“{wait['until_field']}”不存在"))
    if kind == "subprocess" and not raw.get("definition"):
        problems.append((node_id, "子流程节点需要指定子流程定义"))
    parallel = tuple(raw.get("branches") or ()) if kind == "parallel" else ()
    if kind == "parallel" and (len(parallel) < 2 or not raw.get("join")):
        problems.append((node_id, "并行节点需要至少两个分支和一个汇聚节点 join"))
    return Node(
        id=node_id,
        kind=kind,
        name=name,
        next=raw.get("next"),
        approvers=rule,
        mode=str(mode),
        ratio=float(ratio) if isinstance(ratio, int | float) else 1.0,
        veto=bool(raw.get("veto", False)),
        on_reject=str(on_reject),
        reject_to=str(raw.get("reject_to", "initiator")),
        on_empty=str(raw.get("on_empty", "skip")),
        on_self=raw.get("on_self"),
        dedupe=raw.get("dedupe"),
        deadline=_deadline(node_id, raw.get("deadline"), problems, fields),
        fields=dict(access),
        branches=tuple(branches),
        parallel=parallel,
        join=raw.get("join"),
        subprocess=raw.get("definition"),
        wait=wait,
        batch=bool(raw.get("batch", False)),
        passes_over=tuple(passes_over),
        exclude_initiator=exclude_initiator is True,
    )


def _graph_problems(definition: Definition) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    nodes = definition.nodes
    for node in nodes.values():
        if node.kind != "end" and node.kind not in {"condition", "parallel"} and not node.next:
            problems.append((node.id, "节点没有后续节点 next"))
        for target in _successors(node):
            if target not in nodes:
                problems.append((node.id, f"后续节点“{target}”不存在"))
        if (
            node.kind == "parallel"
            and node.join is not None
            and (node.join not in nodes or nodes[node.join].kind != "join")
        ):
            problems.append((node.id, f"汇聚节点“{node.join}”不存在或不是 join 类型"))
        if (
            node.kind == "approval"
            and node.on_reject == "return"
            and node.reject_to not in {"initiator", "previous"}
            and node.reject_to not in nodes
        ):
            problems.append((node.id, f"驳回退回的目标节点“{node.reject_to}”不存在"))
        for passed in node.passes_over:
            if passed not in nodes or not nodes[passed].is_task_node:
                problems.append((node.id, f"备案所略过的节点“{passed}”不存在或不是审批/办理节点"))
    if problems:
        return problems
    # Reachability from start.
    reachable: set[str] = set()
    stack = [definition.start]
    while stack:
        current = stack.pop()
        if current in reachable:
            continue
        reachable.add(current)
        stack.extend(_successors(nodes[current]))
    for node_id in nodes:
        if node_id not in reachable:
            problems.append((node_id, "节点从开始节点不可达"))
    # Every reachable node must be able to reach an end (a cycle without exit cannot).
    reverse: dict[str, set[str]] = {n: set() for n in nodes}
    for node in nodes.values():
        for target in _successors(node):
            reverse[target].add(node.id)
    can_finish: set[str] = set()
    stack = [n.id for n in nodes.values() if n.kind == "end"]
    while stack:
        current = stack.pop()
        if current in can_finish:
            continue
        can_finish.add(current)
        stack.extend(reverse[current])
    for node_id in sorted(reachable - can_finish):
        problems.append((node_id, "节点处于没有出口的循环中，永远无法结束"))
    # Parallel branches must all meet at their join and never leave through an end.
    joins_used: dict[str, str] = {}
    for node in nodes.values():
        if node.kind != "parallel" or node.join is None:
            continue
        if node.join in joins_used:
            problems.append((node.id, f"汇聚节点“{node.join}”被多个并行节点共用"))
        joins_used[node.join] = node.id
        for branch in node.parallel:
            stack, seen = [branch], set()
            while stack:
                current = stack.pop()
                if current in seen or current == node.join:
                    continue
                seen.add(current)
                if nodes[current].kind == "end":
                    problems.append((node.id, f"并行分支“{branch}”未经汇聚节点就结束了"))
                    break
                stack.extend(_successors(nodes[current]))
    for node in nodes.values():
        if node.kind == "join" and node.id not in joins_used:
            problems.append((node.id, "汇聚节点不属于任何并行节点"))
    return problems
