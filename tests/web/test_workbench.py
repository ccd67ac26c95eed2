"""The home page is the person's workbench: beside the to-do list, their next meetings (notified, not over) and
their own 督办 items, overdue and at-risk ones first, and their unread announcements until they read them; someone
with none of these sees that they have none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from sanfu.accounts.models import Role
from sanfu.announcements import flows as announcement_flows
from sanfu.announcements import services as announcements
from sanfu.announcements.models import Kind
from sanfu.meetings import flows as meeting_flows
from sanfu.meetings import services as meetings
from sanfu.meetings.models import MeetingKind
from sanfu.supervision import flows as supervision_flows
from sanfu.supervision import services as supervision
from tests.conftest import grant
from tests.meetings.conftest import (
    at,
    meet,  # noqa: F401  # the 办会 world (its clerk, rooms)
    next_monday,
)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_home_page_shows_my_next_meeting_and_my_late_item_first(meet: dict[str, Any]) -> None:  # noqa: F811
    meeting_flows.publish_definitions()
    supervision_flows.publish_definitions()
    grant(meet["gm"], Role.objects.get(code="leader"))
    day = next_monday()
    booking = meetings.booking_create(
        actor=meet["office_head"], room_id=meet["big"].pk, title="经营会", starts_at=at(day, 9), ends_at=at(day, 11)
    )
    meeting = meetings.meeting_create(
        actor=meet["office_head"],
        kind_id=MeetingKind.objects.get(name="总经理办公会").pk,
        title="十二月经营分析会",
        booking_id=booking.pk,
        approver_id=meet["gm"].pk,
        attendee_ids=[meet["accountant"].pk],
        agenda=[meetings.AgendaIn("预算执行情况")],
    )
    meetings.meeting_submit(actor=meet["office_head"], meeting_id=meeting.pk)
    meetings.meeting_approve(actor=meet["gm"], meeting_id=meeting.pk)
    today = timezone.localdate()
    long_ago = timezone.now() - timedelta(days=60)
    fields = {"owner": meet["accountant"], "lead_department": meet["finance"]}
    supervision.item_create(actor=meet["gm"], title="远期节能改造", deadline=today + timedelta(days=90), **fields)
    supervision.item_create(
        actor=meet["gm"], title="逾期的预算分析", deadline=today - timedelta(days=10), created_at=long_ago, **fields
    )

    page = _client(meet["accountant"]).get("/").content.decode()
    meetings_card = page[page.index('id="home-meetings"') : page.index('id="home-supervision"')]
    assert "十二月经营分析会" in meetings_card
    assert day.strftime("%m-%d") + " 09:00 · 第一会议室" in meetings_card
    items_card = page[page.index('id="home-supervision"') :]
    assert items_card.index("逾期的预算分析") < items_card.index("远期节能改造")
    assert "已逾期" in items_card

    idle = _client(meet["section_head"]).get("/").content.decode()
    assert "近期没有您参加的会议。" in idle
    assert "您没有在办的督办事项。" in idle


def test_the_home_page_lists_my_unread_announcements_until_i_read_them(meet: dict[str, Any]) -> None:  # noqa: F811
    announcement_flows.publish_definitions()
    notice = announcements.announcement_create(
        actor=meet["clerk"],
        data=announcements.AnnouncementIn(kind=Kind.NOTICE, title="元旦放假安排", body="放假三天。"),
    )
    announcements.announcement_publish(actor=meet["clerk"], announcement_id=notice.pk)

    client = _client(meet["accountant"])
    card = client.get("/").content.decode()
    card = card[card.index('id="home-announcements"') : card.index('id="home-meetings"')]
    assert "元旦放假安排" in card
    assert "1 条未读" in card
    client.get(f"/announcements/{notice.pk}/")  # reading it is the receipt
    after = client.get("/").content.decode()
    assert "没有未读的通知公告。" in after
    assert "元旦放假安排" not in after[after.index('id="home-announcements"') : after.index('id="home-meetings"')]
