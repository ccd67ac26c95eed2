"""The week page and the printed sheet as the office posts them: each leader with their 职务, the week's dates and
ISO week, today's column marked, the print button opening the PDF; conflicts spelled out."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pypdf
import time_machine
from django.urls import reverse

from sanfu.core import busy
from sanfu.org.models import Staff
from sanfu.schedules.sheet import week_sheet_html
from tests.schedules.conftest import MONDAY, at, entry

WEEK = reverse("schedules:week") + f"?week={MONDAY:%Y-%m-%d}"
WEDNESDAY_NOON = datetime(2026, 12, 9, 12, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_leaders_with_their_titles_the_dates_and_today(sch: dict[str, Any], login: Any) -> None:
    Staff.objects.filter(user=sch["gm"]).update(title="总经理")
    entry(sch["clerk"], sch["gm"], title="接待调研组")
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        client = login(sch["accountant"])
        page = client.get(reverse("schedules:week")).content.decode()
        other = client.get(reverse("schedules:week") + "?week=2026-12-20").content.decode()
    assert "2026-12-07 至 2026-12-13" in page
    assert "2026年第50周" in page
    assert '<div class="text-muted fw-normal leader-title">总经理</div>' in page
    assert '<div class="text-muted fw-normal leader-title">公司副职</div>' in page  # no 职务 recorded: the rank
    assert page.count('class="table-warning today"') == 5  # the day's head, and two leaders' mornings and afternoons
    assert "12-09 · 今天" in page
    assert f'href="{reverse("schedules:sheet")}?week=2026-12-07" target="_blank"' in page
    assert 'id="week-this"' not in page  # this is the current week
    assert "2026-12-14 至 2026-12-20" in other
    assert "table-warning today" not in other
    assert 'id="week-this"' in other


def test_conflicts_are_spelled_out(sch: dict[str, Any], login: Any) -> None:
    entry(sch["secretary"], sch["gm"], title="调研一号机组", start=9, end=11)
    gm_id = sch["gm"].pk
    busy.provide(
        "test-meetings", lambda ids, s, e: [busy.Busy(gm_id, at(MONDAY, 10), at(MONDAY, 12), "会议：经营分析会", "t")]
    )
    try:
        page = login(sch["secretary"]).get(WEEK).content.decode()
        employee = login(sch["accountant"]).get(WEEK).content.decode()
    finally:
        busy._PROVIDERS.pop("test-meetings")
    assert 'id="week-conflicts"' in page
    assert "本周有 1 项日程与其他安排冲突" in page
    assert "与 会议：经营分析会 冲突" in page  # the secretary keeps the schedule: she is told what it clashes with
    assert "与 其他安排 冲突" in employee  # an employee only that it clashes


def test_the_sheet_shows_titles_and_the_period(sch: dict[str, Any], login: Any) -> None:
    Staff.objects.filter(user=sch["gm"]).update(title="总经理")
    entry(sch["clerk"], sch["gm"], title="公开调研", place="一号机组")
    html = week_sheet_html(sch["unit"].pk, MONDAY)
    assert "总经理" in html
    assert "2026年12月7日 至 2026年12月13日（2026年第50周）" in html
    assert "领导一周工作安排" in html
    response = login(sch["secretary"]).get(reverse("schedules:sheet") + f"?week={MONDAY:%Y-%m-%d}")
    assert response["Content-Type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "总经理" in text
    assert "公开调研" in text
