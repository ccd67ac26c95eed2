"""Scenarios for each command and node kind of the pure engine."""

import pytest

from sanfu.workflow.engine import (
    ActionNotAllowedError,
    AddSigners,
    Approve,
    Cancel,
    Comment,
    Complete,
    MarkRead,
    MemoryFacts,
    Reject,
    RemoveSigners,
    Return,
    Submit,
    SubprocessEnded,
    Tick,
    Transfer,
    Urge,
    Withdraw,
)
from tests.workflow.engine.harness import START, Flow, approval, chain

INITIATOR, A, B, C, D, E = 1, 2, 3, 4, 5, 6


def test_sequential_approval_goes_person_by_person_and_ends_approved():
    flow = Flow(chain(approval("n1", [A, B], mode="sequential"), approval("n2", [C])))
    flow.do(Submit(actor=INITIATOR, form={"amount": 100}))
    assert flow.state.status == "running"
    assert flow.state.waiting_on() == {A}
    with pytest.raises(ActionNotAllowedError, match="还没有轮到您"):
        flow.do(Approve(actor=B, task=next(t.id for t in flow.state.tasks.values() if t.assignee == B)))
    flow.do(Approve(actor=A, task=flow.task_of(A), comment="同意"))
    assert flow.state.waiting_on() == {B}
    flow.do(Approve(actor=B, task=flow.task_of(B)))
    assert flow.state.waiting_on() == {C}
    flow.do(Approve(actor=C, task=flow.task_of(C)))
    assert flow.state.status == "approved"
    assert flow.state.open_tasks() == []
    assert flow.types()[-1] == "ended"


def test_countersign_needs_everyone_and_one_rejection_ends_it():
    flow = Flow(chain(approval("n1", [A, B, C], mode="all")))
    flow.do(Submit(actor=INITIATOR))
    assert flow.state.waiting_on() == {A, B, C}
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.do(Approve(actor=B, task=flow.task_of(B)))
    assert flow.state.status == "running"
    with pytest.raises(ActionNotAllowedError, match="必须填写意见"):
        flow.do(Reject(actor=C, task=flow.task_of(C)))
    flow.do(Reject(actor=C, task=flow.task_of(C), comment="预算不足"))
    assert flow.state.status == "rejected"


def test_any_signer_decides_for_all():
    flow = Flow(chain(approval("n1", [A, B], mode="any")))
    flow.do(Submit(actor=INITIATOR))
    flow.do(Approve(actor=B, task=flow.task_of(B)))
    assert flow.state.status == "approved"
    assert [t.status for t in flow.state.tasks.values() if t.assignee == A] == ["cancelled"]


def test_ratio_countersign_passes_at_the_share_and_fails_when_it_cannot_be_reached():
    flow = Flow(chain(approval("n1", [A, B, C, D, E], mode="ratio", ratio=0.6)))
    flow.do(Submit(actor=INITIATOR))
    flow.do(Reject(actor=A, task=flow.task_of(A), comment="不同意"))
    flow.do(Approve(actor=B, task=flow.task_of(B)))
    flow.do(Approve(actor=C, task=flow.task_of(C)))
    assert flow.state.status == "running"  # 2 of the 3 needed
    flow.do(Approve(actor=D, task=flow.task_of(D)))
    assert flow.state.status == "approved"

    failing = Flow(chain(approval("n1", [A, B, C, D, E], mode="ratio", ratio=0.6)))
    failing.do(Submit(actor=INITIATOR))
    failing.do(Reject(actor=A, task=failing.task_of(A), comment="否"))
    failing.do(Reject(actor=B, task=failing.task_of(B), comment="否"))
    assert failing.state.status == "running"  # 3 approvals are still possible
    failing.do(Reject(actor=C, task=failing.task_of(C), comment="否"))
    assert failing.state.status == "rejected"


def test_one_vote_veto_rejects_a_ratio_countersign_at_once():
    flow = Flow(chain(approval("n1", [A, B, C], mode="ratio", ratio=0.5, veto=True)))
    flow.do(Submit(actor=INITIATOR))
    flow.do(Reject(actor=A, task=flow.task_of(A), comment="否决"))
    assert flow.state.status == "rejected"


def test_return_to_initiator_and_resubmit_jumps_back_when_the_definition_says_so():
    spec = chain(approval("n1", [A]), approval("n2", [B]), approval("n3", [C]), resubmit="jump_back")
    flow = Flow(spec)
    flow.do(Submit(actor=INITIATOR, form={"amount": 1}))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.do(Approve(actor=B, task=flow.task_of(B)))
    flow.do(Return(actor=C, task=flow.task_of(C), to="initiator", comment="缺发票"))
    assert flow.state.status == "returned"
    assert flow.state.open_tasks() == []
    with pytest.raises(ActionNotAllowedError):
        flow.do(Submit(actor=A))
    flow.do(Submit(actor=INITIATOR, form={"invoice": "yes"}))
    assert flow.state.waiting_on() == {C}  # straight back to the node that returned it
    assert flow.state.form == {"amount": 1, "invoice": "yes"}


def test_return_and_resubmit_walks_the_path_again_by_default():
    flow = Flow(chain(approval("n1", [A]), approval("n2", [B])))
    flow.do(Submit(actor=INITIATOR))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.do(Return(actor=B, task=flow.task_of(B), comment="重填"))
    flow.do(Submit(actor=INITIATOR))
    assert flow.state.waiting_on() == {A}


def test_return_to_previous_and_to_any_completed_node_then_jump_back():
    spec = chain(approval("n1", [A]), approval("n2", [B]), approval("n3", [C]), resubmit="jump_back")
    flow = Flow(spec)
    flow.do(Submit(actor=INITIATOR))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.do(Approve(actor=B, task=flow.task_of(B)))
    flow.do(Return(actor=C, task=flow.task_of(C), to="previous", comment="请复核"))
    assert flow.state.waiting_on() == {B}
    flow.do(Approve(actor=B, task=flow.task_of(B)))
    assert flow.state.waiting_on() == {C}  # jumped back to n3
    flow.do(Return(actor=C, task=flow.task_of(C), to="n1", comment="从头核"))
    assert flow.state.waiting_on() == {A}
    with pytest.raises(ActionNotAllowedError, match="本轮已办理"):
        flow.do(Return(actor=A, task=flow.task_of(A), to="n3", comment="x"))


def test_initiator_withdraws_only_before_anyone_acted():
    flow = Flow(chain(approval("n1", [A]), approval("n2", [B])))
    flow.do(Submit(actor=INITIATOR))
    flow.do(Withdraw(actor=INITIATOR, comment="填错了"))
    assert flow.state.status == "withdrawn"
    assert flow.state.open_tasks() == []

    late = Flow(chain(approval("n1", [A]), approval("n2", [B])))
    late.do(Submit(actor=INITIATOR))
    late.do(Approve(actor=A, task=late.task_of(A)))
    with pytest.raises(ActionNotAllowedError, match="发起人不能撤回"):
        late.do(Withdraw(actor=INITIATOR))


def test_approver_withdraws_before_the_next_person_acts_and_not_after():
    flow = Flow(chain(approval("n1", [A]), approval("n2", [B]), approval("n3", [C])))
    flow.do(Submit(actor=INITIATOR))
    first = flow.task_of(A)
    flow.do(Approve(actor=A, task=first))
    b_task = flow.task_of(B)
    flow.do(Withdraw(actor=A, comment="再看看"))
    assert flow.state.waiting_on() == {A}
    assert flow.state.tasks[b_task].status == "cancelled"
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    flow.do(Approve(actor=B, task=flow.task_of(B)))
    with pytest.raises(ActionNotAllowedError, match="只能在下一位审批人处理之前"):
        flow.do(Withdraw(actor=A))


def test_transfer_hands_the_task_over_and_records_it():
    flow = Flow(chain(approval("n1", [A])))
    flow.do(Submit(actor=INITIATOR))
    flow.do(Transfer(actor=A, task=flow.task_of(A), to=B, comment="请B处理"))
    assert flow.state.waiting_on() == {B}
    with pytest.raises(ActionNotAllowedError, match="不能转交给自己"):
        flow.do(Transfer(actor=B, task=flow.task_of(B), to=B))
    flow.do(Approve(actor=B, task=flow.task_of(B)))
    assert flow.state.status == "approved"


def test_add_signers_before_after_and_alongside():
    before = Flow(chain(approval("n1", [A])))
    before.do(Submit(actor=INITIATOR))
    holder = before.task_of(A)
    before.do(AddSigners(actor=A, task=holder, people=(B, C), position="before", mode="sequential"))
    assert before.state.waiting_on() == {B}
    before.do(Approve(actor=B, task=before.task_of(B)))
    assert before.state.waiting_on() == {C}
    before.do(Approve(actor=C, task=before.task_of(C)))
    assert before.state.waiting_on() == {A}
    before.do(Approve(actor=A, task=holder))
    assert before.state.status == "approved"

    after = Flow(chain(approval("n1", [A])))
    after.do(Submit(actor=INITIATOR))
    holder = after.task_of(A)
    after.do(AddSigners(actor=A, task=holder, people=(B, C), position="after", mode="all"))
    assert after.state.waiting_on() == {A}
    after.do(Approve(actor=A, task=holder))
    assert after.state.waiting_on() == {B, C}
    after.do(Approve(actor=B, task=after.task_of(B)))
    assert after.state.status == "running"
    after.do(Approve(actor=C, task=after.task_of(C)))
    assert after.state.status == "approved"

    alongside = Flow(chain(approval("n1", [A], mode="all")))
    alongside.do(Submit(actor=INITIATOR))
    holder = alongside.task_of(A)
    alongside.do(AddSigners(actor=A, task=holder, people=(B,), position="alongside"))
    alongside.do(Approve(actor=A, task=holder))
    assert alongside.state.status == "running"
    alongside.do(Approve(actor=B, task=alongside.task_of(B)))
    assert alongside.state.status == "approved"


def test_remove_added_signers_who_have_not_acted():
    flow = Flow(chain(approval("n1", [A])))
    flow.do(Submit(actor=INITIATOR))
    holder = flow.task_of(A)
    flow.do(AddSigners(actor=A, task=holder, people=(B,), position="before"))
    with pytest.raises(ActionNotAllowedError, match="不是您加签"):
        flow.do(RemoveSigners(actor=A, task=holder, people=(C,)))
    flow.do(RemoveSigners(actor=A, task=holder, people=(B,)))
    assert flow.state.waiting_on() == {A}


def test_delegation_routes_the_task_to_the_delegate_who_acts_on_behalf():
    facts = MemoryFacts(now=START, delegations={A: D})
    flow = Flow(chain(approval("n1", [A])), facts)
    flow.do(Submit(actor=INITIATOR))
    (task,) = flow.state.open_tasks()
    assert (task.assignee, task.on_behalf_of) == (D, A)
    flow.do(Approve(actor=D, task=task.id))
    event = next(e for e in flow.events if e.type == "approved")
    assert (event.actor, event.on_behalf_of) == (D, A)


def test_cc_and_filing_never_block_and_have_read_receipts():
    spec = chain(
        {"id": "cc", "kind": "cc", "recipients": {"type": "users", "users": [C]}},
        approval("n1", [A]),
        {"id": "file", "kind": "filing", "recipients": {"type": "users", "users": [D]}},
    )
    flow = Flow(spec)
    flow.do(Submit(actor=INITIATOR))
    assert flow.state.waiting_on() == {A}
    cc = next(t for t in flow.state.tasks.values() if t.assignee == C)
    assert cc.status == "unread"
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    assert flow.state.status == "approved"
    filing = next(t for t in flow.state.tasks.values() if t.assignee == D)
    assert (filing.kind, filing.status) == ("filing", "unread")
    flow.do(MarkRead(actor=C, task=cc.id))
    assert flow.state.tasks[cc.id].status == "read"


GRADED = {
    "key": "expense",
    "version": 1,
    "fields": [{"name": "amount"}],
    "nodes": [
        {"id": "start", "kind": "start", "next": "route"},
        {
            "id": "route",
            "kind": "condition",
            "branches": [
                {"when": 'urgency == "特急"', "next": "skip_review"},
                {"when": "form.amount > 5000", "next": "review_big"},
                {"default": True, "next": "review"},
            ],
        },
        {
            "id": "review",
            "kind": "approval",
            "name": "审核",
            "approvers": {"type": "users", "users": [A]},
            "next": "check",
        },
        {
            "id": "check",
            "kind": "approval",
            "name": "复核",
            "approvers": {"type": "users", "users": [B]},
            "next": "end",
        },
        {
            "id": "review_big",
            "kind": "approval",
            "name": "审核",
            "approvers": {"type": "users", "users": [A]},
            "next": "finance",
        },
        {
            "id": "finance",
            "kind": "approval",
            "name": "财务",
            "approvers": {"type": "users", "users": [C]},
            "next": "leader",
        },
        {
            "id": "skip_review",
            "kind": "filing",
            "name": "审核备案",
            "recipients": {"type": "users", "users": [A, C]},
            "next": "leader",
        },
        {
            "id": "leader",
            "kind": "approval",
            "name": "领导审批",
            "approvers": {"type": "users", "users": [D]},
            "next": "end",
        },
        {"id": "end", "kind": "end"},
    ],
}


@pytest.mark.parametrize(
    ("form", "urgency", "path"),
    [
        ({"amount": 3000}, "平急", [A, B]),
        ({"amount": 8000}, "平急", [A, C, D]),
        ({"amount": 8000}, "特急", [D]),
    ],
)
def test_graded_approval_and_the_green_channel_are_definitions(form, urgency, path):
    flow = Flow(GRADED)
    flow.do(Submit(actor=INITIATOR, form=form, urgency=urgency))
    walked = []
    while flow.state.status == "running":
        (person,) = flow.state.waiting_on()
        walked.append(person)
        flow.do(Approve(actor=person, task=flow.task_of(person)))
    assert walked == path
    assert flow.state.status == "approved"
    if urgency == "特急":
        assert {t.assignee for t in flow.state.tasks.values() if t.kind == "filing"} == {A, C}


def test_parallel_branches_meet_at_the_join():
    spec = {
        "key": "p",
        "version": 1,
        "nodes": [
            {"id": "start", "kind": "start", "next": "split"},
            {"id": "split", "kind": "parallel", "branches": ["a", "b"], "join": "join"},
            {"id": "a", "kind": "approval", "approvers": {"type": "users", "users": [A]}, "next": "join"},
            {"id": "b", "kind": "handle", "approvers": {"type": "users", "users": [B]}, "next": "join"},
            {"id": "join", "kind": "join", "next": "gm"},
            {"id": "gm", "kind": "approval", "approvers": {"type": "users", "users": [C]}, "next": "end"},
            {"id": "end", "kind": "end"},
        ],
    }
    flow = Flow(spec)
    flow.do(Submit(actor=INITIATOR))
    assert flow.state.waiting_on() == {A, B}
    flow.do(Complete(actor=B, task=flow.task_of(B), comment="已办"))
    assert flow.state.waiting_on() == {A}
    with pytest.raises(ActionNotAllowedError):
        flow.do(Approve(actor=B, task=next(iter(flow.state.tasks))))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    assert flow.state.waiting_on() == {C}


def test_deadlines_remind_then_act_as_the_definition_says():
    spec = chain(
        approval("n1", [A], deadline={"working_days": 1, "remind_before_hours": 2, "on_timeout": "auto_approve"}),
        approval("n2", [B], deadline={"working_hours": 4, "on_timeout": "escalate"}),
    )
    facts = MemoryFacts(now=START, heads={B: E})
    flow = Flow(spec, facts)
    decision = flow.do(Submit(actor=INITIATOR))
    assert decision.wakeup is not None
    flow.later(hours=22, minutes=30)
    flow.do(Tick())
    assert "deadline_reminded" in flow.types()
    assert flow.state.waiting_on() == {A}
    flow.later(hours=2)
    flow.do(Tick())
    assert flow.state.waiting_on() == {B}
    auto = next(e for e in flow.events if e.type == "auto_approved")
    assert auto.actor is None
    assert "超时" in auto.comment
    flow.later(hours=5)
    flow.do(Tick())
    assert any(getattr(e, "kind", "") == "escalate" and e.people == (E,) for e in flow.effects)
    assert flow.state.waiting_on() == {B}


def test_timer_node_waits_then_continues():
    spec = chain({"id": "wait", "kind": "timer", "wait": {"hours": 3}}, approval("n1", [A]))
    flow = Flow(spec)
    flow.do(Submit(actor=INITIATOR))
    assert flow.state.waiting_on() == set()
    assert flow.last.wakeup is not None
    flow.later(hours=3)
    flow.do(Tick())
    assert flow.state.waiting_on() == {A}


def test_subprocess_waits_for_its_child():
    spec = chain({"id": "sub", "kind": "subprocess", "definition": "child"}, approval("n1", [A]))
    flow = Flow(spec)
    flow.do(Submit(actor=INITIATOR, form={"x": 1}))
    assert any(type(e).__name__ == "StartSubprocess" for e in flow.effects)
    flow.do(SubprocessEnded(node="sub", outcome="approved"))
    assert flow.state.waiting_on() == {A}


def test_empty_approver_rules_skip_go_to_admin_or_refuse():
    skip = Flow(chain(approval("n1", []) | {"approvers": {"type": "role", "role": "none"}}, approval("n2", [B])))
    skip.do(Submit(actor=INITIATOR))
    assert skip.state.waiting_on() == {B}
    assert "node_skipped" in skip.types()

    admin = Flow(
        chain(approval("n1", []) | {"approvers": {"type": "role", "role": "none"}, "on_empty": "admin"}, admins=[E])
    )
    admin.do(Submit(actor=INITIATOR))
    assert admin.state.waiting_on() == {E}

    refuse = Flow(chain(approval("n1", []) | {"approvers": {"type": "role", "role": "none"}, "on_empty": "refuse"}))
    with pytest.raises(ActionNotAllowedError, match="找不到审批人"):
        refuse.do(Submit(actor=INITIATOR))
    assert refuse.state.status == "draft"


def test_initiator_as_approver_auto_passes_or_goes_to_their_head():
    auto = Flow(chain(approval("n1", [INITIATOR, A], mode="all"), on_self="auto_pass"))
    auto.do(Submit(actor=INITIATOR))
    assert auto.state.waiting_on() == {A}
    to_head = Flow(chain(approval("n1", [INITIATOR]), on_self="to_head"), MemoryFacts(now=START, heads={INITIATOR: C}))
    to_head.do(Submit(actor=INITIATOR))
    assert to_head.state.waiting_on() == {C}


def test_repeated_approvers_auto_pass_on_consecutive_nodes_or_everywhere():
    consecutive = Flow(chain(approval("n1", [A]), approval("n2", [A, B], mode="all"), dedupe="consecutive"))
    consecutive.do(Submit(actor=INITIATOR))
    consecutive.do(Approve(actor=A, task=consecutive.task_of(A)))
    assert consecutive.state.waiting_on() == {B}
    everywhere = Flow(chain(approval("n1", [A]), approval("n2", [B]), approval("n3", [A]), dedupe="everywhere"))
    everywhere.do(Submit(actor=INITIATOR))
    everywhere.do(Approve(actor=A, task=everywhere.task_of(A)))
    everywhere.do(Approve(actor=B, task=everywhere.task_of(B)))
    assert everywhere.state.status == "approved"


def test_chosen_approvers_must_be_picked_within_range():
    spec = chain(
        {"id": "n1", "kind": "approval", "approvers": {"type": "chosen", "among": {"type": "users", "users": [A, B]}}}
    )
    flow = Flow(spec)
    with pytest.raises(ActionNotAllowedError, match="请为"):
        flow.do(Submit(actor=INITIATOR))
    with pytest.raises(ActionNotAllowedError, match="不在允许范围"):
        flow.do(Submit(actor=INITIATOR, chosen={"n1": (C,)}))
    flow.do(Submit(actor=INITIATOR, chosen={"n1": (B,)}))
    assert flow.state.waiting_on() == {B}


def test_urge_comment_and_cancel():
    flow = Flow(chain(approval("n1", [A])))
    flow.do(Submit(actor=INITIATOR))
    flow.do(Urge(actor=INITIATOR, comment="请尽快"))
    assert any(getattr(e, "kind", "") == "urge" and e.people == (A,) for e in flow.effects)
    with pytest.raises(ActionNotAllowedError, match="刚刚催办过"):
        flow.do(Urge(actor=INITIATOR))
    flow.later(hours=2)
    flow.do(Urge(actor=INITIATOR))
    with pytest.raises(ActionNotAllowedError, match="参与人"):
        flow.do(Comment(actor=E, comment="路过"))
    flow.do(Comment(actor=A, comment="已阅"))
    with pytest.raises(ActionNotAllowedError, match="理由"):
        flow.do(Cancel(actor=E, comment=" "))
    flow.do(Cancel(actor=E, comment="重复提交"))
    assert flow.state.status == "cancelled"
    assert flow.state.open_tasks() == []
    with pytest.raises(ActionNotAllowedError, match="已作废"):
        flow.do(Approve(actor=A, task=1))


def test_field_permissions_limit_what_an_approver_may_write():
    flow = Flow(chain(approval("n1", [A], fields={"amount": "read", "note": "write"}), fields=["amount", "note"]))
    flow.do(Submit(actor=INITIATOR, form={"amount": 5}))
    with pytest.raises(ActionNotAllowedError, match="amount"):
        flow.do(Approve(actor=A, task=flow.task_of(A), form={"amount": 6}))
    flow.do(Approve(actor=A, task=flow.task_of(A), form={"note": "ok"}))
    assert flow.state.form == {"amount": 5, "note": "ok"}


def test_someone_who_already_voted_cannot_be_added_alongside_for_a_second_vote():
    flow = Flow(chain(approval("n1", [A, B, C], mode="all")))
    flow.do(Submit(actor=INITIATOR))
    flow.do(Approve(actor=A, task=flow.task_of(A)))
    with pytest.raises(ActionNotAllowedError, match="已在本节点表态"):
        flow.do(AddSigners(actor=B, task=flow.task_of(B), people=(A,), position="alongside"))
    flow.do(AddSigners(actor=B, task=flow.task_of(B), people=(D,), position="alongside"))
    assert D in flow.state.waiting_on()


def test_a_task_with_added_signers_waiting_is_not_transferred_away_from_them():
    flow = Flow(chain(approval("n1", [A])))
    flow.do(Submit(actor=INITIATOR))
    holder = flow.task_of(A)
    flow.do(AddSigners(actor=A, task=holder, people=(B,), position="after"))
    with pytest.raises(ActionNotAllowedError, match="请先减签再转交"):
        flow.do(Transfer(actor=A, task=holder, to=C))
    flow.do(RemoveSigners(actor=A, task=holder, people=(B,)))
    flow.do(Transfer(actor=A, task=holder, to=C))
    assert flow.state.waiting_on() == {C}
