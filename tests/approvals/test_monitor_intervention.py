"""流程监控's intervention panel: from a row of the search, the administrator sees the open to-dos and the nodes
he may skip or restart from, and reassigns, skips, restarts or cancels with a reason; each says what it did
or why it did nothing; nobody else, and no administrator of another unit, gets the panel."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.core.models import AuditRecord
from sanfu.workflow import services
from sanfu.workflow.models import Instance, InstanceEvent, Task, TaskStatus
from tests.approvals import test_inbox
from tests.conftest import grant, make_department, make_staff, make_unit

flows = test_inbox.flows  # the shared fixture
submit = test_inbox.submit


@pytest.fixture
def admin(org: dict[str, Any]) -> Any:
    """The unit's 流程管理员 (built-in role, data scope 本单位)."""
    ensure_admin_roles()
    grant(org["office_head"], Role.objects.get(code="process-admin"))
    return org["office_head"]


def _url(instance: Instance, action: str = "") -> str:
    return f"/approvals/monitor/{instance.pk}/" + (f"{action}/" if action else "")


def _said(response: Any) -> list[str]:
    """What the response said, and what it did not yet show of earlier responses (a redirect shows it next)."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def _open(instance: Instance) -> Task:
    return Task.objects.get(instance=instance, status=TaskStatus.OPEN)


def _snapshot(instance: Instance) -> tuple[Any, ...]:
    row = Instance.objects.get(pk=instance.pk)
    return row.status, row.version, InstanceEvent.objects.filter(instance=instance).count()


def test_each_row_of_the_search_leads_to_a_panel_with_the_open_todos_and_the_actions(org, flows, admin, login):
    instance = submit(org["clerk"], flows["leave"], "年假三天")
    client = login(admin)
    assert _url(instance) in client.get("/approvals/monitor/").content.decode()
    page = client.get(_url(instance)).content.decode()
    assert "年假三天" in page
    assert org["section_head"].display_name in page  # who holds the to-do now
    for action in ("改派待办", "跳过节点", "从节点重新办理", "作废流程"):
        assert action in page
    assert 'name="reason"' in page
    assert 'data-people-picker data-name="to"' in page  # the search-as-you-type person picker


def test_others_and_administrators_of_another_unit_get_a_404_and_change_nothing(org, flows, admin, login):
    instance = submit(org["clerk"], flows["leave"], "年假三天")
    before = _snapshot(instance)
    other = make_staff(make_department(make_unit("other", name="另一家公司"), "办公室"), username="other_admin")
    grant(other, Role.objects.get(code="process-admin"))
    for who in (org["section_head"], org["clerk"], other):
        client = login(who)
        assert client.get(_url(instance)).status_code == 404
        reason = {"reason": "理由", "node": "head", "task": _open(instance).pk, "to": org["gm"].pk}
        for action in ("reassign", "skip", "restart", "cancel"):
            assert client.post(_url(instance, action), reason).status_code == 404
    assert _snapshot(instance) == before
    assert login(admin).get(_url(instance)).status_code == 200


def test_reassigning_through_the_panel_says_who_got_it(org, flows, admin, login):
    instance = submit(org["clerk"], flows["leave"], "年假三天")
    task = _open(instance)
    response = login(admin).post(
        _url(instance, "reassign"), {"task": task.pk, "to": org["finance_head"].pk, "reason": "科长出差", "token": "t1"}
    )
    assert response.status_code == 302
    assert _said(response) == [
        f"已将“{task.node_name}”的待办从 {org['section_head'].display_name} 改派给 {org['finance_head'].display_name}。"
    ]
    assert _open(instance).assignee == org["finance_head"]


def test_a_refused_intervention_says_why_keeps_the_reason_typed_and_changes_nothing(org, flows, admin, login):
    instance = submit(org["clerk"], flows["leave"], "年假三天")
    before = _snapshot(instance)
    client = login(admin)
    response = client.post(_url(instance, "skip"), {"node": "leader", "reason": "领导出差", "form": "skip"})
    assert response.status_code == 200
    assert _said(response) == ["未能跳过节点：该节点当前不在办理中，不能跳过。"]
    assert "领导出差" in response.content.decode()  # what the administrator typed is still there
    response = client.post(_url(instance, "reassign"), {"task": _open(instance).pk, "to": "", "reason": "理由"})
    assert _said(response) == ["未能改派：请选择改派给谁。"]
    response = client.post(_url(instance, "cancel"), {"reason": "  "})
    assert _said(response) == ["未能作废：作废流程必须说明理由。"]
    assert _snapshot(instance) == before


def test_skipping_through_the_panel_moves_the_flow_on_and_the_history_shows_it(org, flows, admin, login):
    instance = submit(org["clerk"], flows["leave"], "年假三天")
    client = login(admin)
    response = client.post(_url(instance, "skip"), {"node": "head", "reason": "科长长期病假"})
    holder = _open(instance).assignee
    assert _said(response) == [f"已跳过该节点，流程现在：{_open(instance).node_name}（{holder.display_name}）。"]
    page = client.get(_url(instance)).content.decode()
    assert "科长长期病假" in page  # the reason, in the history on the panel
    event = InstanceEvent.objects.get(instance=instance, type="admin_skipped")
    assert event.actor == admin


def test_restarting_and_cancelling_through_the_panel(org, flows, admin, login):
    instance = submit(org["clerk"], flows["leave"], "年假三天")
    services.task_approve(actor=org["section_head"], task_id=_open(instance).pk)
    client = login(admin)
    response = client.post(_url(instance, "restart"), {"node": "head", "reason": "天数填错，重新审批"})
    assert _said(response) == [f"已从该节点重新办理，流程现在：部门负责人审批（{org['section_head'].display_name}）。"]
    response = client.post(_url(instance, "cancel"), {"reason": "重复提交"})
    assert _said(response)[-1] == "流程已作废。"
    assert Instance.objects.get(pk=instance.pk).status == "cancelled"
    assert "流程已结束，不能再干预" in client.get(_url(instance)).content.decode()


def test_a_doubled_submit_is_applied_once_and_shows_the_same_result(org, flows, admin, login):
    instance = submit(org["clerk"], flows["leave"], "年假三天")
    task = _open(instance)
    client = login(admin)
    posted = {"task": task.pk, "to": org["finance_head"].pk, "reason": "科长出差", "token": "abc-reassign"}
    first = client.post(_url(instance, "reassign"), posted)
    second = client.post(_url(instance, "reassign"), posted)
    assert _said(second)[-1] == _said(first)[-1]
    assert InstanceEvent.objects.filter(instance=instance, type="admin_reassigned").count() == 1
    assert AuditRecord.objects.filter(action="workflow.reassign").count() == 1
    skip = {"node": "head", "reason": "不再等待", "token": "abc-skip"}
    assert client.post(_url(instance, "skip"), skip).status_code == 302
    assert client.post(_url(instance, "skip"), skip).status_code == 302  # not "不在办理中"
    assert InstanceEvent.objects.filter(instance=instance, type="admin_skipped").count() == 1


def test_the_panel_costs_the_same_queries_however_long_its_history_and_lists(org, flows, admin, login):
    instance = submit(org["clerk"], flows["leave"], "年假三天")
    client = login(admin)
    client.get(_url(instance))
    with CaptureQueriesContext(connection) as few:
        client.get(_url(instance))
    people = [org["finance_head"], org["accountant"], org["gm"], org["section_head"]]
    for i, person in enumerate(people):
        services.task_reassign(actor=admin, task_id=_open(instance).pk, to=person, reason=f"第 {i} 次改派")
    for i in range(5):
        make_staff(org["office"], username=f"extra{i}")
    with CaptureQueriesContext(connection) as many:
        client.get(_url(instance))
    assert len(many) == len(few)


def test_reassigning_to_someone_outside_the_administrators_scope_is_refused(org, flows, admin, login):
    """The picker searches the whole staff; the administrator hands work only within his own scope."""
    instance = submit(org["clerk"], flows["leave"], "年假三天")
    before = _snapshot(instance)
    outsider = make_staff(make_department(make_unit("far", name="另一家公司"), "综合部"), username="far_away")
    response = login(admin).post(
        _url(instance, "reassign"), {"task": _open(instance).pk, "to": outsider.pk, "reason": "理由"}, follow=True
    )
    assert "只能改派给您管理范围内的在用人员" in response.content.decode()
    assert _snapshot(instance) == before
