"""我的待办's query budget: the page's whole cost in statements is fixed (the tabs' numbers in one statement, the
shell's badges read once per request and shared with the tabs), so it cannot creep back up unnoticed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanfu.approvals.models import Draft, ExternalTodo, ExternalTodoStatus
from sanfu.approvals.selectors import inbox as selectors
from sanfu.core import notify, todos
from sanfu.core.models import Notification
from sanfu.workflow import services
from sanfu.workflow.models import Task, TaskStatus
from tests.approvals import test_inbox

flows = test_inbox.flows  # the shared fixture
submit = test_inbox.submit

# Session, user, second factor, role grants (4); the page's keys counted, cut and loaded (3); the tabs' and
# badges' numbers (1); the core.todos sources' counts (8 statements from five domains today); the header's unit
# and a navigation entry's predicate (2); the matter filter's choices (1). It was 33 before the badges were
# shared with the tabs; a new source adds its own statements here.
INBOX_QUERIES = 19


def _scene(org: dict[str, Any], flows: dict[str, Any]) -> None:
    head = org["section_head"]
    for i in range(25):  # more than a page of to-dos
        submit(org["clerk"], flows["leave" if i % 2 else "seal"], f"第{i}件", urgency=("特急", "加急", "")[i % 3])
    done = Task.objects.filter(assignee=head, status=TaskStatus.OPEN).order_by("id")[:3]
    for task in done:
        services.task_approve(actor=head, task_id=task.pk, comment="同意")
    for i in range(2):
        ExternalTodo.objects.create(
            person=head,
            source="erp",
            source_name="采购系统",
            external_id=f"PO-{i}",
            title=f"采购订单{i}",
            url="https://erp.example.com/po",
            pushed_by=org["clerk"],
        )
    ExternalTodo.objects.create(
        person=head,
        source="erp",
        source_name="采购系统",
        external_id="PO-9",
        title="已办的订单",
        url="https://erp.example.com/po",
        pushed_by=org["clerk"],
        status=ExternalTodoStatus.DONE,
    )
    Draft.objects.create(matter=flows["seal"], owner=head, title="草稿")
    for i in range(2):
        Notification.objects.create(key=f"n{i}", user=head, kind="task", title=f"新待办{i}")


def _statements(client: Any, url: str) -> tuple[Any, list[str]]:
    client.get(url)  # warm the per-process caches (definitions, the navigation's entries)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in captured.captured_queries]


@pytest.mark.django_db
def test_the_inbox_page_stays_within_its_query_budget_and_counts_right(
    org: dict[str, Any], flows: dict[str, Any], login: Callable[..., Any]
) -> None:
    _scene(org, flows)
    head = org["section_head"]
    response, sql = _statements(login(head), reverse("approvals:inbox"))
    assert len(sql) <= INBOX_QUERIES, "\n".join(sql)
    # The shell's badges and the tabs share one read: the notifications and the open to-dos are counted once.
    assert sum("core_notification" in s for s in sql) == 1, "\n".join(sql)
    assert sum('FROM "meetings_meeting"' in s for s in sql) == 1, "\n".join(sql)  # a core.todos source: once
    open_own = Task.objects.filter(assignee=head, status=TaskStatus.OPEN).count()
    counts = response.context["counts"]
    assert counts == {"todo": open_own + 2, "done": 3 + 1, "cc": 0, "started": 0, "drafts": 1}
    assert counts == selectors.tab_counts(head)
    assert response.context["nav_todo_count"] == open_own + 2 + todos.open_count(head)
    assert response.context["nav_unread_count"] == notify.unread_count(head) == 2
    assert len(response.context["rows"]) == 20
    html = response.content.decode()
    badge = html[html.index('id="nav-todo-count"') :]
    assert badge[badge.index(">") + 1 : badge.index("</span>")] == str(open_own + 2)


@pytest.mark.django_db
def test_another_page_reads_the_badges_once_and_a_partial_not_at_all(
    org: dict[str, Any], flows: dict[str, Any], login: Callable[..., Any]
) -> None:
    _scene(org, flows)
    client = login(org["section_head"])
    _response, sql = _statements(client, reverse("approvals:notifications"))
    assert sum("FROM core_notification WHERE user_id" in s for s in sql) == 1, "\n".join(sql)  # the badges' read
    assert sum('FROM "meetings_meeting"' in s for s in sql) == 1, "\n".join(sql)  # a core.todos source
    # An HTMX swap of the list shows no badge: the shell asks nothing for it.
    client.get(reverse("approvals:inbox"), {"tab": "done"}, HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as captured:
        partial = client.get(reverse("approvals:inbox"), {"tab": "done"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert 'id="nav-todo-count"' not in partial.content.decode()
    partial_sql = [q["sql"] for q in captured.captured_queries]
    assert not any("core_notification" in s or "org_unit" in s for s in partial_sql), partial_sql
