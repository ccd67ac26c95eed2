"""退回 to a node reaches that node's people: the same-approver auto-pass is for the forward path only."""

from sanfu.workflow.engine import Approve, Notify, Return, Submit, path_ahead, path_nodes
from tests.workflow.engine.harness import Flow, approval, chain

INITIATOR, A, B, C = 1, 2, 3, 4


def _three(**spec: object) -> Flow:
    """n1 (A) → n2 (B) → n3 (C), auto-pass for the same approver on consecutive nodes, 退回后直送."""
    options = {"dedupe": "consecutive", "resubmit": "jump_back", **spec}
    flow = Flow(chain(approval("n1", [A]), approval("n2", [B]), approval("n3", [C]), **options))
    flow.do(Submit(actor=INITIATOR))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.do(Approve(actor=B, task=flow.task_of(B)))
    return flow


def _types_since(flow: Flow, count: int) -> list[str]:
    return [e.type for e in flow.events[count:]]


def test_return_to_the_previous_node_opens_a_task_for_its_approver_instead_of_passing_it():
    flow = _three()
    before = len(flow.events)
    decision = flow.do(Return(actor=C, task=flow.task_of(C), to="previous", comment="请复核金额"))
    assert flow.state.waiting_on() == {B}
    assert "auto_approved" not in _types_since(flow, before)
    assert Notify("task", (B,), None, "n2", flow.state.seq) in decision.effects


def test_return_to_a_node_by_name_opens_a_task_for_its_approver():
    flow = _three()
    flow.do(Return(actor=C, task=flow.task_of(C), to="n1", comment="从头核"))
    assert flow.state.waiting_on() == {A}
    assert flow.state.runs.keys() == {"n1"}


def test_the_return_target_is_never_passed_even_when_its_approver_approved_the_node_before_it():
    # n1 and n2 are both A's: on the way forward n2 passed by itself; sent back to n2, A must look again.
    flow = Flow(chain(approval("n1", [A]), approval("n2", [A]), approval("n3", [C]), dedupe="everywhere"))
    flow.do(Submit(actor=INITIATOR))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    assert flow.state.waiting_on() == {C}  # n2 passed on the forward path
    flow.do(Return(actor=C, task=flow.task_of(C), to="previous", comment="请复核"))
    assert flow.state.waiting_on() == {A}
    assert flow.state.runs.keys() == {"n2"}


def test_a_second_return_to_the_previous_node_steps_back_one_more_node():
    flow = _three()
    flow.do(Return(actor=C, task=flow.task_of(C), to="previous", comment="请复核"))
    flow.do(Return(actor=B, task=flow.task_of(B), to="previous", comment="再往前"))
    assert flow.state.waiting_on() == {A}
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    assert flow.state.waiting_on() == {B}  # back to the node that returned it last
    flow.do(Approve(actor=B, task=flow.task_of(B)))
    assert flow.state.waiting_on() == {C}


def test_after_a_jump_back_the_previous_node_is_the_one_before_the_returning_node():
    flow = _three()
    flow.do(Return(actor=C, task=flow.task_of(C), to="n1", comment="从头核"))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    assert flow.state.waiting_on() == {C}  # jumped back over n2
    flow.do(Return(actor=C, task=flow.task_of(C), to="previous", comment="请 n2 再看"))
    assert flow.state.status == "running"
    assert flow.state.waiting_on() == {B}


def test_after_a_resubmission_that_jumps_back_the_previous_node_is_not_the_initiator():
    flow = _three()
    flow.do(Return(actor=C, task=flow.task_of(C), to="initiator", comment="缺发票"))
    flow.do(Submit(actor=INITIATOR, form={"invoice": "yes"}))
    assert flow.state.waiting_on() == {C}
    flow.do(Return(actor=C, task=flow.task_of(C), to="previous", comment="请 n2 再看"))
    assert flow.state.status == "running"
    assert flow.state.waiting_on() == {B}


def test_the_node_jumped_back_to_is_not_passed_for_the_approver_of_the_node_before_it():
    # A holds n1 and n3: returned from n3 to n1 and approved there, n3 must still be A's to decide again.
    spec = chain(
        approval("n1", [A]), approval("n2", [B]), approval("n3", [A]), dedupe="consecutive", resubmit="jump_back"
    )
    flow = Flow(spec)
    flow.do(Submit(actor=INITIATOR))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.do(Approve(actor=B, task=flow.task_of(B)))
    flow.do(Return(actor=A, task=flow.task_of(A), to="n1", comment="先改 n1"))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    assert flow.state.waiting_on() == {A}
    assert flow.state.runs.keys() == {"n3"}


def test_the_forward_path_still_passes_the_same_approver_on_consecutive_nodes():
    flow = Flow(chain(approval("n1", [A]), approval("n2", [A]), approval("n3", [C]), dedupe="consecutive"))
    flow.do(Submit(actor=INITIATOR))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    assert "auto_approved" in flow.types()
    assert flow.state.waiting_on() == {C}


def test_a_return_logs_its_comment_once():
    flow = _three()
    before = len(flow.events)
    flow.do(Return(actor=C, task=flow.task_of(C), to="previous", comment="请复核金额"))
    with_comment = [e.type for e in flow.events[before:] if e.comment == "请复核金额"]
    assert with_comment == ["task_returned"]
    flow.do(Return(actor=B, task=flow.task_of(B), to="initiator", comment="退给发起人"))
    assert [e.type for e in flow.events if e.comment == "退给发起人"] == ["task_returned"]


def test_the_path_ahead_while_returned_to_a_node_is_the_path_it_will_take():
    flow = _three()
    flow.do(Return(actor=C, task=flow.task_of(C), to="n1", comment="从头核"))
    ahead = [n.id for n in path_nodes(flow.definition, flow.state, flow.facts)]
    assert ahead == ["n1", "n3", "end"]  # after n1 it jumps straight back to n3
    assert [(node.id, people) for node, people in path_ahead(flow.definition, flow.state, flow.facts)] == [
        ("n1", [A]),
        ("n3", [C]),
    ]


def test_the_path_ahead_while_returned_to_the_initiator_starts_where_the_resubmission_goes():
    flow = _three()
    flow.do(Return(actor=C, task=flow.task_of(C), to="initiator", comment="缺发票"))
    assert [n.id for n in path_nodes(flow.definition, flow.state, flow.facts)] == ["n3", "end"]
    restart = _three(resubmit="restart")
    restart.do(Return(actor=C, task=restart.task_of(C), to="initiator", comment="缺发票"))
    assert [n.id for n in path_nodes(restart.definition, restart.state, restart.facts)] == [
        "start",
        "n1",
        "n2",
        "n3",
        "end",
    ]
