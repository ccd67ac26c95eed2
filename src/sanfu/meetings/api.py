"""会议室 over the REST API: the rooms of the holder's unit, one room's day (bookings and free hours), the holder's
bookings, booking a room (409 when the time overlaps a booking, naming it) and cancelling a booking.

Each operation calls the same selector or service as the pages (``meetings.selectors``, ``meetings.services``):
another unit's room or booking is a 404, and the database refuses overlaps whoever writes them."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status

from sanfu.api import scopes
from sanfu.api.kit import ObjectId, Page, PageQuery, actor, answers, auth, page_of
from sanfu.meetings import selectors, services
from sanfu.meetings.models import Booking, Room

READ = scopes.declare("meetings:read", gettext_lazy("查看会议室、会议室占用情况和我的预订"))
WRITE = scopes.declare("meetings:write", gettext_lazy("预订和取消会议室"))

router = Router(tags=["会议室"])


class RoomOut(Schema):
    id: int
    name: str
    location: str
    capacity: int
    equipment: list[str]
    open_to_all: bool = Field(description="本单位人员均可预订；否则只限 departments")
    departments: list[int] = Field(description="可预订的部门编号")


def _room(room: Room) -> RoomOut:
    return RoomOut(
        id=room.pk,
        name=room.name,
        location=room.location,
        capacity=room.capacity,
        equipment=[str(e) for e in room.equipment or []],
        open_to_all=room.open_to_all,
        departments=[d.pk for d in room.departments.all()],
    )


class BookingOut(Schema):
    id: int
    room_id: int
    room: str
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str = Field(description="booked 已预订、cancelled 已取消")
    booked_by: str
    series_id: int | None = Field(None, description="周期预订的编号（单次预订为空）")
    exception: str = Field("", description="周期预订中本次的例外：cancelled 单次取消、moved 单次改期")


def _booking(booking: Booking) -> BookingOut:
    return BookingOut(
        id=booking.pk,
        room_id=booking.room_id,
        room=booking.room.name,
        title=booking.title,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        status=booking.status,
        booked_by=booking.booked_by.display_name,
        series_id=booking.series_id,
        exception=booking.exception,
    )


@router.get("/rooms", response=answers(list[RoomOut]), auth=auth(READ), summary="本单位的会议室")
def rooms(request: HttpRequest) -> list[RoomOut]:
    return [_room(r) for r in selectors.visible_rooms(actor(request)).prefetch_related("departments")]


class SlotOut(Schema):
    starts_at: datetime
    ends_at: datetime
    free: bool
    booking_id: int | None = None


class DayOut(Schema):
    room: RoomOut
    day: date
    bookings: list[BookingOut]
    slots: list[SlotOut] = Field(description="办公时间内的整点时段：是否空闲（已过去的时段不算空闲）")


class DayQuery(Schema):
    day: date = Field(description="日期，如 2026-12-14")


@router.get(
    "/rooms/{room_id}/availability", response=answers(DayOut), auth=auth(READ), summary="会议室某一天的占用情况"
)
def availability(request: HttpRequest, room_id: int, query: Query[DayQuery]) -> DayOut:
    room, bookings, slots = selectors.availability(actor=actor(request), room_id=room_id, day=query.day)
    return DayOut(
        room=_room(room),
        day=query.day,
        bookings=[_booking(b) for b in bookings],
        slots=[
            SlotOut(
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                free=s.booking is None and not s.past,
                booking_id=s.booking.pk if s.booking else None,
            )
            for s in slots
        ],
    )


class MineQuery(PageQuery):
    upcoming: bool = Field(True, description="只列尚未结束的预订")


@router.get("/bookings", response=answers(Page[BookingOut]), auth=auth(READ), summary="我的预订")
def my_bookings(request: HttpRequest, paging: Query[MineQuery]) -> Page[BookingOut]:
    rows, following = page_of(
        selectors.my_bookings(actor(request), upcoming=paging.upcoming).select_related("booked_by"),
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return Page[BookingOut](items=[_booking(b) for b in rows], next_cursor=following)


@router.get(
    "/bookings/{booking_id}",
    response=answers(BookingOut),
    auth=auth(READ),
    summary="预订",
    operation_id="meetings_booking_detail",
)
def booking_detail(request: HttpRequest, booking_id: int) -> BookingOut:
    return _booking(selectors.access_booking(actor=actor(request), booking_id=booking_id))


class BookingIn(Schema):
    room: ObjectId = Field(description="会议室编号")
    title: str = Field(min_length=1, max_length=200, description="会议名称")
    starts_at: datetime = Field(description="开始时间（带时区，如 2026-12-14T09:00:00+08:00）")
    ends_at: datetime = Field(description="结束时间（带时区）；与已有预订重叠则 409")


@router.post(
    "/bookings",
    response=answers(BookingOut, status=201),
    auth=auth(WRITE),
    summary="预订会议室",
    operation_id="meetings_booking_create",
    openapi_extra={
        "responses": {
            201: {
                "links": {
                    "read": {
                        "operationId": "meetings_booking_detail",
                        "parameters": {"booking_id": "$response.body#/id"},
                        "description": "查看刚创建的预订",
                    },
                    "cancel": {
                        "operationId": "meetings_booking_cancel",
                        "parameters": {"booking_id": "$response.body#/id"},
                        "description": "取消该预订",
                    },
                }
            }
        }
    },
)
def booking_create(request: HttpRequest, body: BookingIn) -> Status[BookingOut]:
    """时间与该会议室已有的预订重叠时 409，``message`` 写明占用的会议、时间和预订人；不留下任何记录。"""
    created = services.booking_create(
        actor=actor(request), room_id=body.room, title=body.title, starts_at=body.starts_at, ends_at=body.ends_at
    )
    return Status(201, _booking(created))


class CancelIn(Schema):
    reason: str = Field("", max_length=200, description="取消原因")


@router.post(
    "/bookings/{booking_id}/cancel",
    response=answers(BookingOut),
    auth=auth(WRITE),
    summary="取消预订",
    operation_id="meetings_booking_cancel",
)
def booking_cancel(request: HttpRequest, booking_id: int, body: CancelIn) -> BookingOut:
    """预订人或办公室可取消；已取消的再取消为 409。取消后该时段即可再预订。"""
    cancelled = services.booking_cancel(actor=actor(request), booking_id=booking_id, reason=body.reason)
    return _booking(cancelled)
