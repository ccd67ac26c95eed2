"""通知公告 in 我的待办: an unread, valid announcement is a to-do of its recipient until they open it; a 文体活动
whose sign-up closes within three days is one until they answer it (sign up, even to cancel), read or not;
``count`` is one query, at 5,000 recipients too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from sanfu.announcements import services, todos
from sanfu.announcements.models import Kind, Scope
from sanfu.core import todos as inbox
from tests.announcements.conftest import notice
from tests.announcements.test_scale import MANY, _crowd


def test_unread_announcements_are_todos_until_read(ann: dict[str, Any], login: Any) -> None:
    reader = ann["accountant"]
    plain = notice(ann["clerk"], title="关于元旦放假的通知")
    pinned = notice(ann["clerk"], title="安全生产大检查", pinned_until=timezone.now() + timedelta(days=2))
    notice(ann["clerk"], title="已过期的通知", expires_at=timezone.now() + timedelta(days=1))
    draft = notice(ann["clerk"], title="草稿", publish=False)
    assert todos.count(reader) == 3
    titles = [e.title for e in todos.entries(reader, 10)]
    assert titles[0] == "安全生产大检查"  # pinned first, then the newest
    assert draft.title not in titles
    assert inbox.source("announcements") is not None  # registered by the app
    page = login(reader).get(reverse("approvals:inbox"), {"tab": "announcements"}).content.decode()
    assert "安全生产大检查" in page
    services.announcement_read(actor=reader, announcement_id=plain.pk)
    services.announcement_read(actor=reader, announcement_id=pinned.pk)
    assert todos.count(reader) == 1
    assert todos.count(ann["stranger"]) == 0
    # once expired, the unread one is no longer a to-do
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        assert todos.count(reader) == 0


def test_an_activity_closing_soon_stays_until_answered(ann: dict[str, Any]) -> None:
    reader = ann["accountant"]
    closing = notice(
        ann["clerk"],
        kind=Kind.ACTIVITY,
        title="职工羽毛球赛",
        capacity=10,
        signup_until=timezone.now() + timedelta(days=1),
    )
    far = notice(
        ann["clerk"],
        kind=Kind.ACTIVITY,
        title="秋季登山",
        capacity=10,
        signup_until=timezone.now() + timedelta(days=20),
    )
    services.announcement_read(actor=reader, announcement_id=closing.pk)
    services.announcement_read(actor=reader, announcement_id=far.pk)
    [entry] = todos.entries(reader, 10)  # read, but its sign-up closes soon and is not answered
    assert (entry.title, entry.due) == ("职工羽毛球赛", closing.signup_until)
    assert todos.count(reader) == 1
    services.signup_join(actor=reader, announcement_id=closing.pk)
    services.signup_cancel(actor=reader, announcement_id=closing.pk)  # an answer too
    assert todos.count(reader) == 0
    assert todos.entries(reader, 10) == []


def test_count_is_one_query_at_5000_recipients(ann: dict[str, Any], django_assert_num_queries: Any) -> None:
    _crowd(ann, MANY)
    notice(ann["clerk"], scope=Scope.DEPARTMENTS, department_ids=[ann["finance"].pk])
    notice(
        ann["clerk"],
        kind=Kind.ACTIVITY,
        scope=Scope.DEPARTMENTS,
        department_ids=[ann["finance"].pk],
        capacity=10,
        signup_until=timezone.now() + timedelta(hours=5),
    )
    with django_assert_num_queries(1):
        assert todos.count(ann["accountant"]) == 2
    with django_assert_num_queries(1):
        assert len(todos.entries(ann["accountant"], 10)) == 2


pytestmark = pytest.mark.django_db
