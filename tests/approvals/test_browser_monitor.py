"""The process administrator finds a stuck request in 流程监控 and reassigns its to-do, in headless Chromium
(an action without a reason is kept back by the browser)."""

from __future__ import annotations

import pytest

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.workflow.models import InstanceEvent, Task, TaskStatus
from tests.approvals import test_inbox
from tests.browser import SHOTS
from tests.conftest import PASSWORD, grant
from tests.signin import sign_in_with_second_factor

pytestmark = pytest.mark.browser
flows = test_inbox.flows  # the shared fixture
submit = test_inbox.submit


def test_the_administrator_reassigns_a_stuck_todo_from_the_monitor(app_server, org, flows, browser):
    ensure_admin_roles()
    grant(org["office_head"], Role.objects.get(code="process-admin"))
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    holder = org["section_head"]
    holder.is_active = False  # left the company: nobody will ever act on the to-do
    holder.save(update_fields=["is_active"])

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in_with_second_factor(page, app_server, "office_head", PASSWORD)  # a process administrator: TOTP
    page.goto(f"{app_server}/approvals/monitor/")
    row = page.locator("#monitor-list tbody tr", has_text="年假五天")
    assert "无人办理" in row.inner_text()
    row.get_by_role("link", name="干预").click()
    page.wait_for_url(f"{app_server}/approvals/monitor/{instance.pk}/")
    assert "已停用" in page.locator("#intervention-tasks").inner_text()
    page.click("#btn-skip")  # no reason typed: the browser keeps the form (the field is required)
    assert page.evaluate("document.querySelector('#skip-reason').validity.valueMissing")

    box = page.locator("#reassign-to")  # the person picker: typed, then chosen with the keyboard
    box.press_sequentially("finance_head", delay=30)
    page.locator("#reassign-to-results [role=option]", has_text=org["finance_head"].display_name).wait_for()
    box.press("Enter")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "monitor-intervene.png"), full_page=True)
    page.fill("#reassign-reason", "原审批人已离职，由财务科长代为审批")
    page.click("#btn-reassign")
    page.wait_for_url(f"{app_server}/approvals/monitor/{instance.pk}/")
    assert "改派给 finance_head" in page.locator(".alert-success").inner_text()
    assert "finance_head" in page.locator("#intervention-tasks").inner_text()
    assert "原审批人已离职，由财务科长代为审批" in page.locator("#timeline").inner_text()
    context.close()

    task = Task.objects.get(instance=instance, status=TaskStatus.OPEN)
    assert task.assignee == org["finance_head"]
    event = InstanceEvent.objects.get(instance=instance, type="admin_reassigned")
    assert event.actor == org["office_head"]
    assert not InstanceEvent.objects.filter(instance=instance, type="admin_skipped").exists()
