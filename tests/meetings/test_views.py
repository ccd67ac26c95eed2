"""The 会议室 pages through the Django test client: the board (day and week) with free slots linking to a
prefilled form; booking, bad input and conflicts answered with a clear message and nothing changed; another
unit's booking and the office's pages are 404 to those who may not see them; the board's queries do not grow
with its rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanfu.meetings import services
from sanfu.meetings.models import Booking, BookingStatus, Room
from tests.meetings.conftest import at, next_monday


def test_board_shows_bookings_and_links_free_slots(meet: dict[str, Any], login: Any) -> None:
    day = next_monday()
    booking = services.booking_create(
        actor=meet["accountant"], room_id=meet["big"].pk, title="预算会", starts_at=at(day, 9), ends_at=at(day, 10)
    )
    client = login(meet["office_head"])
    page = client.get(reverse("meetings:board"), {"day": day.isoformat()}).content.decode()
    assert "预算会" in page
    assert reverse("meetings:booking", args=[booking.pk]) in page
    assert f'data-slot="{meet["big"].pk}-10:00"' in page  # free after the meeting
    assert f'data-slot="{meet["big"].pk}-09:00"' not in page  # taken
    assert f'data-slot="{meet["finance_only"].pk}-' not in page  # not theirs to book
    week = client.get(reverse("meetings:board"), {"day": day.isoformat(), "view": "week"}).content.decode()
    assert "预算会" in week
    assert (day + timedelta(days=6)).isoformat() in week
    form = client.get(reverse("meetings:book"), {"room": meet["big"].pk, "day": day.isoformat(), "start": "10:00"})
    html = form.content.decode()
    assert 'value="10:00"' in html
    assert 'value="11:00"' in html
    assert f'value="{day.isoformat()}"' in html
    # the stranger's unit has its own rooms only
    other = login(meet["stranger"]).get(reverse("meetings:board")).content.decode()
    assert "第一会议室" not in other
    assert "外单位会议室" in other


def test_book_conflict_and_bad_input(meet: dict[str, Any], login: Any) -> None:
    day = next_monday()
    client = login(meet["accountant"])
    posted = {"room": meet["big"].pk, "title": "预算会", "day": day.isoformat(), "start": "09:00", "end": "10:00"}
    response = client.post(reverse("meetings:book"), posted)
    assert response.status_code == 302
    assert Booking.objects.filter(status=BookingStatus.BOOKED).count() == 1
    again = login(meet["office_head"]).post(reverse("meetings:book"), {**posted, "title": "周例会", "start": "09:30"})
    assert again.status_code == 400
    assert "已被“预算会”" in again.content.decode()
    for bad, words in [
        ({"end": "08:00"}, "结束时间须晚于开始时间"),
        ({"title": ""}, "这个字段是必填项"),
        ({"room": meet["other_room"].pk}, "选择一个有效的选项"),
        ({"room": meet["finance_only"].pk, "start": "15:00", "end": "16:00"}, "选择一个有效的选项"),
        ({"repeat": "weekly", "start": "15:00", "end": "16:00"}, "结束日期或次数"),
        ({"repeat": "weekly", "count": "3", "start": "15:00", "end": "16:00"}, "星期几"),
        ({"day": "2026-02-30"}, "有效的日期"),
    ]:
        refused = login(meet["office_head"]).post(reverse("meetings:book"), {**posted, **bad})
        assert refused.status_code == 400, bad
        assert words in refused.content.decode(), (bad, words)
    assert Booking.objects.count() == 1


def test_recurring_booking_from_the_form(meet: dict[str, Any], login: Any) -> None:
    day = next_monday()
    posted = {
        "room": meet["big"].pk,
        "title": "周例会",
        "day": day.isoformat(),
        "start": "09:00",
        "end": "10:00",
        "repeat": "weekly",
        "weekdays": ["0", "3"],
        "count": "4",
    }
    response = login(meet["office_head"]).post(reverse("meetings:book"), posted)
    assert response.status_code == 302
    assert Booking.objects.filter(series__isnull=False).count() == 4


def test_cancel_and_other_units_booking_is_404(meet: dict[str, Any], login: Any) -> None:
    day = next_monday()
    booking = services.booking_create(
        actor=meet["accountant"], room_id=meet["big"].pk, title="预算会", starts_at=at(day, 9), ends_at=at(day, 10)
    )
    stranger = login(meet["stranger"])
    assert stranger.get(reverse("meetings:booking", args=[booking.pk])).status_code == 404
    assert stranger.post(reverse("meetings:cancel", args=[booking.pk])).status_code == 404
    # a colleague sees it but may not cancel it
    colleague = login(meet["finance_head"])
    assert colleague.get(reverse("meetings:booking", args=[booking.pk])).status_code == 200
    colleague.post(reverse("meetings:cancel", args=[booking.pk]))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED
    mine = login(meet["accountant"])
    assert "预算会" in mine.get(reverse("meetings:mine")).content.decode()
    mine.post(reverse("meetings:cancel", args=[booking.pk]), {"reason": "改期"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_room_management_is_the_offices(meet: dict[str, Any], login: Any) -> None:
    staff = login(meet["accountant"])
    assert staff.get(reverse("meetings:room_new")).status_code == 404
    assert staff.post(reverse("meetings:room_new"), {"name": "私设", "capacity": "5"}).status_code == 404
    assert "第一会议室" in staff.get(reverse("meetings:rooms")).content.decode()
    office = login(meet["clerk"])
    created = office.post(
        reverse("meetings:room_new"),
        {"name": "党委会议室", "capacity": "12", "equipment": ["投影仪"], "open_to_all": "on", "active": "on"},
    )
    assert created.status_code == 302
    duplicate = office.post(reverse("meetings:room_new"), {"name": "党委会议室", "capacity": "12", "active": "on"})
    assert duplicate.status_code == 400
    assert "已有名为" in duplicate.content.decode()
    closed = office.post(reverse("meetings:room_new"), {"name": "小会议室", "capacity": "4", "active": "on"})
    assert closed.status_code == 400
    assert "请选择可预订的部门" in closed.content.decode()
    assert Room.objects.filter(unit=meet["unit"]).count() == 3
    assert office.get(reverse("meetings:room_edit", args=[meet["other_room"].pk])).status_code == 404


def test_board_queries_do_not_grow_with_rows(meet: dict[str, Any], login: Any) -> None:
    day = next_monday()
    client = login(meet["office_head"])

    def count(view: str) -> int:
        client.get(reverse("meetings:board"), {"day": day.isoformat(), "view": view})  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("meetings:board"), {"day": day.isoformat(), "view": view}).status_code == 200
        return len(queries)

    few = {v: count(v) for v in ("day", "week")}
    for n in range(8):
        services.room_create(
            actor=meet["clerk"],
            data=services.RoomIn(name=f"会议室{n}", open_to_all=n % 2 == 0, departments=[meet["finance"].pk]),
        )
    for room in Room.objects.filter(unit=meet["unit"]):
        for hour in (8, 11, 14, 16):
            for offset in (0, 2):
                when = day + timedelta(days=offset)
                Booking.objects.create(
                    room=room, title="会", booked_by=meet["clerk"], starts_at=at(when, hour), ends_at=at(when, hour + 1)
                )
    assert {v: count(v) for v in ("day", "week")} == few


def test_move_one_occurrence_from_its_page(meet: dict[str, Any], login: Any) -> None:
    day = next_monday()
    services.booking_create(
        actor=meet["office_head"], room_id=meet["big"].pk, title="占用", starts_at=at(day, 15), ends_at=at(day, 16)
    )
    client = login(meet["accountant"])
    client.post(
        reverse("meetings:book"),
        {
            "room": meet["big"].pk,
            "title": "例会",
            "day": day.isoformat(),
            "start": "09:00",
            "end": "10:00",
            "repeat": "daily",
            "count": "2",
        },
    )
    first = Booking.objects.filter(series__isnull=False).order_by("starts_at").first()
    assert first is not None
    move = reverse("meetings:move", args=[first.pk])
    taken = client.post(move, {"room": meet["big"].pk, "day": day.isoformat(), "start": "15:30", "end": "16:30"})
    assert "已被“占用”" in client.get(taken["Location"]).content.decode()
    first.refresh_from_db()
    assert first.starts_at == at(day, 9)
    client.post(move, {"room": meet["big"].pk, "day": day.isoformat(), "start": "11:00", "end": "12:00"})
    first.refresh_from_db()
    assert (first.starts_at, first.exception) == (at(day, 11), "moved")
    assert (
        login(meet["stranger"]).post(move, {"day": day.isoformat(), "start": "13:00", "end": "14:00"}).status_code
        == 404
    )
