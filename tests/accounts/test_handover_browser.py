"""The system administrator hands a leaver's work over in headless Chromium: from 账户管理 to 离职交接, finds
the person by 工号, sees what names him group by group, names the successor, gives the reason, disables the
account in the same action, and sees the groups emptied."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanfu.accounts.models import User
from sanfu.org.models import Staff
from sanfu.workflow.models import Task, TaskStatus
from tests.accounts.test_handover import build_scene
from tests.browser import SHOTS
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _sign_in_with_second_factor(browser: Any, base: str, user: User) -> Any:
    device = TOTPDevice.objects.create(user=user, name="手机", confirmed=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button.btn-danger")
    page.wait_for_url(re.compile(r".*/accounts/otp/verify/.*"))
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    page.fill("#id_token", f"{code:0{device.digits}d}")
    page.click("button.btn-danger")
    page.wait_for_url(f"{base}/")
    return page


def test_the_system_administrator_hands_a_leavers_work_over(
    app_server: str, browser: Any, org: dict[str, Any], admins: dict[str, User]
) -> None:
    connection.close()
    scene = build_scene(org, admins)
    leaver, successor = scene["leaver"], scene["successor"]
    number = Staff.objects.get(user=leaver).employee_no
    SHOTS.mkdir(exist_ok=True)

    page = _sign_in_with_second_factor(browser, app_server, admins["sysadmin"])
    page.goto(f"{app_server}/accounts/manage/")
    page.click("h1 >> text=离职交接")
    page.fill("input[name=q]", number)
    page.click("text=查找")
    page.click("#handover-found >> text=查看名下事项")
    page.wait_for_selector("#handover-summary")
    assert page.inner_text("[data-group=tasks] [data-count]") == "2"
    assert page.inner_text("[data-group=delegations_received] [data-count]") == "1"
    assert "关于节日值班安排的通知" in page.inner_text("[data-group=outgoing]")
    assert "仅列出" in page.inner_text("[data-group=approval_drafts]")
    page.screenshot(path=str(SHOTS / "handover.png"), full_page=True)

    page.fill("#id_successor", successor.username)
    page.fill("#id_reason", "调任财务部，工作由办公室主任接替")
    page.check("#id_deactivate")
    page.click("#handover-form button")
    page.wait_for_selector(".alert-success")
    assert "交接给" in page.inner_text(".alert-success")
    assert "账户已停用" in page.inner_text(".alert-success")
    assert page.inner_text("[data-group=tasks] [data-count]") == "0"
    assert page.inner_text("[data-group=secretaries] [data-count]") == "0"
    page.screenshot(path=str(SHOTS / "handover-done.png"), full_page=True)

    assert not User.objects.get(pk=leaver.pk).is_active
    held = Task.objects.filter(assignee=successor, status=TaskStatus.OPEN, node="head").count()
    assert held == 2
