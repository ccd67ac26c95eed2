"""特急 (the green channel): every node it passes over is filed (备案) to that node's people."""

import pytest

from sanfu.workflow.engine import InvalidDefinitionError, Notify, State, Submit, parse_definition, path_ahead
from tests.workflow.engine.harness import Flow

INITIATOR, HEAD, FIN1, FIN2, GM = 1, 2, 3, 4, 5


def _spec(**filing: object) -> dict[str, object]:
    return {
        "key": "green",
        "version": 1,
        "fields": [{"name": "amount"}],
        "nodes": [
            {"id": "start", "kind": "start", "next": "grade"},
            {
                "id": "grade",
                "kind": "condition",
                "branches": [{"when": 'urgency == "特急"', "next": "green"}, {"default": True, "next": "review"}],
            },
            {
                "id": "review",
                "kind": "approval",
                "name": "审核",
                "approvers": {"type": "users", "users": [HEAD]},
                "next": "finance",
            },
            {
                "id": "finance",
                "kind": "approval",
                "name": "财务审核",
                "mode": "all",
                "approvers": {"type": "users", "users": [FIN1, FIN2]},
                "next": "final",
            },
            {"id": "green", "kind": "filing", "name": "绿色通道备案", "next": "final", **filing},
            {
                "id": "final",
                "kind": "approval",
                "name": "审批",
                "approvers": {"type": "users", "users": [GM]},
                "next": "end",
            },
            {"id": "end", "kind": "end"},
        ],
    }


def test_every_node_the_green_channel_passes_over_is_filed_to_its_people():
    flow = Flow(_spec(passes_over=["review", "finance"]))
    decision = flow.do(Submit(actor=INITIATOR, urgency="特急"))
    filed = [e for e in flow.events if e.type == "filed"]
    assert [e.node for e in filed] == ["review", "finance"]
    notices = {(t.node, t.assignee) for t in flow.state.tasks.values() if t.kind == "filing"}
    assert notices == {("review", HEAD), ("finance", FIN1), ("finance", FIN2)}
    assert {t.status for t in flow.state.tasks.values() if t.kind == "filing"} == {"unread"}
    notified = [(n.node, n.people) for n in decision.effects if isinstance(n, Notify) and n.kind == "filing"]
    assert notified == [("review", (HEAD,)), ("finance", (FIN1, FIN2))]
    assert flow.state.waiting_on() == {GM}


def test_the_filing_node_own_recipients_are_filed_too():
    flow = Flow(_spec(recipients={"type": "users", "users": [FIN1]}, passes_over=["finance"]))
    flow.do(Submit(actor=INITIATOR, urgency="特急"))
    assert [e.node for e in flow.events if e.type == "filed"] == ["green", "finance"]


def test_the_ordinary_path_files_nothing():
    flow = Flow(_spec(passes_over=["review", "finance"]))
    flow.do(Submit(actor=INITIATOR))
    assert "filed" not in flow.types()
    assert flow.state.waiting_on() == {HEAD}


@pytest.mark.parametrize(
    ("filing", "problem"),
    [
        ({"passes_over": ["nowhere"]}, "nowhere"),
        ({"passes_over": ["final", "end"]}, "end"),
        ({"passes_over": "review"}, "passes_over"),
        ({}, "接收人"),
    ],
)
def test_what_a_green_channel_passes_over_is_checked_when_the_definition_is_parsed(filing, problem):
    with pytest.raises(InvalidDefinitionError) as caught:
        parse_definition(_spec(**filing))
    assert any(problem in message for _node, message in caught.value.problems), caught.value.problems


def test_the_path_ahead_of_a_green_channel_names_the_people_it_files_to():
    flow = Flow(_spec(passes_over=["review", "finance"]))
    probe = State(form={"amount": 1}, urgency="特急", initiator=INITIATOR)
    ahead = [(node.id, people) for node, people in path_ahead(flow.definition, probe, flow.facts)]
    assert ahead == [("green", [HEAD, FIN1, FIN2]), ("final", [GM])]
