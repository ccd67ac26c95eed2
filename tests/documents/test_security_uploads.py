"""Security issue, hole 6: 公文 uploads had no size or type check, and anyone could start a 发文. Uploads are now
checked by the same rule as the 审批中心's (``sanfu.core.uploads``: accepted extensions, the bytes sniffed, a
size limit) before anything is written; only people with the drafting right (``documents.draft``: 办公室文秘,
部门负责人) may start a 发文, and the 起草 entry is shown to them alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sanfu.approvals import formschema
from sanfu.core import uploads
from sanfu.core.errors import ApplicationError, PermissionDeniedError
from sanfu.documents import services
from sanfu.documents.models import DocKind, DocumentFile, IncomingDocument, OutgoingDocument
from sanfu.documents.services import common
from tests.documents.conftest import client_for
from tests.documents.test_incoming import PDF, register
from tests.documents.test_outgoing import draft

DOCX_HEAD = b"PK\x03\x04" + b"\x00" * 40  # a zip container, as every .docx is
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"


def _counts() -> tuple[int, int, int]:
    return OutgoingDocument.objects.count(), IncomingDocument.objects.count(), DocumentFile.objects.count()


def test_hole6_documents_and_approvals_share_one_upload_rule() -> None:
    assert formschema.sniff is uploads.sniff
    assert formschema.EXTENSION_KINDS is uploads.EXTENSION_KINDS
    assert common.ACCEPTED == uploads.DEFAULT_ACCEPT


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("安装包.exe", EXE, "类型不允许"),
        ("说明.txt", "纯文本".encode(), "类型不允许"),
        ("附件.html", b"<script>alert(1)</script>", "类型不允许"),
        ("伪装.pdf", EXE, "内容与扩展名不符"),
        ("伪装.docx", PDF, "内容与扩展名不符"),
        ("空.pdf", b"", "内容与扩展名不符"),
    ],
)
def test_hole6_a_draft_with_a_bad_attachment_is_refused_and_nothing_is_written(
    org: dict[str, Any], name: str, content: bytes, why: str
) -> None:
    before = _counts()
    with pytest.raises(ApplicationError, match=why):
        draft(org, attachments=[SimpleUploadedFile("好的.pdf", PDF), SimpleUploadedFile(name, content)])
    assert _counts() == before


def test_hole6_good_attachments_are_kept(org: dict[str, Any]) -> None:
    document = draft(
        org, attachments=[SimpleUploadedFile("附件1.pdf", PDF), SimpleUploadedFile("附件2.docx", DOCX_HEAD)]
    )
    assert sorted(document.files.values_list("name", flat=True)) == ["附件1.pdf", "附件2.docx"]


def test_hole6_an_upload_over_the_limit_is_refused(org: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "MAX_UPLOAD_MB", 1)
    before = _counts()
    big = SimpleUploadedFile("大文件.pdf", PDF + b"0" * (1024 * 1024))
    with pytest.raises(ApplicationError, match="超过 1 MB"):
        draft(org, attachments=[big])
    with pytest.raises(ApplicationError, match="超过 1 MB"):
        register(org, original=SimpleUploadedFile("来文.pdf", PDF + b"0" * (1024 * 1024)))
    assert _counts() == before
    assert draft(org, attachments=[SimpleUploadedFile("小文件.pdf", PDF)]).files.count() == 1


def test_hole6_a_registered_scan_is_checked_too(org: dict[str, Any]) -> None:
    before = _counts()
    with pytest.raises(ApplicationError, match="内容与扩展名不符"):
        register(org, original=SimpleUploadedFile("来文.pdf", EXE))
    with pytest.raises(ApplicationError, match="类型不允许"):
        register(org, attachments=[SimpleUploadedFile("脚本.js", b"alert(1)")])
    assert _counts() == before


def test_hole6_the_draft_page_says_why_an_upload_is_refused(org: dict[str, Any]) -> None:
    drafter = client_for(org["people"]["office_head"])
    values = {
        "kind": "notice",
        "title": "关于附件检查的通知",
        "body": "各部门：\n\n试。",
        "attachments": SimpleUploadedFile("附件.pdf", EXE),
    }
    before = _counts()
    response = drafter.post(reverse("documents:outgoing_new"), values)
    assert response.status_code == 200
    assert "文件“附件.pdf”的内容与扩展名不符" in response.content.decode()
    assert _counts() == before


def test_hole6_only_people_with_the_drafting_right_may_start_a_draft(org: dict[str, Any]) -> None:
    p = org["people"]
    template = services.outgoing_template(DocKind.NOTICE)
    for nobody in (p["staff"], p["hr"], p["gm"]):
        with pytest.raises(PermissionDeniedError, match="起草发文的权限"):
            services.outgoing_draft(actor=nobody, kind=DocKind.NOTICE, title="关于越权的通知", body=template["body"])
    assert not OutgoingDocument.objects.filter(title="关于越权的通知").exists()
    assert (
        services.outgoing_draft(
            actor=p["clerk"], kind=DocKind.NOTICE, title="文秘起草的通知", body=template["body"], signer=p["gm"]
        ).drafter
        == p["clerk"]
    )


def test_hole6_the_draft_page_is_forbidden_and_its_entry_hidden_without_the_right(org: dict[str, Any]) -> None:
    p = org["people"]
    staff = client_for(p["staff"])
    assert staff.get(reverse("documents:outgoing_new")).status_code == 403
    response = staff.post(reverse("documents:outgoing_new"), {"kind": "notice", "title": "越权", "body": "正文"})
    assert response.status_code == 403
    assert not OutgoingDocument.objects.filter(title="越权").exists()
    assert 'id="draft-outgoing"' not in staff.get(reverse("documents:outgoing_list")).content.decode()
    for drafter in (p["clerk"], p["office_head"]):
        client = client_for(drafter)
        assert 'id="draft-outgoing"' in client.get(reverse("documents:outgoing_list")).content.decode()
        assert client.get(reverse("documents:outgoing_new")).status_code == 200
