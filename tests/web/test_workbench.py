"""The home page is the person's workbench: beside the to-do list, their next meetings (notified, not over) and
their own 督办 items, overdue and at-risk ones first, and their unread announcements until they read them; someone
with none of these sees that they have none."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanfu.accounts.models import Role
from sanfu.accounts.selectors import forget_cached_grants
from sanfu.announcements import flows as announcement_flows
from sanfu.announcements import services as announcements
from sanfu.announcements.models import Kind
from sanfu.approvals.models import MatterType, Request
from sanfu.approvals.selectors import catalogue
from sanfu.core import agenda
from sanfu.core.agenda import AgendaItem
from sanfu.meetings import flows as meeting_flows
from sanfu.meetings import services as meetings
from sanfu.meetings.models import MeetingKind
from sanfu.supervision import flows as supervision_flows
from sanfu.supervision import services as supervision
from sanfu.workflow import services as workflow
from tests.approvals.conftest import demo  # noqa: F401  # the demo organisation and matter catalogue
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


# --- 今日 (core.agenda) and 常用事项 ----------------------------------------------------------------------------

TEST_PROVIDER = "workbench-test"


@pytest.fixture
def today_provider() -> Iterator[list[AgendaItem]]:
    """A provider registered for this test only (the domains' own providers may be there too): it answers the
    items put in the returned list that overlap the asked span, for the person they name in ``note``."""
    offered: list[AgendaItem] = []

    def provider(user: Any, start: datetime, end: datetime) -> list[AgendaItem]:
        return [
            i for i in offered if i.note == user.username and i.starts_at < end and (i.ends_at or i.starts_at) >= start
        ]

    agenda.provide(TEST_PROVIDER, provider)
    try:
        yield offered
    finally:
        agenda.unprovide(TEST_PROVIDER)


def test_the_today_card_lists_todays_items_from_the_agenda(
    meet: dict[str, Any],  # noqa: F811
    today_provider: list[AgendaItem],
) -> None:
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    who = meet["accountant"].username
    today_provider += [
        AgendaItem(
            uid="t-1@sanfu",
            title="预算评审会",
            starts_at=midnight + timedelta(hours=15),
            ends_at=midnight + timedelta(hours=16),
            kind="会议",
            url="/meetings/",
            note=who,
        ),
        AgendaItem(uid="t-2@sanfu", title="节日值班", starts_at=midnight, kind="值班", all_day=True, note=who),
        AgendaItem(
            uid="t-3@sanfu", title="明天的会", starts_at=midnight + timedelta(days=1, hours=9), kind="会议", note=who
        ),
        AgendaItem(uid="t-4@sanfu", title="别人的会", starts_at=midnight + timedelta(hours=10), kind="会议", note="gm"),
        AgendaItem(
            uid="t-5@sanfu",
            title="昨夜值班",
            starts_at=midnight - timedelta(hours=6, minutes=30),
            ends_at=midnight + timedelta(hours=8, minutes=30),
            kind="值班",
            note=who,
        ),
    ]
    page = _client(meet["accountant"]).get("/").content.decode()
    card = page[page.index('id="home-today"') : page.index('id="home-announcements"')]
    assert card.index("节日值班") < card.index("预算评审会")  # the earliest first
    assert "15:00–16:00" in card
    # a night shift that began yesterday says so, or it reads like tonight's
    assert f"{(midnight - timedelta(days=1)):%m-%d} 17:30–08:30" in card
    assert "全天" in card
    assert 'href="/meetings/"' in card
    assert "明天的会" not in card
    assert "别人的会" not in card
    idle = _client(meet["section_head"]).get("/").content.decode()
    idle_card = idle[idle.index('id="home-today"') : idle.index('id="home-announcements"')]
    assert "预算评审会" not in idle_card
    if not agenda.items(meet["section_head"], midnight, midnight + timedelta(days=1)):  # other domains may offer some
        assert "今天没有日程。" in idle_card
    today_provider.clear()
    agenda.unprovide(TEST_PROVIDER)
    assert "预算评审会" not in _client(meet["accountant"]).get("/").content.decode()


_numbers = itertools.count(1)


def _started(who: Any, matter: MatterType, *, days_ago: int = 1) -> None:
    instance = workflow.instance_start(actor=who, definition_key=matter.definition_key, title=matter.name)
    Request.objects.create(
        matter=matter,
        instance=instance,
        number=f"WB-{next(_numbers):05d}",
        title=matter.name,
        applicant=who,
        created_at=timezone.now() - timedelta(days=days_ago),
    )


def test_frequent_matters_are_mine_first_then_the_popular_ones(
    demo: dict[str, Any],  # noqa: F811
    django_assert_max_num_queries: Any,
) -> None:
    staff, hr = demo["people"]["staff"], demo["people"]["hr"]
    open_to_all = list(MatterType.objects.filter(is_active=True, start_roles=[]).order_by("code"))
    assert len(open_to_all) >= 4
    b, c, d, e = open_to_all[:4]
    for _ in range(3):
        _started(staff, b)
    _started(staff, c)
    _started(staff, d, days_ago=200)  # too long ago to count
    for _ in range(4):
        _started(hr, e)  # the company's most started: the popular one
    forget_cached_grants(staff)
    with django_assert_max_num_queries(2):  # the counts, and the person's role grants
        mine = catalogue.frequent_matters(staff)
    assert [m.code for m in mine[:2]] == [b.code, c.code]
    assert mine[2].code == e.code  # topped up to three with the popular ones
    assert len(mine) == 3
    newcomer = demo["people"]["secretary"]
    assert catalogue.frequent_matters(newcomer)[0].code == e.code
    assert len(catalogue.frequent_matters(newcomer)) == 3
    for m in catalogue.frequent_matters(staff, limit=6):
        assert catalogue.may_start(staff, m)


def test_the_workbench_links_frequent_matters_to_their_start_form(demo: dict[str, Any]) -> None:  # noqa: F811
    staff = demo["people"]["staff"]
    matter = MatterType.objects.filter(is_active=True, start_roles=[]).order_by("code").first()
    assert matter is not None
    _started(staff, matter)
    page = _client(staff).get("/").content.decode()
    card = page[page.index('id="home-frequent"') :]
    assert f'href="{reverse("approvals:start", args=[matter.code])}"' in card
    assert card.index(matter.name) < card.index("全部事项")
