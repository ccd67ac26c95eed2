"""收文 returns and 传阅 rounds through the real pages in headless Chromium, each step signed in as the demo
person who does it: the office sends a document back from 分办 to the leader, who instructs again — with the
same 批示 the reader who read it gets nothing new and sees each round once, with a changed 批示 a new notice;
and a document sent back to its registrar is resubmitted with the missing page and starts again at 拟办."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sanfu.accounts.models import User
from sanfu.documents import selectors, services
from sanfu.documents.models import IncomingDocument
from sanfu.workflow.models import InstanceStatus, Task, TaskStatus
from tests.documents import test_browser_loops as loops

demo, session, _act = loops.demo, loops.session, loops._act  # the loops' fixtures and form helper

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n%%EOF\n"


def _registered(demo: dict[str, Any], *, instructed: str = "") -> IncomingDocument:
    clerk = User.objects.get(username="clerk")
    document = services.incoming_register(
        actor=clerk,
        title="关于做好迎峰度夏电力保供工作的通知",
        source_unit="贵港市能源局",
        source_number="贵能源〔2026〕58号",
        original=SimpleUploadedFile("来文.pdf", PDF),
    )
    if instructed:
        services.incoming_propose(
            actor=clerk,
            document_id=document.pk,
            text="拟请总经理阅示。",
            leader=demo["gm"],
            readers=[demo["deputy1"]],
        )
        services.incoming_instruct(actor=demo["gm"], document_id=document.pk, text=instructed)
    return document


def _return(page: Any, reason: str, to: str = "previous") -> str:
    """退回 from the page: open the 退回 fold, choose where to, give the reason; the success message."""
    page.locator("#form-return").locator("xpath=..").locator("summary").click()
    page.check(f"#form-return input[value={to}]")
    page.fill("#form-return textarea", reason)
    _act(page, "#form-return")
    return str(page.locator(".alert-success").inner_text())


def _round_entries(page: Any, name: str) -> list[str]:
    return [t.strip() for t in page.locator("#circulation li", has_text=name).all_inner_texts()]


def test_a_return_to_the_leader_and_a_second_circulation(app_server: str, session: Any, demo: dict[str, Any]) -> None:
    gm, deputy = demo["gm"], demo["deputy1"]
    instruction = "请安全生产部牵头，\n月底前报保供方案。"
    document = _registered(demo, instructed=instruction)
    url = f"{app_server}/documents/incoming/{document.pk}/"

    reader = session("deputy1")  # 传阅, 第1轮: the page, once shown, posts the read receipt
    reader.goto(url)
    loops.read_on_the_page(reader)
    assert ["已阅" in e for e in _round_entries(reader, deputy.display_name)] == [True]

    clerk = session("clerk")  # 分办 sends it back to 批办
    clerk.goto(url)
    said = _return(clerk, "批示未明确配合部门，请领导明确。")
    assert f"已退回给 {gm.display_name}（批办）" in said
    assert "批示未明确配合部门，请领导明确。" in clerk.locator("#returned").inner_text()
    assert "批办" in clerk.locator("#holder").inner_text()
    assert not clerk.locator("#form-distribute").count()

    leader = session("gm")  # the leader sees why and instructs again, with the same words
    leader.goto(url)
    assert "批示未明确配合部门" in leader.locator("#returned").inner_text()
    leader.fill("#i-text", instruction)
    _act(leader, "#form-instruct")
    assert not leader.locator("#returned").count()
    assert leader.locator("#instruction").inner_text() == instruction

    unread = Task.objects.filter(instance=document.instance, assignee=deputy, status=TaskStatus.UNREAD)
    assert not unread.exists()  # nothing new to read
    reader.goto(url)
    assert not reader.locator("#mark-read").count()  # nothing to mark read
    entries = _round_entries(reader, deputy.display_name)
    assert len(entries) == 2  # once per round
    assert "批示未变" in entries[1]
    assert reader.locator("#circulation [data-round='2']").first.is_visible()

    clerk.goto(url)  # once more, and this time the leader changes the 批示
    _return(clerk, "请再明确完成时限。")
    leader.goto(url)
    leader.fill("#i-text", "请安全生产部牵头，安监部配合，6月20日前报保供方案。")
    _act(leader, "#form-instruct")
    assert unread.count() == 1  # a new notice of its own
    reader.goto(url)
    loops.read_on_the_page(reader)
    entries = _round_entries(reader, deputy.display_name)
    assert len(entries) == 3
    assert "批示未变" not in entries[2]
    assert "已阅" in entries[2]  # the page, once shown, read the new round's notice
    assert reader.locator("#circulation .circulation-round").count() == 3

    clerk.goto(url)  # and the office distributes it
    clerk.select_option("#d-lead", label=demo["departments"]["production"].name)
    _act(clerk, "#form-distribute")
    assert "承办" in clerk.locator("#holder").inner_text()


def test_a_return_to_the_registrar_and_the_resubmit(
    app_server: str, session: Any, demo: dict[str, Any], tmp_path: Path
) -> None:
    document = _registered(demo)
    url = f"{app_server}/documents/incoming/{document.pk}/"
    clerk = User.objects.get(username="clerk")

    proposer = session("clerk")  # 拟办 finds a page missing and sends it back to the registrar
    proposer.goto(url)
    said = _return(proposer, "原件扫描缺第3页，请补扫后重新提交。", to="registrar")
    assert f"已退回给 {clerk.display_name}（登记）" in said
    assert "原件扫描缺第3页" in proposer.locator("#returned").inner_text()
    assert document.instance is not None
    document.instance.refresh_from_db()
    assert document.instance.status == InstanceStatus.RETURNED

    scan = tmp_path / "第3页.pdf"
    scan.write_bytes(PDF)
    proposer.set_input_files("#rs-attachments", str(scan))  # the registrar adds the page and resubmits
    proposer.fill("#form-resubmit textarea", "已补扫第3页。")
    _act(proposer, "#form-resubmit")
    assert not proposer.locator("#returned").count()
    assert proposer.locator("#form-propose").is_visible()
    assert "第3页.pdf" in proposer.locator("text=原件与附件").locator("xpath=..").inner_text()
    assert re.search("拟办", proposer.locator("#holder").inner_text())
    assert [h.node for h in selectors.holders_of(document.instance)] == ["propose"]
