"""Small fixes found in review: the archive stores Chinese words whatever language the clerk works in; a return
nobody made (a timeout) says why in the reader's language; the 公文 pages carry no inline script for the
Content-Security-Policy to allow."""

from __future__ import annotations

import copy
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from sanfu.archive.models import ArchiveRecord
from sanfu.documents import flows, services
from sanfu.documents.models import DocKind
from sanfu.workflow.models import InstanceStatus
from sanfu.workflow.services import definition_publish, instance_tick
from tests.documents.conftest import client_for
from tests.documents.test_english import _english
from tests.documents.test_incoming import register
from tests.documents.test_outgoing import draft, take_to_signoff

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "sanfu" / "documents" / "templates"


def test_the_archive_keeps_the_chinese_kind_when_the_clerk_works_in_english(org: dict[str, Any]) -> None:
    p = org["people"]
    with translation.override("en"):
        assert str(DocKind(DocKind.NOTICE).label) != "通知"  # the catalogue translates it: the old code stored this
        document = take_to_signoff(org, draft(org))
        services.outgoing_assign_number(actor=p["clerk"], document_id=document.pk, year=2026)
        services.outgoing_issue(actor=p["clerk"], document_id=document.pk, departments=[org["departments"]["finance"]])
        services.outgoing_archive(actor=p["clerk"], document_id=document.pk)
    record = ArchiveRecord.objects.get(source="documents.outgoing", source_id=document.pk)
    assert (record.kind, record.category) == ("通知", "发文")


def test_the_incoming_dossier_names_its_steps_in_chinese_whatever_the_language(org: dict[str, Any]) -> None:
    p, d = org["people"], org["departments"]
    document = register(org)
    with translation.override("en"):
        services.incoming_propose(
            actor=p["clerk"], document_id=document.pk, text="拟请阅示。", leader=p["gm"], readers=[]
        )
        services.incoming_instruct(actor=p["gm"], document_id=document.pk, text="请办理。")
        services.incoming_distribute(actor=p["clerk"], document_id=document.pk, lead=d["production"], co=[])
        services.incoming_reply(actor=org["heads"]["production"], document_id=document.pk, text="已办。")
        services.incoming_close(actor=p["clerk"], document_id=document.pk, text="办结。")
        services.incoming_archive(actor=p["clerk"], document_id=document.pk)
    record = ArchiveRecord.objects.get(source="documents.incoming", source_id=document.pk)
    assert "拟办意见：拟请阅示。" in record.body_text
    assert "领导批示：请办理。" in record.body_text


def test_a_timeout_return_says_why_in_the_readers_language(org: dict[str, Any]) -> None:
    spec = copy.deepcopy(flows.OUTGOING_SPEC)
    review = next(n for n in spec["nodes"] if n["id"] == "review")
    review["deadline"] = {"working_days": 1, "on_timeout": "auto_return"}
    definition_publish(actor=None, spec={**spec, "admins": []})
    document = draft(org)
    assert document.instance is not None
    instance = instance_tick(instance_id=document.instance.pk, now=timezone.now() + timedelta(days=30))
    assert instance.status == InstanceStatus.RETURNED
    drafter = org["people"]["office_head"]
    url = reverse("documents:outgoing", args=[document.pk])

    banner = _banner(client_for(drafter).get(url).content.decode())
    assert "超时自动退回发起人" in banner
    with translation.override("en"):
        english = gettext("超时自动退回发起人")
    assert english != "超时自动退回发起人"
    banner = _banner(_english(drafter).get(url).content.decode())
    assert english in banner
    assert "超时自动退回发起人" not in banner


def _banner(html: str) -> str:
    match = re.search(r'<div class="alert alert-warning small" id="returned">(.*?)</div>', html, flags=re.DOTALL)
    assert match
    return match.group(1)


def test_documents_templates_carry_no_inline_script_or_event_handler() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"\son[a-z]+\s*=", text, flags=re.IGNORECASE), template.name
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
            assert "src=" in tag, template.name


def test_the_register_print_button_prints_through_the_shared_script(org: dict[str, Any]) -> None:
    services.number_claim(actor=org["people"]["clerk"], prefix="贵港发电", year=2026)
    page = client_for(org["people"]["clerk"]).get(
        reverse("documents:numbers_print"), {"prefix": "贵港发电", "year": "2026"}
    )
    html = page.content.decode()
    assert re.search(r'<button[^>]*id="print-now"[^>]*data-print', html)
    assert "sanfu/sanfu.js" in html
