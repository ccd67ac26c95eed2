"""The start page in a real browser: the path ahead follows the amount and the urgency as they are filled
in, and files chosen before a refused submission are still attached afterwards."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.approvals.models import Request
from tests.approvals.test_browser_flows import INSTANCE_URL, attach, files, fill_expense, session  # noqa: F401

pytestmark = pytest.mark.browser


def _path(page: Any) -> str:
    return page.locator("#start-path").inner_text()


def test_the_path_ahead_updates_live_with_the_amount_and_the_urgency(app_server, demo, session):  # noqa: F811
    page = session("clerk")
    page.goto(f"{app_server}/approvals/matters/expense/start/")
    assert "复核" in _path(page)
    fill_expense(page, title="打印机采购报销", amount="8000")
    page.locator("#id_title").click()  # leave the amount field
    page.wait_for_function("document.querySelector('#start-path').innerText.includes('财务审核')")
    assert "复核" not in _path(page)
    page.select_option("#id_urgency", "特急")
    page.wait_for_function("document.querySelector('#start-path').innerText.includes('绿色通道')")
    assert "财务审核" not in _path(page)


def test_files_chosen_before_a_refused_submission_stay_attached(app_server, demo, session, files):  # noqa: F811
    page = session("clerk")
    page.goto(f"{app_server}/approvals/matters/expense/start/")
    fill_expense(page, title="办公用纸报销", amount="300")
    page.fill("#id_title", "")  # forgotten: the submission is refused
    attach(page, files)
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_selector("#submission-problems")
    assert "发票.pdf" in page.locator("[data-material=invoice]").inner_text()
    assert "费用清单.pdf" in page.locator("[data-material=list]").inner_text()
    page.fill("#id_title", "办公用纸报销")
    page.get_by_role("button", name="提交", exact=True).click()  # no file picked again
    page.wait_for_url(INSTANCE_URL)
    request = Request.objects.get()
    assert sorted(request.attachments.values_list("name", flat=True)) == ["发票.pdf", "费用清单.pdf"]
