"""Rooms and bookings through the services: overlaps refused with a clear message and nothing left behind,
cancelling frees the slot, who may book which room, another unit's room is not found, every change audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.models import AuditRecord
from sanfu.meetings import selectors, services
from sanfu.meetings.models import Booking, BookingStatus, Room
from tests.meetings.conftest import at, next_monday


def test_overlap_refused_naming_the_booking_and_nothing_left(meet: dict[str, Any]) -> None:
    day = next_monday()
    first = services.booking_create(
        actor=meet["accountant"], room_id=meet["big"].pk, title="预算会", starts_at=at(day, 9), ends_at=at(day, 10)
    )
    audits = AuditRecord.objects.count()
    with pytest.raises(ConflictError) as refused:
        services.booking_create(
            actor=meet["office_head"],
            room_id=meet["big"].pk,
            title="周例会",
            starts_at=at(day, 9, 30),
            ends_at=at(day, 11),
        )
    assert "预算会" in refused.value.message
    assert f"{day.isoformat()} 09:00–10:00" in refused.value.message
    assert Booking.objects.count() == 1
    assert AuditRecord.objects.count() == audits
    # touching ends are not an overlap; another room at the same time is free
    services.booking_create(
        actor=meet["office_head"], room_id=meet["big"].pk, title="周例会", starts_at=at(day, 10), ends_at=at(day, 11)
    )
    services.booking_create(
        actor=meet["finance_head"],
        room_id=meet["finance_only"].pk,
        title="财务碰头",
        starts_at=at(day, 9),
        ends_at=at(day, 10),
    )
    assert Booking.objects.filter(status=BookingStatus.BOOKED).count() == 3
    assert first.status == BookingStatus.BOOKED


def test_cancel_frees_the_slot_and_is_audited(meet: dict[str, Any]) -> None:
    day = next_monday()
    booking = services.booking_create(
        actor=meet["accountant"], room_id=meet["big"].pk, title="预算会", starts_at=at(day, 9), ends_at=at(day, 10)
    )
    with pytest.raises(PermissionDeniedError):
        services.booking_cancel(actor=meet["finance_head"], booking_id=booking.pk)
    services.booking_cancel(actor=meet["accountant"], booking_id=booking.pk, reason="改期")
    with pytest.raises(ConflictError):
        services.booking_cancel(actor=meet["accountant"], booking_id=booking.pk)
    again = services.booking_create(
        actor=meet["office_head"], room_id=meet["big"].pk, title="周例会", starts_at=at(day, 9), ends_at=at(day, 10)
    )
    # the office may cancel anyone's booking of its unit
    services.booking_cancel(actor=meet["clerk"], booking_id=again.pk)
    actions = list(AuditRecord.objects.filter(action__startswith="meetings.booking").values_list("action", flat=True))
    assert actions == [
        "meetings.booking.create",
        "meetings.booking.cancel",
        "meetings.booking.create",
        "meetings.booking.cancel",
    ]


def test_move_checks_the_new_slot(meet: dict[str, Any]) -> None:
    day = next_monday()
    a = services.booking_create(
        actor=meet["accountant"], room_id=meet["big"].pk, title="A", starts_at=at(day, 9), ends_at=at(day, 10)
    )
    services.booking_create(
        actor=meet["accountant"], room_id=meet["big"].pk, title="B", starts_at=at(day, 14), ends_at=at(day, 15)
    )
    with pytest.raises(ConflictError, match="B"):
        services.booking_move(actor=meet["accountant"], booking_id=a.pk, starts_at=at(day, 14), ends_at=at(day, 16))
    a.refresh_from_db()
    assert (a.starts_at, a.ends_at) == (at(day, 9), at(day, 10))
    moved = services.booking_move(
        actor=meet["accountant"], booking_id=a.pk, starts_at=at(day, 9, 30), ends_at=at(day, 10, 30)
    )
    assert moved.starts_at == at(day, 9, 30)


def test_bad_input_is_refused(meet: dict[str, Any]) -> None:
    day = next_monday()
    room = meet["big"].pk
    cases = [
        ("", at(day, 9), at(day, 10), "会议名称"),
        ("会", at(day, 10), at(day, 9), "结束时间"),
        ("会", at(day - timedelta(days=14), 9), at(day - timedelta(days=14), 10), "过去"),
        ("会", at(day, 9), at(day + timedelta(days=2), 9), "小时"),
    ]
    for title, start, end, words in cases:
        with pytest.raises(ApplicationError, match=words):
            services.booking_create(actor=meet["accountant"], room_id=room, title=title, starts_at=start, ends_at=end)
    assert not Booking.objects.exists()


def test_who_may_book_which_room(meet: dict[str, Any]) -> None:
    day = next_monday()
    with pytest.raises(PermissionDeniedError, match="指定部门"):
        services.booking_create(
            actor=meet["office_head"],
            room_id=meet["finance_only"].pk,
            title="办公室会",
            starts_at=at(day, 9),
            ends_at=at(day, 10),
        )
    with pytest.raises(NotFoundError):  # another unit's room does not exist for them
        services.booking_create(
            actor=meet["accountant"],
            room_id=meet["other_room"].pk,
            title="串门",
            starts_at=at(day, 9),
            ends_at=at(day, 10),
        )
    services.room_update(
        actor=meet["clerk"],
        room_id=meet["big"].pk,
        data=services.RoomIn(name="第一会议室", capacity=30, active=False),
    )
    with pytest.raises(ApplicationError, match="停用"):
        services.booking_create(
            actor=meet["accountant"], room_id=meet["big"].pk, title="会", starts_at=at(day, 9), ends_at=at(day, 10)
        )
    assert not Booking.objects.exists()
    assert [r.name for r in selectors.visible_rooms(meet["stranger"])] == ["外单位会议室"]
    with pytest.raises(NotFoundError):
        selectors.access_room(actor=meet["stranger"], room_id=meet["big"].pk)


def test_only_the_office_manages_rooms(meet: dict[str, Any]) -> None:
    with pytest.raises(PermissionDeniedError):
        services.room_create(actor=meet["accountant"], data=services.RoomIn(name="私设会议室"))
    with pytest.raises(ApplicationError, match="已有名为"):
        services.room_create(actor=meet["clerk"], data=services.RoomIn(name="第一会议室"))
    with pytest.raises(ApplicationError, match="本单位的部门"):
        services.room_create(
            actor=meet["clerk"],
            data=services.RoomIn(name="党委会议室", open_to_all=False, departments=[meet["other_room"].unit_id + 999]),
        )
    assert Room.objects.filter(unit=meet["unit"]).count() == 2
