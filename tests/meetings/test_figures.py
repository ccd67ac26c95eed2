"""会议月度统计 against a hand-computed September 2026 (22 working days: Sun 20 Sep is an adjusted working day,
Fri 25 Sep the Mid-Autumn holiday; 1–7 Oct the National Day holiday, Sat 10 Oct an adjusted working day).

The unit's two rooms (第一会议室, 财务小会议室) each have 22 × 7.5 = 165 office hours in the month.

| meeting | kind | room | when | length | expected / absent | materials / late | minutes sent | due (3 wd) |
|---|---|---|---|---|---|---|---|---|
| M1 | 办公会 | 第一 | Mon 14 Sep 09:00–11:00 | 120 | 3 / 2 (+1 on leave) | 2 / 1 | Fri 18 Sep | Thu 17 Sep: late |
| M2 | 办公会 | 第一 | Mon 28 Sep 14:00–15:30 | 90 | 2 / 0 (a deputy signs) | 0 | Thu 8 Oct | Thu 8 Oct: on time |
| M3 | 专题会 | 财务 | Wed 30 Sep 09:00–10:00 | 60 | 1 / 1 | 1 / 0 | Fri 9 Oct | Sat 10 Oct: on time |

Not counted as held: a cancelled meeting (15 Sep), a plan still drafted (16 Sep 08:00–09:00, whose booking
still counts for the room: 08:30–09:00 in office hours), a meeting of 31 Aug, and another unit's meeting.

Room hours: 第一 = 2 (M1) + 1.5 (M2) + 0.5 (draft's booking) + 0 (Sat 19 Sep) + 0.5 (30 Sep 17:00 → 1 Oct 10:00:
only 17:00–17:30 is September office time) = 4.5 → 2.7 %; 财务 = 1 (M3) + 4 (Sun 20 Sep 13:00–18:00, a working
day: 13:30–17:30) = 5 → 3.0 %; both: 9.5 / 330 → 2.9 %."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sanfu.meetings import figures
from sanfu.meetings.models import (
    Attendee,
    Booking,
    BookingStatus,
    Material,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Reply,
    Room,
)
from sanfu.org.calendar import WorkingCalendar
from tests.meetings.conftest import at


def _booking(room: Room, user: Any, starts: datetime, ends: datetime, **extra: Any) -> Booking:
    return Booking.objects.create(room=room, title="会", starts_at=starts, ends_at=ends, booked_by=user, **extra)


def _meeting(
    w: dict[str, Any], kind: MeetingKind, room: Room, starts: datetime, ends: datetime, **extra: Any
) -> Meeting:
    status = extra.pop("status", MeetingStatus.NOTIFIED)
    booking_status = BookingStatus.CANCELLED if status == MeetingStatus.CANCELLED else BookingStatus.BOOKED
    return Meeting.objects.create(
        kind=kind,
        title=f"{kind.name}{starts:%m%d}",
        unit_id=room.unit_id,
        organiser=w["office_head"],
        approver=w["gm"],
        booking=_booking(room, w["office_head"], starts, ends, status=booking_status),
        starts_at=starts,
        ends_at=ends,
        status=status,
        **extra,
    )


def _attend(meeting: Meeting, user: Any, reply: str, signed: bool, deputy: Any = None) -> None:
    Attendee.objects.create(
        meeting=meeting, user=user, reply=reply, deputy=deputy, signed_in_at=meeting.starts_at if signed else None
    )


def _material(meeting: Meeting, user: Any, late: bool) -> None:
    item = meeting.agenda.first() or meeting.agenda.create(no=1, topic="议题")
    Material.objects.create(
        meeting=meeting, agenda_item=item, file="meetings/x.pdf", name="x.pdf", size=1, sha256="0" * 64,
        uploaded_by=user, late=late,
    )  # fmt: skip


@pytest.fixture
def september(meet: dict[str, Any]) -> dict[str, Any]:
    w = meet
    office_meeting = MeetingKind.objects.create(name="测试办公会", sort=1)
    topic_meeting = MeetingKind.objects.create(name="测试专题会", sort=2)
    big, small = w["big"], w["finance_only"]
    m1 = _meeting(
        w, office_meeting, big, at(date(2026, 9, 14), 9), at(date(2026, 9, 14), 11),
        minutes_sent_at=at(date(2026, 9, 18), 10),
    )  # fmt: skip
    _attend(m1, w["accountant"], Reply.ATTEND, True)
    _attend(m1, w["finance_head"], Reply.ATTEND, False)
    _attend(m1, w["gm"], Reply.DECLINE, False)
    _attend(m1, w["deputy"], Reply.PENDING, False)
    _material(m1, w["accountant"], late=True)
    _material(m1, w["accountant"], late=False)
    m2 = _meeting(
        w, office_meeting, big, at(date(2026, 9, 28), 14), at(date(2026, 9, 28), 15, 30),
        minutes_sent_at=at(date(2026, 10, 8), 16),
    )  # fmt: skip
    _attend(m2, w["accountant"], Reply.DEPUTY, True, deputy=w["clerk"])
    _attend(m2, w["finance_head"], Reply.ATTEND, True)
    m3 = _meeting(
        w, topic_meeting, small, at(date(2026, 9, 30), 9), at(date(2026, 9, 30), 10),
        minutes_sent_at=at(date(2026, 10, 9), 9),
    )  # fmt: skip
    _attend(m3, w["accountant"], Reply.ATTEND, False)
    _material(m3, w["finance_head"], late=False)
    cancelled = _meeting(
        w, topic_meeting, big, at(date(2026, 9, 15), 9), at(date(2026, 9, 15), 10), status=MeetingStatus.CANCELLED
    )
    _attend(cancelled, w["accountant"], Reply.ATTEND, False)
    _meeting(w, topic_meeting, big, at(date(2026, 9, 16), 8), at(date(2026, 9, 16), 9), status=MeetingStatus.DRAFT)
    _meeting(w, office_meeting, big, at(date(2026, 8, 31), 9), at(date(2026, 8, 31), 10))
    _meeting(
        {**w, "office_head": w["stranger"], "gm": w["stranger"]},
        topic_meeting,
        w["other_room"],
        at(date(2026, 9, 10), 9),
        at(date(2026, 9, 10), 12),
    )
    _booking(big, w["clerk"], at(date(2026, 9, 19), 9), at(date(2026, 9, 19), 10))  # a Saturday
    _booking(big, w["clerk"], at(date(2026, 9, 30), 17), at(date(2026, 10, 1), 10))
    _booking(small, w["clerk"], at(date(2026, 9, 20), 13), at(date(2026, 9, 20), 18))  # an adjusted working Sunday
    return {**w, "kinds": (office_meeting, topic_meeting)}


def test_month_figures_by_hand(september: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(7):
        found = figures.month_figures(unit_id=september["unit"].pk, year=2026, month=9)
    t = found.total
    assert (found.working_days, found.hours_per_day) == (22, 7.5)
    assert (t.held, t.average_minutes) == (3, 90)
    assert (t.expected, t.absent, t.no_show_rate) == (6, 3, 50.0)
    assert (t.materials, t.late_materials) == (3, 1)
    assert (t.minutes_issued, t.minutes_on_time, t.minutes_on_time_rate) == (3, 2, 66.7)
    assert (t.booked_hours, t.available_hours, t.occupancy) == (9.5, 330.0, 2.9)
    kinds = {k.name: k for k in found.kinds}
    assert [k.name for k in found.kinds] == ["测试办公会", "测试专题会"]
    office, topic = kinds["测试办公会"], kinds["测试专题会"]
    assert (office.held, office.average_minutes, office.no_show_rate, office.late_materials) == (2, 105, 40.0, 1)
    assert (office.minutes_on_time, topic.minutes_on_time) == (1, 1)
    assert (topic.held, topic.average_minutes, topic.no_show_rate, topic.materials) == (1, 60, 100.0, 1)
    rooms = {r.name: r for r in found.rooms}
    assert set(rooms) == {"第一会议室", "财务小会议室"}
    assert (rooms["第一会议室"].held, rooms["第一会议室"].booked_hours, rooms["第一会议室"].occupancy) == (2, 4.5, 2.7)
    assert (rooms["财务小会议室"].held, rooms["财务小会议室"].booked_hours, rooms["财务小会议室"].occupancy) == (
        1,
        5.0,
        3.0,
    )


def test_minutes_due_skips_the_holiday() -> None:
    calendar = WorkingCalendar()
    assert figures.minutes_due_on(calendar, date(2026, 9, 30)) == date(2026, 10, 10)
    assert figures.minutes_due_on(calendar, date(2026, 9, 14)) == date(2026, 9, 17)


def test_an_empty_month_has_no_rates(meet: dict[str, Any]) -> None:
    found = figures.month_figures(unit_id=meet["unit"].pk, year=2026, month=2)
    assert found.total.held == 0
    assert found.total.average_minutes is None
    assert found.total.no_show_rate is None
    assert found.total.occupancy == 0.0  # rooms were free: measured, not unknown


def test_parse_month_refuses_bad_text() -> None:
    today = date(2026, 12, 7)
    assert figures.parse_month("", today=today) == (2026, 12)
    assert figures.parse_month("2026-9", today=today) == (2026, 9)
    for bad in ("2026/09", "2026-13", "九月"):
        with pytest.raises(figures.ApplicationError, match="月份应写成"):
            figures.parse_month(bad, today=today)
    with pytest.raises(figures.ApplicationError, match="尚未开始"):
        figures.parse_month("2027-01", today=today)


def test_figures_page_and_excel(september: dict[str, Any], login: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2026, 12, 7))
    clerk = login(september["clerk"])
    page = clerk.get(reverse("meetings:figures") + "?month=2026-09")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="total-held">3<' in body
    assert 'id="total-no-show">50.0%<' in body
    assert 'id="total-occupancy">2.9%<' in body
    assert "figures-chart-data" in body
    assert reverse("meetings:figures") in clerk.get(reverse("meetings:meetings")).content.decode()

    bad = clerk.get(reverse("meetings:figures") + "?month=2026-99")
    assert bad.status_code == 400
    assert "月份应写成" in bad.content.decode()

    download = clerk.get(reverse("meetings:figures_xlsx") + "?month=2026-09")
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.content))
    kinds = [[c.value for c in row] for row in book["按会议类型"].iter_rows(min_row=2)]
    assert kinds[0][:3] == ["测试办公会", 2, 105]
    assert kinds[-1][:2] == ["合计", 3]
    rooms = [[c.value for c in row] for row in book["按会议室"].iter_rows(min_row=2)]
    assert rooms[-1][0] == "合计"
    assert rooms[-1][-1] == 2.9

    # not the office: no page, no file, and no link on the list
    accountant = login(september["accountant"])
    assert accountant.get(reverse("meetings:figures")).status_code == 404
    assert accountant.get(reverse("meetings:figures_xlsx")).status_code == 404
    assert reverse("meetings:figures") not in accountant.get(reverse("meetings:meetings")).content.decode()
