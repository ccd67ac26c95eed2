"""A department head signs in, finds a to-do in the inbox and approves it, in headless Chromium."""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from sanfu.approvals.models import Draft
from sanfu.workflow.models import Task
from tests.approvals import test_inbox

pytestmark = pytest.mark.browser

# Screenshots go to docs/screenshots only when asked (`make screenshots`), so a test run leaves the tree clean.
SHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("SANFU_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "sanfu-screenshots"
)
SHOTS.mkdir(parents=True, exist_ok=True)
flows = test_inbox.flows  # the shared fixture
submit = test_inbox.submit


def test_a_head_approves_a_todo_from_the_inbox(app_server, org, flows, signed_in):
    seal = submit(org["clerk"], flows["seal"], "劳动合同用印", urgency="特急")
    late = submit(org["clerk"], flows["leave"], "年假五天（3月10日至14日）", urgency="加急")
    submit(org["clerk"], flows["leave"], "事假一天")
    submit(org["clerk"], None, "差旅费报销 1,280 元", key="seal")
    Task.objects.filter(instance=late).update(due_at=timezone.now() - timedelta(hours=5))
    Task.objects.filter(instance=seal).update(due_at=timezone.now() + timedelta(days=2))
    Draft.objects.create(matter=flows["leave"], owner=org["section_head"], title="病假申请")
    SHOTS.mkdir(parents=True, exist_ok=True)

    page = signed_in("section_head", height=800)
    assert page.locator("#nav-todo-count").inner_text() == "4"
    assert page.locator(".inbox-row").count() == 4
    # styled: Bootstrap is loaded (the navbar is not a plain list)
    assert page.evaluate("getComputedStyle(document.querySelector('.navbar')).display") == "flex"
    assert page.locator(".inbox-row.is-late .badge-late").count() == 1
    page.screenshot(path=str(SHOTS / "inbox.png"), full_page=True)

    # filter through HTMX: only the list is swapped
    page.fill("#inbox-q", "用印")
    page.wait_for_function("document.querySelectorAll('.inbox-row').length === 1")
    page.click("text=劳动合同用印")
    page.wait_for_url(f"{app_server}/approvals/instances/{seal.pk}/")
    page.fill("#opinion", "同意用印，请按规定登记。")
    page.click("#btn-approve")
    page.wait_for_selector(".alert-success")
    assert page.locator("#instance-status").inner_text() == "已办结"
    assert "同意用印，请按规定登记。" in page.locator("#timeline").inner_text()
    page.screenshot(path=str(SHOTS / "instance.png"), full_page=True)

    mobile = signed_in("section_head", width=390, height=844, device_scale_factor=2)
    assert mobile.locator(".inbox-row").count() == 3
    mobile.screenshot(path=str(SHOTS / "inbox-phone.png"), full_page=True)
    mobile.goto(f"{app_server}/approvals/instances/{late.pk}/")
    mobile.screenshot(path=str(SHOTS / "instance-phone.png"), full_page=True)
