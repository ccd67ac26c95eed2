"""会后: minutes and decisions; 转督办 puts one outbox message per decision (kind ``supervision.open_item``) with the
payload the supervision ledger reads, once; a sent decision cannot be removed; only the organiser or the office.

The receiver is the supervision domain's; the test puts a recording stand-in in its place, so that it checks
this domain's side (the messages and their payload) whatever the receiver does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from sanfu.core import busy
from sanfu.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from sanfu.meetings import flows, services
from sanfu.meetings.models import Decision, MeetingKind
from sanfu.workflow import outbox
from sanfu.workflow.models import OutboxMessage
from tests.meetings.conftest import at, next_monday


@pytest.fixture
def notified(meet: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setitem(outbox.HANDLERS, "supervision.open_item", lambda message: None)
    flows.publish_definitions()
    day = next_monday()
    booking = services.booking_create(
        actor=meet["office_head"], room_id=meet["big"].pk, title="例会", starts_at=at(day, 9), ends_at=at(day, 11)
    )
    meeting = services.meeting_create(
        actor=meet["office_head"],
        kind_id=MeetingKind.objects.get(name="总经理办公会").pk,
        title="十二月总经理办公会",
        booking_id=booking.pk,
        approver_id=meet["gm"].pk,
        attendee_ids=[meet["accountant"].pk, meet["finance_head"].pk],
        agenda=[services.AgendaIn("预算")],
    )
    services.meeting_submit(actor=meet["office_head"], meeting_id=meeting.pk)
    services.meeting_approve(actor=meet["gm"], meeting_id=meeting.pk)
    return {**meet, "meeting": meeting}


def test_decisions_to_supervision_once(notified: dict[str, Any]) -> None:
    meeting, head = notified["meeting"], notified["office_head"]
    deadline = timezone.localdate() + timedelta(days=30)
    services.minutes_save(actor=head, meeting_id=meeting.pk, text="会议听取了预算执行情况汇报。")
    with pytest.raises(PermissionDeniedError):
        services.minutes_save(actor=notified["accountant"], meeting_id=meeting.pk, text="改")
    with pytest.raises(ApplicationError, match="责任人"):
        services.decision_add(
            actor=head, meeting_id=meeting.pk, text="x", owner_id=notified["stranger"].pk, deadline=deadline
        )
    first = services.decision_add(
        actor=head,
        meeting_id=meeting.pk,
        text="压降非生产性支出\n年底前完成",
        owner_id=notified["finance_head"].pk,
        lead_department_id=notified["finance"].pk,
        deadline=deadline,
    )
    second = services.decision_add(
        actor=head, meeting_id=meeting.pk, text="完善会议室管理", owner_id=notified["clerk"].pk, deadline=deadline
    )
    assert services.decisions_to_supervision(actor=head, meeting_id=meeting.pk) == 2
    messages = {m.key: m for m in OutboxMessage.objects.filter(kind="supervision.open_item")}
    assert set(messages) == {f"meeting-decision:{first.pk}", f"meeting-decision:{second.pk}"}
    assert messages[f"meeting-decision:{first.pk}"].payload == {
        "source": "meeting",
        "source_ref": f"{meeting.pk}:{first.pk}",
        "source_label": "十二月总经理办公会 议定事项第 1 项",
        "source_url": reverse("meetings:meeting", args=[meeting.pk]),
        "title": "压降非生产性支出",
        "content": "压降非生产性支出\n年底前完成",
        "owner_id": notified["finance_head"].pk,
        "lead_department_id": notified["finance"].pk,
        "deadline": deadline.isoformat(),
        "assigned_by_id": meeting.approver_id,  # 交办领导: who approved the meeting, and approves the close-out
        "entered_by_id": head.pk,
        "confidentiality": "internal",
    }
    assert meeting.approver_id != head.pk
    assert messages[f"meeting-decision:{second.pk}"].payload["lead_department_id"] is None
    with pytest.raises(ApplicationError, match="没有待转督办"):
        services.decisions_to_supervision(actor=head, meeting_id=meeting.pk)
    with pytest.raises(ConflictError):
        services.decision_remove(actor=head, meeting_id=meeting.pk, decision_id=first.pk)
    assert OutboxMessage.objects.filter(kind="supervision.open_item").count() == 2
    assert Decision.objects.filter(sent_at__isnull=False).count() == 2


def test_minutes_from_the_page(notified: dict[str, Any], login: Any) -> None:
    meeting = notified["meeting"]
    act = reverse("meetings:meeting_act", args=[meeting.pk])
    office = login(notified["office_head"])
    office.post(act, {"action": "minutes", "minutes": "纪要正文"})
    deadline = (timezone.localdate() + timedelta(days=10)).isoformat()
    office.post(act, {"action": "decision_add", "text": "整改", "owner": notified["clerk"].pk, "deadline": deadline})
    office.post(act, {"action": "decision_add", "text": "缺时限", "owner": notified["clerk"].pk, "deadline": ""})
    assert list(Decision.objects.values_list("text", flat=True)) == ["整改"]
    office.post(act, {"action": "to_supervision"})
    page = office.get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()
    assert "纪要正文" in page
    assert "已转督办" in page
    assert OutboxMessage.objects.filter(kind="supervision.open_item").count() == 1


def test_minutes_go_to_documents_once_and_become_a_minutes_draft(notified: dict[str, Any], login: Any) -> None:
    from sanfu.documents.flows import publish_definitions as publish_documents
    from sanfu.documents.models import DocKind, OutgoingDocument

    publish_documents()
    meeting, clerk = notified["meeting"], notified["clerk"]
    act = reverse("meetings:meeting_act", args=[meeting.pk])
    page = reverse("meetings:meeting", args=[meeting.pk])
    office = login(clerk)
    # nothing written yet: refused, nothing sent
    response = office.post(act, {"action": "minutes_to_documents"}, follow=True)
    assert "请先整理并保存会议纪要" in response.content.decode()
    assert not OutboxMessage.objects.filter(kind="documents.draft_minutes").exists()
    # an attendee may not send them
    services.minutes_save(actor=clerk, meeting_id=meeting.pk, text="会议研究了预算执行。\n一、压降支出。")
    with pytest.raises(PermissionDeniedError):
        services.minutes_to_documents(actor=notified["accountant"], meeting_id=meeting.pk)
    # the organiser runs the meeting but holds no drafting right: told so, nothing sent, no button
    with pytest.raises(PermissionDeniedError, match="起草发文的权限"):
        services.minutes_to_documents(actor=notified["office_head"], meeting_id=meeting.pk)
    assert 'id="minutes-to-documents"' not in login(notified["office_head"]).get(page).content.decode()
    assert 'id="minutes-to-documents"' in office.get(page).content.decode()
    # another unit: 404
    assert login(notified["stranger"]).post(act, {"action": "minutes_to_documents"}).status_code == 404

    response = office.post(act, {"action": "minutes_to_documents"}, follow=True)
    assert "纪要已送发文" in response.content.decode()
    message = OutboxMessage.objects.get(kind="documents.draft_minutes")
    assert message.key == f"meeting-minutes:{meeting.pk}"
    assert message.payload["drafter_id"] == clerk.pk
    assert message.payload["source_url"] == page
    # a second press is refused, and the minutes are frozen
    again = office.post(act, {"action": "minutes_to_documents"}, follow=True).content.decode()
    assert "不能重复送" in again
    with pytest.raises(ConflictError):
        services.minutes_save(actor=clerk, meeting_id=meeting.pk, text="改过")
    assert OutboxMessage.objects.filter(kind="documents.draft_minutes").count() == 1

    outbox.deliver_pending()
    document = OutgoingDocument.objects.get(kind=DocKind.MINUTES)
    assert document.drafter == clerk
    assert document.title == "十二月总经理办公会纪要"
    assert document.revisions.get().body.startswith("会议研究了预算执行")
    shown = office.get(page).content.decode()
    assert 'id="minutes-sent"' in shown
    assert "文书" in shown
    assert 'id="minutes-to-documents"' not in shown


def test_a_notified_meeting_makes_its_attendees_busy_for_the_leaders_schedule(notified: dict[str, Any]) -> None:
    """``core.busy`` (read by 领导日程): the attendees who come are taken for the meeting's time, one who declined
    is not, and a window that misses the meeting finds nothing."""
    meeting = notified["meeting"]
    services.attendee_reply(actor=notified["accountant"], meeting_id=meeting.pk, reply="decline", reason="出差")
    people = [notified["accountant"].pk, notified["finance_head"].pk]
    found = busy.spans(people, meeting.starts_at - timedelta(hours=1), meeting.starts_at + timedelta(minutes=30))
    assert [(b.user_id, b.starts_at, b.ends_at, b.source) for b in found] == [
        (notified["finance_head"].pk, meeting.starts_at, meeting.ends_at, "meetings")
    ]
    assert "十二月总经理办公会" in found[0].title
    assert busy.spans(people, meeting.ends_at, meeting.ends_at + timedelta(hours=2)) == []
