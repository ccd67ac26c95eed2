"""The inbox list pages cost a fixed number of queries however many rows they show (no query per row)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanfu.approvals.models import Draft
from sanfu.core.models import Notification
from sanfu.workflow import services
from sanfu.workflow.models import Task, TaskStatus
from tests.approvals import test_inbox

flows = test_inbox.flows  # the shared fixture
submit = test_inbox.submit


def _approve(who: Any, instance: Any) -> None:
    task = Task.objects.get(instance=instance, assignee=who, status=TaskStatus.OPEN)
    services.task_approve(actor=who, task_id=task.pk, comment="同意")


def _one(org: dict[str, Any], flows: dict[str, Any], tab: str, i: int) -> None:
    """One more row in ``tab``; rows alternate between matters, and every third has no request at all."""
    matter = None if i % 3 == 2 else flows["leave" if i % 2 else "seal"]
    key = "leave" if matter is None else None
    urgency = ("特急", "加急", "")[i % 3]
    if tab == "drafts":
        Draft.objects.create(matter=flows["seal" if i % 2 else "leave"], owner=org["clerk"], title=f"草稿{i}")
        return
    if tab == "notifications":
        Notification.objects.create(key=f"n{i}", user=org["section_head"], kind="info", title=f"通知{i}")
        return
    if tab == "cc":
        matter, key = flows["leave"], None  # only the leave flow copies the accountant
    instance = submit(org["clerk"], matter, f"第{i}件", urgency=urgency, key=key)
    if tab in {"done", "cc"}:
        _approve(org["section_head"], instance)
    if tab == "cc":
        _approve(org["deputy"], instance)


VIEWER = {"todo": "section_head", "done": "section_head", "started": "clerk", "cc": "accountant"}
VIEWER |= {"drafts": "clerk", "notifications": "section_head"}


def _url(tab: str) -> str:
    if tab == "notifications":
        return reverse("approvals:notifications")
    return reverse("approvals:inbox") + f"?tab={tab}"


@pytest.mark.parametrize("tab", ["todo", "done", "started", "cc", "drafts", "notifications"])
def test_list_pages_cost_the_same_queries_for_few_and_many_rows(
    org: dict[str, Any], flows: dict[str, Any], login: Callable[..., Any], tab: str
) -> None:
    client = login(org[VIEWER[tab]])
    _one(org, flows, tab, 0)
    client.get(_url(tab))  # warm caches (definition parse, grants)
    with CaptureQueriesContext(connection) as few:
        response = client.get(_url(tab))
    rows = response.context["page"].object_list
    assert len(rows) == 1
    for i in range(1, 7):
        _one(org, flows, tab, i)
    client.get(_url(tab))  # the new definitions and people are parsed and cached once
    with CaptureQueriesContext(connection) as many:
        response = client.get(_url(tab))
    assert len(response.context["page"].object_list) == 7
    few_sql = [q["sql"] for q in few.captured_queries]
    many_sql = [q["sql"] for q in many.captured_queries]
    assert len(many_sql) == len(few_sql), "\n".join(many_sql)
