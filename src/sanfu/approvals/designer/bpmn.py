"""Export a definition as BPMN 2.0 XML."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET

from sanfu.approvals.designer.labels import (
    Names,
    describe_rule,
    excludes_initiator_text,
    mode_label,
    passes_over_text,
)

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SANFU_NS = "https://sanfu.example/bpmn"


def _iso_duration(wait: Mapping[str, Any]) -> str:
    if "working_days" in wait:
        return f"P{wait['working_days']}D"
    hours = wait.get("working_hours", wait.get("hours", 0))
    return f"PT{hours}H"


_SETTINGS = (
    "mode",
    "ratio",
    "veto",
    "on_empty",
    "on_self",
    "dedupe",
    "deadline",
    "fields",
    "exclude_initiator",
    "passes_over",
)


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
    titles = {str(n["id"]): str(n.get("name") or n["id"]) for n in nodes}
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
        passed = [str(p) for p in node.get("passes_over") or []] if kind == "filing" else []
        if rule is not None or passed:  # a green channel's filing may have no people of its own
            parts = [describe_rule(rule, names)] if rule is not None else []
            if kind in {"approval", "handle"}:
                parts.append(mode_label(str(node.get("mode", "sequential" if kind == "approval" else "all"))))
                if node.get("exclude_initiator"):
                    parts.append(excludes_initiator_text())
            if passed:
                parts.append(passes_over_text(passed, titles))
            ET.SubElement(element, q("documentation")).text = "；".join(parts)
            ext = ET.SubElement(element, q("extensionElements"))
            if rule is not None:
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
