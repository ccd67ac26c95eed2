"""我的待办 shows the to-dos other domains know that are no flow task (``core.todos``): one tab per source with
its count, its entries most pressing first (overdue ones marked), and the navigation badge counting them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sanfu.core import todos
from tests.conftest import make_user


@pytest.fixture
def reports_due(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[todos.TodoEntry]]:
    """A source of the person's reports due, kept in a dict the test fills: username → entries."""
    due: dict[str, list[todos.TodoEntry]] = {}
    monkeypatch.setattr(todos, "_SOURCES", dict(todos._SOURCES))  # the test's source goes with the test
    todos.register(
        todos.TodoSource(
            key="reports",
            label="报送",
            icon="bi-flag",
            order=1,
            count=lambda user: len(due.get(user.username, [])),
            entries=lambda user, limit: due.get(user.username, [])[:limit],
            empty="没有要报送的进展。",
            more_url="/reports/",
        )
    )
    return due


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_source_has_its_tab_its_count_and_the_badge_counts_it(db: None, reports_due: dict[str, Any]) -> None:
    person = make_user("reporter")
    yesterday = timezone.localdate() - timedelta(days=1)
    reports_due["reporter"] = [
        todos.TodoEntry(title="冬季安全检查", url="/items/1/", due=yesterday, note="周报待报送", overdue=True),
        todos.TodoEntry(title="节能改造", url="/items/2/", due=date(2099, 1, 4), note="周报待报送"),
    ]
    client = _client(person)
    page = client.get("/approvals/inbox/").content.decode()
    assert '?tab=reports"' in page
    assert 'data-count="reports">2<' in page
    assert 'id="nav-todo-count" title="待办数">2<' in page  # the badge: the two, and no flow to-do
    listed = client.get("/approvals/inbox/?tab=reports").content.decode()
    assert listed.index("冬季安全检查") < listed.index("节能改造")
    assert 'href="/items/1/"' in listed
    assert yesterday.isoformat() in listed
    assert "已超期" in listed
    assert "2099-01-04" in listed
    assert 'href="/reports/"' in listed


def test_an_empty_source_says_so_and_an_unknown_tab_is_the_todo_tab(db: None, reports_due: dict[str, Any]) -> None:
    client = _client(make_user("idle"))
    assert "没有要报送的进展。" in client.get("/approvals/inbox/?tab=reports").content.decode()
    assert client.get("/approvals/inbox/?tab=nothing").context["tab"] == "todo"
