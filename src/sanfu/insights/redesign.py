"""What streamlining advice reads from a definition, and the two changes it can make to one — pure functions
over the definition's JSON (the engine's format, ``workflow.engine.definition``), no database.

* a **graded threshold** (分级阈值) is a branch of a ``condition`` node written ``form.<field> > <number>`` (or
  ``>=``): amounts above it go to the branch's ``next``;
* the **green channel** (绿色通道) is a branch on ``urgency`` leading to a ``filing`` node that ``passes_over``
  task nodes (特急 goes straight to the final approver, the reviews it leaves out are filed);
* **turning a node into filing** (改为备案) keeps its place and its people, who are told instead of asked;
* **moving a threshold** rewrites the number of its branch.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_GRADED = re.compile(r"^\s*form\.(?P<field>[A-Za-z_]\w*)\s*(?P<op>>=|>)\s*(?P<value>\d+(?:\.\d+)?)\s*$")
# What a filing node keeps of an approval node: where it is, what it is called, who its people are.
_FILING_KEEPS = ("id", "name", "next")


class RedesignError(ValueError):
    """The change cannot be made to this definition (the node is gone, or is not what the advice saw)."""


@dataclass(frozen=True)
class Threshold:
    """One graded branch: amounts ``op`` ``value`` in ``field`` go to ``target``."""

    condition: str  # the condition node's id
    branch: int  # the branch's position among the node's branches
    field: str
    op: str
    value: float
    target: str


def nodes_of(spec: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(n.get("id")): n for n in spec.get("nodes") or [] if isinstance(n, Mapping)}


def node_kind(spec: Mapping[str, Any], node: str) -> str:
    return str(nodes_of(spec).get(node, {}).get("kind", ""))


def thresholds(spec: Mapping[str, Any]) -> list[Threshold]:
    """The graded thresholds of ``spec``, in the order they are written."""
    found: list[Threshold] = []
    for node in nodes_of(spec).values():
        if node.get("kind") != "condition":
            continue
        for i, branch in enumerate(node.get("branches") or []):
            match = _GRADED.match(str(branch.get("when", ""))) if isinstance(branch, Mapping) else None
            if match:
                found.append(
                    Threshold(
                        condition=str(node["id"]),
                        branch=i,
                        field=match["field"],
                        op=match["op"],
                        value=float(match["value"]),
                        target=str(branch.get("next", "")),
                    )
                )
    return found


def has_green_channel(spec: Mapping[str, Any]) -> bool:
    """Whether a branch on ``urgency`` leads to a filing node that passes over task nodes."""
    nodes = nodes_of(spec)
    for node in nodes.values():
        if node.get("kind") != "condition":
            continue
        for branch in node.get("branches") or []:
            if not isinstance(branch, Mapping) or "urgency" not in str(branch.get("when", "")):
                continue
            target = nodes.get(str(branch.get("next", "")), {})
            if target.get("kind") == "filing" and target.get("passes_over"):
                return True
    return False


def as_filing(spec: Mapping[str, Any], node: str) -> dict[str, Any]:
    """``spec`` with the approval node ``node`` turned into filing (备案): same place and name, its approvers
    become the recipients, who are told and never block. A green channel's ``passes_over`` loses it (a filing
    node is not passed over); one that passed over nothing else tells its people instead."""
    changed = copy.deepcopy(dict(spec))
    changed.pop("version", None)
    filing: dict[str, Any] = {}
    for i, raw in enumerate(changed.get("nodes") or []):
        if isinstance(raw, dict) and raw.get("id") == node:
            if raw.get("kind") != "approval" or not raw.get("approvers"):
                raise RedesignError(f"node {node} is not an approval node with approvers")
            filing = {k: raw[k] for k in _FILING_KEEPS if k in raw}
            filing.update(kind="filing", recipients=raw["approvers"])
            changed["nodes"][i] = filing
    if not filing:
        raise RedesignError(f"node {node} is not in the definition")
    for raw in changed.get("nodes") or []:
        if isinstance(raw, dict) and node in (raw.get("passes_over") or []):
            raw["passes_over"] = [n for n in raw["passes_over"] if n != node]
            if not raw["passes_over"]:  # it stood in for this node only: it now tells that node's people
                del raw["passes_over"]
                raw.setdefault("recipients", filing["recipients"])
    return changed


def with_threshold(spec: Mapping[str, Any], threshold: Threshold, value: float) -> dict[str, Any]:
    """``spec`` with the graded branch ``threshold`` moved to ``value``."""
    changed = copy.deepcopy(dict(spec))
    changed.pop("version", None)
    for raw in changed.get("nodes") or []:
        if isinstance(raw, dict) and raw.get("id") == threshold.condition:
            branches = raw.get("branches") or []
            if threshold.branch >= len(branches):
                break
            branch = branches[threshold.branch]
            match = _GRADED.match(str(branch.get("when", "")))
            if not match or match["field"] != threshold.field:
                break
            # keep the literal's type: a double for money (``5000.0``), an integer for a whole-number field
            literal = float(value) if "." in match["value"] else math.ceil(value)
            branch["when"] = f"form.{threshold.field} {threshold.op} {literal}"
            return changed
    raise RedesignError(f"threshold {threshold.condition}[{threshold.branch}] is not in the definition")
