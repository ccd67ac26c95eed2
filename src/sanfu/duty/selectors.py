"""值班安排 reads, scoped to the viewer's unit: the month of the roster with the working calendar's holidays and
调休 days, a person's shifts, a shift with its log and handover, and who is on duty now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.duty import rights
from sanfu.duty.models import OPEN_SWAP, Handover, LogEntry, Rota, RotaMember, Shift, ShiftKind, Swap
from sanfu.org.calendar import DayInfo
from sanfu.org.selectors import working_calendar


@dataclass
class Day:
    info: DayInfo
    shifts: dict[str, Shift] = field(default_factory=dict)

    @property
    def day_shift(self) -> Shift | None:
        return self.shifts.get(ShiftKind.DAY)

    @property
    def night_shift(self) -> Shift | None:
        return self.shifts.get(ShiftKind.NIGHT)

    @property
    def leader(self) -> User | None:
        for shift in self.shifts.values():
            if shift.leader is not None:
                return shift.leader
        return None

    @property
    def adjusted(self) -> bool:
        """A 调休 working day: a weekend day the calendar makes a working day."""
        return self.info.is_workday and self.info.day.weekday() >= 5


def shifts_of_unit(unit_id: int, start: date, end: date) -> QuerySet[Shift]:
    return (
        Shift.objects.filter(unit_id=unit_id, day__gte=start, day__lte=end)
        .select_related("officer", "leader", "rota")
        .order_by("starts_at", "pk")
    )


def month(viewer: User, year: int, month_no: int) -> list[Day]:
    """The days of the month in the viewer's unit's roster (empty for someone without a unit)."""
    unit_id = rights.unit_of(viewer)
    if unit_id is None:
        return []
    days = [Day(info) for info in working_calendar().month(year, month_no)]
    by_day = {d.info.day: d for d in days}
    for shift in shifts_of_unit(unit_id, days[0].info.day, days[-1].info.day):
        by_day[shift.day].shifts[shift.kind] = shift
    return days


def my_shifts(user: User, *, since: datetime | None = None) -> QuerySet[Shift]:
    """The person's shifts as officer or leader on call, ending after ``since`` (now by default)."""
    since = since or timezone.now()
    return (
        Shift.objects.filter(Q(officer=user) | Q(leader=user), ends_at__gt=since)
        .select_related("officer", "leader")
        .order_by("starts_at")
    )


def access_shift(*, actor: User, shift_id: int) -> Shift:
    """A shift of the viewer's unit; another unit's is a 404."""
    shift = Shift.objects.select_related("officer", "leader", "rota").filter(pk=shift_id).first()
    if shift is None or shift.unit_id != rights.unit_of(actor):
        raise NotFoundError(_("班次不存在。"))
    return shift


@dataclass
class ShiftPage:
    shift: Shift
    entries: list[LogEntry]
    handover: Handover | None
    incoming: Handover | None  # the previous shift's handover to this one
    next_shift: Shift | None
    swaps: list[Swap]


def shift_page(shift: Shift, next_shift: Shift | None) -> ShiftPage:
    entries = list(LogEntry.objects.filter(shift=shift).select_related("author", "acknowledged_by"))
    handover = Handover.objects.filter(shift=shift).select_related("written_by", "received_by").first()
    incoming = (
        Handover.objects.filter(next_shift=shift).select_related("shift__officer", "written_by", "received_by").first()
    )
    swaps = list(Swap.objects.filter(shift=shift).select_related("requester", "counterpart", "counter_shift"))
    return ShiftPage(shift, entries, handover, incoming, next_shift, swaps)


def on_duty_now(unit_id: int, now: datetime | None = None) -> list[Shift]:
    now = now or timezone.now()
    return list(
        Shift.objects.filter(unit_id=unit_id, starts_at__lte=now, ends_at__gt=now)
        .select_related("officer", "leader", "rota")
        .order_by("starts_at")
    )


def rotas_of(unit_id: int) -> list[Rota]:
    return list(Rota.objects.filter(unit_id=unit_id).order_by("name"))


def members_of(rota: Rota) -> tuple[list[User], list[User]]:
    rows = RotaMember.objects.filter(rota=rota).select_related("user").order_by("role", "position")
    return [m.user for m in rows if m.role == "officer"], [m.user for m in rows if m.role == "leader"]


def colleagues(unit_id: int) -> list[User]:
    return list(User.objects.filter(staff__unit_id=unit_id, is_active=True).order_by("staff__employee_no"))


def leaders(unit_id: int) -> list[User]:
    return list(
        User.objects.filter(staff__unit_id=unit_id, staff__rank__gte=rights.LEADER_RANK, is_active=True).order_by(
            "-staff__rank", "staff__employee_no"
        )
    )


def pending_handovers(user: User) -> QuerySet[Handover]:
    return Handover.objects.filter(next_shift__officer=user, received_at__isnull=True)


def swaps_to_agree(user: User) -> QuerySet[Swap]:
    return Swap.objects.filter(counterpart=user, status="asked")


def incidents_to_acknowledge(user: User) -> QuerySet[LogEntry]:
    return LogEntry.objects.filter(is_incident=True, acknowledged_at__isnull=True, shift__leader=user)


def open_swaps_of_unit(unit_id: int) -> QuerySet[Swap]:
    return Swap.objects.filter(shift__unit_id=unit_id, status__in=OPEN_SWAP).select_related(
        "shift", "requester", "counterpart"
    )


def around(day: date) -> tuple[date, date]:
    return day - timedelta(days=1), day + timedelta(days=1)


def people_by_login(unit_id: int, logins: list[str]) -> list[int]:
    """The unit's people named by username or employee number, in the order given; an unknown name raises."""
    found = {}
    rows = (
        User.objects.filter(staff__unit_id=unit_id)
        .filter(Q(username__in=logins) | Q(staff__employee_no__in=logins))
        .values_list("pk", "username", "staff__employee_no")
    )
    for pk, username, employee_no in rows:
        found[username] = pk
        found[employee_no] = pk
    missing = [name for name in logins if name not in found]
    if missing:
        raise ApplicationError(_("本单位没有这些人员：%(names)s") % {"names": _("、").join(missing[:5])})
    return [found[name] for name in logins]
