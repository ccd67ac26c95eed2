"""The approver finds the request's materials on the instance page and previews them, in headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.workflow.models import Task
from tests.approvals import test_browser_flows as flows_ui

pytestmark = pytest.mark.browser

session = flows_ui.session  # the shared fixtures
files = flows_ui.files


def test_the_approver_sees_the_materials_and_previews_the_invoice(app_server, demo, session, files):
    clerk = session("clerk")
    instance_id = flows_ui.start_expense(clerk, app_server, files, title="材料预览", amount="300")
    approver = Task.objects.get(instance_id=instance_id, status="open").assignee.username
    page: Any = session(approver)
    page.goto(f"{app_server}/approvals/instances/{instance_id}/")
    listing = page.locator("#request-files")
    listing.wait_for()
    assert "发票.pdf" in listing.inner_text()
    assert "费用清单.pdf" in listing.inner_text()
    item = listing.locator("li", has_text="发票.pdf")
    with page.expect_response(lambda r: "inline=1" in r.url) as shown:
        item.get_by_text("预览").click()
    response = shown.value
    assert response.status == 200
    assert response.headers["content-disposition"].startswith("inline")
    assert item.locator("iframe").is_visible()
