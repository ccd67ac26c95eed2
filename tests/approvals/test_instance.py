"""The instance page: who sees it, the timeline, and every action through its own POST endpoint."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from sanfu.accounts.models import Role
from sanfu.accounts.permissions import Perm
from sanfu.core.models import Notification
from sanfu.workflow import repository, services
from sanfu.workflow.models import Instance, Task
from tests.approvals import test_inbox
from tests.conftest import grant

flows = test_inbox.flows  # the shared fixture
submit = test_inbox.submit


def open_task(instance: Instance, user: Any) -> Task:
    return Task.objects.get(instance=instance, assignee=user, status="open")


def post(client: Any, instance: Instance, action: str, data: dict[str, Any] | None = None) -> list[str]:
    response = client.post(reverse(f"approvals:instance_{action}", args=[instance.pk]), data or {}, follow=True)
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def snapshot(instance: Instance) -> tuple[int, Any]:
    fresh = Instance.objects.get(pk=instance.pk)
    return fresh.version, fresh.state


def test_outsiders_get_404_and_participants_see_the_page(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天", urgency="特急")
    url = reverse("approvals:instance", args=[instance.pk])
    assert login(org["accountant"]).get(url).status_code == 404
    assert login(org["accountant"]).get(reverse("approvals:instance_print", args=[instance.pk])).status_code == 404
    assert login(org["accountant"]).post(reverse("approvals:instance_approve", args=[instance.pk])).status_code == 404
    response = login(org["section_head"]).get(url)
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("年假五天", "QJ-", "请假", "办理中", "特急", "文书", "提交申请", "部门负责人审批", "分管领导审批"):
        assert text in html, text
    assert 'id="btn-approve"' in html
    assert 'id="btn-reject"' in html
    # the initiator sees no approval buttons, but may withdraw and urge
    own = login(org["clerk"]).get(url).content.decode()
    assert 'id="btn-approve"' not in own
    assert "催办" in own
    assert "撤回" in own


def test_approve_then_timeline_shows_time_spent_and_path(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head = login(org["section_head"])
    assert post(head, instance, "approve", {"comment": "同意，注意交接"}) == ["已提交您的意见。"]
    assert Task.objects.get(instance=instance, assignee=org["section_head"]).status == "approved"
    html = head.get(reverse("approvals:instance", args=[instance.pk])).content.decode()
    assert "同意，注意交接" in html
    assert "用时" in html
    assert "副总经理" in html
    assert 'id="btn-approve"' not in html  # nothing left for the head to do
    assert "撤回我的审批" in html  # until the next approver acts


def test_reject_needs_a_comment_and_refusal_changes_nothing(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head = login(org["section_head"])
    before = snapshot(instance)
    assert post(head, instance, "reject", {"comment": ""}) == ["驳回时必须填写意见。"]
    assert snapshot(instance) == before
    post(head, instance, "reject", {"comment": "材料不全"})
    assert Instance.objects.get(pk=instance.pk).status == "rejected"


def test_acting_twice_says_already_handled(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head = login(org["section_head"])
    post(head, instance, "approve")
    before = snapshot(instance)
    messages = post(head, instance, "approve")
    assert messages
    assert "没有待处理" in messages[0]
    assert snapshot(instance) == before


def test_conflict_is_reported_as_handled_by_someone_else(org, flows, login, monkeypatch):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    real_load = repository.load

    def load_then_someone_else_acts(instance_id):
        loaded = real_load(instance_id)
        Instance.objects.filter(pk=instance_id).update(version=loaded[0].version + 1)
        return loaded

    monkeypatch.setattr(repository, "load", load_then_someone_else_acts)
    messages = post(login(org["section_head"]), instance, "approve")
    assert "刷新" in messages[0]  # the flow's own conflict message, not wrapped in a second one
    assert "已由他人处理" not in messages[0]
    assert open_task(instance, org["section_head"])


def test_return_to_initiator_and_resubmit(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head = login(org["section_head"])
    before = snapshot(instance)
    assert "退回时必须填写理由。" in post(head, instance, "return", {"to": "initiator", "comment": ""})
    assert snapshot(instance) == before
    said = post(head, instance, "return", {"to": "initiator", "comment": "请补充日期"})
    assert said == [f"已退回申请人 {org['clerk'].display_name}。"]  # the message says to whom it went
    assert Instance.objects.get(pk=instance.pk).status == "returned"
    clerk = login(org["clerk"])
    html = clerk.get(reverse("approvals:instance", args=[instance.pk])).content.decode()
    assert "重新提交" in html
    assert "请补充日期" in html
    post(clerk, instance, "resubmit", {"comment": "已补充"})
    assert Instance.objects.get(pk=instance.pk).status == "running"
    assert open_task(instance, org["section_head"])


def test_return_offers_previous_nodes(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    services.task_approve(actor=org["section_head"], task_id=open_task(instance, org["section_head"]).pk)
    response = login(org["deputy"]).get(reverse("approvals:instance", args=[instance.pk]))
    targets = dict(response.context["actions"]["return_targets"])
    assert set(targets) >= {"initiator", "previous", "head"}
    post(login(org["deputy"]), instance, "return", {"to": "head", "comment": "请再核对"})
    assert open_task(instance, org["section_head"])


def test_transfer_and_refusals(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head = login(org["section_head"])
    assert post(head, instance, "transfer", {"to": ""}) == ["请选择转交给谁。"]
    post(head, instance, "transfer", {"to": org["office_head"].pk, "comment": "请代为审核"})
    assert open_task(instance, org["office_head"])
    assert Task.objects.get(instance=instance, assignee=org["section_head"]).status == "transferred"


def test_add_and_remove_signers(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head = login(org["section_head"])
    assert post(head, instance, "add_signers", {"position": "before"}) == ["请选择加签人。"]
    post(
        head, instance, "add_signers", {"position": "before", "mode": "sequential", "people": [org["finance_head"].pk]}
    )
    assert open_task(instance, org["finance_head"])
    page = head.get(reverse("approvals:instance", args=[instance.pk]))
    assert [p.pk for p in page.context["actions"]["removable"]] == [org["finance_head"].pk]
    post(head, instance, "remove_signers", {"people": [org["finance_head"].pk]})
    assert not Task.objects.filter(instance=instance, assignee=org["finance_head"], status="open").exists()
    assert open_task(instance, org["section_head"])


def test_initiator_withdraw_urge_and_comment(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    clerk = login(org["clerk"])
    assert post(clerk, instance, "urge") == ["已催办，当前审批人会收到提醒。"]
    assert "刚刚催办过" in post(clerk, instance, "urge")[0]
    assert post(clerk, instance, "comment", {"comment": ""}) == ["评论不能为空。"]
    post(clerk, instance, "comment", {"comment": "请尽快"})
    post(clerk, instance, "withdraw")
    assert Instance.objects.get(pk=instance.pk).status == "withdrawn"
    html = clerk.get(reverse("approvals:instance", args=[instance.pk])).content.decode()
    assert "请尽快" in html
    assert "已撤回" in html


def test_approver_may_not_withdraw_the_initiators_request(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    before = snapshot(instance)
    messages = post(login(org["section_head"]), instance, "withdraw")
    assert messages
    assert snapshot(instance) == before
    assert post(login(org["section_head"]), instance, "urge")[0] == "只有发起人可以催办。"


def test_cancel_only_for_process_administrators(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    before = snapshot(instance)
    assert "只有流程管理员" in post(login(org["clerk"]), instance, "cancel", {"comment": "重复"})[0]
    assert snapshot(instance) == before
    admin = org["gm"]
    role = Role.objects.create(
        code="process_admin", name="流程管理员", permissions=[Perm.MANAGE_PROCESSES], data_scope="all"
    )
    grant(admin, role)
    client = login(admin)
    assert "作废（流程管理员）" in client.get(reverse("approvals:instance", args=[instance.pk])).content.decode()
    assert post(client, instance, "cancel", {"comment": ""}) == ["作废时必须填写理由。"]
    post(client, instance, "cancel", {"comment": "重复提交"})
    assert Instance.objects.get(pk=instance.pk).status == "cancelled"


def test_a_cc_notice_is_read_by_the_pages_post_not_by_opening_it(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    services.task_approve(actor=org["section_head"], task_id=open_task(instance, org["section_head"]).pk)
    services.task_approve(actor=org["deputy"], task_id=open_task(instance, org["deputy"]).pk)
    notice = Task.objects.get(instance=instance, assignee=org["accountant"])
    assert notice.status == "unread"
    client = login(org["accountant"])
    response = client.get(reverse("approvals:instance", args=[instance.pk]))
    assert response.status_code == 200
    assert Task.objects.get(pk=notice.pk).status == "unread"  # more in test_read_receipts.py
    assert post(client, instance, "read") == ["已标记为已阅。"]
    assert Task.objects.get(pk=notice.pk).status == "read"
    assert "comment" in response.context["actions"]
    assert "approve" not in response.context["actions"]


def test_system_actions_are_explained(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    html = login(org["clerk"]).get(reverse("approvals:instance", args=[instance.pk])).content.decode()
    assert "系统" in html  # node entered / tasks opened by the engine


def test_print_view_reads_like_the_paper_form(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    services.task_approve(
        actor=org["section_head"], task_id=open_task(instance, org["section_head"]).pk, comment="同意"
    )
    response = login(org["clerk"]).get(reverse("approvals:instance_print", args=[instance.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("请假审批单", "审批记录", "节点", "审批人", "意见", "时间", "部门负责人审批", "同意", "@media print"):
        assert text in html, text


def test_notification_link_leads_to_the_instance_page(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    notice = Notification.objects.create(
        key="x", user=org["section_head"], kind="task", title="t", url=f"/workflow/instances/{instance.pk}/"
    )
    response = login(org["section_head"]).get(reverse("approvals:notification_open", args=[notice.pk]), follow=True)
    assert response.status_code == 200
    assert "年假五天" in response.content.decode()
