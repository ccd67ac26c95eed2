"""发文: draft from a template → 核稿 (revising) → 会签 (all concerned heads) → 签发 (frozen, digest) → 编号 →
印发 (receipts) → 归档; every revision kept with a readable difference; a change after sign-off refused."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.core.errors import ApplicationError, ConflictError
from sanfu.documents import diff, services
from sanfu.documents.models import DocKind, Issuance, OutgoingDocument
from sanfu.workflow.models import Task


def draft(org: dict[str, Any], **extra: Any) -> OutgoingDocument:
    template = services.outgoing_template(DocKind.NOTICE)
    values = {
        "kind": DocKind.NOTICE,
        "title": "关于做好节日期间安全生产工作的通知",
        "body": template["body"],
        "recipients": template["recipients"],
        "countersign": [org["departments"]["production"], org["departments"]["safety"]],
        "signer": org["people"]["gm"],
        **extra,
    }
    return services.outgoing_draft(actor=org["people"]["office_head"], **values)


def take_to_signoff(org: dict[str, Any], document: OutgoingDocument) -> OutgoingDocument:
    clerk, heads = org["people"]["clerk"], org["heads"]
    services.outgoing_revise(
        actor=clerk,
        document_id=document.pk,
        title=document.title,
        body=document.body + "\n\n特此通知。",
        comment="补结束语",
    )
    services.outgoing_review(actor=clerk, document_id=document.pk, comment="核稿通过")
    for code in ("production", "safety"):
        services.outgoing_countersign(actor=heads[code], document_id=document.pk, comment="同意")
    return services.outgoing_sign_off(actor=org["people"]["gm"], document_id=document.pk, comment="同意印发")


def test_templates_exist_for_every_kind() -> None:
    for kind in DocKind.values:
        template = services.outgoing_template(kind)
        assert template["title"]
        assert template["body"]


def test_the_whole_outgoing_loop_ends_numbered_issued_archived(org: dict[str, Any]) -> None:
    p, d, heads = org["people"], org["departments"], org["heads"]
    document = draft(org)
    assert document.prefix == "贵港发电"
    assert document.issuer_mark == "贵港发电有限公司文件"
    assert [t.node for t in Task.objects.filter(instance=document.instance, status="open")] == ["review", "review"]
    services.outgoing_revise(
        actor=p["clerk"], document_id=document.pk, title=document.title, body="各部门：\n\n新正文", comment="改"
    )
    services.outgoing_review(actor=p["clerk"], document_id=document.pk)
    countersign = Task.objects.filter(instance=document.instance, node="countersign", status="open")
    assert {t.assignee_id for t in countersign} == {heads["production"].pk, heads["safety"].pk}
    for code in ("production", "safety"):
        services.outgoing_countersign(actor=heads[code], document_id=document.pk)
    document = services.outgoing_sign_off(actor=p["gm"], document_id=document.pk)
    assert document.frozen_revision is not None
    assert document.frozen_revision.no == 2
    assert len(document.digest) == 64
    assert services.verify_frozen(document)
    assert document.number == ""  # numbers only at 编号
    document = services.outgoing_assign_number(actor=p["clerk"], document_id=document.pk, year=2026)
    assert document.number == "贵港发电〔2026〕1号"
    document = services.outgoing_issue(
        actor=p["clerk"],
        document_id=document.pk,
        departments=[d["production"], d["finance"]],
        external=["贵港市应急管理局"],
    )
    assert document.instance is not None
    document.instance.refresh_from_db()
    assert document.instance.status == "approved"
    assert document.issued_at is not None
    assert document.archived_at is None  # 归档 is the office's next step
    document = services.outgoing_archive(actor=p["clerk"], document_id=document.pk)
    assert document.archived_at is not None
    issuances = {i.recipient: i for i in document.issuances.all()}
    assert set(issuances) == {d["production"].name, d["finance"].name, "贵港市应急管理局"}
    production = issuances[d["production"].name]
    assert production.receiver == heads["production"]
    assert production.received_at is None
    notice = Task.objects.get(instance=document.instance, node="distribute", assignee=heads["production"])
    assert notice.status == "unread"
    services.issuance_receive(actor=heads["production"], issuance_id=production.pk)
    production.refresh_from_db()
    notice.refresh_from_db()
    assert production.received_at
    assert production.read_at
    assert notice.status == "read"
    outside = issuances["贵港市应急管理局"]
    services.issuance_receive(actor=p["clerk"], issuance_id=outside.pk)
    assert Issuance.objects.get(pk=outside.pk).received_at is not None


def test_every_revision_is_kept_with_a_side_by_side_difference(org: dict[str, Any]) -> None:
    document = draft(org, body="第一行\n第二行\n第三行")
    services.outgoing_revise(
        actor=org["people"]["clerk"],
        document_id=document.pk,
        title=document.title,
        body="第一行\n第二行改\n第三行\n第四行",
        comment="修改第二行",
    )
    revisions = list(document.revisions.order_by("no"))
    assert [(r.no, r.author.username, r.comment) for r in revisions] == [
        (1, "office_head", "拟稿"),
        (2, "clerk", "修改第二行"),
    ]
    table = diff.revision_diff(revisions[0], revisions[1])
    assert "<table" in table
    assert "改</span>" in table
    assert "第四行" in table
    assert "diff_chg" in table or "diff_add" in table


def test_signed_off_text_is_frozen_and_any_change_refused(org: dict[str, Any]) -> None:
    document = take_to_signoff(org, draft(org))
    with pytest.raises(ConflictError):
        services.outgoing_revise(actor=org["people"]["clerk"], document_id=document.pk, title="改标题", body="改正文")
    assert document.revisions.count() == 2
    frozen = document.frozen_revision
    assert frozen is not None
    assert services.digest_of(frozen, signer_id=document.signed_by_id) == document.digest
    frozen.body = "被篡改"
    assert services.digest_of(frozen, signer_id=document.signed_by_id) != document.digest


def test_numbering_is_refused_before_sign_off_and_outside_the_office(org: dict[str, Any]) -> None:
    document = draft(org)
    with pytest.raises(ApplicationError):
        services.outgoing_assign_number(actor=org["people"]["clerk"], document_id=document.pk)
    with pytest.raises(ApplicationError):
        services.outgoing_revise(actor=org["people"]["staff"], document_id=document.pk, title="x", body="y")


def test_docx_and_pdf_downloads_follow_gbt9704(org: dict[str, Any]) -> None:
    import io

    from django.urls import reverse
    from docx import Document
    from pypdf import PdfReader

    from sanfu.documents import output
    from tests.documents.conftest import client_for

    document = take_to_signoff(org, draft(org, copy_to="华南能源集团、贵港市应急管理局"))
    document = services.outgoing_assign_number(actor=org["people"]["clerk"], document_id=document.pk, year=2026)
    official = output.official_document(document)
    assert official.doc_number == "贵港发电〔2026〕1号"
    assert official.issuer_mark == "贵港发电有限公司文件"
    assert official.cc == ("华南能源集团", "贵港市应急管理局")
    assert not official.body[0].text.startswith("各部门")  # the salutation is printed from 主送
    client = client_for(org["people"]["clerk"])
    docx = client.get(reverse("documents:outgoing_download", args=[document.pk, "docx"]))
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "贵港发电〔2026〕1号" in text
    pdf = client.get(reverse("documents:outgoing_download", args=[document.pk, "pdf"]))
    assert pdf.status_code == 200
    assert "特此通知" in "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
