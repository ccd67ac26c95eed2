"""The loop in headless Chromium, as its people live it: the general manager asks for research from 财务部; the
office's clerk confirms; the accountant sends material with a file; the clerk drafts and submits; the manager
approves; the clerk issues it as an internal brief to 财务部's head, who finds it in the 简报库."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.briefing.models import Request, State
from tests.browser import SHOTS
from tests.conftest import build_org, grant

pytestmark = pytest.mark.browser


def test_request_material_draft_approve_issue_and_find(app_server: str, signed_in: Any, tmp_path: Path) -> None:
    ensure_admin_roles()
    world = build_org()
    grant(world["clerk"], Role.objects.get(code="clerk"))
    finance = world["finance"]
    today = timezone.localdate()
    material = tmp_path / "负荷预测.pdf"
    material.write_bytes(b"%PDF-1.4\n%%EOF\n")
    SHOTS.mkdir(parents=True, exist_ok=True)

    leader = signed_in("gm")
    leader.goto(f"{app_server}/briefing/")
    leader.click("#new-request")
    leader.select_option("#id_kind", "research")
    leader.fill("#id_title", "迎峰度夏保供调研")
    leader.fill("#id_needs", "请财务部测算保供成本。")
    leader.fill("#id_due_on", (today + timedelta(days=10)).isoformat())
    leader.select_option("#id_owner", str(world["clerk"].pk))
    leader.check(f"#ask-{finance.pk}")
    leader.fill(f"#deadline-{finance.pk}", (today + timedelta(days=5)).isoformat())
    leader.click("#request-submit")
    leader.wait_for_url(re.compile(r".*/briefing/\d+/$"))
    request = Request.objects.get(title="迎峰度夏保供调研")
    page_url = f"{app_server}/briefing/{request.pk}/"

    clerk = signed_in("clerk")
    clerk.goto(page_url)
    clerk.click("#confirm")
    clerk.wait_for_selector(".alert-success")

    accountant = signed_in("accountant")
    accountant.goto(page_url)
    accountant.fill(f"#material-text-{finance.pk}", "保供成本约 1,200 万元。")
    accountant.set_input_files(f"#material-files-{finance.pk}", str(material))
    accountant.click(f"#material-submit-{finance.pk}")
    accountant.wait_for_selector(".alert-success")
    assert "负荷预测.pdf" in accountant.inner_text("#materials")

    clerk.goto(page_url)
    assert "已答复 1 / 1" in clerk.inner_text("#answered")
    clerk.click("#close-collection")
    clerk.wait_for_selector("#draft-text")
    clerk.fill("#draft-text", "经测算，今夏保供成本约 1,200 万元，建议提前储煤。")
    clerk.click("#draft-save")
    clerk.wait_for_selector("#review-submit")
    assert "第 1 稿" in clerk.inner_text("#revisions")
    clerk.click("#review-submit")
    clerk.wait_for_selector(".alert-success")

    leader.goto(page_url)
    leader.fill("#decide-text", "同意，按此发布。")
    leader.click("#approve")
    leader.wait_for_selector(".alert-success")

    clerk.goto(page_url)
    clerk.fill("#readers", "finance_head")
    clerk.wait_for_selector(f"#readers-results [role=option][data-id='{world['finance_head'].pk}']")
    clerk.press("#readers", "Enter")
    clerk.click("#issue-submit")
    clerk.wait_for_selector("#result")
    assert clerk.inner_text("#request-state") == "已发布"
    clerk.screenshot(path=str(SHOTS / "briefing-issued.png"), full_page=True)

    reader = signed_in("finance_head")
    reader.goto(f"{app_server}/briefing/library/")
    reader.fill("#library-q", "储煤")
    reader.click("#library-submit")
    reader.click("text=迎峰度夏保供调研")
    reader.wait_for_selector("#result")
    assert "建议提前储煤" in reader.inner_text("#result")
    assert Request.objects.get(pk=request.pk).state == State.ISSUED
