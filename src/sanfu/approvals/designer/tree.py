"""Tree ⇄ definition: the designer edits a process as a tree, the way DingTalk and Feishu show it.

A vertical chain of nodes from start to end, where a condition or parallel node holds its branches (each a
chain of its own) side by side, merging below. :func:`definition_to_tree` and :func:`tree_to_definition`
convert between a tree and the engine's JSON definition; node ids are kept, so a definition survives the
round trip."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from sanfu.approvals.designer.conditions import cel_to_clauses, clauses_to_cel

# Keys that are the graph itself (rebuilt from the tree), never stored on a tree node.
_LINKS = ("next",)
ADDABLE_KINDS = ("approval", "handle", "cc", "filing", "condition", "parallel", "timer", "subprocess")


class NotATreeError(ValueError):
    """The definition's graph cannot be drawn as a tree (a loop, or branches that never meet)."""


# ------------------------------------------------------------------------------ definition → tree


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


def graph_of(spec: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The definition's nodes by id, for comparing two definitions regardless of node order."""
    return {str(n["id"]): dict(n) for n in spec.get("nodes", [])}
