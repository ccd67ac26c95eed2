"""公文 pages in English. Step names are data (the flow definitions, a revision's stage, all stored in Chinese)
and are translated when shown: with English chosen, no Chinese step name is left in the step strip, the
holders, the record's step marks or the revision list; urgency and 密级 words are English too.

The English of the step names (msgids with the context 公文步骤) is filled in for the test where the shipped
catalogue does not have it yet, so the test checks that the pages translate what they show, before and after
the catalogue is regenerated."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext, trans_real

from sanfu.documents import flows, services
from sanfu.documents.models import IncomingDocument, OutgoingDocument
from tests.documents.conftest import client_for
from tests.documents.test_incoming import register
from tests.documents.test_outgoing import draft, take_to_signoff

STEP_ENGLISH = {
    "登记": "Registration",
    "拟办": "Proposal",
    "批办": "Instruction",
    "传阅": "Circulation",
    "分办": "Assignment",
    "承办": "Handling",
    "办结": "Completion",
    "归档": "Filing",
    "拟稿": "Drafting",
    "核稿": "Review",
    "会签": "Countersign",
    "签发": "Sign-off",
    "编号": "Numbering",
    "印发": "Issue",
    "分发": "Distribution",
    "修改": "Revision",
    "签发后退回": "Returned after sign-off",
}
STEP_WORDS = re.compile("|".join(sorted(STEP_ENGLISH, key=len, reverse=True)))


@pytest.fixture
def step_catalogue() -> Iterator[None]:
    """The English of each step name, where the shipped catalogue lacks it (only for this test)."""
    catalog = trans_real.translation("en")._catalog  # type: ignore[attr-defined]
    added = []
    for chinese, english in STEP_ENGLISH.items():
        key = f"公文步骤\x04{chinese}"
        if key not in catalog:
            catalog[key] = english
            added.append(key)
    yield
    for key in added:
        del catalog._catalogs[0][key]


def _in_english(chinese: str) -> str:
    """A step name as the English catalogue (or, lacking it, this test's STEP_ENGLISH) has it."""
    with translation.override("en"):
        return pgettext("公文步骤", chinese)


def _word(chinese: str) -> str:
    """An urgency or 密级 word in English."""
    with translation.override("en"):
        return gettext(chinese)


def _english(user: Any) -> Client:
    client = client_for(user)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def _strip(html: str) -> str:
    """The step strip and what names steps around it: the loop table, who holds it now, the record's step
    marks and the revisions' stages."""
    parts = re.findall(r'<table class="[^"]*loop-table.*?</table>', html, flags=re.DOTALL)
    parts += re.findall(r'<p class="small mb-2"[^>]*>.*?</p>', html, flags=re.DOTALL)  # 现在由 … 办理（step）
    parts += re.findall(r'<span class="badge text-bg-light">(.*?)</span>', html)
    revisions = re.search(r"bi-layers.*?</ul>", html, flags=re.DOTALL)
    if revisions:
        parts.append(revisions.group(0))
    list_holders = re.findall(r'<span class="fw-semibold">(.*?)</span>', html)
    return "\n".join(parts + list_holders)


def _incoming_at_distribute(org: dict[str, Any]) -> IncomingDocument:
    p = org["people"]
    document = register(org, urgency="加急", confidentiality="secret")
    services.incoming_propose(
        actor=p["clerk"], document_id=document.pk, text="Please.", leader=p["gm"], readers=[p["hr"]]
    )
    services.incoming_instruct(actor=p["gm"], document_id=document.pk, text="Agreed.")
    return document


def _outgoing_at_numbering(org: dict[str, Any]) -> OutgoingDocument:
    document = take_to_signoff(org, draft(org, urgency="特急"))
    services.outgoing_assign_number(actor=org["people"]["clerk"], document_id=document.pk)
    return document


def test_every_built_in_step_name_is_marked_for_translation() -> None:
    names = {
        str(node["name"])
        for spec in (flows.INCOMING_SPEC, flows.OUTGOING_SPEC)
        for node in spec["nodes"]
        if node.get("name")
    }
    assert names <= set(flows.STEP_NAMES)
    assert set(flows.STEP_NAMES) == set(STEP_ENGLISH)


def test_the_incoming_pages_name_their_steps_in_english(org: dict[str, Any], step_catalogue: None) -> None:
    clerk = org["people"]["clerk"]
    document = _incoming_at_distribute(org)
    client = _english(clerk)
    page = client.get(reverse("documents:incoming", args=[document.pk])).content.decode()
    strip = _strip(page)
    for chinese in ("拟办", "批办", "传阅", "分办"):  # 分办: who holds it now
        assert _in_english(chinese) in strip, chinese
    assert STEP_WORDS.findall(strip) == []
    header = page[page.index('class="page-title') : page.index("</h1>")]
    assert _word("加急") in header
    assert "加急" not in header
    assert _word("秘密") in page
    listing = _strip(client.get(reverse("documents:incoming_list")).content.decode())
    assert _in_english("分办") in listing
    assert STEP_WORDS.findall(listing) == []


def test_the_outgoing_pages_name_their_steps_in_english(org: dict[str, Any], step_catalogue: None) -> None:
    clerk = org["people"]["clerk"]
    document = _outgoing_at_numbering(org)
    client = _english(clerk)
    page = client.get(reverse("documents:outgoing", args=[document.pk])).content.decode()
    strip = _strip(page)
    for chinese in ("核稿", "会签", "签发", "编号", "印发", "拟稿"):  # 印发: who holds it now; 拟稿: a stage
        assert _in_english(chinese) in strip, chinese
    assert STEP_WORDS.findall(strip) == []
    header = page[page.index('class="page-title') : page.index("</h1>")]
    assert _word("特急") in header
    assert "特急" not in header
    listing = _strip(client.get(reverse("documents:outgoing_list")).content.decode())
    assert _in_english("印发") in listing
    assert STEP_WORDS.findall(listing) == []


def test_the_steps_stay_chinese_in_the_data(org: dict[str, Any]) -> None:
    """A drafter working in English still stores the Chinese names (the data is the same in any language)."""
    drafter = org["people"]["office_head"]
    _english(drafter)
    with translation.override("en"):
        document = draft(org)
        services.outgoing_review(actor=org["people"]["clerk"], document_id=document.pk)
    assert list(document.revisions.values_list("stage", "comment")) == [("拟稿", "拟稿")]
    assert document.instance is not None
    assert {n["name"] for n in document.instance.definition.spec["nodes"] if n.get("name")} >= {"核稿", "会签"}
