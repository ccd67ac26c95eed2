"""The window's main loop in headless Chromium: the clerk registers a walk-in at the desk, the heads of the two
departments behind the service each handle their part from 我的待办, and the requester sees one result and rates it
badly; a head answers the review from 我的待办; the requester complains from the request's page, the window answers
from its 我的待办 and the complainant reads the reply."""

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
    clerk.locator("#id_requester").press_sequentially("accountant", delay=20)  # the person picker
    clerk.locator("#id_requester-results [role=option]").first.click()
    clerk.locator("#desk-form .people-chip").wait_for()
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
        head.goto(f"{app_server}/approvals/inbox/")  # 我的待办
        head.click("text=工作证明开具：开具在职证明，用于办理签证")
        head.wait_for_url(f"**/service/requests/{request.pk}/")
        head.fill(".handle-form textarea[name=reply]", reply)
        head.click(".handle-form button[value=handle]")
        head.wait_for_selector("text=已办结本部门事项。")

    requester = signed_in("accountant")
    requester.goto(f"{app_server}/service/requests/{request.pk}/")
    assert "已办结" in requester.inner_text("#request-status")
    assert "证明已盖章" in requester.inner_text("#request-result")
    requester.check("#score-2")
    requester.fill("#rate-form textarea[name=comment]", "证明办好了没人通知，又跑了一趟")
    requester.click("#rate-form button[value=rate]")
    requester.wait_for_selector("#review-pending")
    assert "2 分" in requester.inner_text("#request-rating")
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    assert request.rating.score == 2

    # The bad rating is a review task in a head's 我的待办; the answer shows on the request.
    head.goto(f"{app_server}/approvals/inbox/")  # the loop's last head: 办公室's
    head.click(f"text=差评核查：{request.number}")
    head.wait_for_selector("#review-form")
    head.fill("#review-form textarea[name=answer]", "已安排窗口办好即电话通知领取")
    head.click("#review-form button[value=review]")
    head.wait_for_selector("#review-answer")
    requester.reload()
    assert "已安排窗口办好即电话通知领取" in requester.inner_text("#review-answer")
    requester.screenshot(path=str(SHOTS / "servicedesk-request.png"), full_page=True)

    # A complaint about the request: the window answers it from its 我的待办, the complainant reads the reply.
    requester.click("#request-complain")
    requester.wait_for_selector("#complain-about")
    assert request.number in requester.inner_text("#complain-about")
    requester.fill("#complain-content", "办结后窗口没有通知领取，白跑一趟")
    requester.click("#complain-form button[value=complain]")
    requester.wait_for_selector("#complaint-status")
    clerk.goto(f"{app_server}/approvals/inbox/")
    clerk.click("text=服务投诉：工作证明开具")
    clerk.wait_for_selector("#answer-form")
    assert request.number in clerk.inner_text("main")
    clerk.fill("#id_investigation", "证明盖章后未电话通知申请人")
    clerk.fill("#id_reply", "已致歉，今后证明办好即电话通知领取")
    clerk.click("#answer-form button[type=submit]")
    clerk.wait_for_selector("#complaint-reply")
    requester.reload()
    assert "已答复" in requester.inner_text("#complaint-status")
    assert "今后证明办好即电话通知领取" in requester.inner_text("#complaint-reply")
