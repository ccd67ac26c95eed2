"""The suggestion box in headless Chromium: an employee drops an anonymous suggestion and copies the code shown
once; the office assigns it and answers publicly; the employee enters the code and reads the answer."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.suggestions.models import Suggestion
from tests.browser import SHOTS
from tests.suggestions.conftest import build_world

pytestmark = pytest.mark.browser


def test_an_anonymous_suggestion_is_answered_and_followed_by_its_code(app_server: str, signed_in: Any) -> None:
    world = build_world()

    employee = signed_in("accountant")
    employee.goto(f"{app_server}/suggestions/")
    employee.click("#suggestion-new")
    employee.wait_for_selector("#suggestion-form")
    employee.fill("#id_title", "增开夜班通勤车")
    employee.fill("#id_body", "夜班下班后没有公交，建议增开一班通勤车。")
    employee.select_option("#id_category", "welfare")
    employee.check("#id_anonymous")
    employee.click("#suggestion-form button[type=submit]")
    employee.wait_for_selector("#follow-code")
    code = employee.inner_text("#follow-code").strip()
    SHOTS.mkdir(parents=True, exist_ok=True)
    employee.screenshot(path=str(SHOTS / "suggestion-code.png"), full_page=True)
    made = Suggestion.objects.get(title="增开夜班通勤车")
    assert made.author_id is None
    assert made.anonymous

    clerk = signed_in("clerk")
    clerk.goto(f"{app_server}/suggestions/manage/")
    clerk.click("text=增开夜班通勤车")
    clerk.wait_for_selector("#assign-form")
    clerk.select_option("#assign-form select", str(world["office"].pk))
    clerk.click("#assign-form button[type=submit]")
    clerk.wait_for_selector("#reply-form")
    clerk.fill("#reply-form textarea", "已与车队商定，下月起增开22:30一班。")
    clerk.click("#reply-form button[type=submit]")
    clerk.wait_for_selector("text=答复已保存")

    employee.goto(f"{app_server}/suggestions/follow/")
    employee.fill("#id_code", "AAAA-BBBB-CCCC-DDDD")
    employee.click("#follow-form button[type=submit]")
    employee.wait_for_selector("#follow-error")
    assert "查询码不正确" in employee.inner_text("#follow-error")
    employee.fill("#id_code", code)
    employee.click("#follow-form button[type=submit]")
    employee.wait_for_selector("#followed")
    assert "已与车队商定" in employee.inner_text("#suggestion-reply")
    employee.screenshot(path=str(SHOTS / "suggestion-followed.png"), full_page=True)
