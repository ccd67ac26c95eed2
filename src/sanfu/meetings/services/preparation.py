"""会前准备: materials (会前材料) per agenda item, uploaded by the presenting department before the meeting's
materials deadline (a later upload is taken but marked late), and the service tasks (会务: 座次, 桌签, 茶水 …)
assigned to a person who ticks them off. Files are checked as every upload is (``core.uploads``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.uploads import read_checked
from sanfu.meetings import selectors
from sanfu.meetings.models import AgendaItem, Material, Meeting, MeetingStatus, ServiceTask
from sanfu.meetings.services.signin import may_run
from sanfu.org.models import Staff
from sanfu.org.selectors import departments_of

MAX_UPLOAD_MB = 20
MAX_FILES = 10
MAX_TASKS = 50


def _open_meeting(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ApplicationError(_("该会议已经取消。"))
    if meeting.ends_at <= timezone.now():
        raise ApplicationError(_("会议已经结束。"))


def _ran(actor: User, meeting_id: int) -> Meeting:
    meeting = selectors.access_meeting(actor=actor, meeting_id=meeting_id)
    if not may_run(actor, meeting):
        raise PermissionDeniedError(_("只有会议承办人或办公室可以办理会务。"))
    return meeting


def materials_deadline_set(*, actor: User, meeting_id: int, due: datetime | None) -> Meeting:
    """The organiser (or the office) sets when the materials are due (None: no deadline)."""
    meeting = _ran(actor, meeting_id)
    _open_meeting(meeting)
    if due is not None:
        if timezone.is_naive(due):
            raise ApplicationError(_("截止时间须带时区。"))
        if due > meeting.starts_at:
            raise ApplicationError(_("材料截止时间不能晚于会议开始时间。"), errors=[{"field": "materials_due"}])
    with transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(materials_due=due)
        late = Q(uploaded_at__gt=due) if due is not None else Q(pk__in=[])
        Material.objects.filter(meeting=meeting).update(late=Case(When(late, then=Value(True)), default=Value(False)))
        audit_record(
            action="meetings.materials.deadline",
            actor=actor,
            target=f"meeting:{meeting.pk}",
            detail={"due": due.isoformat() if due else None},
        )
    meeting.materials_due = due
    return meeting


def _read(files: Sequence[Any]) -> list[tuple[str, bytes]]:
    if not files:
        raise ApplicationError(_("请选择要上传的文件。"), errors=[{"field": "files"}])
    if len(files) > MAX_FILES:
        raise ApplicationError(_("一次最多上传 %(n)d 个文件。") % {"n": MAX_FILES}, errors=[{"field": "files"}])
    return read_checked(files, max_mb=MAX_UPLOAD_MB)


def may_upload(actor: User, meeting: Meeting, item: AgendaItem, *, departments: set[int] | None = None) -> bool:
    """The presenting department's people, the organiser, the office (``departments``: the actor's, when known)."""
    if may_run(actor, meeting):
        return True
    if item.department_id is None:
        return False
    mine = departments if departments is not None else {d.pk for d in departments_of(actor)}
    return item.department_id in mine


def material_upload(*, actor: User, meeting_id: int, agenda_item_id: int, files: Sequence[Any]) -> list[Material]:
    """Upload materials for one agenda item; after ``materials_due`` they are taken but marked late."""
    meeting = selectors.access_meeting(actor=actor, meeting_id=meeting_id)
    item = AgendaItem.objects.filter(pk=agenda_item_id, meeting=meeting).first()
    if item is None:
        raise NotFoundError(_("没有找到该议题。"))
    if not may_upload(actor, meeting, item):
        raise PermissionDeniedError(_("只有汇报部门、会议承办人或办公室可以上传该议题的材料。"))
    _open_meeting(meeting)
    checked = _read(files)
    now = timezone.now()
    late = meeting.materials_due is not None and now > meeting.materials_due
    made = []
    with transaction.atomic():
        for name, content in checked:
            record = Material(
                meeting=meeting,
                agenda_item=item,
                name=name,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                uploaded_by=actor,
                uploaded_at=now,
                late=late,
            )
            record.file.save(name, ContentFile(content), save=False)
            record.save()
            made.append(record)
        audit_record(
            action="meetings.materials.upload",
            actor=actor,
            target=f"meeting:{meeting.pk}",
            detail={"agenda_item": item.pk, "files": [m.pk for m in made], "late": late},
        )
    return made


def service_task_add(*, actor: User, meeting_id: int, name: str, assignee_id: int) -> ServiceTask:
    """会务: a task of the meeting's logistics for one person of the unit (the organiser or the office)."""
    meeting = _ran(actor, meeting_id)
    _open_meeting(meeting)
    name = name.strip()
    if not name or len(name) > 100:
        raise ApplicationError(_("请填写会务事项（不超过 100 个字）。"), errors=[{"field": "name"}])
    assignee = User.objects.filter(
        pk=assignee_id, is_active=True, pk__in=Staff.objects.filter(unit_id=meeting.unit_id).values("user_id")
    ).first()
    if assignee is None:
        raise ApplicationError(_("会务负责人须是本单位在职人员。"), errors=[{"field": "assignee"}])
    with transaction.atomic():
        if ServiceTask.objects.filter(meeting=meeting).count() >= MAX_TASKS:
            raise ApplicationError(_("会务事项最多 %(n)d 项。") % {"n": MAX_TASKS})
        task = ServiceTask.objects.create(meeting=meeting, name=name, assignee=assignee)
        audit_record(
            action="meetings.service.add",
            actor=actor,
            target=f"meeting:{meeting.pk}",
            detail={"task": task.pk, "name": name, "assignee": assignee.pk},
        )
    return task


def service_task_done(*, actor: User, meeting_id: int, task_id: int, done: bool = True) -> ServiceTask:
    """Tick a service task off (or back on): its assignee, the organiser or the office."""
    meeting = selectors.access_meeting(actor=actor, meeting_id=meeting_id)
    task = ServiceTask.objects.filter(pk=task_id, meeting=meeting).first()
    if task is None:
        raise NotFoundError(_("没有找到该会务事项。"))
    if task.assignee_id != actor.pk and not may_run(actor, meeting):
        raise PermissionDeniedError(_("只有该事项的负责人、会议承办人或办公室可以确认。"))
    now = timezone.now()
    with transaction.atomic():
        if done:
            changed = ServiceTask.objects.filter(pk=task.pk, done_at__isnull=True).update(done_at=now, done_by=actor)
        else:
            changed = ServiceTask.objects.filter(pk=task.pk, done_at__isnull=False).update(done_at=None, done_by=None)
        if changed != 1:
            raise ConflictError(_("该会务事项已经确认完成。") if done else _("该会务事项尚未完成。"))
        audit_record(
            action="meetings.service.done" if done else "meetings.service.undo",
            actor=actor,
            target=f"meeting:{meeting.pk}",
            detail={"task": task.pk},
        )
    task.refresh_from_db()
    return task


def may_remove_material(
    actor: User, meeting: Meeting, material: Material, *, departments: set[int] | None = None
) -> bool:
    """Who may take a material back: the organiser or the office while the meeting is open; the presenting
    department's people (those who may upload for its agenda item) until the materials deadline."""
    if meeting.status != MeetingStatus.NOTIFIED or meeting.ends_at <= timezone.now():
        return False
    if may_run(actor, meeting):
        return True
    if meeting.materials_due is not None and timezone.now() > meeting.materials_due:
        return False
    item = material.agenda_item
    return item.department_id is not None and may_upload(actor, meeting, item, departments=departments)


def material_remove(*, actor: User, meeting_id: int, material_id: int) -> None:
    """Take a material back (see ``may_remove_material``); its file is deleted from storage after the commit."""
    meeting = selectors.access_meeting(actor=actor, meeting_id=meeting_id)
    material = Material.objects.select_related("agenda_item").filter(pk=material_id, meeting=meeting).first()
    if material is None:
        raise NotFoundError(_("没有找到该材料。"))
    _open_meeting(meeting)
    if not may_remove_material(actor, meeting, material):
        if not may_upload(actor, meeting, material.agenda_item):
            raise PermissionDeniedError(_("只有汇报部门、会议承办人或办公室可以删除该议题的材料。"))
        raise ApplicationError(_("已过材料提交截止时间，不能再删除材料；如需更正请联系会议承办人。"))
    name, storage = material.file.name, material.file.storage
    with transaction.atomic():
        if not Material.objects.filter(pk=material.pk).delete()[0]:
            raise NotFoundError(_("没有找到该材料。"))
        audit_record(
            action="meetings.materials.remove",
            actor=actor,
            target=f"meeting:{meeting.pk}",
            detail={"agenda_item": material.agenda_item_id, "file": material.pk, "name": material.name},
        )
        transaction.on_commit(lambda: storage.delete(name) if name else None)


def service_task_remove(*, actor: User, meeting_id: int, task_id: int) -> None:
    """Remove a service task (the organiser or the office, while the meeting is open)."""
    meeting = _ran(actor, meeting_id)
    _open_meeting(meeting)
    with transaction.atomic():
        task = ServiceTask.objects.filter(pk=task_id, meeting=meeting).first()
        if task is None or not ServiceTask.objects.filter(pk=task.pk).delete()[0]:
            raise NotFoundError(_("没有找到该会务事项。"))
        audit_record(
            action="meetings.service.remove",
            actor=actor,
            target=f"meeting:{meeting.pk}",
            detail={"task": task.pk, "name": task.name, "assignee": task.assignee_id},
        )
