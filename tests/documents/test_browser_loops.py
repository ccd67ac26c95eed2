"""Both 公文 loops end to end through the real pages in headless Chromium, each step signed in as the demo
person who does it: 收文 from registration through 拟办, 批办, 传阅, 分办 and 承办 to 办结 and 归档; 发文 from
the draft through 核稿, 会签, 签发, 编号 and 印发 to 归档, with its DOCX and PDF downloaded; then the archive
search finds each by a Chinese word from its body."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
import urllib.request
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from sanfu.accounts.models import User
from sanfu.demo.documents import seed_documents
from sanfu.demo.org import DEMO_PASSWORD, MAIN_UNIT_CODE, seed_demo
from sanfu.documents.models import IncomingDocument, OutgoingDocument
from sanfu.org.models import Department
from sanfu.org.selectors import heads_of_departments
from sanfu.workflow.models import Task

pytestmark = pytest.mark.browser

# Screenshots go to docs/screenshots only when asked (`make screenshots`), so a test run leaves the tree clean.
SHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("SANFU_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "sanfu-screenshots"
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def demo(app_server: str) -> dict[str, Any]:
    """The demo organisation and the demo 公文 (``sanfu demo``): people by username, departments by code
    with their heads."""
    connection.close()
    seed_demo()
    seed_documents()
    departments = {d.code: d for d in Department.objects.filter(unit__code=MAIN_UNIT_CODE)}
    heads = heads_of_departments(departments.values())
    return {
        "departments": departments,
        "heads": {code: heads[d.pk][0] for code, d in departments.items() if heads[d.pk]},
        "gm": User.objects.get(username="gm"),
        "deputy1": User.objects.get(username="deputy1"),
    }


@pytest.fixture
def session(signed_in: Any) -> Any:
    """``session(username)``: a page of a fresh browser context (its own cookies), signed in as ``username`` of the
    demo organisation."""
    return functools.partial(signed_in, password=DEMO_PASSWORD, accept_downloads=True)


def _act(page: Any, form: str, button: str = "button") -> None:
    """Submit one of the 我的办理 forms and wait for the page to say it was done."""
    page.locator(f"{form} {button}").first.click()
    page.wait_for_selector(".alert-success")
    assert not page.locator(".alert-danger").count(), page.locator(".alert-danger").all_inner_texts()


def read_on_the_page(page: Any) -> None:
    """已阅 is a POST, never the page's GET: the page sends it by itself once it is shown (its 标记已阅 form,
    ``data-autopost``); wait until it says 已阅, then show the page again with the receipt recorded."""
    page.locator("#mark-read [data-autopost-done]").wait_for(state="visible")
    page.reload()


def document_revisions(document_id: int) -> int:
    return OutgoingDocument.objects.get(pk=document_id).revisions.count()


def _archive_finds(page: Any, base: str, word: str, title: str) -> None:
    page.goto(f"{base}/archive/")
    page.fill("#archive-q", word)
    page.locator("#archive-q").press("Enter")
    page.wait_for_url(re.compile(r".*/archive/\?.*q="))
    page.wait_for_selector("#archive-results")
    assert title in page.locator("#archive-results").inner_text()


def test_incoming_loop_from_registration_to_archive(
    app_server: str, session: Any, demo: dict[str, Any], tmp_path: Path
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    lead, co = demo["departments"]["production"], demo["departments"]["safety"]
    lead_head, co_head = demo["heads"]["production"], demo["heads"]["safety"]
    scan = tmp_path / "来文扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4\n%%EOF\n")
    title = "关于开展汛期电力设施隐患排查的通知"

    clerk = session("clerk")  # 收文登记
    clerk.goto(f"{app_server}/documents/incoming/")
    clerk.click("#register-incoming")
    clerk.fill("#f-title", title)
    clerk.fill("#f-source-unit", "贵港市能源局")
    clerk.fill("#f-source-number", "贵能源函〔2026〕31号")
    clerk.select_option("#f-urgency", "加急")
    clerk.fill("#f-summary", "要求各发电企业排查输煤栈桥和灰坝的防汛隐患，月底前报送整改台账。")
    clerk.set_input_files("#f-original", str(scan))
    clerk.click("#submit-register")
    clerk.wait_for_url(re.compile(r".*/documents/incoming/\d+/$"))
    document_id = int(clerk.url.rstrip("/").rsplit("/", 1)[-1])
    clerk.fill("#p-text", "拟请总经理阅示，安全生产部牵头、安全监察部配合办理。")  # 拟办
    clerk.select_option("#p-leader", label=demo["gm"].display_name)
    clerk.select_option("#p-readers", label=demo["deputy1"].display_name)
    _act(clerk, "#form-propose")
    assert "批办" in clerk.locator("#holder").inner_text()

    leader = session("gm")  # 批办: the instruction is kept verbatim
    leader.goto(f"{app_server}/documents/incoming/{document_id}/")
    instruction = "请安全生产部牵头，\n安监部配合，月底前报整改台账。"
    leader.fill("#i-text", instruction)
    _act(leader, "#form-instruct")
    assert leader.locator("#instruction").inner_text() == instruction

    reader = session("deputy1")  # 传阅: the page, once shown, posts the read receipt
    reader.goto(f"{app_server}/documents/incoming/{document_id}/")
    read_on_the_page(reader)
    assert not reader.locator("#mark-read").count()  # nothing left to mark
    read = reader.locator("#circulation li", has_text=demo["deputy1"].display_name)
    assert "已阅" in read.inner_text()

    clerk.goto(f"{app_server}/documents/incoming/{document_id}/")  # 分办
    clerk.select_option("#d-lead", label=lead.name)
    clerk.select_option("#d-co", label=co.name)
    clerk.fill("#form-distribute textarea", "按领导批示办理。")
    _act(clerk, "#form-distribute")

    for head, reply in [(lead_head, "已完成输煤栈桥排查，整改台账已报送。"), (co_head, "已配合复查灰坝。")]:
        handler = session(head.username)  # 承办: each department's head replies
        handler.goto(f"{app_server}/documents/incoming/{document_id}/")
        handler.fill("#r-text", reply)
        _act(handler, "#form-reply")

    clerk.goto(f"{app_server}/documents/incoming/{document_id}/")  # 办结 and 归档
    clerk.fill("#form-close textarea", "各部门已按期办理。")
    _act(clerk, "#form-close")
    assert clerk.locator("#doc-status").inner_text() == "已归档"
    assert clerk.locator("#flow-history").is_visible()
    clerk.screenshot(path=str(SHOTS / "documents-incoming-loop.png"), full_page=True)

    document = IncomingDocument.objects.get(pk=document_id)
    assert document.archived_at is not None
    assert not Task.objects.filter(instance=document.instance, status="open").exists()
    assert document.steps.count() == 6  # 拟办, 批办, 分办, two 承办 replies, 办结
    _archive_finds(clerk, app_server, "灰坝", title)


def test_outgoing_loop_from_draft_to_issue_and_archive(
    app_server: str, session: Any, demo: dict[str, Any], tmp_path: Path
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    production, safety = demo["departments"]["production"], demo["departments"]["safety"]
    title = "关于加强冬季输煤系统防冻工作的通知"

    drafter = session("office_head")  # 拟稿 from the 通知 template (a department head may draft; plain staff may not)
    drafter.goto(f"{app_server}/documents/outgoing/new/?kind=notice")
    assert drafter.locator("#o-body").input_value().startswith("各部门")
    drafter.fill("#o-title", title)
    drafter.fill(
        "#o-body",
        "各部门：\n\n为做好冬季输煤系统防冻工作，现将有关事项通知如下：\n\n一、输煤皮带和给煤机加装伴热。\n\n"
        "二、每日巡检记录防冻措施落实情况。\n\n请各部门认真贯彻执行。",
    )
    drafter.select_option("#o-signer", label=demo["gm"].display_name)
    drafter.select_option("#o-countersign", label=[production.name, safety.name])
    drafter.click("#submit-draft")
    drafter.wait_for_url(re.compile(r".*/documents/outgoing/\d+/$"))
    document_id = int(drafter.url.rstrip("/").rsplit("/", 1)[-1])
    page_url = f"{app_server}/documents/outgoing/{document_id}/"

    clerk = session("clerk")  # 核稿: first back to the drafter for a missing measure
    clerk.goto(page_url)
    clerk.locator("#form-return").locator("xpath=..").locator("summary").click()
    clerk.fill("#form-return textarea", "请补充巡检要求。")
    _act(clerk, "#form-return")

    drafter.goto(page_url)  # the drafter revises and sends it again
    assert "请补充巡检要求。" in drafter.locator("#returned").inner_text()
    body = drafter.locator("#form-revise textarea[name=body]")
    body.fill(body.input_value().replace("请各部门", "三、运行人员每班检查一次伴热回路。\n\n请各部门"))
    drafter.fill("#form-revise input[name=comment]", "补充巡检要求")
    _act(drafter, "#form-revise")
    drafter.fill("#form-resubmit textarea", "已补充。")
    _act(drafter, "#form-resubmit")
    assert "核稿" in drafter.locator("#holders").inner_text()

    clerk.goto(page_url)  # 核稿 again: the office corrects the text (a new revision) and passes it
    clerk.locator("#form-revise").locator("xpath=..").locator("summary").click()
    clerk.fill(
        "#form-revise textarea[name=body]",
        clerk.locator("#form-revise textarea[name=body]").input_value().replace("加装伴热", "加装电伴热"),
    )
    clerk.fill("#form-revise input[name=comment]", "文字修改")
    _act(clerk, "#form-revise")
    assert "电伴热" in clerk.locator("#diff").inner_text()
    assert document_revisions(document_id) == 3
    _act(clerk, "#form-review")

    for code in ["production", "safety"]:  # 会签
        head = session(demo["heads"][code].username)
        head.goto(page_url)
        head.fill("#form-countersign textarea", "同意。")
        _act(head, "#form-countersign", "button:has-text('同意')")

    leader = session("gm")  # 签发: the text is frozen
    leader.goto(page_url)
    _act(leader, "#form-signoff")
    assert leader.locator("#frozen").is_visible()
    assert "校验一致" in leader.locator("#frozen").inner_text()

    clerk.goto(page_url)  # 编号
    _act(clerk, "#form-number")
    number = clerk.locator("#doc-number").inner_text()
    assert re.search(r"〔\d{4}〕\d+号$", number), number  # the demo already issued one
    clerk.click("text=文号登记簿")  # the office's register of this prefix and year
    clerk.wait_for_selector("#number-register")
    assert title in clerk.locator("#number-register tbody tr", has_text=number).inner_text()
    clerk.goto(page_url)
    clerk.select_option("#is-departments", label=[production.name, safety.name])  # 印发
    clerk.fill("#is-external", "贵港市能源局")
    _act(clerk, "#form-issue")
    assert "已印发" in clerk.locator(".card").first.inner_text()
    _act(clerk, "#form-archive")  # 归档: the office's own next step
    assert "已归档" in clerk.locator(".card").first.inner_text()
    assert clerk.locator("#flow-history").is_visible()
    clerk.screenshot(path=str(SHOTS / "documents-outgoing-detail.png"), full_page=True)

    cookies = "; ".join(f"{c['name']}={c['value']}" for c in clerk.context.cookies())
    files = {}
    for fmt in ["docx", "pdf"]:  # the 红头文件 downloads
        with clerk.expect_download() as info:
            clerk.click(f"#download-{fmt}")
        path = info.value.path()
        files[fmt] = Path(path).read_bytes()
        request = urllib.request.Request(f"{page_url}download.{fmt}", headers={"Cookie": cookies})  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            assert response.headers["Content-Type"] == (DOCX if fmt == "docx" else "application/pdf")
    assert files["pdf"].startswith(b"%PDF")
    with zipfile.ZipFile(BytesIO(files["docx"])) as docx:
        xml = docx.read("word/document.xml").decode()
    assert number in xml
    assert "电伴热" in xml
    pdf = tmp_path / "document.pdf"
    pdf.write_bytes(files["pdf"])
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:  # page 1 of the PDF as an image, to look at
        args = [
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(SHOTS / "documents-outgoing-pdf"),
        ]
        subprocess.run([pdftoppm, *args], check=True, timeout=30)  # noqa: S603

    document = OutgoingDocument.objects.get(pk=document_id)
    assert document.number == number
    assert document.issued_at is not None
    assert document.archived_at is not None
    assert document.issuances.count() == 3
    _archive_finds(clerk, app_server, "电伴热", title)

    receiver = session(demo["heads"]["production"].username)  # 分发: the recipient head signs for it
    receiver.goto(page_url)
    read_on_the_page(receiver)
    row = receiver.locator("#issuances li", has_text=production.name)
    assert "已阅" in row.inner_text()
    row.get_by_role("button", name="签收").click()
    receiver.wait_for_selector(".alert-success")
    assert "已签收" in receiver.locator("#issuances li", has_text=production.name).inner_text()
