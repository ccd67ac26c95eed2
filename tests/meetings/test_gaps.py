"""会前准备's small gaps: the presenting department takes its own material back before the materials deadline (the
organiser or the office while the meeting is open); the organiser removes a 会务 task; the worker reminds the
presenting departments that have no materials in, N working days before the deadline, once. Refusals say why and
change nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.core.models import Notification
from sanfu.meetings import flows, services
from sanfu.meetings.models import AgendaItem, Material, MeetingKind, ServiceTask
from sanfu.meetings.services.reminders import MATERIALS_REMIND_WORKING_DAYS, materials_remind, remind_from
from sanfu.meetings.tasks import send_materials_reminders
from sanfu.org.calendar import WorkingCalendar
from tests.conftest import make_department, make_staff
from tests.meetings.conftest import at, next_monday

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "预算执行表.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def ready(meet: dict[str, Any], settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path
    flows.publish_definitions()
    archives = make_department(meet["unit"], "档案室")  # a department without a head
    archivist = make_staff(archives, username="archivist")
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
        agenda=[
            services.AgendaIn("预算执行情况", meet["finance"].pk),
            services.AgendaIn("公文处理", meet["office"].pk),
            services.AgendaIn("档案整理", archives.pk),
            services.AgendaIn("其他事项"),
        ],
    )
    services.meeting_submit(actor=meet["office_head"], meeting_id=meeting.pk)
    services.meeting_approve(actor=meet["gm"], meeting_id=meeting.pk)
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("no"))
    return {**meet, "meeting": meeting, "items": items, "day": day, "archivist": archivist}


def test_the_presenting_department_removes_its_material_before_the_deadline(
    ready: dict[str, Any], login: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    meeting, accountant, head = ready["meeting"], ready["accountant"], ready["office_head"]
    budget = ready["items"][0]
    act = reverse("meetings:meeting_act", args=[meeting.pk])
    page = reverse("meetings:meeting", args=[meeting.pk])
    (first,) = services.material_upload(
        actor=accountant, meeting_id=meeting.pk, agenda_item_id=budget.pk, files=[pdf()]
    )
    stored = tmp_path / first.file.name
    assert stored.exists()

    # another department's person (an attendee) may not; another unit does not see it
    with pytest.raises(PermissionDeniedError, match="删除该议题的材料"):
        services.material_remove(actor=ready["section_head"], meeting_id=meeting.pk, material_id=first.pk)
    assert login(ready["stranger"]).post(act, {"action": "material_remove", "material": first.pk}).status_code == 404
    with pytest.raises(NotFoundError):
        services.material_remove(actor=accountant, meeting_id=meeting.pk, material_id=first.pk + 999)
    assert Material.objects.filter(pk=first.pk).exists()

    # the department's member, through the page, before the deadline: gone, file too
    client = login(accountant)
    assert 'class="d-inline material-remove"' in client.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the removal is committed
        response = client.post(act, {"action": "material_remove", "material": first.pk}, follow=True)
    assert "已删除材料" in response.content.decode()
    assert not Material.objects.filter(pk=first.pk).exists()
    assert not stored.exists()

    # after the deadline: refused to the department, with the reason; the organiser still may
    (second,) = services.material_upload(
        actor=accountant, meeting_id=meeting.pk, agenda_item_id=budget.pk, files=[pdf("二.pdf")]
    )
    services.materials_deadline_set(actor=head, meeting_id=meeting.pk, due=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ApplicationError, match="已过材料提交截止时间"):
        services.material_remove(actor=accountant, meeting_id=meeting.pk, material_id=second.pk)
    assert 'class="d-inline material-remove"' not in client.get(page).content.decode()
    assert Material.objects.filter(pk=second.pk).exists()
    services.material_remove(actor=head, meeting_id=meeting.pk, material_id=second.pk)
    assert not Material.objects.exists()


def test_the_organiser_removes_a_service_task(ready: dict[str, Any], login: Any) -> None:
    meeting, head, clerk = ready["meeting"], ready["office_head"], ready["clerk"]
    act = reverse("meetings:meeting_act", args=[meeting.pk])
    task = services.service_task_add(actor=head, meeting_id=meeting.pk, name="桌签", assignee_id=clerk.pk)
    # the assignee ticks it off but may not remove it
    with pytest.raises(PermissionDeniedError):
        services.service_task_remove(actor=ready["accountant"], meeting_id=meeting.pk, task_id=task.pk)
    assert ServiceTask.objects.filter(pk=task.pk).exists()
    client = login(head)
    assert 'class="service-remove"' in client.get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()
    response = client.post(act, {"action": "service_remove", "task": task.pk}, follow=True)
    assert "已删除会务事项" in response.content.decode()
    assert not ServiceTask.objects.exists()
    assert client.post(act, {"action": "service_remove", "task": task.pk}).status_code == 404


def _weekdays(around: date) -> WorkingCalendar:
    """Monday to Friday work around ``around`` (no holidays), whatever the statutory calendar of that year."""
    days = [around + timedelta(days=n) for n in range(-30, 10)]
    return WorkingCalendar(overrides={d: d.weekday() < 5 for d in days})


def test_remind_from_counts_working_days_back() -> None:
    statutory = WorkingCalendar()
    # due Thu 2026-10-08: two working days back skip the National Day holiday (1–7 Oct) and land on Tue 29 Sep
    assert remind_from(statutory, date(2026, 10, 8), 2) == date(2026, 9, 29)
    assert remind_from(statutory, date(2026, 10, 8), 0) == date(2026, 10, 8)


def test_departments_without_materials_are_reminded_once(ready: dict[str, Any]) -> None:
    meeting, day = ready["meeting"], ready["day"]
    finance_item, office_item = ready["items"][0], ready["items"][1]
    services.material_upload(
        actor=ready["office_head"], meeting_id=meeting.pk, agenda_item_id=office_item.pk, files=[pdf()]
    )
    services.materials_deadline_set(actor=ready["office_head"], meeting_id=meeting.pk, due=at(day, 8))
    calendar = _weekdays(day)
    assert MATERIALS_REMIND_WORKING_DAYS == 2
    thursday, wednesday = day - timedelta(days=4), day - timedelta(days=5)

    assert materials_remind(now=at(wednesday, 9), calendar=calendar) == 0  # three working days ahead: not yet
    assert materials_remind(now=at(thursday, 9), calendar=calendar) == 2
    notices = Notification.objects.filter(key__startswith=f"meeting-materials:{meeting.pk}:")
    # 财务部's head; 档案室 has no head, so its people; 办公室 has its materials in; 其他事项 has no department
    assert sorted(n.user.username for n in notices) == ["archivist", "finance_head"]
    finance = notices.get(user=ready["finance_head"])
    assert finance.title == "请提交会议材料：经营分析会"
    assert "预算执行情况" in finance.body
    assert finance.url == reverse("meetings:meeting", args=[meeting.pk])
    # the next run, the next day: nothing again
    assert materials_remind(now=at(thursday, 14), calendar=calendar) == 0
    assert materials_remind(now=at(day - timedelta(days=3), 9), calendar=calendar) == 0
    assert notices.count() == 2
    # past the deadline: nothing
    assert materials_remind(now=at(day, 8, 30), calendar=calendar) == 0
    # the worker's job runs the same (nothing new now) and says how many it sent
    assert send_materials_reminders.call_local() == 0
    assert finance_item.files.count() == 0
