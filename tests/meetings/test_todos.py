"""办会 in 我的待办 and on the home page: a notice not yet replied to is a to-do of its attendee until they reply
(or the meeting is over), a plan returned by the leader is one of its organiser; ``count`` is one query; the
home page's ``upcoming_for`` lists the person's next notified meetings (attendee, deputy or organiser)."""

from __future__ import annotations

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
