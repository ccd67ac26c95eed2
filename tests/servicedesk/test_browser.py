"""The window's main loop in headless Chromium: the clerk registers a walk-in at the desk, the heads of the two
departments behind the service each handle their part, and the requester sees one result and rates it."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.servicedesk.models import RequestStatus, ServiceRequest
from tests.browser import SHOTS
from tests.conftest import build_org
from tests.servicedesk.conftest import setup_window

pytestmark = pytest.mark.browser


def test_a_walk_in_handled_by_two_departments_and_rated(app_server: str, signed_in: Any) -> None:
    world = setup_window(build_org())
    proof = world["proof"]

    clerk = signed_in("clerk")
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
        head = signed_in(username)
        head.goto(f"{app_server}/service/requests/{request.pk}/")
        head.fill(".handle-form textarea[name=reply]", reply)
        head.click(".handle-form button[value=handle]")
        head.wait_for_selector("text=已办结本部门事项。")

    requester = signed_in("accountant")
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
