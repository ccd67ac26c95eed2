"""Engine bugs found by the property tests (test_properties.py), each as a named scenario."""

import gc

import pytest

from sanfu.workflow.engine import (
    ActionNotAllowedError,
    AddSigners,
    Approve,
    Complete,
    MarkRead,
    Reject,
    RemoveSigners,
    Submit,
    Tick,
    Transfer,
    Withdraw,
    parse_definition,
)
from tests.workflow.engine.harness import Flow, approval, chain

INITIATOR, A, B, C, D, E = 1, 2, 3, 4, 5, 6


def _parallel_spec(*, on_reject: dict[str, str]) -> dict[str, object]:
    return {
        "key": "p",
        "version": 1,
        "nodes": [
            {"id": "start", "kind": "start", "next": "first"},
            {"id": "first", "kind": "approval", "approvers": {"type": "users", "users": [E]}, "next": "split"},
            {"id": "split", "kind": "parallel", "branches": ["a", "b"], "join": "join"},
            {"id": "a", "kind": "approval", "approvers": {"type": "users", "users": [A]}, "next": "join"},
            {"id": "b", "kind": "approval", "approvers": {"type": "users", "users": [B]}, "next": "join", **on_reject},
            {"id": "join", "kind": "join", "next": "end"},
            {"id": "end", "kind": "end"},
        ],
    }


def test_parallel_regions_belong_to_their_own_definition_even_when_ids_are_reused():
    # Regions were cached by id(definition): a new definition at a collected one's address got its regions.
    with_parallel = _parallel_spec(on_reject={})
    plain = chain(approval("a", [A]))
    for _ in range(5):
        definition = parse_definition(with_parallel)
        assert definition.parallel_region("a") == "split"
        del definition
        gc.collect()
        assert parse_definition(plain).parallel_region("a") is None


def test_transfer_to_someone_already_holding_a_task_at_the_node_is_refused():
    # 会签: transferring to another signer of the node gave that person two votes.
    flow = Flow(chain(approval("n1", [A, B], mode="all")))
    flow.do(Submit(actor=INITIATOR))
    with pytest.raises(ActionNotAllowedError, match="已在本节点办理中"):
        flow.do(Transfer(actor=A, task=flow.task_of(A), to=B))
    flow.do(Transfer(actor=A, task=flow.task_of(A), to=C))
    assert flow.state.waiting_on() == {B, C}


def test_timeout_auto_transfer_skips_people_already_at_the_node():
    deadline = {"working_hours": 2, "on_timeout": "auto_transfer", "transfer_to": {"type": "users", "users": [B, C]}}
    handle = {"id": "n1", "kind": "handle", "mode": "sequential", "approvers": {"type": "users", "users": [A, B]}}
    flow = Flow(chain(handle | {"deadline": deadline}))
    flow.do(Submit(actor=INITIATOR))
    flow.later(hours=3)
    flow.do(Tick())
    (moved,) = (t for t in flow.state.tasks.values() if t.status == "open")
    assert moved.assignee == C  # not B, who already waits for their own turn at this node


def test_rejection_returning_to_previous_from_a_parallel_branch_is_not_refused():
    # reject_to "previous" resolved to the sibling branch's node, so the rejection itself was refused.
    flow = Flow(_parallel_spec(on_reject={"on_reject": "return", "reject_to": "previous"}))
    flow.do(Submit(actor=INITIATOR))
    flow.do(Approve(actor=E, task=flow.task_of(E)))
    flow.do(Approve(actor=A, task=flow.task_of(A)))  # the trail now ends with the sibling branch's node
    flow.do(Reject(actor=B, task=flow.task_of(B), comment="不同意"))
    assert flow.state.status == "running"
    assert flow.state.waiting_on() == {E}  # back to the last node outside the parallel block


def test_rejection_returning_to_a_node_not_done_this_round_goes_to_the_initiator():
    spec = chain(approval("n1", [A]), approval("n2", [B], on_reject="return", reject_to="n3"), approval("n3", [C]))
    flow = Flow(spec)
    flow.do(Submit(actor=INITIATOR))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.do(Reject(actor=B, task=flow.task_of(B), comment="不同意"))
    assert flow.state.status == "returned"


def test_withdrawing_an_approval_keeps_the_read_receipts_given_since():
    spec = chain(
        {"id": "cc", "kind": "cc", "recipients": {"type": "users", "users": [D]}},
        approval("n1", [A]),
        approval("n2", [B]),
    )
    flow = Flow(spec)
    flow.do(Submit(actor=INITIATOR))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    notice = next(t for t in flow.state.tasks.values() if t.kind == "cc")
    flow.do(MarkRead(actor=D, task=notice.id))
    flow.do(Withdraw(actor=A))
    assert flow.state.waiting_on() == {A}
    assert flow.state.tasks[notice.id].status == "read"


def test_removing_signers_is_an_act_after_which_an_earlier_approval_cannot_be_withdrawn():
    flow = Flow(chain(approval("n1", [A, B], mode="all")))
    flow.do(Submit(actor=INITIATOR))
    holder = flow.task_of(B)
    flow.do(AddSigners(actor=B, task=holder, people=(C,), position="after"))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.do(RemoveSigners(actor=B, task=holder, people=(C,)))
    with pytest.raises(ActionNotAllowedError, match="只能在下一位审批人处理之前"):
        flow.do(Withdraw(actor=A))  # it would have brought C back


def test_one_approval_settles_an_any_group_of_added_signers():
    # 或签 前加签: after B approved, C's task stayed open and C's late rejection rejected the whole node.
    flow = Flow(chain(approval("n1", [A, E], mode="all")))
    flow.do(Submit(actor=INITIATOR))
    holder = flow.task_of(A)
    flow.do(AddSigners(actor=A, task=holder, people=(B, C), position="before", mode="any"))
    flow.do(Approve(actor=B, task=flow.task_of(B)))
    assert flow.open_for(C) == []
    assert flow.state.waiting_on() == {A, E}
    flow.do(Approve(actor=A, task=holder))
    flow.do(Approve(actor=E, task=flow.task_of(E)))
    assert flow.state.status == "approved"


def test_a_second_before_group_on_the_same_holder_votes_on_its_own():
    # Added signers were grouped per holder and position, so a decided 或签 group decided the next one too.
    flow = Flow(chain({"id": "n1", "kind": "handle", "approvers": {"type": "users", "users": [A]}}))
    flow.do(Submit(actor=INITIATOR))
    holder = flow.task_of(A)
    flow.do(AddSigners(actor=A, task=holder, people=(B,), position="before", mode="any"))
    flow.do(Complete(actor=B, task=flow.task_of(B)))
    flow.do(AddSigners(actor=A, task=holder, people=(C, D), position="before", mode="sequential"))
    assert flow.state.waiting_on() == {C}
    flow.do(Complete(actor=C, task=flow.task_of(C)))
    assert flow.state.waiting_on() == {D}
    flow.do(Complete(actor=D, task=flow.task_of(D)))
    assert flow.state.waiting_on() == {A}
    flow.do(Complete(actor=A, task=holder))
    assert flow.state.status == "approved"
