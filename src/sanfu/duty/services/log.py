"""值班记录 and 交接班: what the officer on duty writes during the shift, incidents (突发事件) escalated to the
leader on call, the handover note to the next shift and its receipt (接班确认); and the worker's reminders and
escalation.

The log is written by the shift's officer from an hour before the shift starts until ``LATE_ENTRY`` after it ends,
and not after the handover has been received: from then on the shift's record is closed. A handover may be
rewritten until the incoming officer confirms it; confirming is a conditional update, so it happens once and the
note is immutable from then on. An incident notifies the leader on call at once; when nobody has acknowledged it
after ``escalate_minutes()`` the worker tells the unit's top leaders and the office (claimed by a conditional
update, so once). Reminders to the officer and the leader on call (the eve of the shift and its start) are claimed
the same way and sent once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.notify import notify_people
from sanfu.duty import rights
from sanfu.duty.models import Handover, LogEntry, Severity, Shift

EARLY_ENTRY = timedelta(hours=1)
LATE_ENTRY = timedelta(hours=2)
REMIND_AHEAD = timedelta(hours=24)


def escalate_minutes() -> int:
    """Minutes an incident may stay unacknowledged before it escalates (setting ``DUTY_ESCALATE_MINUTES``)."""
    return int(getattr(settings, "DUTY_ESCALATE_MINUTES", 30))


@dataclass(frozen=True)
class EntryIn:
    """A log line as typed. ``occurred_at``: when it happened (now when empty)."""

    content: str
    handling: str = ""
    caller: str = ""
    occurred_at: datetime | None = None
    is_incident: bool = False
    severity: str = ""


def _page(shift: Shift) -> str:
    return reverse("duty:shift", args=[shift.pk])


def _title(shift: Shift) -> str:
    return f"{shift.day.isoformat()} {shift.get_kind_display()}"


def _own_shift(actor: User, shift_id: int) -> Shift:
    shift = Shift.objects.filter(pk=shift_id).first()
    if shift is None or shift.unit_id != rights.unit_of(actor):
        raise NotFoundError(_("班次不存在。"))
    if shift.officer_id != actor.pk:
        raise PermissionDeniedError(_("只有本班值班人员可以填写值班记录和交班。"))
    return shift


def _received(shift: Shift) -> bool:
    return Handover.objects.filter(shift=shift, received_at__isnull=False).exists()


def log_write(*, actor: User, shift_id: int, data: EntryIn, now: datetime | None = None) -> LogEntry:
    """Add a line to the shift's log; an incident notifies the leader on call at once."""
    now = now or timezone.now()
    shift = _own_shift(actor, shift_id)
    if not shift.starts_at - EARLY_ENTRY <= now <= shift.ends_at + LATE_ENTRY:
        raise ApplicationError(_("只能在本班值班期间填写值班记录。"))
    if _received(shift):
        raise ApplicationError(_("本班已交接完毕，值班记录不能再修改。"))
    content = data.content.strip()
    if not content:
        raise ApplicationError(_("请填写情况。"), errors=[{"field": "content"}])
    if len(content) > 2000 or len(data.handling) > 2000:
        raise ApplicationError(_("情况和处理情况各不能超过2000字。"), errors=[{"field": "content"}])
    if len(data.caller.strip()) > 100:
        raise ApplicationError(_("来电人不能超过100字。"), errors=[{"field": "caller"}])
    occurred_at = data.occurred_at or now
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if not shift.starts_at - EARLY_ENTRY <= occurred_at <= now + timedelta(minutes=5):
        raise ApplicationError(_("发生时间须在本班期间且不晚于现在。"), errors=[{"field": "occurred_at"}])
    severity = ""
    if data.is_incident:
        if data.severity not in Severity.values:
            raise ApplicationError(_("突发事件请选择等级。"), errors=[{"field": "severity"}])
        severity = data.severity
    with transaction.atomic():
        entry = LogEntry.objects.create(
            shift=shift,
            author=actor,
            occurred_at=occurred_at,
            content=content,
            handling=data.handling.strip(),
            caller=data.caller.strip(),
            is_incident=data.is_incident,
            severity=severity,
        )
        audit_record(
            action="duty.log_write",
            actor=actor,
            target=f"duty-entry:{entry.pk}",
            detail={"shift": shift.pk, "incident": data.is_incident, "severity": severity},
        )
        if data.is_incident:
            notify_people(
                key=f"duty-incident:{entry.pk}",
                people=[shift.leader_id] if shift.leader_id else rights.office_people(shift.unit_id),
                kind="escalate",
                title=_("突发事件（%(severity)s）：%(content)s")
                % {"severity": Severity(severity).label, "content": content[:60]},
                url=_page(shift),
            )
    return entry


def incident_acknowledge(*, actor: User, entry_id: int, instruction: str, now: datetime | None = None) -> LogEntry:
    """The leader on call (or, once escalated, the unit's top leader) acknowledges and writes the 批示."""
    now = now or timezone.now()
    entry = LogEntry.objects.select_related("shift").filter(pk=entry_id, is_incident=True).first()
    if entry is None or entry.shift.unit_id != rights.unit_of(actor):
        raise NotFoundError(_("突发事件不存在。"))
    allowed = {entry.shift.leader_id}
    if entry.escalated_at is not None or entry.shift.leader_id is None:
        allowed |= set(rights.top_leaders(entry.shift.unit_id))
    if actor.pk not in allowed:
        raise PermissionDeniedError(_("只有带班领导可以批示突发事件。"))
    instruction = instruction.strip()
    if not instruction:
        raise ApplicationError(_("请填写批示意见。"), errors=[{"field": "instruction"}])
    if len(instruction) > 2000:
        raise ApplicationError(_("批示意见不能超过2000字。"), errors=[{"field": "instruction"}])
    with transaction.atomic():
        changed = LogEntry.objects.filter(pk=entry.pk, acknowledged_at__isnull=True).update(
            acknowledged_by=actor, acknowledged_at=now, instruction=instruction
        )
        if changed != 1:
            raise ConflictError(_("该突发事件已有批示。"))
        audit_record(action="duty.incident_acknowledge", actor=actor, target=f"duty-entry:{entry.pk}")
        notify_people(
            key=f"duty-instruction:{entry.pk}",
            people=[entry.shift.officer_id],
            kind="duty",
            title=_("带班领导已批示：%(content)s") % {"content": entry.content[:60]},
            url=_page(entry.shift),
        )
    entry.refresh_from_db()
    return entry


def next_shift_of(shift: Shift) -> Shift | None:
    """The unit's shift that follows ``shift`` (starting when or after it ends)."""
    return (
        Shift.objects.filter(unit_id=shift.unit_id, starts_at__gte=shift.ends_at - timedelta(minutes=1))
        .exclude(pk=shift.pk)
        .order_by("starts_at", "pk")
        .first()
    )


def handover_write(*, actor: User, shift_id: int, note: str, now: datetime | None = None) -> Handover:
    """交班: the outgoing officer writes (or rewrites, until received) the handover note."""
    now = now or timezone.now()
    shift = _own_shift(actor, shift_id)
    note = note.strip()
    if not note:
        raise ApplicationError(_("请填写交班记录。"), errors=[{"field": "note"}])
    if len(note) > 4000:
        raise ApplicationError(_("交班记录不能超过4000字。"), errors=[{"field": "note"}])
    if now < shift.starts_at:
        raise ApplicationError(_("班次尚未开始，不能交班。"))
    nxt = next_shift_of(shift)
    with transaction.atomic():
        handover, created = Handover.objects.get_or_create(
            shift=shift, defaults={"note": note, "written_by": actor, "written_at": now, "next_shift": nxt}
        )
        if not created:
            changed = Handover.objects.filter(pk=handover.pk, received_at__isnull=True).update(
                note=note, written_at=now, next_shift=nxt
            )
            if changed != 1:
                raise ConflictError(_("接班人已确认，交班记录不能再修改。"))
        audit_record(
            action="duty.handover_write",
            actor=actor,
            target=f"duty-shift:{shift.pk}",
            detail={"next_shift": nxt.pk if nxt else None},
        )
        if nxt is not None:
            notify_people(
                key=f"duty-handover:{handover.pk}:{int(now.timestamp())}",
                people=[nxt.officer_id],
                kind="task",
                title=_("请确认接班：%(shift)s") % {"shift": _title(nxt)},
                url=_page(nxt),
            )
    handover.refresh_from_db()
    return handover


def handover_confirm(*, actor: User, shift_id: int, now: datetime | None = None) -> Handover:
    """接班确认: the officer of the next shift confirms receipt of the handover of ``shift_id`` (the outgoing one)."""
    now = now or timezone.now()
    handover = Handover.objects.select_related("shift", "next_shift").filter(shift_id=shift_id).first()
    if handover is None or handover.shift.unit_id != rights.unit_of(actor):
        raise NotFoundError(_("交班记录不存在。"))
    if handover.next_shift is None or handover.next_shift.officer_id != actor.pk:
        raise PermissionDeniedError(_("只有下一班的值班人员可以确认接班。"))
    with transaction.atomic():
        changed = Handover.objects.filter(pk=handover.pk, received_at__isnull=True).update(
            received_by=actor, received_at=now
        )
        if changed != 1:
            raise ConflictError(_("已确认接班。"))
        audit_record(action="duty.handover_confirm", actor=actor, target=f"duty-shift:{handover.shift_id}")
    handover.refresh_from_db()
    return handover


def incidents_escalate(*, now: datetime | None = None) -> int:
    """Escalate incidents unacknowledged for ``escalate_minutes()`` to the unit's top leaders and office, once."""
    now = now or timezone.now()
    due = LogEntry.objects.filter(
        is_incident=True,
        acknowledged_at__isnull=True,
        escalated_at__isnull=True,
        created_at__lte=now - timedelta(minutes=escalate_minutes()),
    ).select_related("shift")
    sent = 0
    for entry in due:
        with transaction.atomic():
            if LogEntry.objects.filter(pk=entry.pk, escalated_at__isnull=True).update(escalated_at=now) != 1:
                continue  # another worker took it
            people = [*rights.top_leaders(entry.shift.unit_id), *rights.office_people(entry.shift.unit_id)]
            notify_people(
                key=f"duty-escalate:{entry.pk}",
                people=people,
                kind="escalate",
                title=_("突发事件未获批示，已逐级上报：%(content)s") % {"content": entry.content[:60]},
                url=_page(entry.shift),
            )
            audit_record(action="duty.incident_escalate", actor_name="worker", target=f"duty-entry:{entry.pk}")
        sent += 1
    return sent


def reminders_send(*, now: datetime | None = None) -> int:
    """Remind the officer and the leader on call of a shift on its eve (within a day of its start) and at its
    start, each once."""
    now = now or timezone.now()
    sent = 0
    eve = Shift.objects.filter(reminded_eve_at__isnull=True, starts_at__gt=now, starts_at__lte=now + REMIND_AHEAD)
    starting = Shift.objects.filter(reminded_start_at__isnull=True, starts_at__lte=now, ends_at__gt=now)
    for field, shifts, title in (
        ("reminded_eve_at", eve, _("值班提醒：%(shift)s")),
        ("reminded_start_at", starting, _("值班开始：%(shift)s")),
    ):
        for shift in shifts.only("pk", "day", "kind", "officer_id", "leader_id"):
            with transaction.atomic():
                if Shift.objects.filter(Q(**{f"{field}__isnull": True}), pk=shift.pk).update(**{field: now}) != 1:
                    continue
                notify_people(
                    key=f"duty-{field}:{shift.pk}",
                    people=[p for p in (shift.officer_id, shift.leader_id) if p],
                    kind="remind",
                    title=title % {"shift": _title(shift)},
                    url=_page(shift),
                )
            sent += 1
    return sent
