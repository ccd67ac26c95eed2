"""纪要 from 办会 (issue 14): the meetings domain's outbox message drafts a 发文 of kind 纪要 as its secretary,
which then waits at 核稿 like any draft; a second delivery of the same message drafts nothing more, and a
refusal is told to the secretary instead of being retried for ever."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sanfu.core.models import Notification
from sanfu.documents.minutes import DRAFT_MINUTES
from sanfu.documents.models import DocKind, OutgoingDocument
from sanfu.workflow import outbox
from sanfu.workflow.models import OutboxMessage, Task, TaskStatus


def _send(key: str, drafter_id: int, **extra: Any) -> None:
    payload = {
        "drafter_id": drafter_id,
        "title": "2026年第12次总经理办公会议纪要",
        "body": "会议研究了冬季安全生产工作。\n一、……",
        "recipients": "公司各部门",
        "confidentiality": "internal",
        "source_url": "/meetings/7/",
        **extra,
    }
    with transaction.atomic():
        outbox.enqueue(key=key, kind=DRAFT_MINUTES, payload=payload)
    outbox.deliver_pending()


def test_minutes_become_a_draft_at_review_and_a_redelivery_adds_nothing(org: dict[str, Any]) -> None:
    head = org["people"]["office_head"]
    _send("meeting-minutes:7", head.pk)
    document = OutgoingDocument.objects.get()
    assert (document.kind, document.drafter, document.recipients) == (DocKind.MINUTES, head, "公司各部门")
    assert document.revisions.get().body.startswith("会议研究了冬季安全生产工作")
    open_nodes = set(
        Task.objects.filter(instance=document.instance, status=TaskStatus.OPEN).values_list("node", flat=True)
    )
    assert open_nodes == {"review"}
    notice = Notification.objects.get(user=head, kind="documents.minutes_drafted")
    assert notice.url == f"/documents/outgoing/{document.pk}/"

    OutboxMessage.objects.update(delivered_at=None)  # delivered again, as after a worker died mid-way
    outbox.deliver_pending()
    assert OutgoingDocument.objects.count() == 1
    assert Notification.objects.filter(user=head, kind="documents.minutes_drafted").count() == 1


def test_a_secretary_without_the_drafting_right_is_told_and_the_message_is_done(org: dict[str, Any]) -> None:
    staff = org["people"]["staff"]
    _send("meeting-minutes:8", staff.pk)
    assert not OutgoingDocument.objects.exists()
    notice = Notification.objects.get(user=staff, kind="documents.minutes_refused")
    assert "起草发文" in notice.title
    assert notice.url == "/meetings/7/"
    assert OutboxMessage.objects.get(key="meeting-minutes:8").delivered_at is not None


def test_an_empty_text_is_refused_the_same_way(org: dict[str, Any]) -> None:
    head = org["people"]["office_head"]
    _send("meeting-minutes:9", head.pk, body="  ")
    assert not OutgoingDocument.objects.exists()
    assert "正文" in Notification.objects.get(user=head, kind="documents.minutes_refused").title
