"""The main loop in headless Chromium: the office publishes a notice to 财务部 from the compose form, an employee
of 财务部 sees it on the workbench and opens it from the list (the read receipt), and the office sees them among
the readers and the department's head among those who have not read, with 提醒未读."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.announcements.models import Announcement, Recipient, Status
from tests.announcements.conftest import build_world
from tests.browser import SHOTS

pytestmark = pytest.mark.browser


def test_publish_read_and_see_who_has_not(app_server: str, signed_in: Any) -> None:
    world = build_world()

    clerk = signed_in("clerk")
    clerk.goto(f"{app_server}/announcements/")
    clerk.click("#announcement-new")
    clerk.wait_for_selector("#announcement-form")
    clerk.select_option("#id_kind", "notice")
    clerk.fill("#id_title", "关于财务报销的通知")
    clerk.fill("#id_body", "本月 28 日起暂停报销受理。")
    clerk.select_option("#id_scope", "departments")
    clerk.select_option("#id_departments", str(world["finance"].pk))
    clerk.click("#publish-announcement")
    clerk.wait_for_selector("#readers")
    made = Announcement.objects.get(title="关于财务报销的通知")
    assert made.status == Status.PUBLISHED

    reader = signed_in("accountant")
    # the workbench (home) lists it among the unread, until it is read
    assert "关于财务报销的通知" in reader.inner_text("#home-announcements")
    SHOTS.mkdir(parents=True, exist_ok=True)
    reader.screenshot(path=str(SHOTS / "workbench.png"), full_page=True)
    reader.goto(f"{app_server}/announcements/")
    reader.click("text=关于财务报销的通知")
    reader.wait_for_selector("#announcement")
    assert "本月 28 日起暂停报销受理" in reader.inner_text("#announcement")
    assert Recipient.objects.get(announcement=made, user=world["accountant"]).read_at is not None

    clerk.goto(f"{app_server}/announcements/{made.pk}/")
    clerk.screenshot(path=str(SHOTS / "announcement-readers.png"), full_page=True)
    assert world["finance_head"].display_name in clerk.inner_text("#unread-list")
    assert world["accountant"].display_name not in clerk.inner_text("#unread-list")
    clerk.click("#tab-read")
    clerk.wait_for_selector("#read-list")
    assert world["accountant"].display_name in clerk.inner_text("#read-list")
    clerk.goto(f"{app_server}/announcements/{made.pk}/")
    clerk.click("#remind-unread")
    clerk.wait_for_selector("text=已提醒 1 位未读人员")


def test_recipients_are_chosen_with_the_person_picker(app_server: str, signed_in: Any) -> None:
    world = build_world()
    accountant = world["accountant"]

    clerk = signed_in("clerk")
    clerk.goto(f"{app_server}/announcements/new/")
    clerk.wait_for_selector("#announcement-form")
    clerk.fill("#id_title", "财务人员培训")
    clerk.fill("#id_body", "周五下午培训。")
    clerk.select_option("#id_scope", "people")
    clerk.fill("#id_people", "accountant")  # the picker's search: name, pinyin, initials or account
    clerk.wait_for_selector(f"#id_people-results [role=option][data-id='{accountant.pk}']")
    clerk.press("#id_people", "Enter")
    assert accountant.display_name in clerk.inner_text("[data-people-picker] [data-chosen]")
    clerk.click("#save-announcement")
    clerk.wait_for_selector("#announcement")
    made = Announcement.objects.get(title="财务人员培训")
    assert list(made.scope_people.values_list("pk", flat=True)) == [accountant.pk]

    # editing the draft shows the chosen person as a chip that can be removed, and another can be added
    clerk.goto(f"{app_server}/announcements/{made.pk}/edit/")
    chip = clerk.wait_for_selector("[data-people-picker] [data-chosen] .people-chip")
    assert accountant.display_name in chip.inner_text()
    clerk.click("[data-people-picker] [data-chosen] .people-chip .btn-close")
    clerk.fill("#id_people", "finance_head")
    clerk.wait_for_selector(f"#id_people-results [role=option][data-id='{world['finance_head'].pk}']")
    clerk.press("#id_people", "Enter")
    clerk.click("#publish-announcement")
    clerk.wait_for_selector("#readers")
    assert list(Recipient.objects.filter(announcement=made).values_list("user_id", flat=True)) == [
        world["finance_head"].pk
    ]
