"""立项督办 (issue 14): a leader's 批示 may put the 收文 under supervision with a deadline; at 分办, when the
lead department is known, the 督办 ledger opens one item for that department's head, assigned by the leader,
linked back to the document — once, however often the message is delivered or the document distributed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanfu.core.errors import ApplicationError
from sanfu.documents import services
from sanfu.documents.models import IncomingStep, StepKind
from sanfu.supervision import selectors as supervision
from sanfu.supervision.models import Item, Source
from sanfu.workflow import outbox
from sanfu.workflow.models import OutboxMessage
from tests.documents.conftest import client_for
from tests.documents.test_incoming import register


def _to_instruction(org: dict[str, Any]) -> Any:
    document = register(org)
    services.incoming_propose(
        actor=org["people"]["clerk"], document_id=document.pk, text="拟请总经理阅示。", leader=org["people"]["gm"]
    )
    return document


def test_the_instruction_opens_one_item_for_the_lead_head_at_distribution(org: dict[str, Any]) -> None:
    p, d, heads = org["people"], org["departments"], org["heads"]
    document = _to_instruction(org)
    until = timezone.localdate() + timedelta(days=20)
    services.incoming_instruct(actor=p["gm"], document_id=document.pk, text="请生产部牵头落实。", supervise_until=until)
    assert not Item.objects.exists()  # not before 分办: the lead department is not known yet
    services.incoming_distribute(actor=p["clerk"], document_id=document.pk, lead=d["production"], co=[d["safety"]])
    outbox.deliver_pending()

    item = Item.objects.get()
    assert (item.source, item.owner, item.assigned_by) == (Source.INSTRUCTION, heads["production"], p["gm"])
    assert (item.lead_department, item.deadline) == (d["production"], until)
    assert list(item.co_departments.all()) == [d["safety"]]
    assert item.content == "请生产部牵头落实。"
    assert item.source_url == f"/documents/incoming/{document.pk}/"
    assert item.title.endswith(document.title)
    assert supervision.access_item(actor=heads["production"], item_id=item.pk) == item  # the owner sees it

    OutboxMessage.objects.update(delivered_at=None)  # delivered again
    outbox.deliver_pending()
    assert Item.objects.count() == 1


def test_without_supervision_nothing_opens_and_a_past_deadline_is_refused(org: dict[str, Any]) -> None:
    p, d = org["people"], org["departments"]
    document = _to_instruction(org)
    with pytest.raises(ApplicationError, match="督办期限"):
        services.incoming_instruct(
            actor=p["gm"],
            document_id=document.pk,
            text="阅。",
            supervise_until=timezone.localdate() - timedelta(days=1),
        )
    assert not IncomingStep.objects.filter(document=document, kind=StepKind.INSTRUCTION).exists()
    services.incoming_instruct(actor=p["gm"], document_id=document.pk, text="阅。")
    services.incoming_distribute(actor=p["clerk"], document_id=document.pk, lead=d["production"])
    outbox.deliver_pending()
    assert not Item.objects.exists()


def test_the_page_offers_it_and_shows_it_on_the_instruction(org: dict[str, Any]) -> None:
    p = org["people"]
    document = _to_instruction(org)
    gm = client_for(p["gm"])
    page = gm.get(f"/documents/incoming/{document.pk}/").content.decode()
    assert 'name="supervise"' in page
    answer = gm.post(
        f"/documents/incoming/{document.pk}/instruct/", {"text": "请落实。", "supervise": "1"}, follow=True
    )
    assert "立项督办须填写督办期限" in answer.content.decode()
    assert not IncomingStep.objects.filter(document=document, kind=StepKind.INSTRUCTION).exists()
    until = (timezone.localdate() + timedelta(days=9)).isoformat()
    gm.post(
        f"/documents/incoming/{document.pk}/instruct/", {"text": "请落实。", "supervise": "1", "supervise_until": until}
    )
    shown = gm.get(f"/documents/incoming/{document.pk}/").content.decode()
    assert "立项督办" in shown
    assert until in shown
