"""领导日程 writes: create, update, delete an entry, each checked (who may keep the leader's schedule, the end after
the start), audited, and all-or-nothing: a refusal changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.schedules import rights
from sanfu.schedules.models import ScheduleEntry, Visibility


@dataclass
class EntryIn:
    """An entry as typed. ``all_day``: ``starts_at``'s day (and through ``ends_at``'s day when given) whole."""

    leader_id: int
    title: str
    starts_at: datetime
    ends_at: datetime | None = None
    all_day: bool = False
    place: str = ""
    note: str = ""
    visibility: str = Visibility.PUBLIC


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _clean(data: EntryIn) -> dict[str, object]:
    title = data.title.strip()
    if not title:
        raise ApplicationError(_("请填写日程事项。"))
    if len(title) > 200:
        raise ApplicationError(_("日程事项不能超过200字。"))
    if len(data.place.strip()) > 100:
        raise ApplicationError(_("地点不能超过100字。"))
    if data.visibility not in Visibility.values:
        raise ApplicationError(_("请选择可见范围。"))
    starts_at, ends_at = data.starts_at, data.ends_at
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if ends_at is not None and timezone.is_naive(ends_at):
        ends_at = timezone.make_aware(ends_at)
    if data.all_day:
        first = timezone.localtime(starts_at).date()
        last = timezone.localtime(ends_at).date() if ends_at is not None else first
        if last < first:
            raise ApplicationError(_("结束日期不能早于开始日期。"))
        starts_at, ends_at = _day_start(first), _day_start(last + timedelta(days=1))
    elif ends_at is None:
        raise ApplicationError(_("请填写结束时间，或选择全天。"))
    elif ends_at <= starts_at:
        raise ApplicationError(_("结束时间必须晚于开始时间。"))
    if ends_at - starts_at > timedelta(days=31):
        raise ApplicationError(_("一条日程不能超过31天。"))
    return {
        "title": title,
        "place": data.place.strip(),
        "note": data.note.strip(),
        "visibility": data.visibility,
        "all_day": data.all_day,
        "starts_at": starts_at,
        "ends_at": ends_at,
    }


def _leader(leader_id: int) -> User:
    leader = User.objects.filter(pk=leader_id, is_active=True).first()
    if leader is None or not rights.is_leader(leader):
        raise ApplicationError(_("请选择本单位的领导。"))
    return leader


def entry_create(*, actor: User, data: EntryIn) -> ScheduleEntry:
    leader = _leader(data.leader_id)
    if not rights.may_keep(actor, leader):
        raise PermissionDeniedError(_("只有领导本人、其秘书和办公室可以安排该领导的日程。"))
    fields = _clean(data)
    unit_id = rights.unit_of(leader)
    assert unit_id is not None  # a leader has a staff record (rights.is_leader)
    with transaction.atomic():
        entry = ScheduleEntry.objects.create(leader=leader, unit_id=unit_id, created_by=actor, **fields)
        audit_record(
            action="schedules.create",
            actor=actor,
            target=f"schedule:{entry.pk}",
            detail={"leader": leader.pk, "visibility": entry.visibility},
        )
    return entry


def _kept(actor: User, entry_id: int) -> ScheduleEntry:
    entry = ScheduleEntry.objects.select_related("leader").filter(pk=entry_id).first()
    if entry is None or not rights.may_read(actor, entry):
        raise NotFoundError(_("日程不存在。"))
    if not rights.may_keep(actor, entry.leader):
        raise PermissionDeniedError(_("只有领导本人、其秘书和办公室可以修改该领导的日程。"))
    return entry


def entry_update(*, actor: User, entry_id: int, data: EntryIn) -> ScheduleEntry:
    entry = _kept(actor, entry_id)
    if data.leader_id != entry.leader_id:
        raise ApplicationError(_("不能把日程改到另一位领导名下，请删除后重新录入。"))
    fields = _clean(data)
    with transaction.atomic():
        changed = ScheduleEntry.objects.filter(pk=entry.pk).update(**fields, updated_at=timezone.now())
        if not changed:
            raise NotFoundError(_("日程不存在。"))
        audit_record(
            action="schedules.update",
            actor=actor,
            target=f"schedule:{entry.pk}",
            detail={"leader": entry.leader_id, "visibility": fields["visibility"]},
        )
    entry.refresh_from_db()
    return entry


def entry_delete(*, actor: User, entry_id: int) -> None:
    entry = _kept(actor, entry_id)
    with transaction.atomic():
        deleted, _rows = ScheduleEntry.objects.filter(pk=entry.pk).delete()
        if not deleted:
            raise NotFoundError(_("日程不存在。"))
        audit_record(
            action="schedules.delete",
            actor=actor,
            target=f"schedule:{entry.pk}",
            detail={"leader": entry.leader_id, "title": entry.title},
        )
