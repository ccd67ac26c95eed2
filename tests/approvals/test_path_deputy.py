"""后续流程 names who will really act: a person away on delegation (委托代理) is shown as their delegate acting for
them, exactly as the flow will route the task."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from sanfu.org import services as org_services
from sanfu.workflow.models import Instance, Task
from sanfu.workflow.services import task_approve
from tests.approvals import test_inbox

flows = test_inbox.flows  # the shared fixture: 部门负责人审批 → 分管领导审批 (the deputy) → 抄送财务 (the accountant)
submit = test_inbox.submit


def delegate(principal: Any, to: Any, *, matters: list[str] | None = None) -> None:
    now = timezone.now()
    org_services.delegation_create(
        actor=principal,
        principal=principal,
        delegate=to,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=3),
        matter_types=matters,
    )


def path_ahead(login: Any, user: Any, instance: Instance) -> list[tuple[str, list[str]]]:
    response = login(user).get(reverse("approvals:instance", args=[instance.pk]))
    assert response.status_code == 200
    return [(step.name, [p.display_name for p in step.people]) for step in response.context["ahead"]]


def test_the_path_ahead_names_the_delegate_acting_for_the_principal(org, flows, login):
    delegate(org["deputy"], org["office_head"])
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    ahead = dict(path_ahead(login, org["clerk"], instance))
    assert ahead["分管领导审批"] == ["办公室主任（代 副总经理）"]
    assert ahead["部门负责人审批"] == [org["section_head"].display_name]  # nobody else is away
    html = login(org["clerk"]).get(reverse("approvals:instance", args=[instance.pk])).content.decode()
    assert "办公室主任（代 副总经理）" in html

    # …and that is where the flow sends the task
    head_task = Task.objects.get(instance=instance, assignee=org["section_head"], status="open")
    task_approve(actor=org["section_head"], task_id=head_task.pk)
    leader_task = Task.objects.get(instance=instance, node="leader", status="open")
    assert (leader_task.assignee, leader_task.on_behalf_of) == (org["office_head"], org["deputy"])


def test_a_delegation_for_other_matters_leaves_the_principal_named(org, flows, login):
    delegate(org["deputy"], org["office_head"], matters=["seal"])
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    assert dict(path_ahead(login, org["clerk"], instance))["分管领导审批"] == ["副总经理"]
    head_task = Task.objects.get(instance=instance, assignee=org["section_head"], status="open")
    task_approve(actor=org["section_head"], task_id=head_task.pk)
    leader_task = Task.objects.get(instance=instance, node="leader", status="open")
    assert (leader_task.assignee, leader_task.on_behalf_of) == (org["deputy"], None)


def test_a_notice_ahead_names_the_delegate_too(org, flows, login):
    delegate(org["accountant"], org["finance_head"])
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    accountant = org["accountant"].display_name
    assert dict(path_ahead(login, org["clerk"], instance))["抄送财务"] == [
        f"{org['finance_head'].display_name}（代 {accountant}）"
    ]


def test_the_start_page_path_names_the_delegate(org, flows, login):
    delegate(org["deputy"], org["office_head"])
    response = login(org["clerk"]).post(reverse("approvals:start_path", args=["leave"]), {"urgency": "平急"})
    assert response.status_code == 200
    assert "办公室主任（代 副总经理）" in response.content.decode()
