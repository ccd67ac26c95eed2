"""Deadlines keep holding after a return and resubmission (each visit has its own clock)."""

from sanfu.workflow.engine import Approve, Return, Submit, Tick, Withdraw
from tests.workflow.engine.harness import Flow, approval, chain

INITIATOR, A, B = 1, 2, 3


def test_a_returned_and_resubmitted_node_gets_a_fresh_deadline_and_the_old_one_never_fires():
    spec = chain(
        approval("n1", [A], deadline={"working_days": 1, "on_timeout": "auto_approve"}),
        approval("n2", [B], deadline={"working_days": 1, "on_timeout": "auto_return"}),
    )
    flow = Flow(spec)
    flow.do(Submit(actor=INITIATOR))
    first = flow.state.tasks[flow.task_of(A)]
    flow.later(hours=20)
    flow.do(Return(actor=A, task=first.id, comment="补材料"))
    assert flow.last.wakeup is None  # nothing left to time while it sits with the initiator
    flow.later(days=3)
    flow.do(Tick())
    assert "auto_approved" not in flow.types()
    flow.do(Submit(actor=INITIATOR))
    second = flow.state.tasks[flow.task_of(A)]
    assert second.due_at > first.due_at
    assert flow.last.wakeup == second.due_at


def test_auto_return_on_timeout_sends_it_back_and_the_history_says_why():
    spec = chain(approval("n1", [A]), approval("n2", [B], deadline={"working_days": 1, "on_timeout": "auto_return"}))
    flow = Flow(spec)
    flow.do(Submit(actor=INITIATOR))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.later(days=3)
    flow.do(Tick())
    assert flow.state.status == "returned"
    returned = [e for e in flow.events if e.type == "task_returned"][-1]
    assert returned.actor is None
    assert "超时" in returned.comment


def test_auto_transfer_on_timeout_goes_to_the_rule_and_is_recorded():
    spec = chain(
        approval(
            "n1",
            [A],
            deadline={
                "working_hours": 2,
                "on_timeout": "auto_transfer",
                "transfer_to": {"type": "users", "users": [B]},
            },
        )
    )
    flow = Flow(spec)
    flow.do(Submit(actor=INITIATOR))
    flow.later(hours=3)
    flow.do(Tick())
    assert flow.state.waiting_on() == {B}
    moved = next(e for e in flow.events if e.type == "transferred")
    assert moved.actor is None
    assert "超时" in moved.comment


def test_a_reminder_already_sent_is_not_sent_again_after_a_withdrawal():
    spec = chain(approval("n1", [A, B], mode="all", deadline={"working_hours": 4, "remind_before_hours": 3}))
    flow = Flow(spec)
    flow.do(Submit(actor=INITIATOR))
    b_task = flow.task_of(B)
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.later(hours=2)
    flow.do(Tick())  # B's reminder goes out after A approved
    assert flow.state.tasks[b_task].reminded
    flow.do(Withdraw(actor=A))  # back to before A's approval — but B was reminded since
    assert flow.state.tasks[b_task].reminded
    flow.do(Tick())
    assert sum(1 for e in flow.events if e.type == "deadline_reminded" and e.task == b_task) == 1
