"""The monthly bulletin in headless Chromium on a real server: the office's clerk opens the month's bulletin,
the ECharts chart draws from the page's JSON under the site's CSP (no inline script), a figure links to the
ledger, and the DOCX downloads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.demo.org import DEMO_PASSWORD, MAIN_UNIT_CODE, seed_demo
from sanfu.org.models import Department
from sanfu.supervision import flows, services
from tests.browser import SHOTS

pytestmark = pytest.mark.browser


def test_the_clerk_reads_the_bulletin_with_its_chart_and_downloads_the_docx(app_server: str, browser: Any) -> None:
    connection.close()
    seed_demo()
    flows.publish_definitions()
    gm = User.objects.get(username="gm")
    today = timezone.localdate()
    month_end = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    departments = list(Department.objects.filter(unit__code=MAIN_UNIT_CODE, name__in=["办公室", "财务部"]))
    assert departments, "the demo's departments"
    owner = User.objects.get(username="finance_head")
    for n, department in enumerate(departments):
        services.item_create(
            actor=gm, title=f"浏览器通报事项{n}", owner=owner, lead_department=department, deadline=month_end
        )

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{app_server}/accounts/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button.btn-danger")
    page.wait_for_url(f"{app_server}/")
    page.goto(f"{app_server}/supervision/reports/bulletin/")
    page.wait_for_selector('#bulletin-chart[data-chart-ready="1"] canvas')
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "supervision-bulletin.png"), full_page=True)
    assert page.locator("#bulletin-departments tbody tr[data-department]").count() == len(departments)
    assert page.locator("#total-due").inner_text() == str(len(departments))
    with page.expect_download() as download:
        page.click("#bulletin-docx")
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as handle:
        assert handle.read(2) == b"PK"
    page.click("#total-due")
    page.wait_for_url("**/supervision/?month=*")
    assert page.locator("#ledger tbody tr").count() == len(departments)
    assert not [p for p in problems if "Content Security Policy" in p or "echarts" in p.lower()], problems
    context.close()
