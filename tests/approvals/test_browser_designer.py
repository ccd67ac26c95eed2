"""The process administrator adds a condition branch to 费用报销 and publishes a new version, in Chromium."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from sanfu.demo.org import DEMO_PASSWORD
from sanfu.workflow.selectors import latest_definition

pytestmark = pytest.mark.browser

SHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("SANFU_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "sanfu-screenshots"
)


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button.btn-danger")
    page.wait_for_url(f"{base}/")


def test_the_process_admin_adds_a_branch_and_publishes(app_server, demo, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    before = latest_definition("expense").version
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, app_server, "office_head")
    page.goto(f"{app_server}/approvals/designer/")
    page.click("#designer-list .designer-row[data-code=expense] a.btn-danger")
    page.wait_for_selector("#designer-canvas .flow-node[data-node=route]")
    assert page.locator("#current-version").inner_text().endswith(f"v{before}")
    heads = page.locator("#designer-canvas .flow-branch-head")
    assert heads.count() == 3

    # a new condition branch on 分级, with a condition built from the form's fields
    page.click("#designer-canvas [data-action=addbranch][data-id=route]")
    assert heads.count() == 4
    heads.nth(2).click()
    page.click("#btn-add-clause")
    page.select_option("#branch-editor .clause-row >> nth=0 >> .clause-field", "kind")
    page.select_option("#branch-editor .clause-row >> nth=0 >> .clause-value", "办公费")
    assert 'form.kind == "办公费"' in page.locator("#branch-editor code").inner_text()
    # and an approval node on it
    page.click("#designer-canvas .flow-branch >> nth=2 >> .flow-add button")
    page.click("#designer-canvas .flow-menu [data-kind=approval]")
    page.fill("#node-name", "办公室审核")
    assert page.locator("#designer-canvas .flow-node", has_text="办公室审核").count() == 1

    page.click("#btn-validate")
    page.wait_for_selector("#designer-message.alert-success")

    page.click("#tab-preview")
    page.fill("#sample-amount", "9000")
    page.click("#btn-preview")
    page.wait_for_selector("#preview-path .preview-step[data-node=big_review]")
    page.screenshot(path=str(SHOTS / "designer.png"), full_page=True)

    page.click("#btn-publish")
    page.wait_for_selector("#published-alert")
    assert page.locator("#current-version").inner_text().endswith(f"v{before + 1}")
    assert latest_definition("expense").version == before + 1

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", device_scale_factor=2)
    mobile = phone.new_page()
    sign_in(mobile, app_server, "office_head")
    mobile.goto(f"{app_server}/approvals/designer/expense/")
    mobile.wait_for_selector("#designer-canvas .flow-node[data-node=route]")
    mobile.screenshot(path=str(SHOTS / "designer-phone.png"), full_page=True)
    page.goto(f"{app_server}/approvals/designer/expense/compare/?a={before}&b={before + 1}")
    assert page.locator(".compare-added").count() >= 1
    page.screenshot(path=str(SHOTS / "designer-compare.png"), full_page=True)
    context.close()
    phone.close()
