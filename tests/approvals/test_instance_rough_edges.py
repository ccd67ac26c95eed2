"""Rough edges of the instance page: the timeline names steps (never the engine's raw "end"), and money an
approver fills in again reads as the form writes money ("6000.00", not the flow's "6000.0")."""

from __future__ import annotations

import re

from django.urls import reverse

from sanfu.approvals import services
from sanfu.approvals.models import MatterType
from sanfu.approvals.selectors.actions import schema_of
from sanfu.approvals.selectors.instance import editable_values
from sanfu.workflow import services as workflow
from sanfu.workflow.models import Instance, Task
from tests.approvals import test_inbox

flows = test_inbox.flows  # the shared fixture
submit = test_inbox.submit


def test_the_timeline_shows_step_names_and_no_raw_node_ids(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    for node in ("head", "leader"):
        task = Task.objects.get(instance=instance, node=node, status="open")
        login(task.assignee).post(reverse("approvals:instance_approve", args=[instance.pk]), {"task": task.pk})
    assert Instance.objects.get(pk=instance.pk).status == "approved"
    response = login(org["clerk"]).get(reverse("approvals:instance", args=[instance.pk]))
    page = response.content.decode()
    timeline = page[page.index('id="timeline"') : page.index("</ol>", page.index('id="timeline"'))]
    assert "流程结束" in timeline
    assert "部门负责人审批" in timeline
    for raw in ("end", "start", "head", "leader"):
        assert not re.search(rf"·\s*{raw}\s*<", timeline), raw
    ended = [e for e in response.context["timeline"] if e.event.type == "ended"]
    assert ended
    assert ended[0].node_name == ""


def test_money_an_approver_fills_in_again_reads_as_the_form_writes_it(demo, login):
    people = demo["people"]
    workflow.definition_publish(
        actor=None,
        spec={
            "key": "moneyedit",
            "fields": [{"name": "amount"}, {"name": "items"}],
            "nodes": [
                {"id": "start", "kind": "start", "next": "check"},
                {
                    "id": "check",
                    "kind": "approval",
                    "name": "核定金额",
                    "approvers": {"type": "users", "users": [people["gm"].pk]},
                    "fields": {"amount": "write", "items": "write"},
                    "next": "end",
                },
                {"id": "end", "kind": "end"},
            ],
        },
    )
    matter = MatterType.objects.create(
        code="moneyedit",
        name="金额核定",
        definition_key="moneyedit",
        form_schema={
            "fields": [
                {"name": "amount", "type": "money", "label": "金额（元）", "required": True},
                {
                    "name": "items",
                    "type": "table",
                    "label": "明细",
                    "columns": [
                        {"name": "item", "type": "text", "label": "项目"},
                        {"name": "money", "type": "money", "label": "金额"},
                    ],
                },
            ]
        },
    )
    request = services.matter_submit(
        actor=people["clerk"],
        matter=matter,
        title="核定",
        data={"amount": "6000", "items": [{"item": "投影仪", "money": "6000"}]},
    )
    assert request.instance.state["form"]["amount"] == 6000.0  # the flow's copy is a number, for conditions
    page = login(people["gm"]).get(f"/approvals/instances/{request.instance_id}/").content.decode()
    assert 'value="6000.00"' in page
    assert 'value="6000.0"' not in page
    values = editable_values(schema_of(request), request.instance.state["form"])
    assert values["amount"] == "6000.00"
    assert values["items"] == [{"item": "投影仪", "money": "6000.00"}]


def test_the_resubmit_form_shows_money_as_the_form_writes_it(demo, login):
    from tests.approvals.test_submit import _submit

    request = _submit(demo)  # amount 300
    task = Task.objects.filter(instance=request.instance, status="open").first()
    workflow.task_return(actor=task.assignee, task_id=task.pk, to="initiator", comment="请补充说明")
    page = (
        login(demo["people"]["clerk"])
        .get(reverse("approvals:start", args=[request.matter.code]), {"resubmit": request.pk})
        .content.decode()
    )
    assert 'value="300.00"' in page
    assert 'value="300.0"' not in page
