"""Demo 值班安排 (``sanfu demo``): the main unit's rotas and rosters made through the services — the 节假日值班 of the
National Day holiday 2026 (with a day's log, an incident the leader on call instructed, and a handover received)
and of the New Year 2027 holiday, and a 全天值班 (day and night) for the current week, whoever runs the demo, so
that the office's clerk or the employee ``staff`` is on duty now and can log and hand over. Idempotent: a rota is
made once, a roster only over days without shifts, the log only on a shift without one."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, TextIO

from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.demo.org import MAIN_UNIT_CODE
from sanfu.duty import flows, services
from sanfu.duty.models import LogEntry, Rota, RotaKind, Severity, Shift, ShiftKind
from sanfu.org.models import Unit

HOLIDAY_OFFICERS = ("office_head", "clerk", "secretary", "hr", "finance_head", "staff")
WEEK_OFFICERS = ("clerk", "staff")
LEADERS = ("deputy1", "deputy2", "deputy3", "deputy4")
HOLIDAYS = ((date(2026, 10, 1), date(2026, 10, 7)), (date(2027, 1, 1), date(2027, 1, 3)))


def _ids(usernames: tuple[str, ...]) -> list[int]:
    found = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
    return [found[name] for name in usernames if name in found]


def _rota(clerk: User, unit: Unit, *, name: str, kind: str, officers: list[int], leaders: list[int]) -> Rota:
    existing = Rota.objects.filter(unit=unit, name=name).first()
    if existing is not None:
        return existing
    data = services.RotaIn(name=name, kind=kind, phone="0775-4212345", officer_ids=officers, leader_ids=leaders)
    return services.rota_save(actor=clerk, data=data)


def _free_runs(unit: Unit, start: date, end: date) -> list[tuple[date, date]]:
    """The runs of days in [start, end] on which the unit has no shift yet."""
    taken = set(Shift.objects.filter(unit=unit, day__gte=start, day__lte=end).values_list("day", flat=True))
    runs: list[tuple[date, date]] = []
    day = start
    while day <= end:
        if day not in taken:
            if runs and runs[-1][1] == day - timedelta(days=1):
                runs[-1] = (runs[-1][0], day)
            else:
                runs.append((day, day))
        day += timedelta(days=1)
    return runs


def _generate(clerk: User, rota: Rota, start: date, end: date) -> int:
    made = 0
    for first, last in _free_runs(rota.unit, start, end):
        made += len(services.roster_generate(actor=clerk, rota_id=rota.pk, start=first, end=last))
    return made


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _national_day_log() -> None:
    """The first day shift of the National Day holiday: two entries, an incident instructed, a handover received."""
    shift = Shift.objects.filter(day=date(2026, 10, 1), kind=ShiftKind.DAY, unit__code=MAIN_UNIT_CODE).first()
    if shift is None or LogEntry.objects.filter(shift=shift).exists():
        return
    officer = shift.officer
    day = shift.day
    services.log_write(
        actor=officer,
        shift_id=shift.pk,
        data=services.EntryIn(content="巡查办公楼和厂区，门岗、消防设施正常", handling="无异常"),
        now=_at(day, 9, 30),
    )
    services.log_write(
        actor=officer,
        shift_id=shift.pk,
        data=services.EntryIn(
            content="市应急管理局来电询问节日期间安全生产情况",
            handling="已如实报告，机组运行平稳",
            caller="市应急管理局",
        ),
        now=_at(day, 11, 10),
    )
    incident = services.log_write(
        actor=officer,
        shift_id=shift.pk,
        data=services.EntryIn(
            content="二号输煤皮带尾部冒烟",
            handling="已停皮带，燃料运行班现场处置，未见明火",
            is_incident=True,
            severity=Severity.ORDINARY,
        ),
        now=_at(day, 14, 5),
    )
    if shift.leader is not None:
        services.incident_acknowledge(
            actor=shift.leader, entry_id=incident.pk, instruction="查明原因，恢复运行前全面检查", now=_at(day, 14, 20)
        )
    handover = services.handover_write(
        actor=officer,
        shift_id=shift.pk,
        note="白班情况：巡查正常；二号输煤皮带冒烟已处置，带班领导已批示，请夜班继续关注。值班电话、钥匙已交接。",
        now=_at(day, 17, 20),
    )
    if handover.next_shift is not None:
        services.handover_confirm(actor=handover.next_shift.officer, shift_id=shift.pk, now=_at(day, 17, 32))


def seed_duty(*, stdout: TextIO | Any = None, today: date | None = None) -> int:
    """Returns how many shifts were made (0 when they exist already or the demo org is missing)."""
    clerk = User.objects.filter(username="clerk").first()
    unit = Unit.objects.filter(code=MAIN_UNIT_CODE).first()
    if clerk is None or unit is None:
        return 0
    flows.publish_definitions()
    leaders = _ids(LEADERS)
    holiday = _rota(
        clerk, unit, name="节假日值班", kind=RotaKind.BOTH, officers=_ids(HOLIDAY_OFFICERS), leaders=leaders
    )
    week = _rota(
        clerk, unit, name="行政值班（全天）", kind=RotaKind.DAILY, officers=_ids(WEEK_OFFICERS), leaders=leaders
    )
    made = 0
    for start, end in HOLIDAYS:
        made += _generate(clerk, holiday, start, end)
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    # From the day before (its night shift runs into this morning) to the week's Sunday.
    made += _generate(clerk, week, min(monday, today - timedelta(days=1)), monday + timedelta(days=6))
    _national_day_log()
    if stdout is not None and made:
        stdout.write(f"值班安排：已排班 {made} 个班次。\n")
    return made
