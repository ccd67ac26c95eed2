"""The process administrator's interventions in the pure engine: 改派 (Reassign), 跳过 (SkipNode) and 重办
(RestartFrom), each with a reason and recorded as the administrator's act; and 委托代理 acts told to the
person they were done for."""

from __future__ import annotations

import pytest

from sanfu.workflow.engine import (
    ActionNotAllowedError,
    AddSigners,
    Approve,
    Complete,
    MemoryFacts,
    Notify,
    Reassign,
    Reject,
    RestartFrom,
    Return,
    SkipNode,
    Submit,
    Withdraw,
    restart_nodes,
    skippable_nodes,
)
from tests.workflow.engine.harness import START, Flow, approval, chain

INITIATOR, A, B, C, D, ADMIN = 1, 2, 3, 4, 5, 99


def _three(**spec: object) -> Flow:
    flow = Flow(chain(approval("n1", [A]), approval("n2", [B]), approval("n3", [C]), **spec))
    flow.do(Submit(actor=INITIATOR))
    return flow


# --- 改派 -----------------------------------------------------------------------------------------------


def test_a_reassigned_task_goes_to_the_new_person_who_is_told_and_the_old_one_is_cancelled():
    flow = _three()
    old = flow.task_of(A)
    decision = flow.do(Reassign(actor=ADMIN, task=old, to=D, comment="原审批人已离职"))
    assert flow.state.tasks[old].status == "cancelled"
    new = flow.task_of(D)
    assert flow.state.tasks[new].node == "n1"
    (event,) = decision.events
    assert (event.type, event.actor, event.comment, event.task) == ("admin_reassigned", ADMIN, "原审批人已离职", old)
    assert Notify("task", (D,), new, "n1", flow.state.seq) in decision.effects
    flow.do(Approve(actor=D, task=new))
    assert flow.state.waiting_on() == {B}


def test_a_waiting_signer_can_be_reassigned_and_keeps_waiting_for_their_turn():
    flow = Flow(chain(approval("n1", [A, B], mode="sequential")))
    flow.do(Submit(actor=INITIATOR))
    waiting = next(t.id for t in flow.state.tasks.values() if t.assignee == B)
    decision = flow.do(Reassign(actor=ADMIN, task=waiting, to=D, comment="B 调岗"))
    assert not [e for e in decision.effects if isinstance(e, Notify)]  # not their turn yet: nobody to tell
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    assert flow.state.waiting_on() == {D}


def test_people_added_to_a_reassigned_task_now_hang_on_the_new_one():
    flow = _three()
    held = flow.task_of(A)
    flow.do(AddSigners(actor=A, task=held, people=(C,), position="before"))
    flow.do(Reassign(actor=ADMIN, task=held, to=D, comment="A 出差"))
    flow.do(Approve(actor=C, task=flow.task_of(C)))
    assert flow.state.waiting_on() == {D}  # the 前加签 is done: the floor goes to the new holder
    flow.do(Approve(actor=D, task=flow.task_of(D)))
    assert flow.state.waiting_on() == {B}


def test_a_reassignment_cannot_be_undone_by_an_earlier_approvers_withdrawal():
    flow = _three()
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.do(Reassign(actor=ADMIN, task=flow.task_of(B), to=D, comment="B 休假"))
    with pytest.raises(ActionNotAllowedError):
        flow.do(Withdraw(actor=A))


@pytest.mark.parametrize(
    ("to", "comment", "message"),
    [
        (D, " ", "改派必须说明理由"),
        (A, "理由", "就是这项待办的办理人"),
    ],
)
def test_a_reassignment_is_refused_without_a_reason_or_to_the_holder(to, comment, message):
    flow = _three()
    with pytest.raises(ActionNotAllowedError, match=message):
        flow.do(Reassign(actor=ADMIN, task=flow.task_of(A), to=to, comment=comment))


def test_a_reassignment_is_refused_for_a_finished_task_a_missing_one_or_someone_already_at_the_node():
    flow = Flow(chain(approval("n1", [A, B], mode="all"), approval("n2", [C])))
    flow.do(Submit(actor=INITIATOR))
    task_a = flow.task_of(A)
    with pytest.raises(ActionNotAllowedError, match="已在本节点办理中"):
        flow.do(Reassign(actor=ADMIN, task=task_a, to=B, comment="理由"))
    with pytest.raises(ActionNotAllowedError, match="不存在"):
        flow.do(Reassign(actor=ADMIN, task=404, to=D, comment="理由"))
    flow.do(Approve(actor=A, task=task_a))
    with pytest.raises(ActionNotAllowedError, match="已同意，不能改派"):
        flow.do(Reassign(actor=ADMIN, task=task_a, to=D, comment="理由"))


def test_nothing_is_reassigned_once_the_instance_has_ended():
    flow = Flow(chain(approval("n1", [A])))
    flow.do(Submit(actor=INITIATOR))
    task = flow.task_of(A)
    flow.do(Approve(actor=A, task=task))
    with pytest.raises(ActionNotAllowedError, match="流程已办结"):
        flow.do(Reassign(actor=ADMIN, task=task, to=D, comment="理由"))


def test_a_reassignment_goes_to_the_new_persons_delegate_when_they_have_one():
    facts = MemoryFacts(now=START, delegations={D: C})
    flow = Flow(chain(approval("n1", [A])), facts)
    flow.do(Submit(actor=INITIATOR))
    flow.do(Reassign(actor=ADMIN, task=flow.task_of(A), to=D, comment="A 离职"))
    task = flow.state.tasks[flow.task_of(C)]
    assert task.on_behalf_of == D


# --- 跳过 -----------------------------------------------------------------------------------------------


def test_a_skipped_node_ends_its_tasks_and_the_flow_goes_on_as_if_it_had_passed():
    flow = Flow(chain(approval("n1", [A, B], mode="all"), approval("n2", [C])))
    flow.do(Submit(actor=INITIATOR))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    decision = flow.do(SkipNode(actor=ADMIN, node="n1", comment="B 长期病假，领导同意跳过"))
    first = decision.events[0]
    assert (first.type, first.actor, first.node, first.comment) == (
        "admin_skipped",
        ADMIN,
        "n1",
        "B 长期病假，领导同意跳过",
    )
    assert all(t.status != "open" for t in flow.state.tasks.values() if t.node == "n1")
    assert flow.state.waiting_on() == {C}
    assert flow.state.trail == ["n1"]
    assert Notify("task", (C,), None, "n2", flow.state.seq) in decision.effects
    flow.do(Approve(actor=C, task=flow.task_of(C)))
    assert flow.state.status == "approved"


def test_skipping_the_last_node_ends_the_instance_as_approved():
    flow = Flow(chain(approval("n1", [A])))
    flow.do(Submit(actor=INITIATOR))
    flow.do(SkipNode(actor=ADMIN, node="n1", comment="事项已线下办结"))
    assert flow.state.status == "approved"


def test_a_skipped_node_passes_nobody_automatically_later():
    # Auto-pass for the same approver on consecutive nodes: nobody approved the skipped node, so B, who
    # holds n2 too, is asked there.
    flow = Flow(chain(approval("n1", [B]), approval("n2", [B]), dedupe="consecutive"))
    flow.do(Submit(actor=INITIATOR))
    flow.do(SkipNode(actor=ADMIN, node="n1", comment="理由"))
    assert flow.state.waiting_on() == {B}


def test_a_waiting_timer_can_be_skipped():
    spec = chain({"id": "wait", "kind": "timer", "wait": {"hours": 48}}, approval("n2", [C]))
    flow = Flow(spec)
    flow.do(Submit(actor=INITIATOR))
    assert skippable_nodes(flow.definition, flow.state) == [flow.definition.node("wait")]
    flow.do(SkipNode(actor=ADMIN, node="wait", comment="不必再等"))
    assert flow.state.waits == {}
    assert flow.state.waiting_on() == {C}


def test_only_a_node_being_worked_on_can_be_skipped_and_only_with_a_reason():
    flow = _three()
    with pytest.raises(ActionNotAllowedError, match="不在办理中"):
        flow.do(SkipNode(actor=ADMIN, node="n2", comment="理由"))
    with pytest.raises(ActionNotAllowedError, match="不在办理中"):
        flow.do(SkipNode(actor=ADMIN, node="nowhere", comment="理由"))
    with pytest.raises(ActionNotAllowedError, match="必须说明理由"):
        flow.do(SkipNode(actor=ADMIN, node="n1", comment=""))
    flow.do(Return(actor=A, task=flow.task_of(A), comment="缺材料"))
    assert skippable_nodes(flow.definition, flow.state) == []
    with pytest.raises(ActionNotAllowedError, match="流程已退回发起人"):
        flow.do(SkipNode(actor=ADMIN, node="n1", comment="理由"))


# --- 重办 -----------------------------------------------------------------------------------------------


def test_restarting_from_an_earlier_node_gives_its_people_fresh_tasks_and_cuts_the_trail_back():
    flow = _three()
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.do(Approve(actor=B, task=flow.task_of(B)))
    old_c = flow.task_of(C)
    decision = flow.do(RestartFrom(actor=ADMIN, node="n1", comment="金额有误，从头审"))
    first = decision.events[0]
    assert (first.type, first.actor, first.node, first.comment) == ("admin_restarted", ADMIN, "n1", "金额有误，从头审")
    assert flow.state.tasks[old_c].status == "cancelled"
    assert flow.state.waiting_on() == {A}
    assert flow.state.trail == []
    assert Notify("task", (A,), None, "n1", flow.state.seq) in decision.effects
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    assert flow.state.waiting_on() == {B}  # forward again, node by node


def test_restarting_the_node_being_worked_on_renews_its_tasks():
    flow = _three()
    old = flow.task_of(A)
    flow.do(RestartFrom(actor=ADMIN, node="n1", comment="重新生成待办"))
    assert flow.state.tasks[old].status == "cancelled"
    assert flow.task_of(A) != old


def test_restarting_never_passes_the_node_automatically():
    flow = Flow(chain(approval("n1", [A]), approval("n2", [A]), approval("n3", [C]), dedupe="consecutive"))
    flow.do(Submit(actor=INITIATOR))
    flow.do(Approve(actor=A, task=flow.task_of(A)))  # n2 passes by itself: the same approver
    assert flow.state.waiting_on() == {C}
    flow.do(RestartFrom(actor=ADMIN, node="n2", comment="请 A 认真看 n2"))
    assert flow.state.waiting_on() == {A}
    assert flow.state.runs.keys() == {"n2"}


def test_a_returned_instance_can_be_restarted_at_a_node_it_reached_without_resubmission():
    flow = _three(resubmit="jump_back")
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.do(Return(actor=B, task=flow.task_of(B), to="initiator", comment="缺发票"))
    assert flow.state.status == "returned"
    assert [n.id for n in restart_nodes(flow.definition, flow.state)] == ["n1", "n2"]
    flow.do(RestartFrom(actor=ADMIN, node="n1", comment="发票已由财务补齐"))
    assert flow.state.status == "running"
    assert flow.state.returned_from is None
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    assert flow.state.waiting_on() == {B}  # no pending jump back: the next node in order


def test_restart_is_refused_for_a_node_not_reached_one_in_a_parallel_branch_or_an_ended_instance():
    spec = {
        "key": "p",
        "nodes": [
            {"id": "start", "kind": "start", "next": "split"},
            {"id": "split", "kind": "parallel", "branches": ["pa", "pb"], "join": "join"},
            {**approval("pa", [A]), "next": "join"},
            {**approval("pb", [B]), "next": "join"},
            {"id": "join", "kind": "join", "next": "last"},
            {**approval("last", [C]), "next": "end"},
            {"id": "end", "kind": "end"},
        ],
    }
    flow = Flow(spec)
    flow.do(Submit(actor=INITIATOR))
    assert restart_nodes(flow.definition, flow.state) == []
    with pytest.raises(ActionNotAllowedError, match="并行分支外"):
        flow.do(RestartFrom(actor=ADMIN, node="pa", comment="理由"))
    with pytest.raises(ActionNotAllowedError, match="并行分支外"):
        flow.do(RestartFrom(actor=ADMIN, node="last", comment="理由"))
    with pytest.raises(ActionNotAllowedError, match="必须说明理由"):
        flow.do(RestartFrom(actor=ADMIN, node="pa", comment=" "))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.do(Approve(actor=B, task=flow.task_of(B)))
    flow.do(Reject(actor=C, task=flow.task_of(C), comment="不同意"))
    with pytest.raises(ActionNotAllowedError, match="流程已被驳回"):
        flow.do(RestartFrom(actor=ADMIN, node="last", comment="理由"))


# --- 委托代理: the principal hears what was done in their name ----------------------------------------


@pytest.mark.parametrize(
    ("kind", "act"),
    [
        ("deputy_approved", lambda task: Approve(actor=D, task=task, comment="同意")),
        ("deputy_rejected", lambda task: Reject(actor=D, task=task, comment="不符合制度")),
        ("deputy_returned", lambda task: Return(actor=D, task=task, comment="缺材料")),
    ],
)
def test_the_principal_is_told_what_the_delegate_did_in_their_name(kind, act):
    flow = Flow(chain(approval("n1", [A])), MemoryFacts(now=START, delegations={A: D}))
    flow.do(Submit(actor=INITIATOR))
    task = flow.task_of(D)
    decision = flow.do(act(task))
    told = [e for e in decision.effects if isinstance(e, Notify) and e.kind == kind]
    assert told == [Notify(kind, (A,), task, "n1", decision.events[0].seq)]
    assert decision.events[0].on_behalf_of == A


def test_the_principal_is_told_of_a_handling_done_for_them_and_not_of_their_own_acts():
    handle = {"id": "h", "kind": "handle", "approvers": {"type": "users", "users": [A]}}
    flow = Flow(chain(handle), MemoryFacts(now=START, delegations={A: D}))
    flow.do(Submit(actor=INITIATOR))
    decision = flow.do(Complete(actor=D, task=flow.task_of(D), comment="已办"))
    assert [e.people for e in decision.effects if isinstance(e, Notify) and e.kind == "deputy_completed"] == [(A,)]
    own = Flow(chain(approval("n1", [A])), MemoryFacts(now=START, delegations={A: D}))
    own.do(Submit(actor=INITIATOR))
    task = own.task_of(D)
    decision = own.do(Approve(actor=A, task=task))  # the principal acts on their own task themselves
    assert not [e for e in decision.effects if isinstance(e, Notify) and e.kind.startswith("deputy_")]
