"""The path a sample submission would take through a draft definition, and the people at each step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from sanfu.approvals.designer.conditions import field_types
from sanfu.approvals.designer.drafting import form_schema_of
from sanfu.approvals.designer.labels import kind_label, mode_label
from sanfu.approvals.designer.selectors import display_names
from sanfu.approvals.models import MatterType
from sanfu.core.params import parse_id
from sanfu.workflow.engine import State, parse_definition, path_ahead, path_nodes
from sanfu.workflow.facts import OrgFacts

PEOPLE_KINDS = frozenset({"approval", "handle", "cc", "filing"})


def _cel_value(kind: str, raw: Any) -> Any:
    text = str(raw).strip()
    if kind in {"money", "number"}:
        try:
            number = float(text)
        except ValueError:
            return None
        return int(number) if kind == "number" and number.is_integer() else number
    if kind in {"person", "department"}:
        return parse_id(text)
    if kind == "multiselect":
        return [v.strip() for v in text.split(",") if v.strip()]
    return text


def preview_state(matter: MatterType, values: Mapping[str, Any], *, initiator: int, urgency: str) -> State:
    """A draft state with the sample form as conditions will see it (money as double…)."""
    schema = form_schema_of(matter)
    kinds = field_types(schema) if schema else {}
    form: dict[str, Any] = {}
    for name, raw in values.items():
        if raw in (None, ""):
            continue
        kind = kinds.get(str(name), "text")
        kind = "number" if kind == "number" else "money" if kind in {"money", "number_double"} else kind
        value = _cel_value(kind, raw)
        if value is not None:
            form[str(name)] = value
    return State(initiator=initiator, matter=matter.code, form=form, urgency=urgency)


def preview_steps(
    matter: MatterType, spec: Mapping[str, Any], values: Mapping[str, Any], *, initiator: int, urgency: str
) -> list[dict[str, Any]]:
    """Each node a submission with ``values`` would pass through (``spec`` must parse), with the names of
    the people it would reach."""
    definition = parse_definition(spec)
    state = preview_state(matter, values, initiator=initiator, urgency=urgency)
    facts = OrgFacts(now=timezone.now())
    people = {node.id: ids for node, ids in path_ahead(definition, state, facts)}
    names = display_names({p for ids in people.values() for p in ids})
    return [
        {
            "node": node,
            "kind": kind_label(node.kind),
            "people": [names.get(p, str(p)) for p in people.get(node.id, [])],
            "expects_people": node.kind in PEOPLE_KINDS,
            "mode": mode_label(node.mode) if node.kind in {"approval", "handle"} else "",
            # 绿色通道: the steps this filing stands in for, each filed to its own people
            "passes_over": [definition.nodes[p].name for p in node.passes_over],
            "excludes_initiator": node.exclude_initiator,
        }
        for node in path_nodes(definition, state, facts)
    ]
