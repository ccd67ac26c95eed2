"""会议室 and 会议 over the REST API: the rooms of the holder's unit, one room's day (bookings and free hours), the
holder's bookings, booking a room (409 when the time overlaps a booking, naming it) and cancelling a booking; the
holder's meetings (organised or invited, upcoming or past), a meeting's detail (agenda with materials, attendees
with their reply and sign-in: the replies in full to the organiser, the approver and the office, as on the page)
and replying to a notice (attend, send a deputy, decline with a reason).

Each operation calls the same selector or service as the pages (``meetings.selectors``, ``meetings.services``):
another unit's room or booking is a 404, and the database refuses overlaps whoever writes them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status

from sanfu.accounts.models import User
from sanfu.api import scopes
from sanfu.api.kit import ObjectId, Page, PageQuery, actor, answers, auth, page_of
from sanfu.meetings import rights, selectors, services
from sanfu.meetings.models import Attendee, Booking, Meeting, MeetingStatus, Room

READ = scopes.declare("meetings:read", gettext_lazy("查看会议室、会议室占用情况、我的预订和我的会议"))
WRITE = scopes.declare("meetings:write", gettext_lazy("预订和取消会议室、回复会议通知"))

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


# --- meetings --------------------------------------------------------------------------------------------------


class MeetingOut(Schema):
    id: int
    title: str
    kind: str = Field(description="会议类型")
    status: str = Field(
        description="draft 草拟、submitted 方案审批中、returned 方案已退回、notified 已通知、cancelled 已取消"
    )
    starts_at: datetime
    ends_at: datetime
    room: str
    organiser: str
    organised: bool = Field(description="本人是否为承办人")
    my_reply: str | None = Field(
        None, description="本人的回复（pending 未回复、attend 参加、deputy 委派他人参加、decline 请假）；不是参会人为空"
    )


def _meeting(meeting: Meeting, *, user_id: int, mine: dict[int, str]) -> MeetingOut:
    return MeetingOut(
        id=meeting.pk,
        title=meeting.title,
        kind=meeting.kind.name,
        status=meeting.status,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        room=meeting.booking.room.name,
        organiser=meeting.organiser.display_name,
        organised=meeting.organiser_id == user_id,
        my_reply=mine.get(meeting.pk),
    )


class MeetingsQuery(PageQuery):
    role: Literal["all", "organised", "invited"] = Field(
        "all", description="organised 我承办的、invited 通知我参加的（含代他人参会）、all 两者"
    )
    when: Literal["upcoming", "past", "all"] = Field("upcoming", description="upcoming 尚未结束、past 已结束、all 全部")


@router.get(
    "/meetings",
    response=answers(Page[MeetingOut]),
    auth=auth(READ),
    summary="我的会议",
    operation_id="meetings_meeting_list",
)
def my_meetings(request: HttpRequest, paging: Query[MeetingsQuery]) -> Page[MeetingOut]:
    """本人承办或被通知参加（含作为代参会人）的会议，按创建先后倒序，游标分页；其他会议不在其中。"""
    user = actor(request)
    invited = Q(pk__in=Attendee.objects.filter(Q(user=user) | Q(deputy=user)).values("meeting_id"))
    # an invitation counts once the notice went out (a drafted plan is its organiser's alone)
    invited &= Q(status__in=[MeetingStatus.NOTIFIED, MeetingStatus.CANCELLED])
    wanted = {"organised": Q(organiser=user), "invited": invited, "all": Q(organiser=user) | invited}[paging.role]
    rows = selectors.visible_meetings(user).filter(wanted)
    now = timezone.now()
    if paging.when == "upcoming":
        rows = rows.filter(ends_at__gt=now)
    elif paging.when == "past":
        rows = rows.filter(ends_at__lte=now)
    found, following = page_of(
        rows.select_related("kind", "organiser", "booking__room"), cursor=paging.cursor, limit=paging.limit
    )
    mine = dict(
        Attendee.objects.filter(meeting_id__in=[m.pk for m in found], user=user).values_list("meeting_id", "reply")
    )
    return Page[MeetingOut](items=[_meeting(m, user_id=user.pk, mine=mine) for m in found], next_cursor=following)


class MeetingMaterialOut(Schema):
    id: int
    name: str
    size: int
    uploaded_at: datetime
    late: bool = Field(description="是否在材料提交截止时间之后提交")


class MeetingAgendaOut(Schema):
    no: int
    topic: str
    department: str | None = Field(None, description="汇报部门")
    materials: list[MeetingMaterialOut]


class MeetingAttendeeOut(Schema):
    id: int
    user_id: int
    name: str
    reply: str | None = Field(
        None,
        description="pending 未回复、attend 参加、deputy 委派他人参加、decline 请假；"
        "只有承办人、审批领导、办公室和参会人本人看得到，其他人为空",
    )
    deputy: str | None = Field(None, description="代参会人（委派他人参加时）")
    reason: str | None = Field(None, description="请假事由")
    replied_at: datetime | None = None
    signed_in_at: datetime | None = Field(None, description="签到时间；未签到为空")


class MeetingDetailOut(MeetingOut):
    notes: str
    approver: str
    materials_due: datetime | None = Field(None, description="材料提交截止时间")
    agenda: list[MeetingAgendaOut]
    attendees: list[MeetingAttendeeOut]


def _attendee(a: Attendee, *, full: bool) -> MeetingAttendeeOut:
    if not full:
        return MeetingAttendeeOut(
            id=a.pk,
            user_id=a.user_id,
            name=a.user.display_name,
            reply=None,
            deputy=None,
            reason=None,
            replied_at=None,
            signed_in_at=None,
        )
    return MeetingAttendeeOut(
        id=a.pk,
        user_id=a.user_id,
        name=a.user.display_name,
        reply=a.reply,
        deputy=a.deputy.display_name if a.deputy else None,
        reason=a.reason or None,
        replied_at=a.replied_at,
        signed_in_at=a.signed_in_at,
    )


def _detail(meeting: Meeting, user_id: int, sees_replies: bool) -> MeetingDetailOut:
    attendees = selectors.replies_of(meeting)
    materials = selectors.materials_of(meeting)
    mine = {a.meeting_id: a.reply for a in attendees if a.user_id == user_id}
    return MeetingDetailOut(
        **_meeting(meeting, user_id=user_id, mine=mine).model_dump(),
        notes=meeting.notes,
        approver=meeting.approver.display_name,
        materials_due=meeting.materials_due,
        agenda=[
            MeetingAgendaOut(
                no=item.no,
                topic=item.topic,
                department=item.department.name if item.department else None,
                materials=[
                    MeetingMaterialOut(id=m.pk, name=m.name, size=m.size, uploaded_at=m.uploaded_at, late=m.late)
                    for m in materials.get(item.pk, [])
                ],
            )
            for item in meeting.agenda.select_related("department").order_by("no")
        ],
        attendees=[_attendee(a, full=sees_replies or a.user_id == user_id) for a in attendees],
    )


def _sees_replies(user: User, meeting: Meeting) -> bool:
    return user.pk in (meeting.organiser_id, meeting.approver_id) or rights.is_office(user)


@router.get(
    "/meetings/{meeting_id}",
    response=answers(MeetingDetailOut),
    auth=auth(READ),
    summary="会议详情",
    operation_id="meetings_meeting_detail",
)
def meeting_detail(request: HttpRequest, meeting_id: int) -> MeetingDetailOut:
    """议程（含各议题的材料）和参会人（回复、签到）。看不到该会议的人得到 404，与页面一致。"""
    user = actor(request)
    meeting = selectors.access_meeting(actor=user, meeting_id=meeting_id)
    return _detail(meeting, user.pk, _sees_replies(user, meeting))


class MeetingReplyIn(Schema):
    reply: Literal["attend", "deputy", "decline"] = Field(description="attend 参加、deputy 委派他人参加、decline 请假")
    deputy: ObjectId | None = Field(
        None, description="代参会人的用户编号（委派他人参加时必填，须是本单位其他在职人员）"
    )
    reason: str = Field("", max_length=200, description="请假事由（请假时必填）")


@router.post(
    "/meetings/{meeting_id}/reply",
    response=answers(MeetingAttendeeOut),
    auth=auth(WRITE),
    summary="回复会议通知",
    operation_id="meetings_meeting_reply",
)
def meeting_reply(request: HttpRequest, meeting_id: int, body: MeetingReplyIn) -> MeetingAttendeeOut:
    """参会人本人回复已发出、尚未结束的会议通知；不在参会人名单中为 403，会议未通知或已结束、缺少代参会人或请假事由为
    422，均不改变原回复。再次回复以最后一次为准。"""
    user = actor(request)
    attendee = services.attendee_reply(
        actor=user, meeting_id=meeting_id, reply=body.reply, deputy_id=body.deputy, reason=body.reason
    )
    return _attendee(attendee, full=True)
