"""挂起计时: a task's deadline is held while the office waits for the requester and moves on, when resumed, by
the working time that passed while held (补正期间不计时). The expected moments are worked out by hand below."""

from datetime import UTC, date, datetime

import pytest

from sanfu.workflow.engine import (
    ActionNotAllowedError,
    Approve,
    Complete,
    HoldDeadline,
    MemoryFacts,
    ResumeDeadline,
    State,
    Submit,
    Task,
    Tick,
    Withdraw,
)
from tests.workflow.engine.harness import START, Flow, approval, chain

INITIATOR, A, B, ADMIN = 1, 2, 3, 9


def handle(node_id: str, people: list[int], **extra: object) -> dict[str, object]:
    return {"id": node_id, "kind": "handle", "approvers": {"type": "users", "users": people}, **extra}


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def in_days(facts: MemoryFacts | None = None) -> Flow:
    """Started Mon 2026-11-23 09:00: A's task is due in 3 working days, Thu 11-26 09:00, reminded 4 hours
    before, Thu 05:00."""
    flow = Flow(chain(handle("n1", [A], deadline={"working_days": 3, "remind_before_hours": 4})), facts)
    flow.do(Submit(actor=INITIATOR))
    return flow


def test_a_hold_across_a_weekend_moves_the_deadline_by_the_working_days_held():
    flow = in_days()
    task = flow.task_of(A)
    assert flow.state.tasks[task].due_at == at(11, 26, 9)
    flow.facts.now = at(11, 24, 10)  # Tue 10:00
    flow.do(HoldDeadline(actor=A, task=task, reason="缺身份证复印件"))
    held = flow.state.tasks[task]
    assert held.held
    assert held.due_at is None
    assert held.remind_at is None
    assert (held.held_due_at, held.held_remind_at) == (at(11, 26, 9), at(11, 26, 5))
    assert flow.last.wakeup is None  # nothing to time while held
    flow.facts.now = at(11, 27, 12)  # past the old deadline: nothing fires
    flow.do(Tick())
    assert "overdue" not in flow.types()
    assert "deadline_reminded" not in flow.types()
    # Resumed Mon 11-30 11:00. From Tue 10:00: Wed, Thu, Fri 10:00 and (over the weekend) Mon 10:00 have
    # passed, Tue 12-01 10:00 has not: 4 working days. Thu 11-26 + 4 working days = Fri, Mon, Tue, Wed 12-02.
    flow.facts.now = at(11, 30, 11)
    flow.do(ResumeDeadline(actor=A, task=task))
    resumed = flow.state.tasks[task]
    assert not resumed.held
    assert resumed.held_due_at is None
    assert (resumed.due_at, resumed.remind_at) == (at(12, 2, 9), at(12, 2, 5))
    event = flow.events[-1]
    assert (event.type, event.actor, event.changes["paused_days"]) == ("deadline_resumed", A, 4)
    assert flow.last.wakeup == at(12, 2, 5)
    flow.facts.now = at(12, 2, 10)
    flow.do(Tick())
    assert flow.types()[-2:] == ["deadline_reminded", "overdue"]


def test_a_holiday_while_held_is_not_counted_and_not_a_day_of_the_new_deadline():
    flow = in_days(MemoryFacts(now=START, rest_days={date(2026, 11, 27)}))  # Fri 11-27 a holiday
    task = flow.task_of(A)
    flow.facts.now = at(11, 24, 10)
    flow.do(HoldDeadline(actor=A, task=task, reason="等补正"))
    # Tue 10:00 → Mon 11:00: Wed, Thu, (Fri is a holiday), Mon: 3 working days. Thu 11-26 09:00 + 3: Mon, Tue, Wed.
    flow.facts.now = at(11, 30, 11)
    flow.do(ResumeDeadline(actor=A, task=task))
    assert flow.events[-1].changes["paused_days"] == 3
    assert flow.state.tasks[task].due_at == at(12, 2, 9)


def test_a_hold_shorter_than_a_working_day_leaves_a_deadline_in_days_where_it_was():
    flow = in_days()
    task = flow.task_of(A)
    flow.facts.now = at(11, 27, 16)  # Fri 16:00 …
    flow.do(HoldDeadline(actor=A, task=task, reason="等补正"))
    flow.facts.now = at(11, 30, 9)  # … to Mon 09:00: Mon 16:00 has not come, no working day passed
    flow.do(ResumeDeadline(actor=A, task=task))
    assert flow.events[-1].changes["paused_days"] == 0
    assert flow.state.tasks[task].due_at == at(11, 26, 9)


def test_a_deadline_in_working_hours_moves_by_the_working_hours_held_to_the_minute():
    # MemoryFacts counts working hours round the clock on working days. Due Mon 09:00 + 8 h = Mon 17:00.
    flow = Flow(chain(handle("n1", [A], deadline={"working_hours": 8})))
    flow.do(Submit(actor=INITIATOR))
    task = flow.task_of(A)
    assert flow.state.tasks[task].due_at == at(11, 23, 17)
    flow.facts.now = at(11, 27, 20)  # Fri 20:00 …
    flow.do(HoldDeadline(actor=A, task=task, reason="等补正"))
    flow.facts.now = at(11, 30, 2, 30)  # … to Mon 02:30: Fri 4 h, the weekend none, Mon 2.5 h = 6.5 h
    flow.do(ResumeDeadline(actor=A, task=task))
    assert flow.events[-1].changes["paused_hours"] == 6.5
    assert flow.state.tasks[task].due_at == at(11, 23, 23, 30)  # Mon 17:00 + 6.5 h (a working day)


def test_an_overdue_task_held_and_resumed_keeps_its_overdue_time_and_is_not_warned_twice():
    flow = in_days()
    task = flow.task_of(A)
    flow.facts.now = at(11, 26, 10)  # Thu 10:00: reminded and overdue
    flow.do(Tick())
    assert flow.state.tasks[task].overdue
    flow.do(HoldDeadline(actor=A, task=task, reason="等补正"))
    flow.facts.now = at(12, 1, 10)  # Tue 12-01 10:00: Fri, Mon, Tue = 3 working days; Thu 09:00 + 3 = Tue 09:00
    flow.do(ResumeDeadline(actor=A, task=task))
    resumed = flow.state.tasks[task]
    assert resumed.due_at == at(12, 1, 9)
    assert resumed.overdue
    assert resumed.reminded
    flow.do(Tick())
    assert flow.types().count("overdue") == 1
    assert flow.types().count("deadline_reminded") == 1


def test_holding_a_held_task_or_resuming_an_unheld_one_is_refused_and_changes_nothing():
    flow = in_days()
    task = flow.task_of(A)
    with pytest.raises(ActionNotAllowedError, match="没有暂停计时"):
        flow.do(ResumeDeadline(actor=A, task=task))
    flow.do(HoldDeadline(actor=A, task=task, reason="等补正"))
    before = flow.state
    with pytest.raises(ActionNotAllowedError, match="已暂停计时"):
        flow.do(HoldDeadline(actor=A, task=task, reason="再等"))
    assert flow.state is before


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (HoldDeadline(actor=B, task=1, reason="等补正"), "不是您的待办"),
        (HoldDeadline(actor=A, task=1, reason="  "), "说明理由"),
        (HoldDeadline(actor=A, task=99, reason="等补正"), "不存在"),
    ],
)
def test_only_the_holder_with_a_reason_holds_a_task(command, message):
    flow = in_days()
    with pytest.raises(ActionNotAllowedError, match=message):
        flow.do(command)
    assert not flow.state.tasks[1].held


def test_someone_the_caller_checked_may_hold_and_resume_another_persons_task():
    flow = in_days()
    task = flow.task_of(A)
    flow.do(HoldDeadline(actor=ADMIN, task=task, reason="等申请人补正", checked=True))
    flow.do(ResumeDeadline(actor=ADMIN, task=task, checked=True))
    assert [(e.type, e.actor, e.on_behalf_of) for e in flow.events[-2:]] == [
        ("deadline_held", ADMIN, None),
        ("deadline_resumed", ADMIN, None),
    ]


def test_a_task_without_a_deadline_a_finished_one_or_a_finished_instance_cannot_be_held():
    flow = Flow(chain(handle("n1", [A])))
    flow.do(Submit(actor=INITIATOR))
    with pytest.raises(ActionNotAllowedError, match="没有办理期限"):
        flow.do(HoldDeadline(actor=A, task=flow.task_of(A), reason="等补正"))
    flow = in_days()
    task = flow.task_of(A)
    flow.do(Complete(actor=A, task=task, comment="好"))
    with pytest.raises(ActionNotAllowedError, match="办结"):
        flow.do(HoldDeadline(actor=A, task=task, reason="等补正"))


def test_a_task_completed_while_held_ends_and_the_instance_goes_on():
    flow = in_days()
    task = flow.task_of(A)
    flow.do(HoldDeadline(actor=A, task=task, reason="等补正"))
    flow.do(Complete(actor=A, task=task, comment="材料已当场补齐"))
    assert flow.state.status == "approved"
    with pytest.raises(ActionNotAllowedError):
        flow.do(ResumeDeadline(actor=A, task=task))


def test_a_withdrawn_approval_does_not_undo_someone_elses_hold():
    flow = Flow(chain(approval("n1", [A, B], mode="all", deadline={"working_days": 2})))
    flow.do(Submit(actor=INITIATOR))
    b_task = flow.task_of(B)
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.do(HoldDeadline(actor=B, task=b_task, reason="等补正"))
    flow.do(Withdraw(actor=A))
    assert flow.state.tasks[b_task].held
    assert flow.state.waiting_on() == {A, B}


def test_a_held_task_survives_the_json_round_trip_and_states_written_before_the_fields_still_load():
    flow = in_days()
    task = flow.task_of(A)
    flow.do(HoldDeadline(actor=A, task=task, reason="等补正"))
    assert State.from_dict(flow.state.to_dict()) == flow.state
    old = flow.state.to_dict()
    for data in old["tasks"]:
        for name in ("held_at", "held_due_at", "held_remind_at"):
            del data[name]
    loaded = State.from_dict(old)
    assert not loaded.tasks[task].held
    assert loaded.tasks[task].due_at is None
    written_before = Task.from_dict(
        {"id": 1, "node": "n1", "visit": 1, "kind": "handle", "assignee": A, "status": "open"}
    )
    assert written_before.held_at is None
    assert not written_before.held
