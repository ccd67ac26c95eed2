"""待办 and 已办 page through Sanfu's tasks and other systems' to-dos in one order. Each page reads only the
first keys of each kind in its own index order before merging them (``InboxEntries``): page after page, the
rows are the whole merged order cut in twenties, none lost or repeated, whichever kind comes first."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.approvals.models import ExternalTodo
from sanfu.approvals.services import external
from sanfu.workflow import services
from sanfu.workflow.models import Task
from tests.approvals import test_inbox
from tests.conftest import make_user

flows = test_inbox.flows  # the shared fixture: a leave flow whose first step is the initiator's head

pytestmark = pytest.mark.django_db


@pytest.fixture
def erp(org: dict[str, Any]) -> User:
    return make_user("erp_bot", full_name="ERP 集成")


def _push(erp: User, person: User, n: int) -> ExternalTodo:
    todo, _created = external.todo_push(
        actor=erp,
        person=person,
        external_id=f"PO-{n}",
        source="erp",
        source_name="采购系统",
        title=f"订单{n:02d}",
        url=f"https://erp.example.com/po/{n}",
        integration=True,
    )
    return todo


def _titles(user: User, tab: str, pages: int) -> list[str]:
    client = Client()
    client.force_login(user)
    titles: list[str] = []
    for page in range(1, pages + 1):
        response = client.get(reverse("approvals:inbox"), {"tab": tab, "page": page})
        assert response.status_code == 200
        rows = list(response.context["rows"])
        assert len(rows) == (20 if page < pages else len(rows))
        titles += [r.title for r in rows]
    return titles


def _moments(count: int, seed: int) -> list[datetime]:
    """``count`` distinct moments a minute apart, shuffled: neither kind's creation order is its list order."""
    base = timezone.now() + timedelta(days=1)
    moments = [base + timedelta(minutes=i) for i in range(count)]
    random.Random(seed).shuffle(moments)
    return moments


def test_the_to_do_pages_are_the_merged_deadline_order_cut_in_twenties(
    org: dict[str, Any], flows: dict[str, Any], erp: User
) -> None:
    head = org["section_head"]
    tasks = [test_inbox.submit(org["clerk"], None, f"请假{i:02d}").tasks.get(assignee=head) for i in range(23)]
    externals = [_push(erp, head, n) for n in range(22)]
    due = _moments(45, seed=7)
    for i, task in enumerate(tasks):  # two of each kind without a deadline: last, Sanfu's first, then by id
        Task.objects.filter(pk=task.pk).update(due_at=None if i in {3, 17} else due.pop())
    for n, todo in enumerate(externals):
        ExternalTodo.objects.filter(pk=todo.pk).update(due_at=None if n in {5, 11} else due.pop())
    dated = [
        (t.due_at, t.instance.title) for t in Task.objects.filter(pk__in=[t.pk for t in tasks], due_at__isnull=False)
    ]
    dated += [(x.due_at, x.title) for x in ExternalTodo.objects.filter(person=head, due_at__isnull=False)]
    expected = [title for _due, title in sorted(dated)]
    expected += ["请假03", "请假17", "订单05", "订单11"]
    assert _titles(head, "todo", 3) == expected


def test_the_done_pages_are_the_merged_newest_first_order_cut_in_twenties(
    org: dict[str, Any], flows: dict[str, Any], erp: User
) -> None:
    head = org["section_head"]
    instances = [test_inbox.submit(org["clerk"], None, f"请假{i:02d}") for i in range(3)]
    for instance in instances:
        services.task_approve(actor=head, task_id=instance.tasks.get(assignee=head).pk, comment="同意")
    for n in range(22):
        _push(erp, head, n)
        external.todo_close(actor=erp, integration=True, source="erp", external_id=f"PO-{n}")
    moments = _moments(25, seed=11)
    acted = Task.objects.filter(assignee=head, acted_at__isnull=False)
    assert acted.count() == 3
    for task in acted:
        Task.objects.filter(pk=task.pk).update(acted_at=moments.pop())
    for todo in ExternalTodo.objects.filter(person=head):
        ExternalTodo.objects.filter(pk=todo.pk).update(closed_at=moments.pop())
    done = [(t.acted_at, t.instance.title) for t in Task.objects.filter(assignee=head, acted_at__isnull=False)]
    done += [(x.closed_at, x.title) for x in ExternalTodo.objects.filter(person=head)]
    expected = [title for _at, title in sorted(done, reverse=True)]
    assert _titles(head, "done", 2) == expected
