"""A member of staff books a room on the board in headless Chromium: a free slot opens the booking form prefilled,
the booking shows on the board; at phone width the board is a stacked list per room."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from sanfu.accounts.models import User
from sanfu.demo.org import DEMO_PASSWORD, seed_demo
from sanfu.meetings import services
from sanfu.meetings.models import Booking
from tests.meetings.conftest import next_monday

pytestmark = pytest.mark.browser
SHOTS = Path(tempfile.gettempdir()) / "sanfu-screenshots"


def _sign_in(browser: Any, base: str, username: str, *, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button.btn-danger")
    page.wait_for_url(f"{base}/")
    return page


def test_book_a_room_on_the_board(app_server: str, browser: Any) -> None:
    connection.close()
    seed_demo()
    clerk = User.objects.get(username="clerk")
    room = services.room_create(actor=clerk, data=services.RoomIn(name="第一会议室", capacity=30, location="三楼"))
    day = next_monday()
    SHOTS.mkdir(exist_ok=True)

    page = _sign_in(browser, app_server, "staff", width=1280)
    page.goto(f"{app_server}/meetings/?day={day.isoformat()}")
    page.click(f'[data-slot="{room.pk}-10:00"]')
    page.wait_for_selector("#booking-form")
    assert page.input_value("#id_start") == "10:00"
    assert page.input_value("#id_end") == "11:00"
    assert page.input_value("#id_day") == day.isoformat()
    page.fill("#id_title", "安全生产例会")
    page.click("#submit-booking")
    page.wait_for_url(re.compile(r".*/meetings/\?day=.*"))
    assert "安全生产例会" in page.inner_text("#room-board")
    assert page.locator(f'[data-slot="{room.pk}-10:00"]').count() == 0
    page.screenshot(path=str(SHOTS / "meetings-board.png"), full_page=True)
    assert Booking.objects.get().title == "安全生产例会"

    phone = _sign_in(browser, app_server, "staff", width=390)
    phone.goto(f"{app_server}/meetings/?day={day.isoformat()}")
    stacked = phone.locator(".d-md-none .card").first
    assert stacked.is_visible()
    assert "安全生产例会" in stacked.inner_text()
    phone.screenshot(path=str(SHOTS / "meetings-board-phone.png"), full_page=True)
