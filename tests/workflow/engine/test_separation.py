"""exclude_initiator: the initiator is never among a node's people (a drafter never reviews his own draft)."""

import pytest

from sanfu.workflow.engine import (
    ActionNotAllowedError,
    AddSigners,
    Complete,
    InvalidDefinitionError,
    MemoryFacts,
    Submit,
    Transfer,
    parse_definition,
    path_ahead,
)
from tests.workflow.engine.harness import START, Flow, approval, chain

DRAFTER, CLERK, ADMIN, LEADER = 1, 2, 9, 5


def _review(people: list[int], **extra: object) -> dict[str, object]:
    node = {"id": "review", "kind": "handle", "mode": "any", "approvers": {"type": "users", "users": people}}
    return {**node, "exclude_initiator": True, **extra}


def test_the_initiator_gets_no_task_at_a_node_that_excludes_him():
    flow = Flow(chain(_review([DRAFTER, CLERK]), approval("sign", [LEADER])))
    flow.do(Submit(actor=DRAFTER))
    assert flow.state.waiting_on() == {CLERK}
    assert [t.assignee for t in flow.state.tasks.values() if t.node == "review"] == [CLERK]
    flow.do(Complete(actor=CLERK, task=flow.task_of(CLERK)))
    assert flow.state.waiting_on() == {LEADER}


def test_without_the_initiator_nobody_is_left_and_the_empty_rule_applies():
    skipped = Flow(chain(_review([DRAFTER]), approval("sign", [LEADER])))
    skipped.do(Submit(actor=DRAFTER))
    assert "node_skipped" in skipped.types()
    assert skipped.state.waiting_on() == {LEADER}
    to_admin = Flow(chain(_review([DRAFTER], on_empty="admin"), approval("sign", [LEADER]), admins=[ADMIN]))
    to_admin.do(Submit(actor=DRAFTER))
    assert to_admin.state.waiting_on() == {ADMIN}
    refused = Flow(chain(_review([DRAFTER], on_empty="refuse"), approval("sign", [LEADER])))
    with pytest.raises(ActionNotAllowedError, match="找不到审批人"):
        refused.do(Submit(actor=DRAFTER))


def test_the_node_cannot_be_transferred_or_added_to_the_initiator():
    flow = Flow(chain(_review([DRAFTER, CLERK, 3]), approval("sign", [LEADER])))
    flow.do(Submit(actor=DRAFTER))
    with pytest.raises(ActionNotAllowedError, match="发起人"):
        flow.do(Transfer(actor=CLERK, task=flow.open_for(CLERK)[0], to=DRAFTER))
    with pytest.raises(ActionNotAllowedError, match="发起人"):
        flow.do(AddSigners(actor=CLERK, task=flow.open_for(CLERK)[0], people=(DRAFTER,)))


def test_the_initiator_cannot_choose_himself_at_a_node_that_excludes_him():
    chosen = {"id": "review", "kind": "approval", "approvers": {"type": "chosen"}, "exclude_initiator": True}
    flow = Flow(chain(chosen))
    with pytest.raises(ActionNotAllowedError, match="发起人本人"):
        flow.do(Submit(actor=DRAFTER, chosen={"review": (DRAFTER,)}))
    flow.do(Submit(actor=DRAFTER, chosen={"review": (CLERK,)}))
    assert flow.state.waiting_on() == {CLERK}


def test_the_path_ahead_leaves_the_initiator_out():
    flow = Flow(chain(_review([DRAFTER, CLERK])))
    flow.do(Submit(actor=DRAFTER))
    assert [(n.id, people) for n, people in path_ahead(flow.definition, flow.state, MemoryFacts(now=START))] == [
        ("review", [CLERK])
    ]


@pytest.mark.parametrize(
    ("node", "problem"),
    [
        (_review([CLERK], exclude_initiator="yes"), "true 或 false"),
        (
            {"id": "cc", "kind": "cc", "recipients": {"type": "users", "users": [CLERK]}, "exclude_initiator": True},
            "只有审批和办理节点",
        ),
    ],
)
def test_exclude_initiator_is_checked_when_the_definition_is_parsed(node, problem):
    with pytest.raises(InvalidDefinitionError) as caught:
        parse_definition(chain(node))
    assert any(problem in message for _node, message in caught.value.problems), caught.value.problems
