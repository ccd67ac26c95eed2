"""The demo's rooms and month of bookings are made through the services, and a second run adds nothing."""

from __future__ import annotations

import pytest

from sanfu.demo.meetings import seed_meetings
from sanfu.demo.org import seed_demo
from sanfu.meetings.models import Booking, BookingSeries, Meeting, MeetingStatus, Room


@pytest.mark.django_db
def test_demo_meetings_idempotent() -> None:
    seed_demo()
    made = seed_meetings()
    assert made > 40
    assert set(Room.objects.values_list("name", flat=True)) >= {"第一会议室", "第二会议室", "党委会议室"}
    assert BookingSeries.objects.count() == 2
    assert Booking.objects.count() == made
    statuses = sorted(Meeting.objects.values_list("status", flat=True))
    assert statuses == [MeetingStatus.NOTIFIED, MeetingStatus.SUBMITTED]
    assert seed_meetings() == 0
    assert Meeting.objects.count() == 2
    assert Booking.objects.count() == made
