"""退回 through the services: the node returned to gets its people's tasks, and the caller can say to whom."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.core.models import Notification
from sanfu.workflow import outbox, selectors, services
from sanfu.workflow.models import Instance, InstanceEvent, Task, TaskStatus

pytestmark = pytest.mark.django_db


def _publish(org: dict[str, Any]) -> None:
    """审核 (section head) → 复核 (office head) → 审批 (deputy); same approver passes on consecutive nodes."""

    def node(node_id: str, name: str, person: str, nxt: str) -> dict[str, Any]:
        rule = {"type": "users", "users": [org[person].pk]}
        return {"id": node_id, "kind": "approval", "name": name, "approvers": rule, "next": nxt}

    services.definition_publish(
        actor=None,
        spec={
            "key": "three",
            "name": "三级审批",
            "dedupe": "consecutive",
            "resubmit": "jump_back",
            "nodes": [
                {"id": "start", "kind": "start", "next": "review"},
                node("review", "审核", "section_head", "check"),
                node("check", "复核", "office_head", "final"),
                node("final", "审批", "deputy", "end"),
                {"id": "end", "kind": "end"},
            ],
        },
    )


def _open(instance: Instance, user: Any) -> Task:
    return Task.objects.get(instance=instance, assignee=user, status=TaskStatus.OPEN)


def test_returning_to_the_previous_node_gives_its_approver_a_task_and_says_so(org):
    _publish(org)
    instance = services.instance_start(actor=org["clerk"], definition_key="three", title="采购")
    services.task_approve(actor=org["section_head"], task_id=_open(instance, org["section_head"]).pk)
    services.task_approve(actor=org["office_head"], task_id=_open(instance, org["office_head"]).pk)
    seq = instance.events.order_by("-seq").values_list("seq", flat=True).first()
    outbox.deliver_pending()
    before = Notification.objects.filter(user=org["office_head"], kind="task").count()

    services.task_return(
        actor=org["deputy"], task_id=_open(instance, org["deputy"]).pk, to="previous", comment="单价请再核"
    )

    returned_task = _open(instance, org["office_head"])
    assert returned_task.node == "check"
    outbox.deliver_pending()
    assert Notification.objects.filter(user=org["office_head"], kind="task").count() == before + 1
    new_events = InstanceEvent.objects.filter(instance=instance, seq__gt=seq)
    assert not new_events.filter(type="auto_approved").exists()
    assert list(new_events.filter(comment="单价请再核").values_list("type", flat=True)) == ["task_returned"]
    # to whom it went, as a page says it after 退回
    (step,) = selectors.open_steps(instance)
    assert (step.node, step.name, step.people) == ("check", "复核", [org["office_head"]])
    # 后续流程: 复核, then straight back to 审批
    instance.refresh_from_db()
    assert [s.node for s in selectors.path_ahead_of(instance)] == ["check", "final"]

    services.task_return(actor=org["office_head"], task_id=returned_task.pk, to="previous", comment="请审核人再看")
    (step,) = selectors.open_steps(instance)
    assert (step.node, step.people) == ("review", [org["section_head"]])


def test_the_last_return_names_who_sent_it_back_and_why(org):
    _publish(org)
    instance = services.instance_start(actor=org["clerk"], definition_key="three", title="采购")
    assert selectors.last_return(instance) is None
    services.task_return(actor=org["section_head"], task_id=_open(instance, org["section_head"]).pk, comment="缺发票")
    event = selectors.last_return(instance)
    assert event is not None
    assert (event.type, event.actor, event.comment) == ("task_returned", org["section_head"], "缺发票")
