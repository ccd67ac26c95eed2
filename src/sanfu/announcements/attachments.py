"""Removing a draft's attachment (删除附件): its author may take a file off a draft, or off one the approver
returned, before it is published; once submitted or published the file is part of what was sent and stays.

The delete is conditional on the announcement's state in the same statement, so a removal racing the
publication either happens before it or is refused; the stored file is deleted only after the commit."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.announcements import selectors
from sanfu.announcements.models import Attachment, Status
from sanfu.core.audit import audit_record
from sanfu.core.errors import ConflictError, PermissionDeniedError

EDITABLE = (Status.DRAFT, Status.RETURNED)


def attachment_remove(*, actor: User, announcement_id: int, attachment_id: int) -> str:
    """删除 one attachment of the actor's draft; returns its name. Refused (nothing changes) for anyone but the
    author, and once the announcement is submitted or published."""
    attachment = selectors.access_attachment(actor=actor, announcement_id=announcement_id, attachment_id=attachment_id)
    announcement = attachment.announcement
    if announcement.publisher_id != actor.pk:
        raise PermissionDeniedError(_("只有起草人可以删除附件。"))
    if announcement.status not in EDITABLE:
        raise ConflictError(_("通知公告已提交或已发布，附件不能再删除。"))
    stored = attachment.file.name
    storage = attachment.file.storage
    with transaction.atomic():
        deleted, _rows = Attachment.objects.filter(
            pk=attachment.pk, announcement_id=announcement.pk, announcement__status__in=EDITABLE
        ).delete()
        if not deleted:
            raise ConflictError(_("通知公告已提交或已发布，附件不能再删除。"))
        audit_record(
            action="announcements.attachment_remove",
            actor=actor,
            target=f"announcement:{announcement.pk}",
            detail={"attachment": attachment.pk, "name": attachment.name, "sha256": attachment.sha256},
        )
        transaction.on_commit(lambda: storage.delete(stored))
    return attachment.name
