"""The process administrator, in Chromium: adds a condition branch to 费用报销 and publishes a new version;
gives a matter a detail table (明细表); sets a green channel's passed-over steps and 职责分离 on a node."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from sanfu.approvals.models import MatterType
from sanfu.demo.org import DEMO_PASSWORD, PROCESS_ADMIN
from sanfu.workflow.selectors import latest_definition
from tests.signin import sign_in_with_second_factor

pytestmark = pytest.mark.browser

SHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("SANFU_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "sanfu-screenshots"
)


@pytest.fixture(autouse=True)
def own_connection(app_server: str, browser: Any) -> Iterator[None]:
    """While Playwright's loop runs, the test's ORM calls use a connection of their own context, which an
    earlier test's server teardown ended (PostgreSQL): start afresh, and end it before the server goes."""
    connection.close()
    yield
    connection.close()


def sign_in(page: Any, base: str) -> None:
    """The demo's 流程管理员, with his password and the second factor."""
    sign_in_with_second_factor(page, base, PROCESS_ADMIN, DEMO_PASSWORD)


def test_the_process_admin_adds_a_branch_and_publishes(app_server, demo, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    before = latest_definition("expense").version
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, app_server)
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
    sign_in(mobile, app_server)
    mobile.goto(f"{app_server}/approvals/designer/expense/")
    mobile.wait_for_selector("#designer-canvas .flow-node[data-node=route]")
    mobile.screenshot(path=str(SHOTS / "designer-phone.png"), full_page=True)
    page.goto(f"{app_server}/approvals/designer/expense/compare/?a={before}&b={before + 1}")
    assert page.locator(".compare-added").count() >= 1
    page.screenshot(path=str(SHOTS / "designer-compare.png"), full_page=True)
    context.close()
    phone.close()


def test_the_process_admin_gives_a_matter_a_detail_table(app_server, demo, browser):
    """A 明细表 with two columns: added, checked, reordered and saved in the form panel; still there after a
    reload; the start page and the request show its columns."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, app_server)
    page.goto(f"{app_server}/approvals/designer/suggestion/")
    page.click("#tab-form")
    page.select_option("#new-field-type", "table")
    page.click("#btn-add-field")
    table = page.locator("#form-fields .form-field-row").nth(2)
    page.fill("#name-2", "lines")
    page.fill("#label-2", "费用明细")
    columns = table.locator(".column-row")
    assert columns.count() == 1  # a new table starts with one column
    columns.nth(0).locator(".column-toggle").click()
    page.fill("#name-2-0", "item")
    page.fill("#label-2-0", "项目")
    table.locator(".new-column-type").select_option("money")
    table.locator(".btn-add-column").click()
    assert columns.count() == 2
    page.fill("#name-2-1", "1money")  # not a name: the schema says so, on the column
    page.fill("#label-2-1", "金额")
    page.check("#sum-2-1")
    page.click("#btn-save-form")
    page.wait_for_selector("#form-problems li")
    assert "1money" in page.locator("#form-problems").inner_text()
    assert "has-problem" in (columns.nth(1).get_attribute("class") or "")
    assert page.locator("#name-2-1").is_visible()  # the column with the problem is open
    page.fill("#name-2-1", "money")
    # retyped to text, the column leaves the table's sums; back to money, it may be summed again
    page.select_option("#type-2-1", "text")
    columns.nth(1).locator(".badge", has_text="Σ").wait_for(state="hidden")  # Alpine redraws on its next tick
    assert not page.locator("#sum-2-1").is_visible()
    page.select_option("#type-2-1", "money")
    page.check("#sum-2-1")
    # a third column, retyped to a choice and then deleted
    table.locator(".new-column-type").select_option("date")
    table.locator(".btn-add-column").click()
    page.select_option("#type-2-2", "select")
    columns.nth(2).locator(".field-options").wait_for(state="visible")
    columns.nth(2).locator(".column-remove").click()
    columns.nth(2).wait_for(state="detached")
    assert columns.count() == 2
    columns.nth(1).get_by_role("button", name="上移").click()  # the amount first
    page.click("#btn-save-form")
    page.wait_for_selector("#form-saved", state="visible")
    assert not page.locator("#form-problems").is_visible()
    saved = MatterType.objects.get(code="suggestion").form_schema["fields"][2]
    assert [(c["name"], c["type"]) for c in saved["columns"]] == [("money", "money"), ("item", "text")]
    assert saved["sum"] == ["money"]

    page.reload()
    page.click("#tab-form")
    table = page.locator("#form-fields .form-field-row").nth(2)
    table.locator(".field-toggle").click()
    assert table.locator(".column-title").all_inner_texts() == ["金额", "项目"]
    assert table.locator(".column-row").nth(0).locator(".badge", has_text="Σ").is_visible()  # summed
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "designer-table.png"), full_page=True)

    page.goto(f"{app_server}/approvals/matters/suggestion/start/")
    lines = page.locator("[data-field=lines]")
    assert [t.strip() for t in lines.locator("thead th").all_inner_texts()][:2] == ["金额", "项目"]
    page.fill("#id_title", "复印纸采购建议")
    page.fill("#id_topic", "复印纸")
    page.fill("#id_content", "建议统一采购复印纸")
    lines.get_by_role("button", name="添加一行").click()
    page.fill("[name=lines-0-money]", "120")
    page.fill("[name=lines-0-item]", "复印纸")
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_url(re.compile(r".*/approvals/instances/\d+/$"))
    shown = page.locator("table", has=page.locator("th", has_text="项目"))
    assert "金额" in shown.locator("thead").inner_text()
    assert "复印纸" in shown.locator("tbody").inner_text()
    context.close()


def test_the_green_channel_and_the_initiators_exclusion_in_the_node_panel(app_server, demo, browser):
    """费用报销's 特急 filing shows the reviews it passes over; 审核 is set to exclude the initiator; a review
    removed from the flow leaves the filing's list; the published version carries both."""
    before = latest_definition("expense").version
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, app_server)
    page.goto(f"{app_server}/approvals/designer/expense/")
    page.click("#designer-canvas .flow-node[data-node=green_filing] .flow-body")
    chosen = "el => [...el.selectedOptions].map(o => o.value)"
    assert page.eval_on_selector("#node-passes-over", chosen) == ["big_review", "big_0"]
    assert page.input_value("#rule-type") == "none"  # files only to the people of the reviews it passes over
    assert "略过" in page.locator("#designer-canvas .flow-node[data-node=green_filing]").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "designer-green-channel.png"), full_page=True)

    page.click("#designer-canvas .flow-node[data-node=review] .flow-body")
    page.check("#node-exclude-initiator")
    assert "发起人不办理" in page.locator("#designer-canvas .flow-node[data-node=review]").inner_text()
    page.screenshot(path=str(SHOTS / "designer-exclude-initiator.png"), full_page=True)

    page.click("#designer-canvas .flow-node[data-node=big_0] .flow-body")
    page.click("#designer-canvas .flow-node[data-node=big_0] [data-action=remove]")
    assert page.locator("#designer-canvas .flow-node[data-node=big_0]").count() == 0
    page.click("#designer-canvas .flow-node[data-node=green_filing] .flow-body")
    assert page.eval_on_selector("#node-passes-over", chosen) == ["big_review"]

    page.click("#btn-validate")
    page.wait_for_selector("#designer-message.alert-success")
    page.click("#btn-publish")
    page.wait_for_selector("#published-alert")
    spec = latest_definition("expense").spec
    assert latest_definition("expense").version == before + 1
    nodes = {n["id"]: n for n in spec["nodes"]}
    assert nodes["review"]["exclude_initiator"] is True
    assert nodes["green_filing"]["passes_over"] == ["big_review"]
    assert "recipients" not in nodes["green_filing"]
    context.close()
