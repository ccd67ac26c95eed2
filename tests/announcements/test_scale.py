"""5,000 recipients: reading, the read counts, the unread list, the person's list and the reminder take a number
of queries that does not grow with the recipients (no query per person)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanfu.announcements import selectors, services
from sanfu.announcements.models import Recipient, Scope
from sanfu.org.models import Post, Staff
from tests.announcements.conftest import notice

MANY = 5000


def _crowd(ann: dict[str, Any], n: int) -> list[int]:
    """``n`` more people in 财务部, made with bulk_create."""
    from sanfu.accounts.models import User

    made = User.objects.bulk_create(
        [User(username=f"crowd{n}-{i}", full_name=f"员工{i}", password="!") for i in range(n)]
    )
    staff = Staff.objects.bulk_create(
        [Staff(user=u, unit=ann["unit"], employee_no=f"C{n}-{i:05d}") for i, u in enumerate(made)]
    )
    Post.objects.bulk_create([Post(staff=s, department=ann["finance"], is_primary=True) for s in staff])
    return [u.pk for u in made]


def _queries(call: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def _measure(ann: dict[str, Any], extra: int) -> dict[str, int]:
    _crowd(ann, extra)
    a = notice(ann["clerk"], scope=Scope.DEPARTMENTS, department_ids=[ann["finance"].pk], title=f"通知{extra}")
    reader = ann["accountant"]
    counts = {
        "read": _queries(lambda: services.announcement_read(actor=reader, announcement_id=a.pk)),
        "unread_list": _queries(lambda: selectors.readers_of(a, unread=True)),
        "read_list": _queries(lambda: selectors.readers_of(a, unread=False)),
        "mine": _queries(lambda: list(selectors.published_by(ann["clerk"]))),
        "received": _queries(lambda: list(selectors.received(reader))),
        "workbench": _queries(lambda: selectors.unread_for(reader, 5)),
    }
    counts["remind"] = _queries(lambda: services.announcement_remind(actor=ann["clerk"], announcement_id=a.pk))
    assert Recipient.objects.filter(announcement=a).count() >= extra + 2
    return counts


def test_query_counts_do_not_grow_with_recipients(ann: dict[str, Any]) -> None:
    few = _measure(ann, 5)
    many = _measure(ann, MANY)
    remind_few, remind_many = few.pop("remind"), many.pop("remind")
    assert many == few
    # the reminder's notices are inserted in batches (the database's limit of parameters), never one per person
    assert remind_many < remind_few + 80


def test_the_unread_list_is_bounded_and_counted(ann: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    _crowd(ann, MANY)
    a = notice(ann["clerk"], scope=Scope.DEPARTMENTS, department_ids=[ann["finance"].pk])
    services.announcement_read(actor=ann["accountant"], announcement_id=a.pk)
    with django_assert_max_num_queries(2):
        readers = selectors.readers_of(a, unread=True, limit=500)
    assert readers.total == MANY + 2
    assert readers.read == 1
    assert len(readers.shown) == 500
    assert readers.more == MANY + 1 - 500


pytestmark = pytest.mark.django_db
