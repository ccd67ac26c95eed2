"""A meeting from plan to replies: drafted on a booking, its plan approved through the flow (``meeting-plan``) by
the chosen leader — returned once and submitted again — then the notice in the app and by e-mail with an .ics
invitation, and each attendee's reply (attend, a deputy, decline with a reason) on the organiser's page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.models import Notification
from sanfu.meetings import flows, services
from sanfu.meetings.models import Attendee, Meeting, MeetingKind, MeetingStatus, Reply
from sanfu.workflow import subjects
from tests.meetings.conftest import at, next_monday


@pytest.fixture
def plan(meet: dict[str, Any]) -> dict[str, Any]:
    flows.publish_definitions()
    for user in (meet["accountant"], meet["finance_head"]):
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    day = next_monday()
    booking = services.booking_create(
        actor=meet["office_head"], room_id=meet["big"].pk, title="月度经营会", starts_at=at(day, 9), ends_at=at(day, 11)
    )
    meeting = services.meeting_create(
        actor=meet["office_head"],
        kind_id=MeetingKind.objects.get(name="总经理办公会").pk,
        title="十二月总经理办公会",
        booking_id=booking.pk,
        approver_id=meet["gm"].pk,
        attendee_ids=[meet["accountant"].pk, meet["finance_head"].pk, meet["section_head"].pk],
        agenda=[
            services.AgendaIn("预算执行情况", meet["finance"].pk, "预算执行表"),
            services.AgendaIn("迎峰度冬安排"),
        ],
    )
    return {**meet, "meeting": meeting, "booking": booking}


def test_plan_returned_resubmitted_approved_notified(
    plan: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    meeting, gm, head = plan["meeting"], plan["gm"], plan["office_head"]
    assert meeting.status == MeetingStatus.DRAFT
    assert [a.topic for a in meeting.agenda.all()] == ["预算执行情况", "迎峰度冬安排"]
    with pytest.raises(PermissionDeniedError):
        services.meeting_submit(actor=plan["accountant"], meeting_id=meeting.pk)
    services.meeting_submit(actor=head, meeting_id=meeting.pk)
    with pytest.raises(ConflictError):
        services.meeting_submit(actor=head, meeting_id=meeting.pk)
    # the inbox opens the meeting's own page
    assert subjects.pages_of([(meeting.pk and Meeting.objects.get(pk=meeting.pk).instance_id, flows.PLAN_KEY)]) == {
        Meeting.objects.get(pk=meeting.pk).instance_id: reverse("meetings:meeting", args=[meeting.pk])
    }
    with pytest.raises(ApplicationError):  # not the leader's task: someone else may not approve
        services.meeting_approve(actor=plan["deputy"], meeting_id=meeting.pk)
    with pytest.raises(ApplicationError, match="原因"):
        services.meeting_return(actor=gm, meeting_id=meeting.pk, comment=" ")
    services.meeting_return(actor=gm, meeting_id=meeting.pk, comment="请补充安全议题")
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.RETURNED
    assert not Notification.objects.filter(kind="meeting").exists()
    services.meeting_submit(actor=head, meeting_id=meeting.pk, comment="已补充")
    mail.outbox.clear()
    with pytest.raises(ApplicationError):  # an attendee cannot reply before the notice
        services.attendee_reply(actor=plan["accountant"], meeting_id=meeting.pk, reply=Reply.ATTEND)
    with django_capture_on_commit_callbacks(execute=True):  # the invitations go after the commit
        services.meeting_approve(actor=gm, meeting_id=meeting.pk, comment="同意")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.NOTIFIED
    noticed = set(Notification.objects.filter(kind="meeting").values_list("user_id", flat=True))
    assert noticed == {plan["accountant"].pk, plan["finance_head"].pk, plan["section_head"].pk}
    invitations = [m for m in mail.outbox if any(a[0] == "invite.ics" for a in m.attachments)]
    assert sorted(m.to[0] for m in invitations) == ["accountant@example.com", "finance_head@example.com"]
    ics = invitations[0].attachments[0][1]
    text = ics.decode() if isinstance(ics, bytes) else ics
    assert "BEGIN:VEVENT" in text
    assert "METHOD:REQUEST" in text
    assert f"UID:meeting-{meeting.pk}@sanfu" in text
    with pytest.raises(ApplicationError):  # the task is gone: a second approval is refused
        services.meeting_approve(actor=gm, meeting_id=meeting.pk)


def test_replies_and_who_sees_them(plan: dict[str, Any], login: Any) -> None:
    meeting = plan["meeting"]
    services.meeting_submit(actor=plan["office_head"], meeting_id=meeting.pk)
    services.meeting_approve(actor=plan["gm"], meeting_id=meeting.pk)
    services.attendee_reply(actor=plan["accountant"], meeting_id=meeting.pk, reply=Reply.ATTEND)
    # 催复: those who have not replied, once a day; not by an attendee
    with pytest.raises(PermissionDeniedError):
        services.replies_remind(actor=plan["accountant"], meeting_id=meeting.pk)
    assert services.replies_remind(actor=plan["office_head"], meeting_id=meeting.pk) == 2
    assert services.replies_remind(actor=plan["office_head"], meeting_id=meeting.pk) == 0
    reminded = Notification.objects.filter(key__startswith=f"meeting-remind:{meeting.pk}:")
    assert set(reminded.values_list("user_id", flat=True)) == {plan["finance_head"].pk, plan["section_head"].pk}
    with pytest.raises(ApplicationError, match="事由"):
        services.attendee_reply(actor=plan["finance_head"], meeting_id=meeting.pk, reply=Reply.DECLINE)
    services.attendee_reply(actor=plan["finance_head"], meeting_id=meeting.pk, reply=Reply.DECLINE, reason="出差")
    with pytest.raises(ApplicationError, match="代参会人"):
        services.attendee_reply(
            actor=plan["section_head"], meeting_id=meeting.pk, reply=Reply.DEPUTY, deputy_id=plan["stranger"].pk
        )
    services.attendee_reply(
        actor=plan["section_head"], meeting_id=meeting.pk, reply=Reply.DEPUTY, deputy_id=plan["clerk"].pk
    )
    with pytest.raises(NotFoundError):  # not in the meeting, not the office: not theirs to see
        services.attendee_reply(actor=plan["deputy"], meeting_id=meeting.pk, reply=Reply.ATTEND)
    replies = {a.user_id: (a.reply, a.deputy_id, a.reason) for a in Attendee.objects.filter(meeting=meeting)}
    assert replies == {
        plan["accountant"].pk: (Reply.ATTEND, None, ""),
        plan["finance_head"].pk: (Reply.DECLINE, None, "出差"),
        plan["section_head"].pk: (Reply.DEPUTY, plan["clerk"].pk, ""),
    }
    with pytest.raises(ApplicationError, match="都已回复"):
        services.replies_remind(actor=plan["office_head"], meeting_id=meeting.pk)
    page = login(plan["office_head"]).get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()
    assert "出差" in page
    assert "参加 1 · 委派 1 · 请假 1 · 未回复 0" in page
    attendee_page = login(plan["accountant"]).get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()
    assert "出差" not in attendee_page  # an attendee sees the names, not the others' replies
    assert login(plan["stranger"]).get(reverse("meetings:meeting", args=[meeting.pk])).status_code == 404
    assert login(plan["deputy"]).get(reverse("meetings:meeting", args=[meeting.pk])).status_code == 404


def test_the_pages_drive_the_plan(plan: dict[str, Any], login: Any) -> None:
    meeting = plan["meeting"]
    act = reverse("meetings:meeting_act", args=[meeting.pk])
    login(plan["office_head"]).post(act, {"action": "submit"})
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.SUBMITTED
    leader = login(plan["gm"])
    assert "approve-plan" in leader.get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()
    login(plan["accountant"]).post(act, {"action": "approve"})  # not theirs: refused, nothing changes
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.SUBMITTED
    leader.post(act, {"action": "approve", "comment": "同意"})
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.NOTIFIED
    login(plan["accountant"]).post(act, {"action": "reply", "reply": "attend"})
    assert Attendee.objects.get(meeting=meeting, user=plan["accountant"]).reply == Reply.ATTEND
    ics = login(plan["accountant"]).get(reverse("meetings:meeting_ics", args=[meeting.pk]))
    assert ics["Content-Type"] == "text/calendar"


def test_meeting_form_checks_input(meet: dict[str, Any], login: Any) -> None:
    flows.publish_definitions()
    day = next_monday()
    booking = services.booking_create(
        actor=meet["office_head"], room_id=meet["big"].pk, title="会", starts_at=at(day, 14), ends_at=at(day, 15)
    )
    client = login(meet["office_head"])
    posted = {
        "kind": MeetingKind.objects.get(name="专题会").pk,
        "title": "迎峰度冬专题会",
        "booking": booking.pk,
        "approver": meet["gm"].pk,
        "attendees": [meet["accountant"].pk, meet["stranger"].pk],
        "agenda": "迎峰度冬 | 没有的部门",
    }
    refused = client.post(reverse("meetings:meeting_new"), posted)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "没有“没有的部门”这个部门" in text
    assert not Meeting.objects.exists()
    created = client.post(
        reverse("meetings:meeting_new"),
        {**posted, "attendees": [meet["accountant"].pk], "agenda": "迎峰度冬 | 财务部 | 方案\n设备检修"},
    )
    assert created.status_code == 302
    meeting = Meeting.objects.get()
    assert [(a.topic, a.department_id, a.materials) for a in meeting.agenda.all()] == [
        ("迎峰度冬", meet["finance"].pk, "方案"),
        ("设备检修", None, ""),
    ]
    again = client.post(reverse("meetings:meeting_new"), posted | {"attendees": [meet["accountant"].pk], "agenda": "x"})
    assert again.status_code == 400  # the booking has its meeting: no longer offered
    assert Meeting.objects.count() == 1


def test_cancel_a_notified_meeting(plan: dict[str, Any], django_capture_on_commit_callbacks: Any, login: Any) -> None:
    meeting = plan["meeting"]
    services.meeting_submit(actor=plan["office_head"], meeting_id=meeting.pk)
    with pytest.raises(ConflictError, match="正在审批"):
        services.meeting_cancel(actor=plan["office_head"], meeting_id=meeting.pk, reason="改期")
    services.meeting_approve(actor=plan["gm"], meeting_id=meeting.pk)
    with pytest.raises(PermissionDeniedError):
        services.meeting_cancel(actor=plan["accountant"], meeting_id=meeting.pk, reason="不想开")
    with pytest.raises(ApplicationError, match="原因"):
        services.meeting_cancel(actor=plan["office_head"], meeting_id=meeting.pk, reason="")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        login(plan["office_head"]).post(
            reverse("meetings:meeting_act", args=[meeting.pk]), {"action": "cancel", "comment": "领导出差"}
        )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    plan["booking"].refresh_from_db()
    assert plan["booking"].status == "cancelled"  # the room is free again
    cancelled = Notification.objects.filter(key__startswith=f"meeting-cancel:{meeting.pk}:")
    assert cancelled.count() == 3
    assert "领导出差" in cancelled.first().title
    ics = [m.attachments[0][1] for m in mail.outbox if m.attachments]
    assert len(ics) == 2
    text = ics[0].decode() if isinstance(ics[0], bytes) else ics[0]
    assert "METHOD:CANCEL" in text
    assert "STATUS:CANCELLED" in text
