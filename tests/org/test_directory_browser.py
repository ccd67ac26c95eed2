"""通讯录 in a real browser: an employee types a colleague's pinyin initials in the directory's search, the list
narrows as they type (HTMX), and clicking the name opens the colleague's card on the same page."""

from __future__ import annotations

import pytest
from django.db import connection

from sanfu.org.models import Post, PostRole, Staff
from tests.browser import SHOTS
from tests.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.browser
TIMEOUT_MS = 15_000


def test_an_employee_finds_a_colleague_by_initials_and_opens_the_card(org, app_server, browser):
    zhang = make_staff(org["finance"], username="p01", full_name="张三")
    Staff.objects.filter(user=zhang).update(office="2楼 205", office_phone="0571-8765 4321", mobile="13800000001")
    Post.objects.create(
        staff=Staff.objects.get(user=zhang), department=org["office"], role=PostRole.MEMBER, is_primary=False
    )
    make_staff(org["finance"], username="p02", full_name="李四")
    connection.close()  # a connection of Playwright's own context would outlive the test (see tests/browser.py)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"{app_server}/accounts/login/")
        page.fill("#id_username", org["accountant"].username)
        page.fill("#id_password", PASSWORD)
        page.click("button.btn-danger")
        page.wait_for_url(f"{app_server}/")
        page.goto(f"{app_server}/org/")
        assert page.locator("#staff-list").get_by_text("李四").count() == 1
        box = page.locator("input[name=q]")
        box.click()
        box.press_sequentially("zs", delay=50)
        page.locator("#staff-list").get_by_text("李四").wait_for(state="detached")
        link = page.locator("#staff-list [data-person-link]")
        assert link.count() == 1
        assert "q=zs" in page.url  # the search is in the address, to share or reload
        link.click()
        card = page.locator("#person-card [data-person-card]")
        card.wait_for()
        text = card.inner_text()
        for expected in ("张三", "财务部", "兼职", "办公室", "2楼 205", "0571-8765 4321", "—（不公开）"):
            assert expected in text, expected
        assert "13800000001" not in text  # the accountant holds no role that shows it
        assert page.url.endswith("q=zs")  # the card opened in place
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "directory.png"), full_page=True)
        card.locator("[data-close]").click()  # closed in place: the list stays, searched as it was
        card.wait_for(state="detached")
        assert page.locator("#staff-list [data-person-link]").count() == 1
    finally:
        context.close()
        connection.close()
