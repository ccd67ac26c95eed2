"""通知公告归档: withdrawn, expired (the worker) or filed by the office, an announcement goes into the archive with
its text, its attachments and its read-receipt list, once; a refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from sanfu.announcements import archiving, services
from sanfu.announcements.models import Announcement
from sanfu.archive.models import ArchiveRecord
from sanfu.core.errors import ConflictError, PermissionDeniedError
from tests.announcements.conftest import notice


def _record(a: Announcement) -> ArchiveRecord:
    return ArchiveRecord.objects.get(source=archiving.SOURCE, source_id=a.pk)


def _with_file(ann: dict[str, Any], **extra: Any) -> Announcement:
    made = services.announcement_create(
        actor=ann["clerk"],
        data=services.AnnouncementIn(
            kind="notice", title="关于元旦放假的通知", body="元旦放假一天，值班另行安排。", **extra
        ),
        files=[SimpleUploadedFile("值班表.pdf", b"%PDF-1.4\n%%EOF\n")],
    )
    return services.announcement_publish(actor=ann["clerk"], announcement_id=made.pk)


def test_withdrawal_files_text_attachments_and_receipts_once(ann: dict[str, Any]) -> None:
    a = _with_file(ann)
    services.announcement_read(actor=ann["accountant"], announcement_id=a.pk)
    services.announcement_withdraw(actor=ann["clerk"], announcement_id=a.pk)
    record = _record(a)
    assert "元旦放假一天" in record.body_text
    assert "已读 1 / 共" in record.body_text
    names = sorted(record.files.values_list("name", flat=True))
    assert names == ["值班表.pdf", "阅读回执.csv"]
    receipts = record.files.get(name="阅读回执.csv").file.read().decode("utf-8-sig").splitlines()
    assert receipts[0].split(",")[0] == "姓名"
    assert receipts[1].startswith(ann["accountant"].display_name)  # the reader first, with the time
    assert "未读" in receipts[-1]
    assert len(receipts) == 1 + a.recipients.count()
    a.refresh_from_db()
    assert a.filed_at is not None
    # the office's press afterwards is refused and files nothing more
    with pytest.raises(ConflictError, match="已归档"):
        archiving.announcement_file(actor=ann["clerk"], announcement_id=a.pk)
    assert ArchiveRecord.objects.filter(source=archiving.SOURCE).count() == 1
    assert _record(a).revision == record.revision


def test_the_worker_files_expired_announcements_once(ann: dict[str, Any]) -> None:
    ending = timezone.now() + timedelta(days=1)
    a = notice(ann["clerk"], expires_at=ending)
    live = notice(ann["clerk"], title="长期有效的通知")
    assert archiving.file_expired() == 0
    with time_machine.travel(ending + timedelta(minutes=1), tick=False):
        assert archiving.file_expired() == 1
        assert archiving.file_expired() == 0  # a second run files nothing again
    assert "有效期届满" in _record(a).body_text
    assert not ArchiveRecord.objects.filter(source=archiving.SOURCE, source_id=live.pk).exists()


def test_the_office_files_from_the_page_and_others_are_refused(ann: dict[str, Any], login: Any) -> None:
    mine = notice(ann["finance_head"], title="财务部通知", scope="departments", department_ids=[ann["finance"].pk])
    head = login(ann["finance_head"])
    url = reverse("announcements:act", args=[mine.pk])
    page = head.post(url, {"action": "file"}, follow=True).content.decode()
    assert "只有办公室可以归档通知公告" in page
    assert not ArchiveRecord.objects.filter(source=archiving.SOURCE).exists()
    mine.refresh_from_db()
    assert mine.filed_at is None
    with pytest.raises(PermissionDeniedError):
        archiving.announcement_file(actor=ann["finance_head"], announcement_id=mine.pk)
    office = login(ann["clerk"])
    assert 'id="announcement-file"' in office.get(reverse("announcements:detail", args=[mine.pk])).content.decode()
    page = office.post(url, {"action": "file"}, follow=True).content.decode()
    assert "已归档" in page
    assert 'id="filed"' in page
    assert 'id="announcement-file"' not in page
    assert _record(mine).title == "财务部通知"


def test_a_draft_cannot_be_filed(ann: dict[str, Any]) -> None:
    draft = notice(ann["clerk"], publish=False)
    with pytest.raises(ConflictError, match="只有已发布或已撤回"):
        archiving.announcement_file(actor=ann["clerk"], announcement_id=draft.pk)
    draft.refresh_from_db()
    assert draft.filed_at is None
    assert not ArchiveRecord.objects.exists()


pytestmark = pytest.mark.django_db
