"""删除附件: the author takes a file off their draft (or a returned one) before publishing; anyone else, or after
publishing, is refused with a clear message and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sanfu.accounts.models import Role
from sanfu.announcements import attachments, services
from sanfu.announcements.models import Announcement, Attachment
from sanfu.core.errors import ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.models import AuditRecord
from tests.conftest import grant


def _draft(ann: dict[str, Any]) -> Announcement:
    return services.announcement_create(
        actor=ann["clerk"],
        data=services.AnnouncementIn(kind="notice", title="关于元旦放假的通知", body="元旦放假一天。"),
        files=[
            SimpleUploadedFile("值班表.pdf", b"%PDF-1.4\n%%EOF\n"),
            SimpleUploadedFile("说明.pdf", b"%PDF-1.4\n%%EOF\n"),
        ],
    )


def test_the_author_removes_a_drafts_attachment(ann: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    draft = _draft(ann)
    first, second = draft.attachments.all()
    stored = first.file.name
    storage = first.file.storage
    grant(ann["office_head"], Role.objects.get(code="clerk"))  # the office sees the draft, but is not its author
    with pytest.raises(PermissionDeniedError, match="只有起草人"):
        attachments.attachment_remove(actor=ann["office_head"], announcement_id=draft.pk, attachment_id=first.pk)
    with pytest.raises(NotFoundError):  # another person's draft: not even found
        attachments.attachment_remove(actor=ann["accountant"], announcement_id=draft.pk, attachment_id=first.pk)
    assert draft.attachments.count() == 2
    assert storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        name = attachments.attachment_remove(actor=ann["clerk"], announcement_id=draft.pk, attachment_id=first.pk)
    assert name == "值班表.pdf"
    assert list(draft.attachments.values_list("name", flat=True)) == ["说明.pdf"]
    assert AuditRecord.objects.filter(action="announcements.attachment_remove").count() == 1
    with pytest.raises(NotFoundError):  # gone: a second press finds nothing
        attachments.attachment_remove(actor=ann["clerk"], announcement_id=draft.pk, attachment_id=first.pk)
    assert second.pk in set(draft.attachments.values_list("pk", flat=True))
    assert not storage.exists(stored)  # the stored file goes after the commit


def test_refused_after_publishing(ann: dict[str, Any]) -> None:
    draft = _draft(ann)
    services.announcement_publish(actor=ann["clerk"], announcement_id=draft.pk)
    one = draft.attachments.first()
    assert one is not None
    with pytest.raises(ConflictError, match="已提交或已发布，附件不能再删除"):
        attachments.attachment_remove(actor=ann["clerk"], announcement_id=draft.pk, attachment_id=one.pk)
    assert draft.attachments.count() == 2


def test_remove_from_the_edit_form(ann: dict[str, Any], login: Any) -> None:
    draft = _draft(ann)
    one = draft.attachments.first()
    assert one is not None
    client = login(ann["clerk"])
    form = client.get(reverse("announcements:edit", args=[draft.pk])).content.decode()
    assert f'data-remove-file="{one.pk}"' in form
    url = reverse("announcements:file_remove", args=[draft.pk, one.pk])
    assert client.get(url).status_code == 405
    page = client.post(url, follow=True).content.decode()
    assert "已删除附件：值班表.pdf" in page
    assert not Attachment.objects.filter(pk=one.pk).exists()
    services.announcement_publish(actor=ann["clerk"], announcement_id=draft.pk)
    other = draft.attachments.get()
    page = client.post(reverse("announcements:file_remove", args=[draft.pk, other.pk]), follow=True).content.decode()
    assert "附件不能再删除" in page
    assert Attachment.objects.filter(pk=other.pk).exists()
    assert (
        login(ann["stranger"]).post(reverse("announcements:file_remove", args=[draft.pk, other.pk])).status_code == 404
    )


pytestmark = pytest.mark.django_db
