"""End-to-end flows of the 审批中心 through the real UI in headless Chromium: submitting a matter with
missing materials, a countersign (会签), the green channel for 特急, and a return with resubmission that
jumps back to the node that returned it."""

from __future__ import annotations

import functools
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

from sanfu.approvals.models import MatterType, Request
from sanfu.demo.org import DEMO_PASSWORD
from sanfu.org.selectors import head_of, leader_in_charge, primary_department
from sanfu.workflow.models import Instance, Task
from sanfu.workflow.services import definition_publish
from tests.approvals.conftest import PDF

pytestmark = pytest.mark.browser

# Screenshots go to docs/screenshots only when asked (`make screenshots`), so a test run leaves the tree clean.
SHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("SANFU_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "sanfu-screenshots"
)
INSTANCE_URL = re.compile(r".*/approvals/instances/(\d+)/$")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Small files to attach: a PDF invoice and a PDF expense list."""
    invoice = tmp_path / "发票.pdf"
    invoice.write_bytes(PDF)
    listing = tmp_path / "费用清单.pdf"
    listing.write_bytes(PDF)
    return {"invoice": invoice, "list": listing}


@pytest.fixture
def session(signed_in: Any) -> Any:
    """``session(username)``: a page of a fresh browser context (its own cookies), signed in as ``username`` of the
    demo organisation."""
    return functools.partial(signed_in, password=DEMO_PASSWORD)


def fill_expense(page: Any, *, title: str, amount: str, urgency: str = "平急") -> None:
    """Fill the 费用报销 form (one line of detail whose sum is the amount)."""
    page.fill("#id_title", title)
    page.select_option("#id_urgency", urgency)
    page.select_option("#id_kind", "办公费")
    page.locator("[data-field=items]").get_by_role("button", name="添加一行").click()  # the table opens empty
    page.fill("[name=items-0-item]", "打印纸")
    page.fill("[name=items-0-date]", "2026-11-20")
    page.fill("[name=items-0-money]", amount)
    page.fill("#id_amount", amount)
    page.fill("#id_reason", "部门办公用纸")


def attach(page: Any, files: dict[str, Path]) -> None:
    page.set_input_files("#material-invoice", str(files["invoice"]))
    page.set_input_files("#material-list", str(files["list"]))


def submit(page: Any) -> int:
    """Press 提交 and wait for the instance page; returns the instance id."""
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_url(INSTANCE_URL)
    page.wait_for_selector(".alert-success")
    match = INSTANCE_URL.match(page.url)
    assert match is not None
    return int(match.group(1))


def start_expense(
    page: Any, base: str, files: dict[str, Path], *, title: str, amount: str, urgency: str = "平急"
) -> int:
    page.goto(f"{base}/approvals/matters/expense/start/")
    fill_expense(page, title=title, amount=amount, urgency=urgency)
    attach(page, files)
    return submit(page)


def open_from_inbox(page: Any, base: str, title: str, instance_id: int) -> None:
    """From the inbox (我的待办), open the to-do titled ``title``."""
    page.goto(f"{base}/")
    page.locator(".inbox-row", has_text=title).get_by_role("link", name=title).click()
    page.wait_for_url(f"{base}/approvals/instances/{instance_id}/")


def approve(page: Any, opinion: str = "") -> None:
    if opinion:
        page.fill("#opinion", opinion)
    page.click("#btn-approve")
    page.wait_for_selector(".alert-success")


def status(page: Any) -> str:
    return page.locator("#instance-status").inner_text().strip()


def open_todos(instance_id: int) -> list[tuple[str, str]]:
    """The open to-dos of an instance as (assignee username, node id)."""
    return sorted(
        Task.objects.filter(instance_id=instance_id, status="open", kind__in=["approval", "handle"]).values_list(
            "assignee__username", "node"
        )
    )


def test_missing_materials_are_listed_together_then_the_request_is_submitted(app_server, demo, session, files):
    page = session("clerk")
    page.goto(f"{app_server}/approvals/catalogue/")
    page.locator(".matter-card", has_text="费用报销").get_by_role("link", name="发起").click()
    page.wait_for_url(f"{app_server}/approvals/matters/expense/start/")
    fill_expense(page, title="十一月办公用纸报销", amount="300")
    page.get_by_role("button", name="提交", exact=True).click()

    box = page.wait_for_selector("#submission-problems")
    text = box.inner_text()
    assert "发票" in text
    assert "费用清单" in text
    assert page.locator("#submission-problems li").count() == 2  # one message, both materials at once
    assert "事前审批单" not in text  # optional material: not asked for
    # the form keeps what was typed; each material input is marked
    assert page.input_value("#id_title") == "十一月办公用纸报销"
    assert page.input_value("[name=items-0-money]") == "300"
    assert page.locator("#material-invoice.is-invalid").count() == 1
    assert page.locator("#material-list.is-invalid").count() == 1
    assert not Request.objects.exists()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "submit-problems.png"), full_page=True)

    attach(page, files)
    instance_id = submit(page)
    assert status(page) == "办理中"
    number = Request.objects.get(instance_id=instance_id).number
    assert number.startswith("BX-")
    assert number in page.locator(".page-title + .small").inner_text()
    assert page.locator("#submission-problems").count() == 0


def test_a_countersign_completes_only_after_both_approve(app_server, demo, session):
    people = demo["people"]
    signers = [people["finance_head"], people["hr"]]
    definition_publish(
        actor=None,
        spec={
            "key": "joint-review",
            "name": "联合审查",
            "fields": [{"name": "reason"}],
            "nodes": [
                {"id": "start", "kind": "start", "next": "joint"},
                {
                    "id": "joint",
                    "kind": "approval",
                    "name": "联合会签",
                    "approvers": {"type": "users", "users": [u.pk for u in signers]},
                    "mode": "all",
                    "next": "end",
                },
                {"id": "end", "kind": "end"},
            ],
        },
    )
    MatterType.objects.create(
        code="joint-review",
        name="联合审查",
        definition_key="joint-review",
        form_schema={
            "version": 1,
            "fields": [{"name": "reason", "type": "textarea", "label": "事由", "required": True}],
        },
        materials=[],
        number_prefix="LH",
    )
    title = "年度培训计划联合审查"

    clerk = session("clerk")
    clerk.goto(f"{app_server}/approvals/matters/joint-review/start/")
    clerk.fill("#id_title", title)
    clerk.fill("#id_reason", "请财务部与人力资源部共同审查")
    instance_id = submit(clerk)
    assert status(clerk) == "办理中"
    assert open_todos(instance_id) == sorted([("finance_head", "joint"), ("hr", "joint")])

    first = session("finance_head")
    open_from_inbox(first, app_server, title, instance_id)
    approve(first, "财务部同意。")
    assert status(first) == "办理中"  # the other signer has not approved yet
    assert open_todos(instance_id) == [("hr", "joint")]
    assert first.locator("#btn-approve").count() == 0

    second = session("hr")
    open_from_inbox(second, app_server, title, instance_id)
    approve(second, "人力资源部同意。")
    assert status(second) == "已办结"
    timeline = second.locator("#timeline").inner_text()
    assert "财务部同意。" in timeline
    assert "人力资源部同意。" in timeline
    clerk.reload()
    assert status(clerk) == "已办结"


def test_an_urgent_expense_takes_the_green_channel(app_server, demo, session, files):
    clerk_user = demo["people"]["clerk"]
    head = head_of(clerk_user)
    leader = leader_in_charge(primary_department(clerk_user))
    assert head is not None
    assert leader is not None
    assert head != leader
    title = "抢修备件加急报销"

    clerk = session("clerk")
    instance_id = start_expense(clerk, app_server, files, title=title, amount="8000", urgency="特急")
    assert status(clerk) == "办理中"
    timeline = clerk.locator("#timeline").inner_text()
    # every review the green channel passes over is filed (备案) under its own name, none is left out
    assert "备案 · 审核" in timeline
    assert "备案 · 财务审核" in timeline
    # the first to-do is the final approver's, not the head's (who only gets the filing)
    assert open_todos(instance_id) == [(leader.username, "green_final")]
    assert Task.objects.filter(instance_id=instance_id, assignee=head, kind="filing").exists()
    assert not Task.objects.filter(instance_id=instance_id, assignee=head, kind__in=["approval", "handle"]).exists()
    SHOTS.mkdir(parents=True, exist_ok=True)
    clerk.screenshot(path=str(SHOTS / "green-channel.png"), full_page=True)

    approver = session(leader.username)
    open_from_inbox(approver, app_server, title, instance_id)
    assert "分管领导审批" in approver.locator("#actions").inner_text()
    approve(approver, "同意，特事特办。")
    assert status(approver) == "已办结"
    assert Instance.objects.get(pk=instance_id).status == "approved"


def test_a_resubmission_after_a_return_jumps_back_to_the_returning_node(app_server, demo, session, files):
    clerk_user = demo["people"]["clerk"]
    head = head_of(clerk_user)
    assert head is not None
    title = "会议茶歇费报销"

    clerk = session("clerk")
    instance_id = start_expense(clerk, app_server, files, title=title, amount="1200")
    assert open_todos(instance_id) == [(head.username, "review")]

    reviewer = session(head.username)
    open_from_inbox(reviewer, app_server, title, instance_id)
    approve(reviewer, "情况属实。")
    assert open_todos(instance_id) == [("finance_head", "check")]

    checker = session("finance_head")
    open_from_inbox(checker, app_server, title, instance_id)
    checker.click("[data-bs-target='#act-return']")
    checker.wait_for_selector("#act-return.show")
    checker.select_option("#return-to", "initiator")
    checker.fill("#act-return textarea[name=comment]", "发票抬头有误，请更换后重新提交。")
    checker.click("#act-return button[type=submit]")
    checker.wait_for_selector(".alert-success")
    assert status(checker) == "已退回"
    assert open_todos(instance_id) == []

    clerk.goto(f"{app_server}/approvals/instances/{instance_id}/")
    assert status(clerk) == "已退回"
    assert "发票抬头有误，请更换后重新提交。" in clerk.locator("#timeline").inner_text()
    clerk.fill("#actions textarea[name=comment]", "已更换发票。")
    clerk.get_by_role("button", name="重新提交").click()
    clerk.wait_for_selector(".alert-success")
    assert status(clerk) == "办理中"
    # straight back to 复核 (the node that returned it), not to the head's 审核 again
    assert open_todos(instance_id) == [("finance_head", "check")]

    checker.goto(f"{app_server}/")
    assert checker.locator(".inbox-row", has_text=title).count() == 1
    reviewer.goto(f"{app_server}/")
    assert reviewer.locator(".inbox-row", has_text=title).count() == 0
    open_from_inbox(checker, app_server, title, instance_id)
    assert "复核" in checker.locator("#actions").inner_text()
    approve(checker, "同意报销。")
    assert status(checker) == "已办结"
