"""会前准备: materials per agenda item uploaded by the presenting department (who see the notified meeting for
it), checked like every upload, marked late after the deadline, served only to those who see the meeting; and
会务 tasks assigned to a person who ticks them off. Refusals change nothing; another unit gets 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from sanfu.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from sanfu.meetings import flows, services
from sanfu.meetings.models import AgendaItem, Material, MeetingKind, ServiceTask
from tests.meetings.conftest import at, next_monday

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "预算执行表.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def ready(meet: dict[str, Any], settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path
    flows.publish_definitions()
    day = next_monday()
    booking = services.booking_create(
        actor=meet["office_head"], room_id=meet["big"].pk, title="经营会", starts_at=at(day, 9), ends_at=at(day, 11)
    )
    meeting = services.meeting_create(
        actor=meet["office_head"],
        kind_id=MeetingKind.objects.get(name="总经理办公会").pk,
        title="经营分析会",
        booking_id=booking.pk,
        approver_id=meet["gm"].pk,
        attendee_ids=[meet["section_head"].pk],
        agenda=[services.AgendaIn("预算执行情况", meet["finance"].pk), services.AgendaIn("其他事项")],
    )
    services.meeting_submit(actor=meet["office_head"], meeting_id=meeting.pk)
    services.meeting_approve(actor=meet["gm"], meeting_id=meeting.pk)
    budget, other = AgendaItem.objects.filter(meeting=meeting).order_by("no")
    return {**meet, "meeting": meeting, "budget": budget, "other": other}


def test_materials_from_the_presenting_department(ready: dict[str, Any], login: Any) -> None:
    meeting, accountant, head = ready["meeting"], ready["accountant"], ready["office_head"]
    act = reverse("meetings:meeting_act", args=[meeting.pk])
    page = reverse("meetings:meeting", args=[meeting.pk])
    # bad input: refused with a message, nothing stored
    with pytest.raises(ApplicationError, match="内容与扩展名不符"):
        services.material_upload(
            actor=accountant,
            meeting_id=meeting.pk,
            agenda_item_id=ready["budget"].pk,
            files=[SimpleUploadedFile("假的.pdf", b"MZ not a pdf")],
        )
    with pytest.raises(PermissionDeniedError):  # not their department's item
        services.material_upload(
            actor=accountant, meeting_id=meeting.pk, agenda_item_id=ready["other"].pk, files=[pdf()]
        )
    with pytest.raises(ApplicationError, match="不能晚于会议开始"):
        services.materials_deadline_set(actor=head, meeting_id=meeting.pk, due=meeting.starts_at + timedelta(hours=1))
    assert not Material.objects.exists()

    # the finance member (no attendee) sees the meeting and uploads through the page, before the deadline
    services.materials_deadline_set(actor=head, meeting_id=meeting.pk, due=timezone.now() + timedelta(hours=1))
    finance = login(accountant)
    reply = finance.post(
        act, {"action": "material_upload", "agenda_item": ready["budget"].pk, "files": [pdf()]}, follow=True
    )
    assert "已上传 1 个文件" in reply.content.decode()
    on_time = Material.objects.get()
    assert not on_time.late
    # the deadline passes (moved earlier, to after the first upload): a later upload is taken but flagged
    Material.objects.update(uploaded_at=timezone.now() - timedelta(minutes=10))
    services.materials_deadline_set(actor=head, meeting_id=meeting.pk, due=timezone.now() - timedelta(minutes=1))
    assert not Material.objects.get().late
    services.materials_deadline_set(actor=head, meeting_id=meeting.pk, due=timezone.now() - timedelta(minutes=20))
    assert Material.objects.get().late  # the flag follows the deadline
    services.materials_deadline_set(actor=head, meeting_id=meeting.pk, due=timezone.now() - timedelta(minutes=1))
    finance.post(act, {"action": "material_upload", "agenda_item": ready["budget"].pk, "files": [pdf("补充.pdf")]})
    late = Material.objects.get(name="补充.pdf")
    assert late.late
    shown = login(head).get(page).content.decode()
    assert "补充.pdf" in shown
    assert shown.count("material-late") == 1

    url = reverse("meetings:material", args=[meeting.pk, on_time.pk])
    served = finance.get(url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PDF
    assert login(ready["section_head"]).get(url).status_code == 200  # an attendee
    assert login(ready["stranger"]).get(url).status_code == 404  # another unit
    assert login(ready["clerk"]).get(reverse("meetings:material", args=[meeting.pk + 1, on_time.pk])).status_code == 404
    assert login(ready["stranger"]).post(act, {"action": "material_upload"}).status_code == 404


def test_service_tasks_assigned_and_ticked_off(ready: dict[str, Any], login: Any) -> None:
    meeting, head, clerk = ready["meeting"], ready["office_head"], ready["clerk"]
    act = reverse("meetings:meeting_act", args=[meeting.pk])
    office = login(head)
    refused = office.post(act, {"action": "service_add", "name": "桌签", "assignee": ready["stranger"].pk}, follow=True)
    assert "本单位在职人员" in refused.content.decode()
    office.post(act, {"action": "service_add", "name": "", "assignee": clerk.pk})
    assert not ServiceTask.objects.exists()
    with pytest.raises(PermissionDeniedError):
        services.service_task_add(actor=ready["section_head"], meeting_id=meeting.pk, name="茶水", assignee_id=clerk.pk)
    office.post(act, {"action": "service_add", "name": "桌签", "assignee": clerk.pk})
    task = ServiceTask.objects.get()
    with pytest.raises(PermissionDeniedError):  # an attendee, not the assignee
        services.service_task_done(actor=ready["section_head"], meeting_id=meeting.pk, task_id=task.pk)
    login(clerk).post(act, {"action": "service_done", "task": task.pk, "done": "1"})
    task.refresh_from_db()
    assert task.done_by == clerk
    with pytest.raises(ConflictError):
        services.service_task_done(actor=clerk, meeting_id=meeting.pk, task_id=task.pk)
    page = office.get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()
    assert "桌签" in page
    assert "确认" in page
    assert login(ready["stranger"]).post(act, {"action": "service_done", "task": task.pk}).status_code == 404
