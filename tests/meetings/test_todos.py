"""办会 in 我的待办 and on the home page: a notice not yet replied to is a to-do of its attendee until they reply
(or the meeting is over), a plan returned by the leader is one of its organiser; ``count`` is one query; the
home page's ``upcoming_for`` lists the person's next notified meetings (attendee, deputy or organiser)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from sanfu.meetings import flows, selectors, services, todos
from sanfu.meetings.models import Meeting, MeetingKind
from tests.meetings.conftest import at, next_monday


def _meeting(meet: dict[str, Any], title: str, hour: int) -> Meeting:
    day = next_monday()
    booking = services.booking_create(
        actor=meet["office_head"],
        room_id=meet["big"].pk,
        title=title,
        starts_at=at(day, hour),
        ends_at=at(day, hour + 1),
    )
    return services.meeting_create(
        actor=meet["office_head"],
        kind_id=MeetingKind.objects.get(name="总经理办公会").pk,
        title=title,
        booking_id=booking.pk,
        approver_id=meet["gm"].pk,
        attendee_ids=[meet["accountant"].pk, meet["finance_head"].pk],
        agenda=[services.AgendaIn("预算")],
    )


@pytest.fixture
def two(meet: dict[str, Any]) -> dict[str, Any]:
    flows.publish_definitions()
    notified = _meeting(meet, "经营分析会", 9)
    services.meeting_submit(actor=meet["office_head"], meeting_id=notified.pk)
    services.meeting_approve(actor=meet["gm"], meeting_id=notified.pk)
    returned = _meeting(meet, "安全例会", 14)
    services.meeting_submit(actor=meet["office_head"], meeting_id=returned.pk)
    services.meeting_return(actor=meet["gm"], meeting_id=returned.pk, comment="议题不全")
    return {**meet, "notified": notified, "returned": returned}


def test_notices_and_returned_plans_are_todos_until_done(
    two: dict[str, Any], login: Any, django_assert_num_queries: Any
) -> None:
    accountant, head = two["accountant"], two["office_head"]
    with django_assert_num_queries(1):
        assert todos.count(accountant) == 1
    assert todos.count(head) == 1  # the returned plan
    assert todos.count(two["stranger"]) == 0
    [entry] = todos.entries(accountant, 10)
    assert (entry.title, entry.due, entry.overdue) == ("经营分析会", two["notified"].starts_at, False)
    assert entry.url == reverse("meetings:meeting", args=[two["notified"].pk])
    assert [e.title for e in todos.entries(head, 10)] == ["安全例会"]
    page = login(accountant).get(reverse("approvals:inbox"), {"tab": "meetings"}).content.decode()
    assert "经营分析会" in page
    assert "安全例会" not in page
    services.attendee_reply(actor=accountant, meeting_id=two["notified"].pk, reply="attend")
    assert todos.count(accountant) == 0
    services.meeting_submit(actor=head, meeting_id=two["returned"].pk)
    assert todos.count(head) == 0


def test_upcoming_for_the_home_page(two: dict[str, Any]) -> None:
    notified = two["notified"]
    assert selectors.upcoming_for(two["accountant"], 5) == [notified]
    assert selectors.upcoming_for(two["office_head"], 5) == [notified]  # organiser; the returned plan is not notified
    services.attendee_reply(
        actor=two["finance_head"], meeting_id=notified.pk, reply="deputy", deputy_id=two["section_head"].pk
    )
    assert selectors.upcoming_for(two["finance_head"], 5) == []
    assert selectors.upcoming_for(two["section_head"], 5) == [notified]
    assert selectors.upcoming_for(two["stranger"], 5) == []
    services.meeting_cancel(actor=two["office_head"], meeting_id=notified.pk, reason="改期")
    assert selectors.upcoming_for(two["accountant"], 5) == []


def test_moving_a_notified_meeting_sends_an_update(
    two: dict[str, Any], login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    from sanfu.core.errors import ConflictError
    from sanfu.core.models import Notification

    notified, head = two["notified"], two["office_head"]
    two["accountant"].email = "accountant@example.com"
    two["accountant"].save(update_fields=["email"])
    day = next_monday()
    other = services.booking_create(
        actor=head, room_id=two["big"].pk, title="占用", starts_at=at(day, 15), ends_at=at(day, 16)
    )
    # a taken slot: refused, the meeting keeps its time and nobody is told
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ConflictError):
        services.booking_move(
            actor=head, booking_id=notified.booking_id, starts_at=other.starts_at, ends_at=other.ends_at
        )
    notified.refresh_from_db()
    assert (notified.starts_at, notified.sequence) == (at(day, 9), 0)
    assert not Notification.objects.filter(title__startswith="会议变更").exists()
    mail.outbox.clear()

    move = reverse("meetings:move", args=[notified.booking_id])
    with django_capture_on_commit_callbacks(execute=True):
        login(head).post(move, {"day": (day + timedelta(days=1)).isoformat(), "start": "10:00", "end": "11:30"})
    notified.refresh_from_db()
    assert (notified.starts_at, notified.ends_at, notified.sequence) == (
        at(day + timedelta(days=1), 10),
        at(day + timedelta(days=1), 11, 30),
        1,
    )
    told = Notification.objects.filter(title__startswith="会议变更").values_list("user_id", flat=True)
    assert set(told) == {two["accountant"].pk, two["finance_head"].pk}
    [message] = mail.outbox
    assert message.subject == "会议变更：经营分析会"
    invite = message.attachments[0][1]
    invite = invite.decode() if isinstance(invite, bytes) else invite
    assert "METHOD:REQUEST" in invite
    assert "SEQUENCE:1" in invite
    assert f"UID:meeting-{notified.pk}@sanfu" in invite
    # the draft (returned) meeting moves silently with its booking
    returned = two["returned"]
    services.booking_move(actor=head, booking_id=returned.booking_id, starts_at=at(day, 17), ends_at=at(day, 18))
    returned.refresh_from_db()
    assert (returned.starts_at, returned.sequence) == (at(day, 17), 0)
