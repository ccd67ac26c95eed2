"""The 公文 pages: every list and detail renders for the office and the participants; an outsider gets
404 on every detail, file and download, and sees nothing in the lists."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sanfu.documents import services
from sanfu.documents.models import DocumentFile, DocumentNumber, IncomingDocument
from tests.documents.conftest import client_for
from tests.documents.test_incoming import PDF, register
from tests.documents.test_outgoing import draft, take_to_signoff


def test_office_registers_through_the_page_and_sees_the_loop(org: dict[str, Any]) -> None:
    clerk = client_for(org["people"]["clerk"])
    assert clerk.get(reverse("documents:incoming_new")).status_code == 200
    response = clerk.post(
        reverse("documents:incoming_new"),
        {
            "title": "关于统计年报的函",
            "source_unit": "贵港市统计局",
            "source_number": "贵统函〔2026〕18号",
            "urgency": "平急",
            "confidentiality": "internal",
            "pages": "2",
            "original": SimpleUploadedFile("来文.pdf", PDF),
        },
        follow=True,
    )
    document = IncomingDocument.objects.get()
    page = response.content.decode()
    assert "拟办" in page
    assert "关于统计年报的函" in page
    flag = clerk.get(
        reverse("documents:incoming_duplicates"), {"source_unit": "贵港市统计局", "source_number": "贵统函〔2026〕18号"}
    )
    assert "疑似重复" in flag.content.decode()
    response = clerk.post(
        reverse("documents:incoming_act", args=[document.pk, "propose"]),
        {"text": "拟请总经理阅示。", "leader": org["people"]["gm"].pk},
        follow=True,
    )
    assert "批办" in response.content.decode()
    gm = client_for(org["people"]["gm"])
    gm.post(reverse("documents:incoming_act", args=[document.pk, "instruct"]), {"text": "请财务部办理。"})
    page = gm.get(reverse("documents:incoming", args=[document.pk])).content.decode()
    assert "请财务部办理。" in page
    assert "收文" in clerk.get(reverse("documents:incoming_list")).content.decode()


def test_outgoing_pages_show_revisions_digest_and_numbers(org: dict[str, Any]) -> None:
    clerk = client_for(org["people"]["clerk"])
    assert "关于……的请示" in clerk.get(reverse("documents:outgoing_new") + "?kind=request").content.decode()
    document = take_to_signoff(org, draft(org))
    services.outgoing_assign_number(actor=org["people"]["clerk"], document_id=document.pk, year=2026)
    page = clerk.get(reverse("documents:outgoing", args=[document.pk])).content.decode()
    assert document.digest in page
    assert "贵港发电〔2026〕1号" in page
    assert 'class="diff"' in page
    number = DocumentNumber.objects.get()
    clerk.post(reverse("documents:number_void", args=[number.pk]), {"reason": "取错号"})
    number.refresh_from_db()
    assert number.status == "void"
    assert document.title in clerk.get(reverse("documents:outgoing_list")).content.decode()


def test_an_outsider_gets_404_everywhere(org: dict[str, Any]) -> None:
    incoming = register(org)
    outgoing = draft(org, attachments=[SimpleUploadedFile("附件.pdf", PDF)])
    outsider = client_for(org["people"]["staff"])
    urls = [
        reverse("documents:incoming", args=[incoming.pk]),
        reverse("documents:outgoing", args=[outgoing.pk]),
        reverse("documents:outgoing_download", args=[outgoing.pk, "docx"]),
        reverse("documents:outgoing_download", args=[outgoing.pk, "pdf"]),
        reverse("documents:incoming_new"),
        *[reverse("documents:file", args=[f.pk]) for f in DocumentFile.objects.all()],
    ]
    for url in urls:
        assert outsider.get(url).status_code == 404, url
    for url in (
        reverse("documents:incoming_act", args=[incoming.pk, "propose"]),
        reverse("documents:outgoing_act", args=[outgoing.pk, "revise"]),
    ):
        assert outsider.post(url, {"text": "x"}).status_code == 404, url
    assert incoming.title not in outsider.get(reverse("documents:incoming_list")).content.decode()
    assert outgoing.title not in outsider.get(reverse("documents:outgoing_list")).content.decode()
    # Participants and the leaders see them.
    assert client_for(org["people"]["gm"]).get(reverse("documents:incoming", args=[incoming.pk])).status_code == 200
    head = client_for(org["heads"]["production"])
    assert head.get(reverse("documents:outgoing", args=[outgoing.pk])).status_code == 404  # not yet its turn
    services.outgoing_review(actor=org["people"]["clerk"], document_id=outgoing.pk)
    assert head.get(reverse("documents:outgoing", args=[outgoing.pk])).status_code == 200
