"""A member of staff books a room on the board in headless Chromium: a free slot opens the booking form prefilled,
the booking shows on the board; at phone width the board is a stacked list per room. The board is the demo's
(rooms, a month of bookings, two meetings), which this test also checks is seeded once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.demo.meetings import seed_meetings
from sanfu.demo.org import DEMO_PASSWORD, seed_demo
from sanfu.meetings import selectors
from sanfu.meetings.models import Booking, Meeting, MeetingStatus
from tests.browser import SHOTS
from tests.meetings.conftest import next_monday

pytestmark = pytest.mark.browser


def test_book_a_room_on_the_board(app_server: str, signed_in: Any) -> None:
    seed_demo()
    made = seed_meetings()
    assert made > 40
    assert seed_meetings() == 0  # idempotent
    assert Booking.objects.count() == made
    assert sorted(Meeting.objects.values_list("status", flat=True)) == [MeetingStatus.NOTIFIED, MeetingStatus.SUBMITTED]
    staff = User.objects.get(username="staff")
    day = next_monday()
    row = next(r for r in selectors.board(actor=staff, first=day).rows if r.room.name == "第一会议室")
    slot = next(s for s in row.days[0].slots if s.booking is None and not s.past)
    start = timezone.localtime(slot.starts_at).strftime("%H:%M")
    end = timezone.localtime(slot.ends_at).strftime("%H:%M")
    room = row.room
    SHOTS.mkdir(parents=True, exist_ok=True)

    page = signed_in("staff", DEMO_PASSWORD)
    page.goto(f"{app_server}/meetings/?day={day.isoformat()}")
    page.click(f'[data-slot="{room.pk}-{start}"]')
    page.wait_for_selector("#booking-form")
    assert page.input_value("#id_start") == start
    assert page.input_value("#id_end") == end
    assert page.input_value("#id_day") == day.isoformat()
    page.fill("#id_title", "安全生产例会")
    page.click("#submit-booking")
    page.wait_for_url(re.compile(r".*/meetings/\?day=.*"))
    assert "安全生产例会" in page.inner_text("#room-board")
    assert page.locator(f'[data-slot="{room.pk}-{start}"]').count() == 0
    page.screenshot(path=str(SHOTS / "meetings-board.png"), full_page=True)
    booked = Booking.objects.get(room=room, starts_at=slot.starts_at, status="booked")
    assert (booked.title, booked.booked_by_id) == ("安全生产例会", staff.pk)

    phone = signed_in("staff", DEMO_PASSWORD, width=390)
    phone.goto(f"{app_server}/meetings/?day={day.isoformat()}")
    stacked = phone.locator(".d-md-none .card").first
    assert stacked.is_visible()
    assert "安全生产例会" in phone.locator(".d-md-none").inner_text()
    phone.screenshot(path=str(SHOTS / "meetings-board-phone.png"), full_page=True)

    # The organiser's page of the notified meeting: agenda, replies, sign-in, materials, 会务.
    notified = Meeting.objects.get(status=MeetingStatus.NOTIFIED)
    organiser = signed_in(notified.organiser.username, DEMO_PASSWORD)
    organiser.goto(f"{app_server}/meetings/meetings/{notified.pk}/")
    assert organiser.inner_text("#meeting-title") == notified.title
    organiser.screenshot(path=str(SHOTS / "meeting.png"), full_page=True)

    # The office's monthly figures: reached from the meetings list, the month's rooms drawn by ECharts.
    office = signed_in("clerk", DEMO_PASSWORD)
    office.goto(f"{app_server}/meetings/meetings/")
    office.click("#meeting-figures")
    office.wait_for_selector("#figures-totals")
    office.wait_for_selector("#figures-chart[data-chart-ready='1']")
    assert office.locator("#figures-rooms tr[data-room='第一会议室']").count() == 1
    office.fill("#figures-month input[name=month]", "2000-01")
    office.locator("#figures-month button").click()
    office.wait_for_url(re.compile(r".*/figures/\?month=2000-01$"))
    assert office.inner_text("#total-held") == "0"
