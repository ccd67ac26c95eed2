"""我的日程: every domain's provider puts the person's own things on their calendar — a meeting they attend, a
flow task falling due, a 督办 progress report due, their own 领导日程 entry — and nobody else's; the week and month
pages, and the answers stay a few queries whatever the span."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sanfu.meetings import flows as meeting_flows
from sanfu.meetings import services as meetings
from sanfu.meetings.models import MeetingKind, Reply
from sanfu.schedules import agenda
from sanfu.schedules.models import Visibility
from sanfu.supervision import flows as supervision_flows
from sanfu.supervision import services as supervision
from sanfu.workflow.models import Task, TaskStatus
from tests.conftest import grant
from tests.schedules.conftest import at, build_world, entry


def _span(user: Any, days: int = 30) -> list[Any]:
    today = timezone.localdate()
    return agenda.items_between(user, today, today + timedelta(days=days))


@pytest.fixture
def cal(db: None) -> dict[str, Any]:
    """The schedules world with a meeting of 财务部 next week (the accountant attends, the finance head is on
    leave), the plan's approval task of the general manager falling due, and a 督办 item the accountant owns."""
    from sanfu.accounts.models import Role

    world = build_world()
    grant(world["gm"], Role.objects.get(code="leader"))
    meeting_flows.publish_definitions()
    supervision_flows.publish_definitions()
    room = meetings.room_create(actor=world["clerk"], data=meetings.RoomIn(name="第一会议室", capacity=20))
    today = timezone.localdate()
    day = today + timedelta(days=7 - today.weekday() + 1)  # next Tuesday
    booking = meetings.booking_create(
        actor=world["office_head"], room_id=room.pk, title="预算分析会", starts_at=at(day, 9), ends_at=at(day, 11)
    )
    meeting = meetings.meeting_create(
        actor=world["office_head"],
        kind_id=MeetingKind.objects.get(name="总经理办公会").pk,
        title="十二月预算分析会",
        booking_id=booking.pk,
        approver_id=world["gm"].pk,
        attendee_ids=[world["accountant"].pk, world["finance_head"].pk],
        agenda=[meetings.AgendaIn("预算执行情况")],
    )
    meetings.meeting_submit(actor=world["office_head"], meeting_id=meeting.pk)
    world["task_due"] = timezone.now() + timedelta(days=2)
    Task.objects.filter(assignee=world["gm"], status=TaskStatus.OPEN).update(due_at=world["task_due"])
    world["meeting"] = meeting
    world["item"] = supervision.item_create(
        actor=world["gm"],
        title="完成年度预算编制",
        content="编制并报送年度预算。",
        owner=world["accountant"],
        deadline=today + timedelta(days=40),
        lead_department=world["finance"],
        indicators=[supervision.IndicatorIn(name="预算表", target=Decimal("1"), unit="份")],
        milestones=[],
    )
    return world


def test_the_approver_sees_the_task_falling_due(cal: dict[str, Any]) -> None:
    (task,) = [i for i in _span(cal["gm"]) if i.uid.startswith("task-")]
    assert str(task.kind) == "待办"
    assert task.starts_at == cal["task_due"]
    assert task.ends_at is None
    assert "十二月预算分析会" in task.title
    assert task.url == reverse("meetings:meeting", args=[cal["meeting"].pk])  # the subject's own page
    assert not [i for i in _span(cal["accountant"]) if i.uid.startswith("task-")]


def test_a_notified_meeting_is_on_the_calendars_of_those_who_attend(cal: dict[str, Any]) -> None:
    assert not [i for i in _span(cal["accountant"]) if i.uid.startswith("meeting-")]  # not notified yet
    meetings.meeting_approve(actor=cal["gm"], meeting_id=cal["meeting"].pk)
    meetings.attendee_reply(actor=cal["finance_head"], meeting_id=cal["meeting"].pk, reply=Reply.DECLINE, reason="出差")
    (item,) = [i for i in _span(cal["accountant"]) if i.uid.startswith("meeting-")]
    assert item.uid == f"meeting-{cal['meeting'].pk}@sanfu"
    assert (item.title, item.place, str(item.kind)) == ("十二月预算分析会", "第一会议室", "会议")
    assert item.url == reverse("meetings:meeting", args=[cal["meeting"].pk])
    assert [i for i in _span(cal["office_head"]) if i.uid.startswith("meeting-")]  # the organiser
    assert not [i for i in _span(cal["finance_head"]) if i.uid.startswith("meeting-")]  # on leave
    assert not [i for i in _span(cal["deputy"]) if i.uid.startswith("meeting-")]  # not invited
    assert not [i for i in _span(cal["stranger"]) if i.uid.startswith("meeting-")]


def test_progress_reports_due_and_the_deadline_for_the_owner(cal: dict[str, Any]) -> None:
    found = [i for i in _span(cal["accountant"], days=60) if i.uid.startswith("supervision-")]
    reports = [i for i in found if "-report-" in i.uid]
    assert reports, found
    assert all(i.all_day and i.title.startswith("报送进展") for i in reports)
    assert reports[0].starts_at.date() > timezone.localdate()
    assert len({i.uid for i in reports}) == len(reports)  # one each cadence, each its own stable uid
    assert [i.uid for i in found if i.uid.endswith("-deadline@sanfu")] == [
        f"supervision-{cal['item'].pk}-deadline@sanfu"
    ]
    assert all(i.url == reverse("supervision:item", args=[cal["item"].pk]) for i in found)
    # the head of the lead department (主办) sees them too; an employee of another department does not
    assert [i for i in _span(cal["finance_head"], days=60) if i.uid.startswith("supervision-")]
    assert not [i for i in _span(cal["clerk"], days=60) if i.uid.startswith("supervision-")]


def test_a_leaders_own_entries_and_not_the_secretarys(cal: dict[str, Any]) -> None:
    today = timezone.localdate()
    made = entry(
        cal["secretary"], cal["gm"], day=today + timedelta(days=1), title="私人安排", visibility=Visibility.PRIVATE
    )
    (mine,) = [i for i in _span(cal["gm"]) if i.uid.startswith("schedule-")]
    assert (mine.uid, mine.title) == (f"schedule-{made.pk}@sanfu", "私人安排")
    assert mine.url.startswith(reverse("schedules:week"))
    for other in ("secretary", "clerk", "deputy", "accountant"):
        assert not [i for i in _span(cal[other]) if i.uid.startswith("schedule-")]


def test_a_few_queries_whatever_the_span(cal: dict[str, Any]) -> None:
    meetings.meeting_approve(actor=cal["gm"], meeting_id=cal["meeting"].pk)
    user = cal["accountant"]
    with CaptureQueriesContext(connection) as week:
        _span(user, days=6)
    with CaptureQueriesContext(connection) as months:
        found = _span(user, days=61)
    assert len(found) > 3
    assert len(months.captured_queries) == len(week.captured_queries)
    assert len(months.captured_queries) <= 8


def test_week_and_month_pages(cal: dict[str, Any], login: Any) -> None:
    meetings.meeting_approve(actor=cal["gm"], meeting_id=cal["meeting"].pk)
    client = login(cal["accountant"])
    meeting_day = timezone.localtime(cal["meeting"].starts_at).date()
    page = client.get(reverse("schedules:agenda"), {"day": f"{meeting_day:%Y-%m-%d}"}).content.decode()
    assert "十二月预算分析会" in page
    assert reverse("meetings:meeting", args=[cal["meeting"].pk]) in page
    assert "第一会议室" in page
    assert 'id="agenda-previous"' in page
    month = client.get(reverse("schedules:agenda"), {"view": "month", "day": f"{meeting_day:%Y-%m-%d}"})
    text = month.content.decode()
    assert "十二月预算分析会" in text
    assert f'data-day="{meeting_day:%Y-%m-%d}"' in text
    assert 'class="table-warning today' in client.get(reverse("schedules:agenda"), {"view": "month"}).content.decode()
    # bad input falls back to today's week rather than failing
    assert client.get(reverse("schedules:agenda"), {"day": "9999-99-99", "view": "year"}).status_code == 200
    assert "我的日程" in client.get(reverse("web:home")).content.decode()  # in the navigation


def test_month_grid_is_whole_weeks() -> None:
    from datetime import date

    first, last = agenda.span_of("month", date(2026, 12, 15))
    assert (first, last) == (date(2026, 11, 30), date(2027, 1, 3))
    assert first.weekday() == 0
    assert (last - first).days + 1 == 35
    assert agenda.span_of("week", date(2026, 12, 10)) == (date(2026, 12, 7), date(2026, 12, 13))


def test_a_night_shift_is_listed_on_its_evening_and_a_trip_on_every_day() -> None:
    from datetime import date, datetime

    from sanfu.core.agenda import AgendaItem

    def local(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 12, day, hour, minute, tzinfo=timezone.get_current_timezone())

    night = AgendaItem(uid="n@x", title="夜班", starts_at=local(7, 17, 30), ends_at=local(8, 8, 30), kind="值班")
    trip = AgendaItem(uid="t@x", title="出差", starts_at=local(9, 8), ends_at=local(11, 18), kind="日程")
    holiday = AgendaItem(
        uid="h@x", title="值班", starts_at=local(12, 0), ends_at=local(14, 0), kind="值班", all_day=True
    )
    sunday_night = AgendaItem(uid="s@x", title="夜班", starts_at=local(6, 17, 30), ends_at=local(7, 8, 30), kind="值班")
    days = agenda.by_day([night, trip, holiday, sunday_night], date(2026, 12, 7), date(2026, 12, 13))
    listed = {day.day: [i.uid for i in items] for day, items in days.items()}
    assert listed == {7: ["n@x"], 8: [], 9: ["t@x"], 10: ["t@x"], 11: ["t@x"], 12: ["h@x"], 13: ["h@x"]}
