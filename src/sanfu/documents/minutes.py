"""纪要 from 办会 and 报告 from 服务领导决策: a meeting's minutes become a 发文 of kind 纪要, an approved research
result a 发文 of kind 报告, and each goes round the 发文 loop (核稿 → 会签 → 签发 → 编号 → 印发 → 归档) like any
other draft.

The meetings domain sends an outbox message of kind :data:`DRAFT_MINUTES` when its secretary issues the minutes;
this receiver drafts the 发文 as that secretary (who must hold the drafting right, as on the 拟稿 page) and
tells them where it is. Delivery is at least once: the message key is the draft's one-time token, so a second
delivery finds the first draft instead of making another. A refusal (no drafting right, an empty text) is told
to the secretary rather than retried for ever."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError
from sanfu.core.notify import notify_people
from sanfu.documents import services
from sanfu.documents.models import Confidentiality, DocKind
from sanfu.workflow.models import OutboxMessage

DRAFT_MINUTES = "documents.draft_minutes"
DRAFT_REPORT = "documents.draft_report"


def receive_minutes(message: OutboxMessage) -> None:
    """Payload: drafter_id, title, body, recipients (主送), confidentiality, source_url (the meeting's page)."""
    _receive(
        message,
        kind=DocKind.MINUTES,
        refused=_("会议纪要未能转为发文：%(why)s"),
        drafted=_("会议纪要已转为发文（纪要），已送核稿：%(title)s"),
        notice="minutes",
    )


def receive_report(message: OutboxMessage) -> None:
    """The same payload from 服务领导决策 (source_url: the request's page): a 报告 draft of its approved result."""
    _receive(
        message,
        kind=DocKind.REPORT,
        refused=_("调研成果未能转为发文：%(why)s"),
        drafted=_("调研成果已转为发文（报告），已送核稿：%(title)s"),
        notice="report",
    )


def _receive(message: OutboxMessage, *, kind: str, refused: str, drafted: str, notice: str) -> None:
    payload = message.payload
    drafter = User.objects.filter(pk=payload.get("drafter_id"), is_active=True).first()
    if drafter is None:
        return  # the drafter left meanwhile: nobody to draft as; the source's page still holds the text
    confidentiality = str(payload.get("confidentiality") or Confidentiality.INTERNAL)
    try:
        document = services.outgoing_draft(
            actor=drafter,
            kind=kind,
            title=str(payload.get("title", "")),
            body=str(payload.get("body", "")),
            recipients=str(payload.get("recipients", "")),
            confidentiality=confidentiality,
            token=message.key[:64],
        )
    except ApplicationError as exc:
        notify_people(
            key=f"{message.key}:refused",
            people=[drafter.pk],
            kind=f"documents.{notice}_refused",
            title=refused % {"why": exc.message},
            url=str(payload.get("source_url", "")),
        )
        return
    notify_people(
        key=f"{message.key}:drafted",
        people=[drafter.pk],
        kind=f"documents.{notice}_drafted",
        title=drafted % {"title": document.title},
        url=reverse("documents:outgoing", args=[document.pk]),
    )
