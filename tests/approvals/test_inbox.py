"""我的待办: tabs, filters, counts, batch approval, notifications, and the home page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from sanfu.approvals.models import Draft, MatterType, Request
from sanfu.approvals.selectors import inbox as selectors
from sanfu.core.models import Notification
from sanfu.workflow import outbox, services
from sanfu.workflow.models import Instance, Task

FLOW: dict[str, Any] = {
    "key": "leave",
    "name": "请假审批",
    "nodes": [
        {"id": "start", "kind": "start", "next": "head"},
        {
            "id": "head",
            "kind": "approval",
            "name": "部门负责人审批",
            "approvers": {"type": "head"},
            "batch": True,
            "next": "leader",
        },
        {
            "id": "leader",
            "kind": "approval",
            "name": "分管领导审批",
            "approvers": {"type": "leader_in_charge", "department": "initiator"},
            "next": "copy",
        },
        {
            "id": "copy",
            "kind": "cc",
            "name": "抄送财务",
            "recipients": {"type": "department_heads", "departments": []},
            "next": "end",
        },
        {"id": "end", "kind": "end"},
    ],
}
NO_BATCH: dict[str, Any] = {
    "key": "seal",
    "name": "用印审批",
    "nodes": [
        {"id": "start", "kind": "start", "next": "head"},
        {"id": "head", "kind": "approval", "name": "部门负责人审批", "approvers": {"type": "head"}, "next": "end"},
        {"id": "end", "kind": "end"},
    ],
}


@pytest.fixture
def flows(org: dict[str, Any]) -> dict[str, Any]:
    spec = {**FLOW, "nodes": [dict(n) for n in FLOW["nodes"]]}
    spec["nodes"][3]["recipients"] = {"type": "users", "users": [org["accountant"].pk]}
    services.definition_publish(actor=None, spec=spec)
    services.definition_publish(actor=None, spec=NO_BATCH)
    leave = MatterType.objects.create(code="leave", name="请假", definition_key="leave", number_prefix="QJ")
    seal = MatterType.objects.create(code="seal", name="用印", definition_key="seal", number_prefix="YY")
    return {"leave": leave, "seal": seal}


_numbers = iter(range(1, 10_000))


def submit(who: Any, matter: MatterType | None, title: str, *, urgency: str = "", key: str | None = None) -> Instance:
    instance = services.instance_start(
        actor=who, definition_key=key or (matter.definition_key if matter else "leave"), title=title, urgency=urgency
    )
    if matter is not None:
        Request.objects.create(
            matter=matter,
            instance=instance,
            number=f"{matter.number_prefix}-20260301-{next(_numbers):04d}",
            title=title,
            applicant=who,
        )
    return instance


def todo_titles(client: Any, **params: Any) -> list[str]:
    response = client.get(reverse("approvals:inbox"), {"tab": "todo", **params})
    assert response.status_code == 200
    return [row.title for row in response.context["rows"]]


def test_todo_tab_lists_open_tasks_by_deadline_with_marks(org, flows, login):
    late = submit(org["clerk"], flows["leave"], "年假五天", urgency="特急")
    soon = submit(org["clerk"], flows["leave"], "事假一天", urgency="加急")
    free = submit(org["clerk"], flows["seal"], "合同用印")
    now = timezone.now()
    Task.objects.filter(instance=late).update(due_at=now - timedelta(hours=3))
    Task.objects.filter(instance=soon).update(due_at=now + timedelta(days=1))
    client = login(org["section_head"])
    assert todo_titles(client) == ["年假五天", "事假一天", "合同用印"]  # no deadline last
    html = client.get(reverse("approvals:inbox")).content.decode()
    assert 'class="badge badge-urgent"' in html
    assert 'class="badge badge-rush"' in html
    assert 'class="badge badge-late"' in html
    rows = {r.title: r for r in client.get(reverse("approvals:inbox")).context["rows"]}
    assert rows["年假五天"].overdue
    assert not rows["事假一天"].overdue
    assert rows["年假五天"].number.startswith("QJ-")
    assert free.pk  # the seal request is listed with its matter
    assert rows["合同用印"].matter == "用印"


def test_filters_narrow_the_list(org, flows, login):
    a = submit(org["clerk"], flows["leave"], "年假五天", urgency="特急")
    submit(org["clerk"], flows["seal"], "合同用印", urgency="平急")
    Task.objects.filter(instance=a).update(due_at=timezone.now() - timedelta(hours=1))
    client = login(org["section_head"])
    assert todo_titles(client, matter=flows["seal"].pk) == ["合同用印"]
    assert todo_titles(client, urgency="特急") == ["年假五天"]
    assert todo_titles(client, overdue="1") == ["年假五天"]
    assert todo_titles(client, q="用印") == ["合同用印"]
    number = Request.objects.get(instance=a).number
    assert todo_titles(client, q=number) == ["年假五天"]
    today = timezone.localdate()
    assert len(todo_titles(client, date_from=today.isoformat(), date_to=today.isoformat())) == 2
    assert todo_titles(client, date_from=(today + timedelta(days=1)).isoformat()) == []
    # garbage in the query is ignored, not an error page
    assert len(todo_titles(client, matter="x", urgency="nope", date_from="2026-13-45")) == 2
    response = client.get(reverse("approvals:inbox"), {"tab": "todo", "q": "不存在的"})
    assert "没有符合筛选条件的事项。" in response.content.decode()


def test_htmx_filter_swaps_only_the_list(org, flows, login):
    submit(org["clerk"], flows["leave"], "年假五天")
    client = login(org["section_head"])
    response = client.get(reverse("approvals:inbox"), {"tab": "todo", "q": "年假"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="inbox-list">')
    assert "<nav" not in html.split('<div id="inbox-list">')[0]
    assert "年假五天" in html


def test_todo_list_costs_a_fixed_number_of_queries(org, flows, login, django_assert_num_queries):
    client = login(org["section_head"])
    submit(org["clerk"], flows["leave"], "第一件")
    client.get(reverse("approvals:inbox"))  # warm caches (definition parse, grants)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("approvals:inbox"))
    for i in range(6):
        submit(org["clerk"], flows["leave" if i % 2 else "seal"], f"第{i + 2}件", urgency="特急")
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("approvals:inbox"))
    assert len(response.context["rows"]) == 7


def test_tabs_done_started_cc_and_drafts(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head_task = Task.objects.get(instance=instance, assignee=org["section_head"])
    services.task_approve(actor=org["section_head"], task_id=head_task.pk, comment="同意")
    leader_task = Task.objects.get(instance=instance, assignee=org["deputy"], status="open")
    services.task_approve(actor=org["deputy"], task_id=leader_task.pk)
    Draft.objects.create(matter=flows["seal"], owner=org["clerk"], title="还没写完的用印")

    head = login(org["section_head"])
    done = head.get(reverse("approvals:inbox"), {"tab": "done"})
    assert [r.title for r in done.context["rows"]] == ["年假五天"]
    assert done.context["rows"][0].status == "已同意"

    clerk = login(org["clerk"])
    started = clerk.get(reverse("approvals:inbox"), {"tab": "started"})
    assert [(r.title, r.status) for r in started.context["rows"]] == [("年假五天", "已办结")]
    drafts = clerk.get(reverse("approvals:inbox"), {"tab": "drafts"})
    assert [r.title for r in drafts.context["rows"]] == ["还没写完的用印"]
    assert clerk.get(reverse("approvals:inbox"), {"tab": "todo"}).context["rows"] == []
    assert "暂无待办事项" in clerk.get(reverse("approvals:inbox")).content.decode()

    accountant = login(org["accountant"])
    cc = accountant.get(reverse("approvals:inbox"), {"tab": "cc"})
    assert [(r.title, r.unread) for r in cc.context["rows"]] == [("年假五天", True)]
    assert cc.context["counts"]["cc"] == 1
    assert 'class="inbox-row unread"' in cc.content.decode()


def test_counts_in_tabs_and_nav(org, flows, login):
    submit(org["clerk"], flows["leave"], "一")
    submit(org["clerk"], flows["seal"], "二")
    Notification.objects.create(key="n1", user=org["section_head"], kind="task", title="新待办")
    client = login(org["section_head"])
    response = client.get(reverse("approvals:inbox"))
    assert response.context["counts"]["todo"] == 2
    assert response.context["nav_todo_count"] == 2
    assert response.context["nav_unread_count"] == 1
    html = response.content.decode()
    assert 'id="nav-todo-count"' in html
    assert 'id="nav-unread-count"' in html
    assert selectors.tab_counts(org["clerk"])["started"] == 2


def test_home_is_the_todo_inbox_with_delegations_aside(org, flows, login):
    submit(org["clerk"], flows["leave"], "年假五天")
    response = login(org["section_head"]).get(reverse("web:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "年假五天" in html
    assert "委托代理" in html
    assert response.context["tab"] == "todo"


def test_pagination(org, flows, login):
    for i in range(23):
        submit(org["clerk"], flows["seal"], f"用印{i:02d}")
    client = login(org["section_head"])
    first = client.get(reverse("approvals:inbox"))
    assert len(first.context["rows"]) == 20
    second = client.get(reverse("approvals:inbox"), {"page": 2})
    assert len(second.context["rows"]) == 3


def test_batch_approve_only_batch_enabled_nodes(org, flows, login):
    a = submit(org["clerk"], flows["leave"], "年假五天")
    b = submit(org["clerk"], flows["leave"], "事假一天")
    c = submit(org["clerk"], flows["seal"], "合同用印")
    client = login(org["section_head"])
    rows = {r.title: r for r in client.get(reverse("approvals:inbox")).context["rows"]}
    assert rows["年假五天"].batchable
    assert not rows["合同用印"].batchable
    html = client.get(reverse("approvals:inbox")).content.decode()
    assert "批量同意" in html
    assert html.count('class="form-check-input batch-box"') == 2
    ids = [Task.objects.get(instance=i, assignee=org["section_head"]).pk for i in (a, b, c)]
    response = client.post(reverse("approvals:batch_approve"), {"task": ids, "next": "/"}, follow=True)
    text = [str(m) for m in response.context["messages"]]
    assert any("已批量同意 2 项" in m for m in text)
    assert any("合同用印" in m and "不允许批量" in m for m in text)
    assert Task.objects.get(pk=ids[0]).status == "approved"
    assert Task.objects.get(pk=ids[2]).status == "open"
    approved = Instance.objects.get(pk=a.pk).events.filter(type="approved").first()
    assert approved is not None
    assert approved.comment == "同意"


def test_batch_approve_reports_tasks_already_handled_and_others(org, flows, login):
    a = submit(org["clerk"], flows["leave"], "年假五天")
    task = Task.objects.get(instance=a, assignee=org["section_head"])
    services.task_approve(actor=org["section_head"], task_id=task.pk)
    other = Task.objects.get(instance=a, assignee=org["deputy"])
    response = login(org["section_head"]).post(
        reverse("approvals:batch_approve"), {"task": [task.pk, other.pk]}, follow=True
    )
    text = " ".join(str(m) for m in response.context["messages"])
    assert "2 项未能同意" in text
    assert "不是您的待办" in text
    assert Task.objects.get(pk=other.pk).status == "open"


def test_batch_approve_with_nothing_chosen(org, flows, login):
    response = login(org["section_head"]).post(reverse("approvals:batch_approve"), {}, follow=True)
    assert any("请先勾选" in str(m) for m in response.context["messages"])


def test_notifications_unread_first_open_and_mark_all_read(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    outbox.deliver_pending()
    old = Notification.objects.create(key="old", user=org["section_head"], kind="info", title="旧通知")
    Notification.objects.filter(pk=old.pk).update(read_at=timezone.now())
    client = login(org["section_head"])
    page = client.get(reverse("approvals:notifications"))
    notices = list(page.context["page"].object_list)
    assert notices[0].read_at is None
    assert notices[-1].pk == old.pk
    fresh = notices[0]
    opened = client.post(reverse("approvals:notification_open", args=[fresh.pk]))
    assert opened["Location"] == reverse("approvals:instance", args=[instance.pk])
    assert Notification.objects.get(pk=fresh.pk).read_at is not None
    Notification.objects.create(key="n2", user=org["section_head"], kind="info", title="再一条")
    client.post(reverse("approvals:notifications_read_all"))
    assert not Notification.objects.filter(user=org["section_head"], read_at__isnull=True).exists()
    assert "暂时没有通知" in login(org["clerk"]).get(reverse("approvals:notifications")).content.decode()
    # someone else's notification is not theirs to open
    assert login(org["clerk"]).get(reverse("approvals:notification_open", args=[fresh.pk])).status_code == 404


def test_batch_approve_checks_the_fields_the_node_must_fill_like_one_approval(org, login):
    """A node whose approver must fill a field is refused in a batch exactly as on the instance page."""
    services.definition_publish(
        actor=None,
        spec={
            "key": "review",
            "name": "审核",
            "fields": [{"name": "reason"}, {"name": "note"}],
            "nodes": [
                {"id": "start", "kind": "start", "next": "head"},
                {
                    "id": "head",
                    "kind": "approval",
                    "name": "部门负责人审批",
                    "approvers": {"type": "head"},
                    "batch": True,
                    "fields": {"note": "write"},
                    "next": "end",
                },
                {"id": "end", "kind": "end"},
            ],
        },
    )
    matter = MatterType.objects.create(
        code="review",
        name="审核",
        definition_key="review",
        number_prefix="SH",
        form_schema={
            "fields": [
                {"name": "reason", "type": "text", "label": "事由"},
                {"name": "note", "type": "text", "label": "审核意见栏", "required": True},
            ]
        },
    )
    instance = submit(org["clerk"], matter, "待审核")
    task = Task.objects.get(instance=instance, assignee=org["section_head"])
    client = login(org["section_head"])
    response = client.post(reverse("approvals:batch_approve"), {"task": [task.pk]}, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "1 项未能同意" in text
    assert "审核意见栏" in text
    assert Task.objects.get(pk=task.pk).status == "open"
    # one approval refuses the same way, and passes once the field is filled
    url = reverse("approvals:instance_approve", args=[instance.pk])
    single = client.post(url, {"task": task.pk}, follow=True)
    assert any("审核意见栏" in str(m) for m in single.context["messages"])
    assert Task.objects.get(pk=task.pk).status == "open"
    client.post(url, {"task": task.pk, "note": "已核"})
    assert Task.objects.get(pk=task.pk).status == "approved"
    assert Instance.objects.get(pk=instance.pk).state["form"]["note"] == "已核"
