"""Reads of rooms and bookings, scoped to the viewer's unit by construction: a room or booking of another unit is
``NotFoundError`` (a 404), never a refusal that would tell it exists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.archive.models import ArchiveRecord
from sanfu.core.agenda import AgendaItem as CalendarItem  # meetings have AgendaItem (议程) of their own
from sanfu.core.busy import Busy
from sanfu.core.errors import NotFoundError
from sanfu.meetings import rights
from sanfu.meetings.models import (
    AgendaItem,
    Attendee,
    Booking,
    BookingStatus,
    Material,
    Meeting,
    MeetingStatus,
    Reply,
    Room,
)
from sanfu.org.selectors import departments_of

# The board's day: office hours in slots of an hour (a booking may start and end at any minute).
DAY_START = time(8, 0)
DAY_END = time(20, 0)
SLOT_MINUTES = 60
ARCHIVE_SOURCE = "meetings"  # a meeting's record in the archive: (source, the meeting's id)


def visible_rooms(actor: User, *, include_inactive: bool = False) -> QuerySet[Room]:
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        return Room.objects.none()
    rooms = Room.objects.filter(unit_id=unit_id)
    return rooms if include_inactive else rooms.filter(active=True)


def access_room(*, actor: User, room_id: int) -> Room:
    room = visible_rooms(actor, include_inactive=True).filter(pk=room_id).first()
    if room is None:
        raise NotFoundError(_("没有找到该会议室。"))
    return room


def visible_bookings(actor: User) -> QuerySet[Booking]:
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        return Booking.objects.none()
    return Booking.objects.filter(room__unit_id=unit_id)


def access_booking(*, actor: User, booking_id: int) -> Booking:
    booking = visible_bookings(actor).select_related("room", "booked_by", "series").filter(pk=booking_id).first()
    if booking is None:
        raise NotFoundError(_("没有找到该预订。"))
    return booking


def my_bookings(actor: User, *, upcoming: bool = True) -> QuerySet[Booking]:
    """The bookings ``actor`` made (those still to end first when ``upcoming``)."""
    rows = visible_bookings(actor).filter(booked_by=actor).select_related("room", "series")
    if upcoming:
        rows = rows.filter(ends_at__gte=timezone.now())
    return rows


def local(day: date, at: time) -> datetime:
    """``day`` at ``at`` in the site's time zone, aware."""
    return timezone.make_aware(datetime.combine(day, at))


def overlapping(room_ids: list[int], starts_at: datetime, ends_at: datetime) -> QuerySet[Booking]:
    """Booked bookings of those rooms that overlap [starts_at, ends_at)."""
    return Booking.objects.filter(
        room_id__in=room_ids, status=BookingStatus.BOOKED, starts_at__lt=ends_at, ends_at__gt=starts_at
    )


@dataclass
class Slot:
    starts_at: datetime
    ends_at: datetime
    booking: Booking | None = None  # the booking that covers (part of) it, None when free
    past: bool = False


@dataclass
class RoomDay:
    day: date
    bookings: list[Booking] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)

    @property
    def free(self) -> int:
        return sum(1 for s in self.slots if s.booking is None and not s.past)


@dataclass
class RoomRow:
    room: Room
    bookable: bool
    days: list[RoomDay] = field(default_factory=list)


@dataclass
class Board:
    first: date
    days: list[date]
    rows: list[RoomRow]
    hours: list[time]

    @property
    def week(self) -> bool:
        return len(self.days) > 1


def _slots(day: date, bookings: list[Booking], now: datetime) -> list[Slot]:
    slots = []
    at = local(day, DAY_START)
    end = local(day, DAY_END)
    while at < end:
        following = at + timedelta(minutes=SLOT_MINUTES)
        covering = next((b for b in bookings if b.starts_at < following and b.ends_at > at), None)
        slots.append(Slot(at, following, covering, past=following <= now))
        at = following
    return slots


def board(*, actor: User, first: date, days: int = 1) -> Board:
    """The room board of ``actor``'s unit: every active room, and for each of ``days`` days from ``first`` its
    bookings and its hour slots (free or taken) — two queries whatever the number of rooms and bookings."""
    rooms = list(visible_rooms(actor).prefetch_related("departments"))
    dates = [first + timedelta(days=n) for n in range(days)]
    since = local(first, time(0, 0))
    until = local(first + timedelta(days=days), time(0, 0))
    found: dict[tuple[int, date], list[Booking]] = {}
    if rooms:
        for booking in (
            overlapping([r.pk for r in rooms], since, until).select_related("booked_by").order_by("starts_at")
        ):
            day = timezone.localtime(booking.starts_at).date()
            found.setdefault((booking.room_id, day), []).append(booking)
    now = timezone.now()
    office = rights.is_office(actor)
    mine = {d.pk for d in departments_of(actor)} if not office else set()
    rows = []
    for room in rooms:
        allowed = {d.pk for d in room.departments.all()}
        bookable = room.open_to_all or office or bool(allowed & mine)
        row = RoomRow(room=room, bookable=bookable)
        for day in dates:
            bookings = found.get((room.pk, day), [])
            row.days.append(RoomDay(day=day, bookings=bookings, slots=_slots(day, bookings, now)))
        rows.append(row)
    hours = []
    at = datetime.combine(first, DAY_START)
    while at.time() < DAY_END:
        hours.append(at.time())
        at += timedelta(minutes=SLOT_MINUTES)
    return Board(first=first, days=dates, rows=rows, hours=hours)


def availability(*, actor: User, room_id: int, day: date) -> tuple[Room, list[Booking], list[Slot]]:
    """One room's bookings on ``day`` and its free hour slots."""
    room = access_room(actor=actor, room_id=room_id)
    bookings = list(
        overlapping([room.pk], local(day, time(0, 0)), local(day + timedelta(days=1), time(0, 0)))
        .select_related("booked_by")
        .order_by("starts_at")
    )
    return room, bookings, _slots(day, bookings, timezone.now())


# --- meetings --------------------------------------------------------------------------------------------------


def visible_meetings(actor: User) -> QuerySet[Meeting]:
    """The meetings ``actor`` organises, attends (or attends for someone), approves, or — the office — of its
    unit."""
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        return Meeting.objects.none()
    theirs = (
        Q(organiser=actor)
        | Q(approver=actor)
        | Q(pk__in=Attendee.objects.filter(Q(user=actor) | Q(deputy=actor)).values("meeting_id"))
    )
    if rights.is_office(actor):
        theirs |= Q(unit_id=unit_id)
    else:  # the presenting departments of a notified meeting's agenda (they upload its materials)
        departments = [d.pk for d in departments_of(actor)]
        if departments:
            theirs |= Q(
                status=MeetingStatus.NOTIFIED,
                pk__in=AgendaItem.objects.filter(department_id__in=departments).values("meeting_id"),
            )
    return Meeting.objects.filter(theirs, unit_id=unit_id)


def access_meeting(*, actor: User, meeting_id: int) -> Meeting:
    meeting = (
        visible_meetings(actor)
        .select_related("kind", "organiser", "approver", "booking__room", "instance", "minutes_by", "minutes_sent_by")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise NotFoundError(_("没有找到该会议。"))
    return meeting


def meeting_list(actor: User) -> QuerySet[Meeting]:
    return visible_meetings(actor).select_related("kind", "organiser", "booking__room").order_by("-starts_at", "-id")


def upcoming_for(user: User, limit: int = 5) -> list[Meeting]:
    """The home page's next meetings of ``user``: notified, not over, where they are an attendee (not on leave
    nor sending a deputy), a deputy, or the organiser — soonest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    mine = Attendee.objects.filter(
        Q(user=user, reply__in=[Reply.PENDING, Reply.ATTEND]) | Q(deputy=user, reply=Reply.DEPUTY)
    ).values("meeting_id")
    return list(
        visible_meetings(user)
        .filter(Q(pk__in=mine) | Q(organiser=user), status=MeetingStatus.NOTIFIED, ends_at__gt=timezone.now())
        .select_related("booking__room")
        .order_by("starts_at", "id")[:limit]
    )


def busy_spans(user_ids: list[int], start: datetime, end: datetime) -> list[Busy]:
    """For ``core.busy`` (领导日程's conflicts): the meetings overlapping [start, end), notified or with their
    plan awaiting approval, that each of these people attends (not on leave, not sending a deputy) or attends as
    a deputy. One query."""
    rows = (
        Attendee.objects.filter(
            Q(user_id__in=user_ids, reply__in=[Reply.PENDING, Reply.ATTEND])
            | Q(deputy_id__in=user_ids, reply=Reply.DEPUTY),
            meeting__status__in=[MeetingStatus.SUBMITTED, MeetingStatus.NOTIFIED],
            meeting__starts_at__lt=end,
            meeting__ends_at__gt=start,
        )
        .values_list("user_id", "deputy_id", "reply", "meeting__starts_at", "meeting__ends_at", "meeting__title")
        .order_by("meeting__starts_at")
    )
    wanted = set(user_ids)
    found: list[Busy] = []
    for user_id, deputy_id, reply, starts_at, ends_at, title in rows:
        who = deputy_id if reply == Reply.DEPUTY else user_id
        if who in wanted:
            found.append(Busy(who, starts_at, ends_at, _("会议：%(title)s") % {"title": title}, "meetings"))
    return found


def materials_of(meeting: Meeting) -> dict[int, list[Material]]:
    """The meeting's materials by agenda item, oldest first (one query)."""
    found: dict[int, list[Material]] = {}
    for material in meeting.materials.select_related("uploaded_by").order_by("id"):
        found.setdefault(material.agenda_item_id, []).append(material)
    return found


def access_material(*, actor: User, meeting_id: int, material_id: int) -> Material:
    """A material, to those who may see its meeting (404 otherwise)."""
    meeting = access_meeting(actor=actor, meeting_id=meeting_id)
    material = Material.objects.filter(pk=material_id, meeting=meeting).first()
    if material is None:
        raise NotFoundError(_("没有找到该材料。"))
    return material


def replies_of(meeting: Meeting) -> list[Attendee]:
    return list(meeting.attendees.select_related("user", "deputy", "signed_in_by").order_by("id"))


def archived_record_id(meeting: Meeting) -> int | None:
    """The meeting's record in the archive (filed at 纪要送发文, ``services.dossier``), None before that."""
    if meeting.minutes_sent_at is None:
        return None
    return (
        ArchiveRecord.objects.filter(source=ARCHIVE_SOURCE, source_id=meeting.pk).values_list("pk", flat=True).first()
    )


def agenda_items(user: User, start: datetime, end: datetime) -> list[CalendarItem]:
    """For ``core.agenda`` (我的日程): the notified meetings overlapping [start, end) that ``user`` organises, attends
    (invited and not on leave nor sending a deputy) or attends as someone's deputy, with the page that shows each.
    One query."""
    if not getattr(user, "is_authenticated", False):
        return []
    mine = Attendee.objects.filter(
        Q(user=user, reply__in=[Reply.PENDING, Reply.ATTEND]) | Q(deputy=user, reply=Reply.DEPUTY)
    ).values("meeting_id")
    meetings = (
        Meeting.objects.filter(
            Q(pk__in=mine) | Q(organiser=user), status=MeetingStatus.NOTIFIED, starts_at__lt=end, ends_at__gt=start
        )
        .select_related("booking__room")
        .order_by("starts_at", "id")
    )
    return [
        CalendarItem(
            uid=f"meeting-{m.pk}@sanfu",
            title=m.title,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            kind=_("会议"),
            url=reverse("meetings:meeting", args=[m.pk]),
            place=m.booking.room.name,
        )
        for m in meetings
    ]
