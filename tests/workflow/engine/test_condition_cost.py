"""Branch conditions cannot cost unbounded work (security issue, hole 10): bounded at publication and
at evaluation, and a loop variable cannot shadow a variable."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.workflow.engine import InvalidDefinitionError, parse_definition
from sanfu.workflow.engine.commands import Submit
from sanfu.workflow.engine.conditions import MAX_ITEMS, ConditionTooCostlyError, compile_condition
from tests.workflow.engine.harness import Flow

A, B = 1, 2


def _routed(when: str) -> dict[str, Any]:
    return {
        "key": "cost",
        "version": 1,
        "fields": [{"name": "lines"}],
        "nodes": [
            {"id": "start", "kind": "start", "next": "route"},
            {
                "id": "route",
                "kind": "condition",
                "branches": [{"when": when, "next": "big"}, {"default": True, "next": "small"}],
            },
            {"id": "big", "kind": "approval", "approvers": {"type": "users", "users": [A]}, "next": "end"},
            {"id": "small", "kind": "approval", "approvers": {"type": "users", "users": [B]}, "next": "end"},
            {"id": "end", "kind": "end"},
        ],
    }


SIXTY = "[" + ",".join(str(i) for i in range(60)) + "]"


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        (f"{SIXTY}.all(a, {SIXTY}.all(b, {SIXTY}.all(c, a + b + c >= 0)))", "嵌套"),
        ("[1, 2].exists(form, form > 1)", "循环变量"),
        ("[1].exists(urgency, urgency > 0) || true", "循环变量"),
        ("form.lines.size() > " + "1 + " * 400 + "1", "过长"),
        ("(" * 13 + "true" + ")" * 13, "嵌套过深"),
    ],
)
def test_costly_or_shadowing_conditions_are_refused_at_publication(when: str, reason: str) -> None:
    with pytest.raises(InvalidDefinitionError) as refused:
        parse_definition(_routed(when))
    assert reason in refused.value.message
    assert "route" in refused.value.message  # the node it concerns


@pytest.mark.parametrize(
    "when",
    [
        "form.lines.exists(l, l.amount > 1000.0)",
        "[1, 2].all(a, a > 0) && [3].exists(b, b > 0)",
        '"[1].all(a, [2].all(b, true))" == "x" || form.lines.size() > 2',  # brackets inside a string
    ],
)
def test_ordinary_conditions_still_publish(when: str) -> None:
    parse_definition(_routed(when))


def test_a_comprehension_over_the_form_still_routes() -> None:
    flow = Flow(_routed("form.lines.exists(l, l.amount > 1000.0)"))
    flow.do(Submit(actor=9, form={"lines": [{"amount": 10.0}, {"amount": 2000.0}]}))
    assert flow.open_for(A)


def test_too_much_data_at_evaluation_is_a_refusal_not_a_silent_branch() -> None:
    flow = Flow(_routed("form.lines.exists(l, l.amount > 1000.0)"))
    lines = [{"amount": 1.0}] * (MAX_ITEMS + 1)
    with pytest.raises(ConditionTooCostlyError, match="过多"):
        flow.do(Submit(actor=9, form={"lines": lines}))
    assert not flow.events  # nothing happened


def test_the_unknown_variable_check_sees_through_no_loop_variable() -> None:
    with pytest.raises(ValueError, match="循环变量"):
        compile_condition("[1].map(amount, amount * 2).size() > 0")
