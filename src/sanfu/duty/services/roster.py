"""The rota (值班轮值表) and the roster generated from it on the working calendar, then edited by the office.

Generation (``roster_generate``) takes the days [start, end]: a rota of 节假日值班 gets a day shift on each rest day
of the working calendar (a 调休 working Saturday is a working day, so it gets none), a rota of 夜间值班 a night shift
every day, a rota of both kinds both, a rota of 全天值班 a day and a night shift every day. Officers take the
shifts in the rota's order, continuing after whoever held the rota's last shift before ``start``, and skipping a
person who would otherwise hold two shifts in a row or who holds an overlapping shift elsewhere; leaders on call
(带班领导) take whole days in their own order. A range in which the unit already has a shift of the same day and
kind is refused as a whole (nothing is written): the office clears the days first (``roster_clear``) or edits
single shifts (``shift_reassign``). So a generation never silently overwrites an edited roster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.duty import rights
from sanfu.duty.models import REST_DAY, MemberRole, Rota, RotaKind, RotaMember, Shift, ShiftKind
from sanfu.org.selectors import working_calendar

MAX_DAYS = 366
MAX_MEMBERS = 200


@dataclass(frozen=True)
class RotaIn:
    """A rota as typed: its name, kind, shift times, the officers' order and the leaders' order (user ids)."""

    name: str
    kind: str = RotaKind.BOTH
    day_start: time = time(8, 30)
    day_end: time = time(17, 30)
    night_start: time = time(17, 30)
    night_end: time = time(8, 30)
    phone: str = ""
    officer_ids: Sequence[int] = field(default_factory=list)
    leader_ids: Sequence[int] = field(default_factory=list)


def _bad(message: str, name: str = "") -> ApplicationError:
    return ApplicationError(message, errors=[{"field": name}] if name else None)


def _office_unit(actor: User) -> int:
    unit_id = rights.unit_of(actor)
    if unit_id is None or not rights.is_office(actor):
        raise PermissionDeniedError(_("只有办公室可以管理值班安排。"))
    return unit_id


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _check_rota(data: RotaIn, unit_id: int) -> None:
    name = data.name.strip()
    if not name:
        raise _bad(_("请填写轮值表名称。"), "name")
    if len(name) > 100:
        raise _bad(_("轮值表名称不能超过100字。"), "name")
    if data.kind not in RotaKind.values:
        raise _bad(_("请选择值班类型。"), "kind")
    if len(data.phone.strip()) > 40:
        raise _bad(_("值班电话不能超过40字。"), "phone")
    if data.day_start >= data.day_end:
        raise _bad(_("白班结束时间须晚于开始时间。"), "day_end")
    if data.night_start == data.night_end:
        raise _bad(_("夜班开始和结束时间不能相同。"), "night_end")
    if data.kind in (RotaKind.BOTH, RotaKind.DAILY):
        night_ends_next_day = data.night_end <= data.night_start
        # The day shift must fit between the night shift ending in the morning and the next one starting.
        if _minutes(data.night_start) < _minutes(data.day_end) or (
            night_ends_next_day and _minutes(data.night_end) > _minutes(data.day_start)
        ):
            raise _bad(_("白班与夜班的时间不能重叠。"), "night_start")
    officers = list(dict.fromkeys(int(i) for i in data.officer_ids))
    leaders = list(dict.fromkeys(int(i) for i in data.leader_ids))
    if not officers:
        raise _bad(_("请至少选择一名值班人员。"), "officers")
    if len(officers) > MAX_MEMBERS or len(leaders) > MAX_MEMBERS:
        raise _bad(_("轮值人员过多。"), "officers")
    if rights.staff_ids(unit_id, officers) != set(officers):
        raise _bad(_("值班人员须是本单位在职人员。"), "officers")
    if rights.leader_ids(unit_id, leaders) != set(leaders):
        raise _bad(_("带班领导须是本单位公司副职及以上的领导。"), "leaders")


def _write_members(rota: Rota, data: RotaIn) -> None:
    RotaMember.objects.filter(rota=rota).delete()
    officers = list(dict.fromkeys(int(i) for i in data.officer_ids))
    leaders = list(dict.fromkeys(int(i) for i in data.leader_ids))
    RotaMember.objects.bulk_create(
        [RotaMember(rota=rota, user_id=u, role=MemberRole.OFFICER, position=n) for n, u in enumerate(officers)]
        + [RotaMember(rota=rota, user_id=u, role=MemberRole.LEADER, position=n) for n, u in enumerate(leaders)]
    )


def rota_save(*, actor: User, data: RotaIn, rota_id: int | None = None) -> Rota:
    """Create a rota of the actor's unit, or replace an existing one's settings and orders."""
    unit_id = _office_unit(actor)
    _check_rota(data, unit_id)
    fields = {
        "name": data.name.strip(),
        "kind": data.kind,
        "day_start": data.day_start,
        "day_end": data.day_end,
        "night_start": data.night_start,
        "night_end": data.night_end,
        "phone": data.phone.strip(),
    }
    try:
        with transaction.atomic():
            if rota_id is None:
                rota = Rota.objects.create(unit_id=unit_id, created_by=actor, **fields)
            else:
                rota = _kept_rota(actor, rota_id)
                Rota.objects.filter(pk=rota.pk).update(**fields)
                rota.refresh_from_db()
            _write_members(rota, data)
            audit_record(
                action="duty.rota_save",
                actor=actor,
                target=f"duty-rota:{rota.pk}",
                detail={"kind": rota.kind, "officers": list(data.officer_ids), "leaders": list(data.leader_ids)},
            )
    except IntegrityError as exc:
        raise _bad(_("本单位已有同名的轮值表。"), "name") from exc
    return rota


def _kept_rota(actor: User, rota_id: int) -> Rota:
    rota = Rota.objects.filter(pk=rota_id).first()
    if rota is None or rota.unit_id != rights.unit_of(actor):
        raise NotFoundError(_("轮值表不存在。"))
    if not rights.keeps_unit(actor, rota.unit_id):
        raise PermissionDeniedError(_("只有办公室可以管理值班安排。"))
    return rota


def shift_times(rota: Rota, day: date, kind: str) -> tuple[datetime, datetime]:
    """When the rota's ``kind`` shift of ``day`` starts and ends (a night ends on the next day when its end is
    not after its start)."""
    if kind == ShiftKind.DAY:
        return _at(day, rota.day_start), _at(day, rota.day_end)
    end_day = day + timedelta(days=1) if rota.night_end <= rota.night_start else day
    return _at(day, rota.night_start), _at(end_day, rota.night_end)


def _at(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


@dataclass(frozen=True)
class Slot:
    day: date
    kind: str
    holiday: str


def slots_of(rota: Rota, start: date, end: date) -> list[Slot]:
    """The shifts the rota calls for in [start, end], in order (a day's day shift before its night shift)."""
    calendar = working_calendar()
    found = []
    day = start
    while day <= end:
        info = calendar.info(day)
        holiday = "" if info.is_workday else (info.note or REST_DAY)
        if rota.kind == RotaKind.DAILY or (rota.kind in (RotaKind.HOLIDAY, RotaKind.BOTH) and not info.is_workday):
            found.append(Slot(day, ShiftKind.DAY, holiday))
        if rota.kind in (RotaKind.NIGHT, RotaKind.BOTH, RotaKind.DAILY):
            found.append(Slot(day, ShiftKind.NIGHT, holiday))
        day += timedelta(days=1)
    return found


def _order(rota: Rota, role: str) -> list[int]:
    return list(RotaMember.objects.filter(rota=rota, role=role).order_by("position").values_list("user_id", flat=True))


def _after(order: list[int], last: int | None) -> int:
    """The index in ``order`` after ``last`` (0 when ``last`` is none or no longer in the order)."""
    return (order.index(last) + 1) % len(order) if last in order else 0


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def roster_generate(*, actor: User, rota_id: int, start: date, end: date) -> list[Shift]:
    """Generate the rota's shifts for [start, end] (see the module); all or nothing."""
    rota = _kept_rota(actor, rota_id)
    if start > end:
        raise _bad(_("结束日期不能早于开始日期。"), "end")
    if (end - start).days + 1 > MAX_DAYS:
        raise _bad(_("一次最多生成%(n)d天的排班。") % {"n": MAX_DAYS}, "end")
    officers, leaders = _order(rota, MemberRole.OFFICER), _order(rota, MemberRole.LEADER)
    if not officers:
        raise _bad(_("轮值表中没有值班人员。"), "officers")
    slots = slots_of(rota, start, end)
    if not slots:
        raise _bad(_("所选日期内没有需要值班的日子（节假日值班只排休息日）。"), "start")
    taken = Shift.objects.filter(unit_id=rota.unit_id, day__gte=start, day__lte=end)
    wanted = {(s.day, s.kind) for s in slots}
    clash = next((s for s in taken.order_by("day", "kind") if (s.day, s.kind) in wanted), None)
    if clash is not None:
        raise ConflictError(
            _("%(day)s的%(kind)s已有排班，不能重复生成；请先清除这些日期的排班或逐个调整。")
            % {"day": clash.day.isoformat(), "kind": clash.get_kind_display()}
        )
    previous = Shift.objects.filter(rota=rota, day__lt=start).order_by("-starts_at").first()
    o_index = _after(officers, previous.officer_id if previous else None)
    l_index = _after(leaders, previous.leader_id if previous else None) if leaders else 0
    last_officer = previous.officer_id if previous else None
    first_at, _end = shift_times(rota, start, ShiftKind.DAY)
    _start, last_at = shift_times(rota, end, ShiftKind.NIGHT)
    busy = list(
        Shift.objects.filter(officer_id__in=officers, starts_at__lt=last_at, ends_at__gt=first_at).values_list(
            "officer_id", "starts_at", "ends_at"
        )
    )
    made: list[Shift] = []
    leader_of_day: dict[date, int | None] = {}
    for slot in slots:
        starts_at, ends_at = shift_times(rota, slot.day, slot.kind)
        officer = None
        for step in range(len(officers)):
            candidate = officers[(o_index + step) % len(officers)]
            if candidate == last_officer and len(officers) > 1:
                continue  # never the same person on two consecutive shifts when someone else can take it
            if any(p == candidate and _overlaps(starts_at, ends_at, s, e) for p, s, e in busy):
                continue
            officer, o_index = candidate, (o_index + step + 1) % len(officers)
            break
        if officer is None:
            raise ConflictError(
                _("%(day)s的%(kind)s找不到可值班的人员（均已有重叠的班次）。")
                % {"day": slot.day.isoformat(), "kind": ShiftKind(slot.kind).label}
            )
        if slot.day not in leader_of_day:
            leader_of_day[slot.day] = leaders[l_index % len(leaders)] if leaders else None
            l_index += 1
        last_officer = officer
        made.append(
            Shift(
                rota=rota,
                unit_id=rota.unit_id,
                day=slot.day,
                kind=slot.kind,
                starts_at=starts_at,
                ends_at=ends_at,
                officer_id=officer,
                leader_id=leader_of_day[slot.day],
                holiday=slot.holiday,
            )
        )
    try:
        with transaction.atomic():
            Shift.objects.bulk_create(made)
            audit_record(
                action="duty.roster_generate",
                actor=actor,
                target=f"duty-rota:{rota.pk}",
                detail={"start": start.isoformat(), "end": end.isoformat(), "shifts": len(made)},
            )
    except IntegrityError as exc:  # someone generated or edited the same days meanwhile
        raise ConflictError(_("这些日期的排班刚被他人修改，请刷新后重试。")) from exc
    return made


def roster_clear(*, actor: User, rota_id: int, start: date, end: date) -> int:
    """Delete the rota's shifts in [start, end] that have not started and have no log entry, handover or swap."""
    rota = _kept_rota(actor, rota_id)
    if start > end:
        raise _bad(_("结束日期不能早于开始日期。"), "end")
    now = timezone.now()
    with transaction.atomic():
        doomed = Shift.objects.filter(rota=rota, day__gte=start, day__lte=end, starts_at__gt=now).filter(
            entries__isnull=True, handover__isnull=True, swaps__isnull=True
        )
        ids = list(doomed.values_list("pk", flat=True))
        Shift.objects.filter(pk__in=ids).delete()
        audit_record(
            action="duty.roster_clear",
            actor=actor,
            target=f"duty-rota:{rota.pk}",
            detail={"start": start.isoformat(), "end": end.isoformat(), "shifts": len(ids)},
        )
    return len(ids)


def busy_overlap(officer_id: int, starts_at: datetime, ends_at: datetime, *, excluding: Sequence[int] = ()) -> bool:
    """Whether ``officer_id`` holds a shift overlapping [starts_at, ends_at) other than ``excluding``."""
    return (
        Shift.objects.filter(officer_id=officer_id, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(pk__in=list(excluding))
        .exists()
    )


def shift_reassign(*, actor: User, shift_id: int, officer_id: int, leader_id: int | None = None) -> Shift:
    """调整: put another officer (and leader on call) on a shift that has not ended."""
    shift = Shift.objects.filter(pk=shift_id).first()
    if shift is None or shift.unit_id != rights.unit_of(actor):
        raise NotFoundError(_("班次不存在。"))
    if not rights.keeps_unit(actor, shift.unit_id):
        raise PermissionDeniedError(_("只有办公室可以调整排班。"))
    if shift.ends_at <= timezone.now():
        raise _bad(_("该班次已结束，不能调整。"))
    if not rights.staff_ids(shift.unit_id, [officer_id]):
        raise _bad(_("值班人员须是本单位在职人员。"), "officer")
    if leader_id is not None and not rights.leader_ids(shift.unit_id, [leader_id]):
        raise _bad(_("带班领导须是本单位公司副职及以上的领导。"), "leader")
    if busy_overlap(officer_id, shift.starts_at, shift.ends_at, excluding=[shift.pk]):
        raise ConflictError(_("该人员在这段时间已有其他班次。"))
    try:
        with transaction.atomic():
            changed = Shift.objects.filter(pk=shift.pk, officer_id=shift.officer_id, leader_id=shift.leader_id).update(
                officer_id=officer_id, leader_id=leader_id
            )
            if changed != 1:
                raise ConflictError(_("该班次刚被他人调整，请刷新后重试。"))
            audit_record(
                action="duty.shift_reassign",
                actor=actor,
                target=f"duty-shift:{shift.pk}",
                detail={"from": shift.officer_id, "to": officer_id, "leader": leader_id},
            )
    except IntegrityError as exc:
        raise ConflictError(_("该人员在这段时间已有其他班次。")) from exc
    shift.refresh_from_db()
    return shift
