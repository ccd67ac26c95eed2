"""The demo's secretary in headless Chromium: the leaders' week with their titles and this week's dates, today's
column marked, and the print button opening the A4 week sheet (a PDF); an employee opens 我的日程 and turns from
the week to the month."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest
from django.utils import timezone

from sanfu.demo.meetings import seed_meetings
from sanfu.demo.org import DEMO_PASSWORD, seed_demo
from sanfu.demo.schedules import seed_schedules
from tests.browser import SHOTS

pytestmark = pytest.mark.browser


def test_the_secretary_prints_the_week_sheet(app_server: str, signed_in: Any) -> None:
    seed_demo()
    seed_meetings()
    assert seed_schedules() > 15
    today = timezone.localdate()

    page = signed_in("secretary", DEMO_PASSWORD, width=1400)
    page.goto(f"{app_server}/schedules/")
    page.wait_for_selector("#week-table")
    leaders = page.inner_text("#week-table")
    for title in ("总经理", "副总经理", "总工程师", "纪委书记"):
        assert title in leaders
    assert "主持召开安全生产专题会" in leaders  # a 公开 entry of the general manager this week
    monday = today.toordinal() - today.weekday()
    assert f"{today.fromordinal(monday):%Y-%m-%d} 至" in page.inner_text("#week-range")
    assert page.locator("th.today").count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "leaders-week.png"), full_page=True)

    sheet = page.locator("#print-sheet")
    assert sheet.get_attribute("target") == "_blank"
    with page.context.expect_event("response", lambda r: "sheet.pdf" in r.url) as caught:
        sheet.click()
    response = caught.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    # the tab shows it in Chromium's PDF viewer (whose page is the body Playwright hands back): fetch the bytes
    # again with the secretary's session
    pdf = page.context.request.get(response.url).body()
    assert pdf.startswith(b"%PDF")
    first = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert float(first.mediabox.width) > float(first.mediabox.height)  # landscape
    assert "总经理" in first.extract_text()

    employee = signed_in("staff", DEMO_PASSWORD, width=1400)
    employee.click("a.dropdown-toggle:has-text('服务运转')")  # the navigation's section
    employee.click("a.dropdown-item:has-text('我的日程')")
    employee.wait_for_selector("#agenda-table")
    assert "我的日程" in employee.inner_text("h1")
    assert employee.locator(".list-group-item.today").count() == 1
    employee.click("#agenda-month")
    employee.wait_for_selector("table#agenda-table")
    assert employee.locator("td.today").count() == 1
    employee.click("#agenda-next")
    employee.wait_for_selector("table#agenda-table")
    assert employee.locator("td.today").count() == 0
