"""Returns in 发文 say what they do and do what they say. A return after 签发 (the office, at 编号 or 印发)
means a new revision and a new 签发: the signed-off text becomes a new revision the drafter can revise, the
earlier 签发 and its digest stay in the record marked withdrawn, and the document goes through 核稿, 会签 and
签发 again. Every message after a return names to whom it went."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from sanfu.core.models import AuditRecord
from sanfu.documents import services
from sanfu.documents.models import DocumentNumber, OutgoingDocument, OutgoingSignOff
from sanfu.workflow.models import InstanceStatus
from tests.documents.conftest import client_for
from tests.documents.test_outgoing import draft, take_to_signoff


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _act(user: Any, document: OutgoingDocument, step: str, **data: str) -> list[str]:
    url = reverse("documents:outgoing_act", args=[document.pk, step])
    return _messages(client_for(user).post(url, data, follow=True))


def _to_signoff_step(org: dict[str, Any]) -> OutgoingDocument:
    p, heads = org["people"], org["heads"]
    document = draft(org)
    services.outgoing_review(actor=p["clerk"], document_id=document.pk)
    for code in ("production", "safety"):
        services.outgoing_countersign(actor=heads[code], document_id=document.pk)
    return document


def test_a_return_at_sign_off_says_it_went_back_to_the_drafter(org: dict[str, Any]) -> None:
    document = _to_signoff_step(org)
    said = _act(org["people"]["gm"], document, "return", comment="第二条表述不准确")
    assert said == [f"已退回拟稿人 {org['people']['office_head'].display_name} 修改。"]
    document.refresh_from_db()
    assert document.instance is not None
    assert document.instance.status == InstanceStatus.RETURNED


def test_a_countersign_refusal_says_which_step_and_people_it_went_back_to(org: dict[str, Any]) -> None:
    p, heads = org["people"], org["heads"]
    document = draft(org)
    services.outgoing_review(actor=p["clerk"], document_id=document.pk)
    said = _act(heads["production"], document, "disagree", comment="请补充检修安排")
    assert len(said) == 1
    assert said[0].startswith("已退回核稿（")
    assert p["clerk"].display_name in said[0]


def test_a_return_after_sign_off_unfreezes_into_a_new_revision_and_needs_a_new_sign_off(
    org: dict[str, Any],
) -> None:
    p, heads = org["people"], org["heads"]
    clerk, drafter, gm = p["clerk"], p["office_head"], p["gm"]
    document = take_to_signoff(org, draft(org))
    first_digest, frozen_no = document.digest, document.frozen_revision.no  # type: ignore[union-attr]

    said = _act(clerk, document, "return", comment="主送单位写错，需重新签发")  # at 编号
    assert said == [f"已退回拟稿人 {drafter.display_name} 修改。原签发定稿已作废，修改后须重新核稿、签发。"]
    document.refresh_from_db()
    assert document.instance is not None
    assert document.instance.status == InstanceStatus.RETURNED
    assert (document.frozen_revision, document.digest, document.signed_by) == (None, "", None)
    revisions = list(document.revisions.order_by("no"))
    assert revisions[-1].no == frozen_no + 1
    assert revisions[-1].body == revisions[-2].body  # the signed text, now open to revise
    assert revisions[-1].stage == "签发后退回"
    withdrawn = OutgoingSignOff.objects.get(document=document)
    assert (withdrawn.digest, withdrawn.revision.no) == (first_digest, frozen_no)
    assert withdrawn.withdrawn_by == clerk
    assert withdrawn.withdrawn_reason == "主送单位写错，需重新签发"
    audit = AuditRecord.objects.get(action="documents.outgoing.sign_off_withdrawn")
    assert audit.detail["digest"] == first_digest

    page = client_for(drafter).get(reverse("documents:outgoing", args=[document.pk])).content.decode()
    assert 'id="form-revise"' in page
    assert 'id="returned-after-signoff"' in page
    banner = page[page.index('id="returned"') :]
    assert banner.index("主送单位写错，需重新签发") < banner.index('id="returned-after-signoff"')  # the reason shown
    assert 'id="frozen"' not in page
    record = page[page.index('id="signoffs"') :]
    assert first_digest in record  # the earlier 签发 stays in the record, marked withdrawn
    assert "已作废" in record

    services.outgoing_revise(
        actor=drafter, document_id=document.pk, title=document.title, body=document.body + "\n\n（更正）", comment="改"
    )
    assert _act(drafter, document, "resubmit") == ["已重新送核稿。"]
    document.refresh_from_db()
    review_page = client_for(clerk).get(reverse("documents:outgoing", args=[document.pk])).content.decode()
    assert 'id="form-revise"' in review_page  # 核稿 can revise again too
    services.outgoing_review(actor=clerk, document_id=document.pk)
    for code in ("production", "safety"):
        services.outgoing_countersign(actor=heads[code], document_id=document.pk)
    document = services.outgoing_sign_off(actor=gm, document_id=document.pk)
    assert document.frozen_revision is not None
    assert document.frozen_revision.no == frozen_no + 2
    assert document.digest != first_digest
    assert services.verify_frozen(document)
    signoffs = list(OutgoingSignOff.objects.filter(document=document).order_by("signed_at", "id"))
    assert [(s.digest, s.withdrawn_at is None) for s in signoffs] == [(first_digest, False), (document.digest, True)]


def test_a_return_from_issue_keeps_the_number_and_numbering_confirms_it(org: dict[str, Any]) -> None:
    p, heads = org["people"], org["heads"]
    clerk, drafter = p["clerk"], p["office_head"]
    document = take_to_signoff(org, draft(org))
    document = services.outgoing_assign_number(actor=clerk, document_id=document.pk, year=2026)
    number = document.number
    services.outgoing_return(actor=clerk, document_id=document.pk, comment="附件缺页，退回重签")  # at 印发
    services.outgoing_resubmit(actor=drafter, document_id=document.pk)
    services.outgoing_review(actor=clerk, document_id=document.pk)
    for code in ("production", "safety"):
        services.outgoing_countersign(actor=heads[code], document_id=document.pk)
    services.outgoing_sign_off(actor=p["gm"], document_id=document.pk)
    document = services.outgoing_assign_number(actor=clerk, document_id=document.pk, year=2026)
    assert document.number == number
    assert DocumentNumber.objects.filter(document=document).count() == 1
