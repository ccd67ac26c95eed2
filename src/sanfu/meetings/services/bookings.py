"""Rooms and bookings: every write is one transaction with its audit row.

Two booked bookings of one room never overlap, whoever writes them at the same moment. Each booking is written
by one guarded statement (``INSERT … SELECT … WHERE NOT EXISTS (an overlapping booked booking)``, and the same
guard on a move), which SQLite runs under its single write lock; on PostgreSQL the exclusion constraint
``meetings_booking_no_overlap`` refuses whichever of two racing writers commits second. Either way the loser
gets a ``ConflictError`` naming the booking in the way, and nothing of its own is left behind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.meetings import rights, selectors
from sanfu.meetings.models import (
    Booking,
    BookingException,
    BookingSeries,
    BookingStatus,
    Repeat,
    Room,
)
from sanfu.meetings.services.meetings import meeting_rescheduled
from sanfu.org.models import Department
from sanfu.org.selectors import working_calendar

MAX_OCCURRENCES = 200
MAX_SERIES_DAYS = 366
MAX_BOOKING_HOURS = 24
TITLE_MAX = 200

EQUIPMENT_CHOICES = ("投影仪", "大屏", "视频会议", "音响话筒", "白板", "电话会议", "录音录像")


# --- rooms --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomIn:
    name: str
    location: str = ""
    capacity: int = 10
    equipment: Sequence[str] = ()
    open_to_all: bool = True
    departments: Sequence[int] = ()
    active: bool = True
    sort: int = 0


def _require_manager(actor: User) -> int:
    unit_id = rights.unit_of(actor)
    if unit_id is None or not rights.is_office(actor):
        raise PermissionDeniedError(_("只有办公室人员可以管理会议室。"))
    return unit_id


def _checked_room(unit_id: int, data: RoomIn, *, room_id: int | None = None) -> tuple[RoomIn, list[Department]]:
    name = data.name.strip()
    if not name:
        raise ApplicationError(_("请填写会议室名称。"), errors=[{"field": "name"}])
    if len(name) > 100:
        raise ApplicationError(_("会议室名称不能超过 100 个字。"), errors=[{"field": "name"}])
    if not 1 <= data.capacity <= 10000:
        raise ApplicationError(_("容纳人数须在 1 到 10000 之间。"), errors=[{"field": "capacity"}])
    same = Room.objects.filter(unit_id=unit_id, name=name)
    if room_id is not None:
        same = same.exclude(pk=room_id)
    if same.exists():
        raise ApplicationError(_("本单位已有名为“%(name)s”的会议室。") % {"name": name}, errors=[{"field": "name"}])
    equipment = [e.strip()[:32] for e in data.equipment if e.strip()][:20]
    departments = list(Department.objects.filter(unit_id=unit_id, pk__in=list(data.departments)))
    if len(departments) != len(set(data.departments)):
        raise ApplicationError(_("可预订的部门须是本单位的部门。"), errors=[{"field": "departments"}])
    if not data.open_to_all and not departments:
        raise ApplicationError(_("不对全单位开放时，请选择可预订的部门。"), errors=[{"field": "departments"}])
    cleaned = RoomIn(
        name=name,
        location=data.location.strip()[:200],
        capacity=data.capacity,
        equipment=equipment,
        open_to_all=data.open_to_all,
        departments=[d.pk for d in departments],
        active=data.active,
        sort=data.sort,
    )
    return cleaned, departments


def room_create(*, actor: User, data: RoomIn) -> Room:
    unit_id = _require_manager(actor)
    cleaned, departments = _checked_room(unit_id, data)
    with transaction.atomic():
        room = Room.objects.create(
            unit_id=unit_id,
            name=cleaned.name,
            location=cleaned.location,
            capacity=cleaned.capacity,
            equipment=list(cleaned.equipment),
            open_to_all=cleaned.open_to_all,
            active=cleaned.active,
            sort=cleaned.sort,
        )
        room.departments.set(departments)
        audit_record(action="meetings.room.create", actor=actor, target=f"room:{room.pk}", detail=_room_detail(room))
    return room


def room_update(*, actor: User, room_id: int, data: RoomIn) -> Room:
    room = selectors.access_room(actor=actor, room_id=room_id)
    unit_id = _require_manager(actor)
    cleaned, departments = _checked_room(unit_id, data, room_id=room.pk)
    with transaction.atomic():
        room.name = cleaned.name
        room.location = cleaned.location
        room.capacity = cleaned.capacity
        room.equipment = list(cleaned.equipment)
        room.open_to_all = cleaned.open_to_all
        room.active = cleaned.active
        room.sort = cleaned.sort
        room.save()
        room.departments.set(departments)
        audit_record(action="meetings.room.update", actor=actor, target=f"room:{room.pk}", detail=_room_detail(room))
    return room


def _room_detail(room: Room) -> dict[str, Any]:
    return {
        "name": room.name,
        "capacity": room.capacity,
        "active": room.active,
        "open_to_all": room.open_to_all,
        "departments": sorted(room.departments.values_list("pk", flat=True)),
    }


# --- the guarded writes ---------------------------------------------------------------------------------------

_INSERT = (
    "INSERT INTO meetings_booking (room_id, title, starts_at, ends_at, booked_by_id, status, series_id, "
    "occurrence, exception, created_at) "
    "SELECT %s, %s, %s, %s, %s, 'booked', %s, %s, '', %s "
    "WHERE NOT EXISTS (SELECT 1 FROM meetings_booking WHERE room_id = %s AND status = 'booked' "
    "AND starts_at < %s AND ends_at > %s)"
)
_MOVE = (
    "UPDATE meetings_booking SET room_id = %s, starts_at = %s, ends_at = %s, exception = %s "
    "WHERE id = %s AND status = 'booked' AND NOT EXISTS (SELECT 1 FROM meetings_booking other "
    "WHERE other.room_id = %s AND other.status = 'booked' AND other.id <> %s "
    "AND other.starts_at < %s AND other.ends_at > %s)"
)


def _dt(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _when(starts_at: datetime, ends_at: datetime) -> str:
    start = timezone.localtime(starts_at)
    end = timezone.localtime(ends_at)
    same_day = start.date() == end.date()
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}" if same_day else f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"


def _conflict(room: Room, starts_at: datetime, ends_at: datetime, *, exclude: int | None = None) -> ConflictError:
    """The refusal naming the booking in the way (read after the guarded write failed)."""
    others = selectors.overlapping([room.pk], starts_at, ends_at)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    other = others.select_related("booked_by").order_by("starts_at").first()
    if other is None:  # the other writer's booking vanished meanwhile (cancelled): still refused, say so
        return ConflictError(_("%(room)s 在该时段刚被占用，请刷新后重试。") % {"room": room.name})
    return ConflictError(
        _("%(room)s 在 %(when)s 已被“%(title)s”（%(who)s）预订，与所选时间冲突，请另选时间或会议室。")
        % {
            "room": room.name,
            "when": _when(other.starts_at, other.ends_at),
            "title": other.title,
            "who": other.booked_by.display_name,
        },
        errors=[{"field": "starts_at", "booking": other.pk}],
    )


def _insert(
    *,
    room: Room,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    actor: User,
    series: BookingSeries | None = None,
    occurrence: date | None = None,
) -> int | None:
    """One guarded insert; the new booking's id, or None when an overlapping booking is there."""
    params = [
        room.pk,
        title,
        _dt(starts_at),
        _dt(ends_at),
        actor.pk,
        series.pk if series else None,
        connection.ops.adapt_datefield_value(occurrence),
        _dt(timezone.now()),
        room.pk,
        _dt(ends_at),
        _dt(starts_at),
    ]
    try:
        with transaction.atomic(), connection.cursor() as cursor:  # a savepoint: PostgreSQL's refusal is local
            cursor.execute(_INSERT + " RETURNING id", params)
            row = cursor.fetchone()
    except IntegrityError:  # PostgreSQL: the exclusion constraint refused a writer that raced us
        return None
    return int(row[0]) if row else None


def _checked_times(starts_at: datetime, ends_at: datetime, *, allow_past: bool = False) -> tuple[datetime, datetime]:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ApplicationError(_("开始和结束时间须带时区。"))
    starts_at = starts_at.replace(second=0, microsecond=0)
    ends_at = ends_at.replace(second=0, microsecond=0)
    if ends_at <= starts_at:
        raise ApplicationError(_("结束时间须晚于开始时间。"), errors=[{"field": "ends_at"}])
    if ends_at - starts_at > timedelta(hours=MAX_BOOKING_HOURS):
        raise ApplicationError(
            _("一次预订不能超过 %(n)d 小时。") % {"n": MAX_BOOKING_HOURS}, errors=[{"field": "ends_at"}]
        )
    if ends_at <= timezone.now() and not allow_past:
        raise ApplicationError(_("不能预订已经过去的时间。"), errors=[{"field": "starts_at"}])
    return starts_at, ends_at


def _checked_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise ApplicationError(_("请填写会议名称。"), errors=[{"field": "title"}])
    if len(title) > TITLE_MAX:
        raise ApplicationError(_("会议名称不能超过 200 个字。"), errors=[{"field": "title"}])
    return title


def _bookable_room(actor: User, room_id: int) -> Room:
    room = selectors.access_room(actor=actor, room_id=room_id)
    if not room.active:
        raise ApplicationError(_("%(room)s 已停用，不能预订。") % {"room": room.name})
    if not rights.may_book(actor, room):
        raise PermissionDeniedError(_("%(room)s 只对指定部门开放，您不能预订。") % {"room": room.name})
    return room


def _audit(action: str, actor: User, booking_id: int, **detail: Any) -> None:
    audit_record(action=f"meetings.booking.{action}", actor=actor, target=f"booking:{booking_id}", detail=detail)


# --- bookings --------------------------------------------------------------------------------------------


def booking_create(
    *, actor: User, room_id: int, title: str, starts_at: datetime, ends_at: datetime, allow_past: bool = False
) -> Booking:
    """Book a room for [starts_at, ends_at); refused (ConflictError) when a booked booking overlaps it.
    ``allow_past``: record a booking that already took place (the demo's history and imports only; no page or
    API passes it)."""
    room = _bookable_room(actor, room_id)
    title = _checked_title(title)
    starts_at, ends_at = _checked_times(starts_at, ends_at, allow_past=allow_past)
    with transaction.atomic():
        booking_id = _insert(room=room, title=title, starts_at=starts_at, ends_at=ends_at, actor=actor)
        if booking_id is None:
            raise _conflict(room, starts_at, ends_at)
        _audit(
            "create",
            actor,
            booking_id,
            room=room.pk,
            starts_at=starts_at,
            ends_at=ends_at,
            title=title,
            past=allow_past,
        )
    return Booking.objects.select_related("room", "booked_by").get(pk=booking_id)


def booking_cancel(*, actor: User, booking_id: int, reason: str = "") -> Booking:
    """Cancel a booking (its slot is free at once). In a series, the occurrence is marked as an exception."""
    booking = selectors.access_booking(actor=actor, booking_id=booking_id)
    if not rights.may_change(actor, booking):
        raise PermissionDeniedError(_("只有预订人或办公室可以取消该预订。"))
    if booking.status != BookingStatus.BOOKED:
        raise ConflictError(_("该预订已经取消。"))
    exception = BookingException.CANCELLED if booking.series_id else booking.exception
    now = timezone.now()
    with transaction.atomic():
        changed = Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).update(
            status=BookingStatus.CANCELLED, cancelled_at=now, cancelled_by=actor, exception=exception
        )
        if changed != 1:
            raise ConflictError(_("该预订已经取消。"))
        _audit("cancel", actor, booking.pk, reason=reason.strip()[:200], series=booking.series_id)
    booking.refresh_from_db()
    return booking


def booking_move(
    *, actor: User, booking_id: int, starts_at: datetime, ends_at: datetime, room_id: int | None = None
) -> Booking:
    """Move a booking to another time (and room); in a series, the occurrence is marked as moved. Refused when
    the new slot is taken, leaving the booking where it was."""
    booking = selectors.access_booking(actor=actor, booking_id=booking_id)
    if not rights.may_change(actor, booking):
        raise PermissionDeniedError(_("只有预订人或办公室可以改动该预订。"))
    if booking.status != BookingStatus.BOOKED:
        raise ConflictError(_("该预订已经取消，不能改期。"))
    room = booking.room if room_id is None or room_id == booking.room_id else _bookable_room(actor, room_id)
    starts_at, ends_at = _checked_times(starts_at, ends_at)
    exception = BookingException.MOVED if booking.series_id else booking.exception
    params = [
        room.pk,
        _dt(starts_at),
        _dt(ends_at),
        exception,
        booking.pk,
        room.pk,
        booking.pk,
        _dt(ends_at),
        _dt(starts_at),
    ]
    with transaction.atomic():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_MOVE, params)
                moved = cursor.rowcount
        except IntegrityError:
            moved = 0
        if moved != 1:
            if not Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).exists():
                raise ConflictError(_("该预订已经取消，不能改期。"))
            raise _conflict(room, starts_at, ends_at, exclude=booking.pk)
        _audit(
            "move",
            actor,
            booking.pk,
            before={"room": booking.room_id, "starts_at": booking.starts_at, "ends_at": booking.ends_at},
            after={"room": room.pk, "starts_at": starts_at, "ends_at": ends_at},
        )
        moved_booking = Booking.objects.select_related("room", "booked_by", "series").get(pk=booking.pk)
        meeting_rescheduled(actor=actor, booking=moved_booking)
    return moved_booking


# --- recurring bookings ---------------------------------------------------------------------------------------


def occurrence_days(
    *,
    repeat: str,
    first_day: date,
    last_day: date | None = None,
    count: int | None = None,
    weekdays: Sequence[int] = (),
) -> list[date]:
    """The days of a series from ``first_day``: every day, the chosen weekdays (0 Monday … 6 Sunday), or every
    working day of the organisation's calendar (statutory holidays and adjusted working days included); up to
    ``last_day`` or ``count`` occurrences, never more than ``MAX_OCCURRENCES`` nor beyond a year."""
    if repeat not in Repeat.values:
        raise ApplicationError(_("重复方式无效。"), errors=[{"field": "repeat"}])
    if last_day is None and count is None:
        raise ApplicationError(_("请填写结束日期或次数。"), errors=[{"field": "last_day"}])
    if count is not None and not 1 <= count <= MAX_OCCURRENCES:
        raise ApplicationError(_("次数须在 1 到 %(n)d 之间。") % {"n": MAX_OCCURRENCES}, errors=[{"field": "count"}])
    horizon = first_day + timedelta(days=MAX_SERIES_DAYS)
    if last_day is not None:
        if last_day < first_day:
            raise ApplicationError(_("结束日期不能早于开始日期。"), errors=[{"field": "last_day"}])
        if last_day > horizon:
            raise ApplicationError(_("周期预订最长一年。"), errors=[{"field": "last_day"}])
    chosen = sorted({int(d) for d in weekdays})
    if repeat == Repeat.WEEKLY and (not chosen or any(not 0 <= d <= 6 for d in chosen)):
        raise ApplicationError(_("每周重复时，请选择星期几。"), errors=[{"field": "weekdays"}])
    calendar = working_calendar() if repeat == Repeat.WORKDAYS else None
    days: list[date] = []
    day = first_day
    stop = min(last_day or horizon, horizon)
    while day <= stop and (count is None or len(days) < count):
        if (
            repeat == Repeat.DAILY
            or (repeat == Repeat.WEEKLY and day.weekday() in chosen)
            or (calendar is not None and calendar.is_workday(day))
        ):
            days.append(day)
            if len(days) > MAX_OCCURRENCES:
                raise ApplicationError(
                    _("周期预订最多 %(n)d 次，请缩短日期范围。") % {"n": MAX_OCCURRENCES},
                    errors=[{"field": "last_day"}],
                )
        day += timedelta(days=1)
    if not days:
        raise ApplicationError(_("所选范围内没有符合重复规则的日期。"), errors=[{"field": "repeat"}])
    return days


def series_create(
    *,
    actor: User,
    room_id: int,
    title: str,
    repeat: str,
    first_day: date,
    start_time: time,
    end_time: time,
    last_day: date | None = None,
    count: int | None = None,
    weekdays: Sequence[int] = (),
) -> BookingSeries:
    """A recurring booking, all or nothing: when any occurrence conflicts with a booking, nothing is booked and
    the refusal lists every conflicting date."""
    room = _bookable_room(actor, room_id)
    title = _checked_title(title)
    if end_time <= start_time:
        raise ApplicationError(_("结束时间须晚于开始时间。"), errors=[{"field": "end_time"}])
    days = occurrence_days(repeat=repeat, first_day=first_day, last_day=last_day, count=count, weekdays=weekdays)
    spans = [(d, selectors.local(d, start_time), selectors.local(d, end_time)) for d in days]
    if spans[0][2] <= timezone.now():
        raise ApplicationError(_("不能预订已经过去的时间。"), errors=[{"field": "first_day"}])
    taken = list(selectors.overlapping([room.pk], spans[0][1], spans[-1][2]).values_list("starts_at", "ends_at"))
    clashes = [d for d, s, e in spans if any(bs < e and be > s for bs, be in taken)]
    if clashes:
        raise _series_conflict(room, clashes)
    with transaction.atomic():
        series = BookingSeries.objects.create(
            room=room,
            title=title,
            booked_by=actor,
            repeat=repeat,
            weekdays=sorted({int(d) for d in weekdays}) if repeat == Repeat.WEEKLY else [],
            first_day=days[0],
            last_day=days[-1],
            start_time=start_time,
            end_time=end_time,
        )
        for day, starts_at, ends_at in spans:
            created = _insert(
                room=room, title=title, starts_at=starts_at, ends_at=ends_at, actor=actor, series=series, occurrence=day
            )
            if created is None:  # booked by someone else since the check: the whole series is refused
                raise _series_conflict(room, [day])
        audit_record(
            action="meetings.series.create",
            actor=actor,
            target=f"series:{series.pk}",
            detail={"room": room.pk, "repeat": repeat, "days": [d.isoformat() for d in days], "title": title},
        )
    return series


def _series_conflict(room: Room, days: list[date]) -> ConflictError:
    shown = "、".join(d.isoformat() for d in days[:20]) + (_("等") if len(days) > 20 else "")
    return ConflictError(
        _("%(room)s 在以下 %(n)d 天的该时段已有预订，周期预订未创建：%(days)s。")
        % {"room": room.name, "n": len(days), "days": shown},
        errors=[{"field": "first_day", "dates": [d.isoformat() for d in days]}],
    )


def series_cancel(*, actor: User, series_id: int) -> int:
    """Cancel every occurrence of a series still to come; returns how many."""
    unit_id = rights.unit_of(actor)
    series = BookingSeries.objects.filter(pk=series_id, room__unit_id=unit_id or 0).select_related("room").first()
    if series is None:
        raise NotFoundError(_("没有找到该周期预订。"))
    if series.booked_by_id != actor.pk and not rights.is_office(actor):
        raise PermissionDeniedError(_("只有预订人或办公室可以取消该预订。"))
    now = timezone.now()
    with transaction.atomic():
        changed = Booking.objects.filter(series=series, status=BookingStatus.BOOKED, starts_at__gte=now).update(
            status=BookingStatus.CANCELLED, cancelled_at=now, cancelled_by=actor
        )
        audit_record(
            action="meetings.series.cancel", actor=actor, target=f"series:{series.pk}", detail={"cancelled": changed}
        )
    return changed
