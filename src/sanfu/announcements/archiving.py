"""通知公告归档 (一事一档): an announcement's file in the archive — its text, its attachments and its read-receipt
list (who read it and when, who never did, by department) — filed once, when it ends: withdrawn
(``announcement_withdraw``), expired (the worker's ``file_expired``), or when the office presses 归档.

"Once" is claimed by a conditional update of ``filed_at``: a second press, the worker racing a withdrawal, or a
worker run twice finds it taken and files nothing more. The claim, the record, its files and its search index
commit together or not at all. The receipt list is built in one query whatever the number of recipients."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.announcements import rights, selectors
from sanfu.announcements.models import Announcement, Recipient, Scope, Status
from sanfu.archive.models import ArchiveRecord
from sanfu.archive.services import ArchiveFileIn, archive_record
from sanfu.core.audit import audit_record
from sanfu.core.errors import ConflictError, PermissionDeniedError
from sanfu.org.models import Post
from sanfu.workflow.selectors import history_of

SOURCE = "announcements"  # the record in the archive: (source, the announcement's id)
KIND = "通知"  # archive.models.KIND_LABELS
DATA_LANGUAGE = "zh-hans"  # the language of what is filed, whatever the actor's
EXPIRED_BATCH = 200  # the worker files at most this many per run; the next run takes the rest


def _at(value: datetime | None) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def _receipts(announcement: Announcement) -> list[tuple[str, str, str, datetime | None]]:
    """(name, username, department, read_at) of every recipient, readers first by time, then the unread by
    department: one query."""
    department = Post.objects.filter(staff__user_id=OuterRef("user_id"), is_primary=True).values("department__name")
    rows = (
        Recipient.objects.filter(announcement=announcement)
        .annotate(department_name=Subquery(department[:1]))
        .order_by("read_at", "department_name", "user__username")
        .values_list("user__full_name", "user__username", "department_name", "read_at")
    )
    found = [(full or username, username, dept or "", read) for full, username, dept, read in rows]
    # SQLite sorts NULL first, PostgreSQL last: readers first on both
    return sorted(found, key=lambda r: (r[3] is None, r[3] or timezone.now(), r[2], r[1]))


def receipts_csv(receipts: list[tuple[str, str, str, datetime | None]]) -> bytes:
    """The read-receipt list as a CSV Excel opens (UTF-8 with BOM)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("姓名"), _("账号"), _("部门"), _("阅读时间")])
    for name, username, department, read_at in receipts:
        writer.writerow([name, username, department, _at(read_at) or _("未读")])
    return ("\ufeff" + out.getvalue()).encode()


def _body(announcement: Announcement, read: int, total: int, ending: str) -> str:
    issuer = announcement.department.name if announcement.department else announcement.unit.name
    lines = [
        announcement.title,
        _("类别：%(kind)s") % {"kind": announcement.get_kind_display()},
        _("发布：%(issuer)s %(who)s %(at)s")
        % {"issuer": issuer, "who": announcement.publisher.display_name, "at": _at(announcement.published_at)},
        _("发布范围：%(scope)s") % {"scope": announcement.get_scope_display()},
    ]
    if announcement.expires_at:
        lines.append(_("有效期至：%(at)s") % {"at": _at(announcement.expires_at)})
    lines += [
        _("归档原因：%(why)s") % {"why": ending},
        _("阅读情况：已读 %(read)d / 共 %(total)d 人") % {"read": read, "total": total},
    ]
    lines += ["", announcement.body]
    return "\n".join(lines)


def _history(announcement: Announcement, ending: str, now: datetime, actor: User | None) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {
            "at": announcement.created_at.isoformat(),
            "who": announcement.publisher.display_name,
            "what": _("起草"),
            "comment": "",
        }
    ]
    if announcement.instance is not None:
        for event in history_of(announcement.instance):
            who = event.actor.display_name if event.actor else ""
            events.append({"at": event.at.isoformat(), "who": who, "what": event.type, "comment": event.comment})
    if announcement.published_at:
        events.append({"at": announcement.published_at.isoformat(), "who": "", "what": _("发布"), "comment": ""})
    if announcement.reminded_at:
        events.append({"at": announcement.reminded_at.isoformat(), "who": "", "what": _("提醒未读"), "comment": ""})
    events.append(
        {"at": now.isoformat(), "who": actor.display_name if actor else "", "what": _("归档"), "comment": ending}
    )
    return sorted(events, key=lambda e: str(e["at"]))


def file_announcement(
    *, announcement: Announcement, actor: User | None, ending: str, now: datetime
) -> ArchiveRecord | None:
    """Inside the caller's transaction: claim the filing (None if it was filed already) and file the record."""
    if Announcement.objects.filter(pk=announcement.pk, filed_at__isnull=True).update(filed_at=now) != 1:
        return None
    announcement = Announcement.objects.select_related("publisher", "department", "unit", "instance").get(
        pk=announcement.pk
    )
    receipts = _receipts(announcement)
    read = sum(1 for r in receipts if r[3] is not None)
    with translation.override(DATA_LANGUAGE):
        files = [ArchiveFileIn(name=a.name, content=_content(a)) for a in selectors.attachments_of(announcement)]
        files.append(ArchiveFileIn(name=_("阅读回执.csv"), content=receipts_csv(receipts)))
        body = _body(announcement, read, len(receipts), ending)
        history = _history(announcement, ending, now, actor)
    readers = {announcement.publisher_id, *([announcement.approver_id] if announcement.approver_id else [])}
    if announcement.scope == Scope.PEOPLE:  # chosen people keep sight of what was sent to them
        readers.update(announcement.scope_people.values_list("pk", flat=True))
    record = archive_record(
        source=SOURCE,
        source_id=announcement.pk,
        title=announcement.title,
        kind=KIND,
        unit_id=announcement.unit_id,
        department_id=announcement.department_id,
        year=timezone.localtime(announcement.published_at or announcement.created_at).year,
        body_text=body,
        retention="10y",
        category=str(announcement.get_kind_display()),
        owner_id=announcement.publisher_id,
        reader_ids=sorted(readers),
        files=files,
        history=history,
        actor=actor,
        archived_at=now,
    )
    audit_record(
        action="announcements.file",
        actor=actor,
        target=f"announcement:{announcement.pk}",
        detail={"archive": record.pk, "ending": ending, "recipients": len(receipts)},
    )
    return record


def _content(attachment: Any) -> bytes:
    with attachment.file.open("rb") as handle:
        return bytes(handle.read())


def announcement_file(*, actor: User, announcement_id: int, now: datetime | None = None) -> ArchiveRecord:
    """归档 by the office of its unit: a published (live or expired) or withdrawn announcement, once."""
    now = now or timezone.now()
    announcement = selectors.access_announcement(actor=actor, announcement_id=announcement_id, now=now)
    if not (rights.is_office(actor) and rights.unit_of(actor) == announcement.unit_id):
        raise PermissionDeniedError(_("只有办公室可以归档通知公告。"))
    if announcement.status not in (Status.PUBLISHED, Status.WITHDRAWN):
        raise ConflictError(_("只有已发布或已撤回的通知公告可以归档。"))
    if announcement.filed_at is not None:
        raise ConflictError(_("该通知公告已归档。"))
    with transaction.atomic():
        record = file_announcement(announcement=announcement, actor=actor, ending=_("办公室归档"), now=now)
        if record is None:
            raise ConflictError(_("该通知公告已归档。"))
    return record


def file_expired(*, now: datetime | None = None) -> int:
    """The worker's share: file the published announcements whose validity has passed (each in its own
    transaction, so one bad file does not hold back the rest). Returns how many were filed."""
    now = now or timezone.now()
    due = list(
        Announcement.objects.filter(status=Status.PUBLISHED, expires_at__lte=now, filed_at__isnull=True)
        .order_by("expires_at", "id")
        .values_list("pk", flat=True)[:EXPIRED_BATCH]
    )
    filed = 0
    for pk in due:
        with transaction.atomic():
            announcement = Announcement(pk=pk)
            if file_announcement(announcement=announcement, actor=None, ending=_("有效期届满"), now=now):
                filed += 1
    return filed


def archive_record_id(announcement: Announcement) -> int | None:
    """The archive record of a filed announcement (for its page's link)."""
    if announcement.filed_at is None:
        return None
    return ArchiveRecord.objects.filter(source=SOURCE, source_id=announcement.pk).values_list("pk", flat=True).first()
