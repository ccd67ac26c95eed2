"""The demo's announcements: a dozen, seeded through the services, idempotent; an employee reads one and the
publisher sees who has not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sanfu.accounts.models import User
from sanfu.announcements import selectors, services
from sanfu.announcements.models import Announcement, Kind, SignUpStatus, Status
from sanfu.demo.announcements import seed_announcements
from sanfu.demo.org import seed_demo
from tests.worlds import built_once


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    def build() -> int:
        seed_demo()
        return seed_announcements()

    yield from built_once(django_db_blocker, tmp_path_factory, build)


@pytest.mark.django_db
def test_a_dozen_announcements_of_every_kind(demo: int) -> None:
    assert demo >= 12
    kinds = set(Announcement.objects.values_list("kind", flat=True))
    assert kinds == set(Kind.values)
    assert Announcement.objects.filter(status=Status.PENDING).count() == 1
    assert seed_announcements() == 0  # idempotent
    activity = Announcement.objects.get(kind=Kind.ACTIVITY)
    assert activity.enrolled == activity.capacity
    assert activity.signups.filter(status=SignUpStatus.WAITING).exists()


@pytest.mark.django_db
def test_an_employee_reads_and_the_publisher_sees_who_has_not(demo: int) -> None:
    staff = User.objects.get(username="staff")
    clerk = User.objects.get(username="clerk")
    count, unread = selectors.unread_for(staff, 20)
    assert count > 0
    target = unread[0]
    services.announcement_read(actor=staff, announcement_id=target.pk)
    readers = selectors.readers_of(target, unread=False, limit=5000)
    assert staff.pk in {r.user_id for r in readers.shown}
    not_read = selectors.readers_of(target, unread=True, limit=5000)
    assert staff.pk not in {r.user_id for r in not_read.shown}
    assert not_read.unread > 0
    assert selectors.may_manage(clerk, target)
