"""The Content-Security-Policy as Chromium enforces it (security issue, hole 11): the key pages run without a
single violation, and what used to be inline handlers (print, confirm, auto-submit, export with the current
filters) and the background 已阅 (hole 12) still work."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from sanfu.demo.org import DEMO_PASSWORD, PROCESS_ADMIN
from sanfu.workflow.models import Instance, Task
from sanfu.workflow.services import task_approve
from tests.approvals import test_browser_flows as flows_ui
from tests.approvals import test_inbox
from tests.browser import new_page, sign_in
from tests.signin import sign_in_with_second_factor

pytestmark = pytest.mark.browser

flows = test_inbox.flows  # the shared fixtures
files = flows_ui.files


@pytest.fixture
def browse(app_server: str, browser: Any) -> Iterator[Any]:
    """``browse(**options)`` (those of ``tests.browser.new_page``): a page of a fresh browser context and the
    list of CSP violations and uncaught script errors Chromium reports on any page of that context."""
    connection.close()  # see tests.browser.signed_in: a connection of Playwright's own context
    contexts: list[Any] = []

    def _open(**options: Any) -> tuple[Any, list[str]]:
        page = new_page(browser, **options)
        contexts.append(page.context)
        problems: list[str] = []

        def watch(page: Any) -> None:
            def console(message: Any) -> None:
                if "Content Security Policy" in message.text:
                    problems.append(f"{page.url}: {message.text}")

            page.on("console", console)
            page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))

        watch(page)
        page.context.on("page", watch)  # and any page it opens
        return page, problems

    yield _open
    for context in contexts:
        context.close()
    connection.close()


def test_the_key_pages_raise_no_violation(app_server, demo, browse, files):
    # The login page, then the inbox (我的待办 is the home page) and the 抄送 tab.
    page, problems = browse()
    sign_in(page, app_server, "clerk", DEMO_PASSWORD)
    page.goto(f"{app_server}/approvals/inbox/?tab=cc")
    page.wait_for_selector("#inbox-export")

    # The start page's smart form: Alpine (detail table, 大写 of the amount) and htmx's live check.
    page.goto(f"{app_server}/approvals/matters/expense/start/")
    flows_ui.fill_expense(page, title="CSP 检查", amount="300")
    page.locator("#id_amount").press("Tab")
    page.wait_for_function("document.querySelector('[data-field=amount] .sanfu-capitals').textContent.includes('叁佰')")
    flows_ui.attach(page, files)
    instance_id = flows_ui.submit(page)
    page.goto(f"{app_server}/approvals/matters/expense/notice/")
    page.goto(f"{app_server}/approvals/instances/{instance_id}/print/")

    # The approver's instance page: the person picker (htmx + sanfu/people_picker.js) and the PDF preview.
    approver = Task.objects.get(instance_id=instance_id, status="open").assignee.username
    page, problems_of_approver = browse()
    sign_in(page, app_server, approver, DEMO_PASSWORD)
    page.goto(f"{app_server}/approvals/instances/{instance_id}/")
    page.get_by_role("button", name="加签").click()
    box = page.locator("#add-people")
    box.click()
    box.press_sequentially("王", delay=30)
    page.locator("#add-people-results [role=option]").first.wait_for()
    page.locator("#request-files li", has_text="发票.pdf").get_by_text("预览").click()
    page.wait_for_selector("#request-files iframe")

    # The designer: a big Alpine app.
    designer, seen_in_designer = browse()
    sign_in_with_second_factor(designer, app_server, PROCESS_ADMIN, DEMO_PASSWORD)  # a 流程管理员 passes TOTP
    designer.goto(f"{app_server}/approvals/designer/expense/")
    designer.wait_for_selector("#designer-canvas .flow-node[data-node=route]")
    designer.locator("#designer-canvas .flow-node[data-node=route]").click()
    designer.get_by_role("button", name="表单").first.click()

    assert not problems + problems_of_approver + seen_in_designer, "\n".join(
        problems + problems_of_approver + seen_in_designer
    )

    # The watch does see a violation: an inline handler slipped into the page is refused and reported.
    with designer.expect_console_message(lambda m: "Content Security Policy" in m.text) as refused:
        designer.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=\"data:,\" onerror=\"1\">')")
    assert "script-src" in refused.value.text


def test_converted_handlers_and_the_background_read_receipt_work(app_server, org, flows, browse):
    instance = test_inbox.submit(org["clerk"], flows["leave"], "年假五天")
    url = f"{app_server}/approvals/instances/{instance.pk}/"

    # 撤回 asks first (data-confirm): dismissed, nothing happens; accepted, it is withdrawn.
    page, problems = browse()
    sign_in(page, app_server, "clerk")
    page.goto(url)
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="撤回").click()
    assert Instance.objects.get(pk=instance.pk).status == "running"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="撤回").click()
    page.wait_for_selector(".alert-success")
    assert Instance.objects.get(pk=instance.pk).status == "withdrawn"

    # The print sheet's button prints (data-print).
    page.add_init_script("window.print = () => { document.documentElement.dataset.printed = '1'; };")
    page.goto(f"{url}print/")
    page.get_by_role("button", name="打印").click()
    page.wait_for_selector("html[data-printed='1']")

    # 导出 Excel takes the filters as they are now (data-form-query).
    page.goto(f"{app_server}/approvals/inbox/?tab=started")
    page.fill("#inbox-q", "年假")
    page.wait_for_url(re.compile(r".*[?&]q=.*"))  # htmx filtered the list and pushed the address
    with page.expect_download() as download:
        page.click("#inbox-export")
    exported = download.value.url
    assert re.search(r"[?&]export=xlsx", exported)
    assert "tab=started" in exported
    assert "q=%E5%B9%B4%E5%81%87" in exported  # 年假, typed after the page was drawn

    # The directory's department list submits itself when changed (data-autosubmit), on a phone's width.
    phone, phone_problems = browse(width=400, height=800)
    sign_in(phone, app_server, "clerk")
    phone.goto(f"{app_server}/org/")
    phone.select_option("select[name=dept]", str(org["finance"].pk))
    phone.wait_for_url(re.compile(rf".*[?&]dept={org['finance'].pk}\b.*"))

    # 已阅: the accountant's 抄送 is marked once the page is shown, by the page's own POST.
    second = test_inbox.submit(org["clerk"], flows["leave"], "事假一天")
    for who in ("section_head", "deputy"):
        task_approve(actor=org[who], task_id=Task.objects.get(instance=second, assignee=org[who], status="open").pk)
    notice = Task.objects.get(instance=second, assignee=org["accountant"])
    assert notice.status == "unread"
    reader, reader_problems = browse()
    sign_in(reader, app_server, "accountant")
    reader.goto(f"{app_server}/approvals/instances/{second.pk}/")
    reader.wait_for_selector("#mark-read [data-autopost-done]:not([hidden])")
    assert Task.objects.get(pk=notice.pk).status == "read"

    assert not problems + phone_problems + reader_problems, "\n".join(problems + phone_problems + reader_problems)
