"""Security issue, the 公文's read paths (holes 7 and 12; AU-1, AC-4):

- 已阅 is a POST with the CSRF token, never the page's GET: opening a 收文 in 传阅 or an issued 发文 marks
  nothing read; the page offers 标记已阅 (a form ``sanfu.js`` posts once the page is shown), and a post from
  another site without the token is refused;
- every read of a 秘密/机密 收文 or 发文 — its page, its files, its DOCX/PDF — is audited, and so is a read the
  rule refused (the 404 of a document that exists);
- the 文号登记簿 (page, Excel, print) lists every number but the title only of documents the viewer may read,
  and the duplicate warning at 登记 does not name a 收文 the registrar may not read."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from sanfu.accounts.models import Role, User
from sanfu.core.models import AuditRecord
from sanfu.documents import output, services
from sanfu.documents.models import Confidentiality, IncomingDocument, Issuance, OutgoingDocument
from sanfu.workflow.models import Task, TaskStatus
from tests.conftest import grant, make_department, make_staff, make_unit
from tests.documents.conftest import client_for
from tests.documents.test_incoming import PDF, register
from tests.documents.test_outgoing import draft, take_to_signoff

WITHHELD = "（无权查看标题）"


def _circulating(org: dict[str, Any], **extra: Any) -> IncomingDocument:
    """A 收文 proposed and instructed: deputy1 has an unread 传阅 notice."""
    p = org["people"]
    document = register(org, **extra)
    services.incoming_propose(
        actor=p["clerk"], document_id=document.pk, text="拟请阅示。", leader=p["gm"], readers=[p["deputy1"]]
    )
    services.incoming_instruct(actor=p["gm"], document_id=document.pk, text="请阅。")
    return document


def _circulation_notice(document: IncomingDocument, reader: User) -> str:
    return Task.objects.get(instance=document.instance, node="circulate", assignee=reader).status


def _issued(org: dict[str, Any]) -> tuple[OutgoingDocument, Issuance, User]:
    """A 发文 issued to the production department: its head has an unread issuance and notice."""
    p, d = org["people"], org["departments"]
    document = take_to_signoff(org, draft(org))
    services.outgoing_assign_number(actor=p["clerk"], document_id=document.pk, year=2026)
    services.outgoing_issue(actor=p["clerk"], document_id=document.pk, departments=[d["production"]])
    issuance = Issuance.objects.get(document=document, department=d["production"])
    assert issuance.receiver is not None
    return document, issuance, issuance.receiver


def _distribution_notice(document: OutgoingDocument, receiver: User) -> str:
    return Task.objects.get(instance=document.instance, node="distribute", assignee=receiver).status


def _mark_read_form(page: str, action: str) -> str:
    found = re.search(
        rf'<form method="post" action="{re.escape(action)}"[^>]*id="mark-read"[^>]*>(.*?)</form>', page, re.S
    )
    assert found is not None, "no 标记已阅 form posting the receipt"
    return found.group(1)


def _csrf_client(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


# --- 已阅 is a POST (hole 12) ---------------------------------------------------------------------------


def test_a_get_of_an_incoming_document_marks_nothing_read(org: dict[str, Any]) -> None:
    document = _circulating(org)
    reader = org["people"]["deputy1"]
    page = client_for(reader).get(reverse("documents:incoming", args=[document.pk]))
    assert page.status_code == 200
    assert _circulation_notice(document, reader) == TaskStatus.UNREAD
    form = _mark_read_form(page.content.decode(), reverse("documents:incoming_read", args=[document.pk]))
    assert 'name="csrfmiddlewaretoken"' in form
    assert "标记已阅" in form


def test_the_read_button_of_an_incoming_document_posts_the_receipt(org: dict[str, Any]) -> None:
    document = _circulating(org)
    reader = org["people"]["deputy1"]
    client = _csrf_client(reader)
    page = client.get(reverse("documents:incoming", args=[document.pk])).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    url = reverse("documents:incoming_read", args=[document.pk])
    answer = client.post(url, {"csrfmiddlewaretoken": token.group(1)}, headers={"accept": "application/json"})
    assert answer.json() == {"marked": 1}  # the page's background post
    assert _circulation_notice(document, reader) == TaskStatus.READ
    again = client.get(reverse("documents:incoming", args=[document.pk])).content.decode()
    assert 'id="mark-read"' not in again  # nothing left to mark


def test_neither_a_cross_site_link_nor_a_post_without_the_token_marks_a_document_read(org: dict[str, Any]) -> None:
    document = _circulating(org)
    reader = org["people"]["deputy1"]
    client = _csrf_client(reader)
    page = client.get(
        reverse("documents:incoming", args=[document.pk]), headers={"referer": "https://elsewhere.example/"}
    )
    assert page.status_code == 200
    assert client.post(reverse("documents:incoming_read", args=[document.pk])).status_code == 403
    assert _circulation_notice(document, reader) == TaskStatus.UNREAD


def test_a_get_of_an_issued_document_marks_no_receipt(org: dict[str, Any]) -> None:
    document, issuance, receiver = _issued(org)
    page = client_for(receiver).get(reverse("documents:outgoing", args=[document.pk]))
    assert page.status_code == 200
    assert Issuance.objects.get(pk=issuance.pk).read_at is None
    assert _distribution_notice(document, receiver) == TaskStatus.UNREAD
    _mark_read_form(page.content.decode(), reverse("documents:outgoing_read", args=[document.pk]))


def test_the_recipient_marks_an_issued_document_read_with_a_post(org: dict[str, Any]) -> None:
    document, issuance, receiver = _issued(org)
    client = client_for(receiver)
    response = client.post(reverse("documents:outgoing_read", args=[document.pk]), follow=True)
    assert "已标记为已阅" in response.content.decode()  # the button, without JavaScript
    assert Issuance.objects.get(pk=issuance.pk).read_at is not None
    assert Issuance.objects.get(pk=issuance.pk).received_at is None  # 签收 stays a step of its own
    assert _distribution_notice(document, receiver) == TaskStatus.READ
    assert 'id="mark-read"' not in client.get(reverse("documents:outgoing", args=[document.pk])).content.decode()


def test_a_read_receipt_for_a_document_one_may_not_read_is_not_found(org: dict[str, Any]) -> None:
    document = _circulating(org, confidentiality=Confidentiality.SECRET)
    outsider = org["people"]["staff"]
    assert client_for(outsider).post(reverse("documents:incoming_read", args=[document.pk])).status_code == 404
    assert client_for(outsider).get(reverse("documents:incoming_read", args=[document.pk])).status_code == 405


# --- classified reads and refusals are audited (hole 7, AU-1) -------------------------------------------


def _audited(action: str, target: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=action, target=target).order_by("seq"))


def test_reading_a_secret_incoming_document_is_audited(org: dict[str, Any]) -> None:
    document = register(org, confidentiality=Confidentiality.SECRET)
    gm = org["people"]["gm"]  # 公司领导: cleared for 秘密/机密
    client = client_for(gm)
    internal = register(org, source_number="华南能源安〔2026〕46号")  # 内部: its reads are not audited
    assert client.get(reverse("documents:incoming", args=[internal.pk])).status_code == 200
    assert not AuditRecord.objects.filter(target=f"incoming:{internal.pk}", action__startswith="classified.").exists()
    target = f"incoming:{document.pk}"
    assert client.get(reverse("documents:incoming", args=[document.pk])).status_code == 200
    [read] = _audited("classified.read", target)
    assert (read.actor_id, read.outcome, read.detail) == (gm.pk, "success", {"level": "secret"})
    original = document.files.order_by("pk").first()
    assert original is not None
    assert client.get(reverse("documents:file", args=[original.pk])).status_code == 200
    [download] = _audited("classified.download", target)
    assert download.actor_id == gm.pk


def test_exporting_a_confidential_outgoing_document_is_audited(org: dict[str, Any]) -> None:
    if not output.available():
        pytest.fail("the GB/T 9704 output is not available here")
    document = draft(org, confidentiality=Confidentiality.CONFIDENTIAL, copy_no="7")
    drafter = org["people"]["office_head"]
    client = client_for(drafter)
    target = f"outgoing:{document.pk}"
    assert client.get(reverse("documents:outgoing", args=[document.pk])).status_code == 200
    assert client.get(reverse("documents:outgoing_download", args=[document.pk, "docx"])).status_code == 200
    assert [r.action for r in AuditRecord.objects.filter(target=target, action__startswith="classified.")] == [
        "classified.read",
        "classified.export",
    ]
    assert all(r.detail == {"level": "confidential"} for r in AuditRecord.objects.filter(target=target))


def test_a_read_the_rule_refuses_is_audited_as_a_denial(org: dict[str, Any]) -> None:
    incoming = register(org, confidentiality=Confidentiality.SECRET)
    outgoing = draft(org, confidentiality=Confidentiality.SECRET, copy_no="3")
    outsider = org["people"]["staff"]  # takes no part in either, no clearance
    client = client_for(outsider)
    refused = [
        (reverse("documents:incoming", args=[incoming.pk]), f"incoming:{incoming.pk}"),
        (reverse("documents:file", args=[incoming.files.order_by("pk")[0].pk]), f"incoming:{incoming.pk}"),
        (reverse("documents:outgoing", args=[outgoing.pk]), f"outgoing:{outgoing.pk}"),
        (reverse("documents:outgoing_download", args=[outgoing.pk, "docx"]), f"outgoing:{outgoing.pk}"),
    ]
    for url, target in refused:
        before = len(_audited("access.denied", target))
        assert client.get(url).status_code == 404, url
        denials = _audited("access.denied", target)
        assert len(denials) == before + 1, url
        assert (denials[-1].actor_id, denials[-1].outcome) == (outsider.pk, "denied")
    assert not AuditRecord.objects.filter(action__startswith="classified.").exists()
    # a document that does not exist is simply not found: nothing was refused
    denied = AuditRecord.objects.filter(action="access.denied").count()
    assert client.get(reverse("documents:incoming", args=[987654])).status_code == 404
    assert client.get(reverse("documents:outgoing", args=[987654])).status_code == 404
    assert AuditRecord.objects.filter(action="access.denied").count() == denied


# --- the number register and the duplicate warning follow the read rule (AC-4) ---------------------------


def _clerk_of_another_unit() -> User:
    """A clerk (the office) of another company: reads unit A's 公开 公文, not its 内部 or 秘密 ones."""
    unit = make_unit("reads-b", name="另一家公司")
    clerk = make_staff(make_department(unit, "综合部"), username="clerk_b")
    grant(clerk, Role.objects.get(code="clerk"), unit)
    return clerk


def _numbered(org: dict[str, Any]) -> dict[str, OutgoingDocument]:
    """贵港发电〔2026〕1–3号: a 公开, an 内部 and a 秘密 发文 of unit A."""
    clerk = org["people"]["clerk"]
    documents = {
        "public": draft(org, title="公开的通知", confidentiality=Confidentiality.PUBLIC),
        "internal": draft(org, title="内部的通知", confidentiality=Confidentiality.INTERNAL),
        "secret": draft(org, title="秘密的通知", confidentiality=Confidentiality.SECRET, copy_no="5"),
    }
    for document in documents.values():
        services.number_claim(actor=clerk, prefix="贵港发电", year=2026, document=document)
    return documents


NUMBERS = ["贵港发电〔2026〕1号", "贵港发电〔2026〕2号", "贵港发电〔2026〕3号"]
QUERY = "?prefix=贵港发电&year=2026"


def test_the_number_register_shows_every_number_but_only_the_titles_the_viewer_may_read(org: dict[str, Any]) -> None:
    _numbered(org)
    outsider = client_for(_clerk_of_another_unit())
    page = outsider.get(reverse("documents:numbers") + QUERY).content.decode()
    printed = outsider.get(reverse("documents:numbers_print") + QUERY).content.decode()
    for shown in (page, printed):
        assert [n for n in NUMBERS if n in shown] == NUMBERS  # contiguous: every number is there
        assert "公开的通知" in shown
        assert "内部的通知" not in shown
        assert "秘密的通知" not in shown
        assert shown.count(WITHHELD) == 2
    book = load_workbook(BytesIO(outsider.get(reverse("documents:numbers_export") + QUERY).content))
    rows = [list(r) for r in book.active.iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[5]) for r in rows] == [
        (NUMBERS[0], "公开的通知"),
        (NUMBERS[1], WITHHELD),
        (NUMBERS[2], WITHHELD),
    ]
    assert [r[4] for r in rows] == ["通知", None, None]  # nor the 文种 of what they may not read (empty cells)

    own = client_for(org["people"]["clerk"]).get(reverse("documents:numbers") + QUERY).content.decode()
    assert all(title in own for title in ("公开的通知", "内部的通知", "秘密的通知"))  # the unit's own office
    assert WITHHELD not in own


def test_the_duplicate_warning_does_not_name_a_document_the_registrar_may_not_read(org: dict[str, Any]) -> None:
    earlier = register(org, title="内部来文的标题")  # unit A, 内部
    clerk_b = _clerk_of_another_unit()
    client = client_for(clerk_b)
    query = {"source_unit": earlier.source_unit, "source_number": earlier.source_number}
    warning = client.get(reverse("documents:incoming_duplicates"), query).content.decode()
    assert 'id="duplicate-flag"' in warning  # the number was registered before: the office is told
    assert "已登记过 1 份" in warning
    assert "内部来文的标题" not in warning
    assert reverse("documents:incoming", args=[earlier.pk]) not in warning

    mine = services.incoming_register(
        actor=clerk_b,
        title="本单位登记的同一来文",
        source_unit=earlier.source_unit,
        source_number=earlier.source_number,
        original=SimpleUploadedFile("来文.pdf", PDF),
    )
    assert mine.duplicate_of_id == earlier.pk  # the flag on the document itself stays office-wide
    page = client.get(reverse("documents:incoming", args=[mine.pk])).content.decode()
    assert 'id="duplicate-flag"' in page
    assert "内部来文的标题" not in page
    assert reverse("documents:incoming", args=[earlier.pk]) not in page

    own = client_for(org["people"]["clerk"]).get(reverse("documents:incoming_duplicates"), query).content.decode()
    assert "内部来文的标题" in own  # who may read it is shown it
