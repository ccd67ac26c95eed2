"""The person picker in a real browser: a department head transfers a to-do by typing the pinyin initials
of a colleague's name, choosing with the keyboard; 加签 picks two people the same way."""

from __future__ import annotations

import pytest

from sanfu.workflow.models import Task
from tests.approvals import test_inbox
from tests.browser import SHOTS
from tests.conftest import make_staff

pytestmark = pytest.mark.browser
flows = test_inbox.flows


def test_transfer_by_typing_pinyin_initials(org, flows, admins, signed_in, app_server):
    zhang = make_staff(org["finance"], username="p01", full_name="张三")
    make_staff(org["finance"], username="p02", full_name="张思远")  # also "zs…": the keyboard chooses
    instance = test_inbox.submit(org["clerk"], flows["leave"], "年假五天")
    page = signed_in(org["section_head"].username)
    page.goto(f"{app_server}/approvals/instances/{instance.pk}/")
    page.get_by_role("button", name="转交").click()
    box = page.locator("#transfer-to")
    box.click()
    box.press_sequentially("zs", delay=50)
    options = page.locator("#transfer-to-results [role=option]")
    options.first.wait_for()
    assert options.count() == 2
    assert "财务部" in options.first.inner_text()
    texts = " ".join(options.all_inner_texts())
    assert "sysadmin" not in texts
    # The exact initials come first (张三), then 张思远; go down and back up, then take it with Enter.
    box.press("ArrowDown")
    box.press("ArrowUp")
    assert page.locator("#transfer-to-results .active").inner_text().startswith("张三")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#act-transfer").screenshot(path=str(SHOTS / "person-picker.png"))
    box.press("Enter")
    chip = page.locator("#act-transfer .people-chip")
    chip.wait_for()
    assert chip.inner_text().startswith("张三")
    assert page.locator('#act-transfer input[type=hidden][name="to"]').get_attribute("value") == str(zhang.pk)
    page.locator("#act-transfer [name=comment]").fill("请张三审核")
    page.get_by_role("button", name="确认转交").click()
    page.wait_for_selector(".alert-success")
    assert "已转交" in page.locator(".alert-success").inner_text()
    assert Task.objects.get(instance=instance, assignee=zhang).status == "open"
    assert Task.objects.get(instance=instance, assignee=org["section_head"]).status == "transferred"


def test_add_two_signers_and_an_empty_choice_is_stopped_in_the_page(org, flows, signed_in, app_server):
    make_staff(org["finance"], username="p01", full_name="张三")
    make_staff(org["office"], username="p02", full_name="李四")
    instance = test_inbox.submit(org["clerk"], flows["leave"], "年假五天")
    page = signed_in(org["section_head"].username)
    page.goto(f"{app_server}/approvals/instances/{instance.pk}/")
    page.get_by_role("button", name="加签").click()
    page.locator("#act-add.show").wait_for()  # the panel has opened (Bootstrap's collapse ends with .show)
    page.get_by_role("button", name="确认加签").click()  # nobody chosen: the browser says so, nothing is posted
    page.wait_for_function("document.querySelector('#add-people').validationMessage === '请选择加签人。'")
    assert page.url.endswith(f"/approvals/instances/{instance.pk}/")
    box = page.locator("#add-people")
    for initials, name in (("zs", "张三"), ("ls", "李四")):
        box.press_sequentially(initials, delay=50)
        page.locator("#add-people-results [role=option]", has_text=name).wait_for()
        box.press("Enter")
        page.locator("#act-add .people-chip", has_text=name).wait_for()
    assert page.locator('#act-add input[type=hidden][name="people"]').count() == 2
    page.get_by_role("button", name="确认加签").click()
    page.wait_for_selector(".alert-success")
    open_people = set(
        Task.objects.filter(instance=instance, status="open").values_list("assignee__full_name", flat=True)
    )
    assert "张三" in open_people
