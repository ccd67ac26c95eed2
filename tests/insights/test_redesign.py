"""The two changes streamlining advice makes to a definition (``insights.redesign``), on the definition's JSON:
each result is a definition the engine accepts."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.insights import redesign
from sanfu.workflow.engine import parse_definition

HEAD = {"type": "users", "users": [7]}


def _spec() -> dict[str, Any]:
    approval = {"kind": "approval", "approvers": HEAD, "mode": "sequential", "deadline": {"working_days": 2}}
    return {
        "key": "buy",
        "name": "采购申请",
        "version": 3,
        "fields": [{"name": "amount"}, {"name": "days"}],
        "nodes": [
            {"id": "start", "kind": "start", "next": "route"},
            {
                "id": "route",
                "kind": "condition",
                "branches": [
                    {"when": 'urgency == "特急"', "next": "green"},
                    {"when": "form.amount >= 5000.0", "next": "review"},
                    {"when": "form.days > 3", "next": "review"},
                    {"default": True, "next": "check"},
                ],
            },
            {"id": "review", "name": "审核", "next": "check", **approval},
            {"id": "check", "name": "复核", "next": "end", **approval},
            {"id": "green", "kind": "filing", "name": "绿色通道", "passes_over": ["review"], "next": "check"},
            {"id": "end", "kind": "end"},
        ],
    }


def test_graded_thresholds_and_the_green_channel_are_read() -> None:
    spec = _spec()
    assert redesign.thresholds(spec) == [
        redesign.Threshold(condition="route", branch=1, field="amount", op=">=", value=5000.0, target="review"),
        redesign.Threshold(condition="route", branch=2, field="days", op=">", value=3.0, target="review"),
    ]
    assert redesign.has_green_channel(spec)
    assert not redesign.has_green_channel({**spec, "nodes": [n for n in spec["nodes"] if n["id"] != "green"]})


def test_a_node_turned_into_filing_keeps_its_place_and_tells_its_people() -> None:
    changed = redesign.as_filing(_spec(), "review")
    nodes = redesign.nodes_of(changed)
    assert nodes["review"] == {"id": "review", "name": "审核", "next": "check", "kind": "filing", "recipients": HEAD}
    # the green channel passed over this node only: it now tells the node's people itself
    assert nodes["green"] == {"id": "green", "kind": "filing", "name": "绿色通道", "next": "check", "recipients": HEAD}
    assert "version" not in changed
    parse_definition(changed)
    assert _spec()["nodes"][2]["kind"] == "approval"  # the given definition is not changed


def test_a_threshold_is_moved_keeping_its_literals_type() -> None:
    money, days = redesign.thresholds(_spec())
    changed = redesign.with_threshold(_spec(), money, 8000)
    assert redesign.nodes_of(changed)["route"]["branches"][1]["when"] == "form.amount >= 8000.0"
    changed = redesign.with_threshold(changed, days, 4.5)
    assert redesign.nodes_of(changed)["route"]["branches"][2]["when"] == "form.days > 5"
    parse_definition(changed)


def test_what_is_not_there_cannot_be_changed() -> None:
    with pytest.raises(redesign.RedesignError):
        redesign.as_filing(_spec(), "gone")
    with pytest.raises(redesign.RedesignError):
        redesign.as_filing(_spec(), "green")  # already filing
    moved = redesign.Threshold(condition="route", branch=0, field="amount", op=">", value=1.0, target="green")
    with pytest.raises(redesign.RedesignError):
        redesign.with_threshold(_spec(), moved, 2)  # that branch is not a threshold
