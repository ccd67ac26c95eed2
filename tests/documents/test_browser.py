"""A clerk registers an incoming document in headless Chromium (the duplicate flag shows while typing the
number of an already registered document) and takes it one step (拟办); then the 批办 leader sees it."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

from sanfu.accounts.models import User
from sanfu.demo.org import DEMO_PASSWORD, seed_demo
from sanfu.documents import services
from sanfu.documents.flows import publish_definitions
from sanfu.documents.models import IncomingDocument
from sanfu.workflow.models import Task

pytestmark = pytest.mark.browser
SHOTS = Path(tempfile.gettempdir()) / "sanfu-screenshots"


def test_clerk_registers_and_proposes(app_server: str, signed_in: Any, tmp_path: Path) -> None:
    seed_demo()
    publish_definitions()
    clerk = User.objects.get(username="clerk")
    services.incoming_register(
        actor=clerk, title="早先登记的来文", source_unit="华南能源集团", source_number="华南能源办〔2026〕9号"
    )
    scan = tmp_path / "来文.pdf"
    scan.write_bytes(b"%PDF-1.4\n%%EOF\n")
    SHOTS.mkdir(exist_ok=True)

    page = signed_in("clerk", DEMO_PASSWORD, width=390)  # phone width
    page.goto(f"{app_server}/documents/incoming/")
    page.click("#register-incoming")
    page.fill("#f-title", "关于报送年度安全工作总结的通知")
    page.fill("#f-source-unit", "华南能源集团")
    page.fill("#f-source-number", "华南能源办〔2026〕9号")
    page.wait_for_selector("#duplicate-flag")
    page.select_option("#f-urgency", "加急")
    page.set_input_files("#f-original", str(scan))
    page.screenshot(path=str(SHOTS / "documents-register-phone.png"), full_page=True)
    page.click("#submit-register")
    page.wait_for_url(re.compile(r".*/documents/incoming/\d+/$"))
    assert page.locator("#duplicate-flag").is_visible()
    page.fill("#p-text", "拟请总经理阅示，安全生产部牵头办理。")
    page.select_option("#p-leader", label=User.objects.get(username="gm").display_name)
    page.click("#form-propose button")
    page.wait_for_selector(".alert-success")
    assert "批办" in page.locator("#holder").inner_text()
    page.screenshot(path=str(SHOTS / "documents-incoming-phone.png"), full_page=True)
    page.context.close()

    document = IncomingDocument.objects.order_by("-id").first()
    assert document is not None
    assert document.duplicate_of is not None
    task = Task.objects.get(instance=document.instance, node="instruct", status="open")
    assert task.assignee.username == "gm"
    leader = signed_in("gm", DEMO_PASSWORD)
    leader.goto(f"{app_server}/documents/incoming/{document.pk}/")
    assert leader.locator("#form-instruct").is_visible()
    leader.screenshot(path=str(SHOTS / "documents-incoming-leader.png"), full_page=True)
