"""The window's main loop in headless Chromium: the clerk registers a walk-in at the desk, the heads of the two
departments behind the service each handle their part, and the requester sees one result and rates it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from sanfu.servicedesk.models import RequestStatus, ServiceRequest
from tests.browser import SHOTS
from tests.conftest import PASSWORD, build_org
from tests.servicedesk.conftest import setup_window

pytestmark = pytest.mark.browser


def _sign_in(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button.btn-danger")
    page.wait_for_url(f"{base}/")
    return page


def test_a_walk_in_handled_by_two_departments_and_rated(app_server: str, browser: Any) -> None:
    connection.close()
    world = setup_window(build_org())
    proof = world["proof"]

    clerk = _sign_in(browser, app_server, "clerk")
    clerk.goto(f"{app_server}/service/desk/")
    clerk.select_option("#id_channel", "window")
    clerk.select_option("#id_service", str(proof.pk))
    clerk.fill("#id_caller_name", "会计小王")
    clerk.fill("#id_phone", "138 0013 8000")
    clerk.select_option("#id_requester", str(world["accountant"].pk))
    clerk.fill("#id_summary", "开具在职证明，用于办理签证")
    clerk.check(f"#dm-{proof.pk}-m1")
    clerk.click("#desk-form button[type=submit]")
    clerk.wait_for_selector("#desk-queue tr[data-request], #desk-error")
    assert clerk.locator("#desk-error").count() == 0, clerk.inner_text("#desk-error")
    request = ServiceRequest.objects.get()
    assert request.number in clerk.inner_text("#desk-queue")
    SHOTS.mkdir(parents=True, exist_ok=True)
    clerk.screenshot(path=str(SHOTS / "servicedesk-desk.png"), full_page=True)

    for username, reply in (("finance_head", "已核对工资发放记录"), ("office_head", "证明已盖章，请到窗口领取")):
        head = _sign_in(browser, app_server, username)
        head.goto(f"{app_server}/service/requests/{request.pk}/")
        head.fill(".handle-form textarea[name=reply]", reply)
        head.click(".handle-form button[value=handle]")
        head.wait_for_selector("text=已办结本部门事项。")

    requester = _sign_in(browser, app_server, "accountant")
    requester.goto(f"{app_server}/service/requests/{request.pk}/")
    assert "已办结" in requester.inner_text("#request-status")
    assert "证明已盖章" in requester.inner_text("#request-result")
    requester.check("#score-5")
    requester.fill("#rate-form textarea[name=comment]", "一次办好，不用跑第二趟")
    requester.click("#rate-form button[value=rate]")
    requester.wait_for_selector("#request-rating")
    assert "5" in requester.inner_text("#request-rating")
    requester.screenshot(path=str(SHOTS / "servicedesk-request.png"), full_page=True)
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    assert request.rating.score == 5
