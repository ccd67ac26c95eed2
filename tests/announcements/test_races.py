"""Concurrency: people signing up for the last places at once, each thread with its own connection, meeting at a
barrier. No more than the capacity are enrolled; the rest wait. Runs on whichever database the suite runs on."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.announcements import services
from sanfu.announcements.models import Announcement, Kind, SignUp, SignUpStatus
from tests.announcements.conftest import notice
from tests.conftest import make_staff
from tests.races import race

THREADS = 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_never_exceed_capacity(ann: dict[str, Any]) -> None:
    people = [make_staff(ann["finance"], username=f"runner{n}") for n in range(THREADS)]
    a = notice(ann["clerk"], kind=Kind.ACTIVITY, capacity=2, title="长跑")
    results = race([lambda p=p: services.signup_join(actor=p, announcement_id=a.pk) for p in people])
    assert all(isinstance(r, SignUp) for r in results), results
    enrolled = SignUp.objects.filter(announcement=a, status=SignUpStatus.ENROLLED).count()
    waiting = SignUp.objects.filter(announcement=a, status=SignUpStatus.WAITING).count()
    assert (enrolled, waiting) == (2, THREADS - 2)
    assert Announcement.objects.get(pk=a.pk).enrolled == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_cancels_promote_distinct_people(ann: dict[str, Any]) -> None:
    people = [make_staff(ann["finance"], username=f"player{n}") for n in range(4)]
    a = notice(ann["clerk"], kind=Kind.ACTIVITY, capacity=2, title="拔河")
    for p in people:
        services.signup_join(actor=p, announcement_id=a.pk)
    results = race([lambda p=p: services.signup_cancel(actor=p, announcement_id=a.pk) for p in people[:2]])
    assert not [r for r in results if isinstance(r, Exception) and "locked" in str(r)], results
    enrolled = set(
        SignUp.objects.filter(announcement=a, status=SignUpStatus.ENROLLED).values_list("user_id", flat=True)
    )
    assert len(enrolled) <= 2
    assert Announcement.objects.get(pk=a.pk).enrolled == len(enrolled)
