"""The process administrator's interventions in the pure engine: 改派 (Reassign), 跳过 (SkipNode) and 重办
(RestartFrom), each with a reason and recorded as the administrator's act; and 委托代理 acts told to the
person they were done for."""

from __future__ import annotations

import pytest

from sanfu.workflow.engine import (
    ActionNotAllowedError,
    AddSigners,
    Approve,
    MemoryFacts,
    Notify,
    Reassign,
    Submit,
    Withdraw,
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
