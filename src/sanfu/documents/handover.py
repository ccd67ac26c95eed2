"""离职交接 for 公文 (registered with ``core.handover`` in ``DocumentsConfig.ready``).

- 发文 the person drafted that are not yet filed: the successor becomes the drafter (拟稿人), who revises a
  returned draft and owns the record when it is filed. The flow's own steps are to-dos, handed over with
  the to-dos. A draft already returned (退回) still has the person as the flow's initiator, whom only the
  flow lets resubmit: the page says so, and a process administrator sends it on (重办) after the revision.
- 收文 the person registered that are not yet filed: listed only — who registered a document is a fact of
  its record, and the document's open steps are to-dos, handed over with them."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.accounts.models import User
from sanfu.core import handover
from sanfu.core.audit import audit_record
from sanfu.core.handover import HandoverItem
from sanfu.documents.models import IncomingDocument, OutgoingDocument
from sanfu.workflow.models import InstanceStatus

# A document whose flow ended this way will not be filed: nobody needs to take it over.
_ABANDONED = (InstanceStatus.REJECTED, InstanceStatus.WITHDRAWN, InstanceStatus.CANCELLED)


def _outgoing_in_progress(person: User) -> list[OutgoingDocument]:
    return list(
        OutgoingDocument.objects.filter(drafter=person, archived_at__isnull=True)
        .exclude(instance__status__in=_ABANDONED)
        .select_related("instance")
        .order_by("pk")
    )


def outgoing_items(person: User) -> list[HandoverItem]:
    items = []
    returned_note = _("已退回本人：接任者修改后，请流程管理员重办送审（流程只允许发起人重新送审）")
    for doc in _outgoing_in_progress(person):
        status = doc.instance.get_status_display() if doc.instance else _("拟稿")
        returned = doc.instance is not None and doc.instance.status == InstanceStatus.RETURNED
        items.append(
            HandoverItem(
                key=f"outgoing:{doc.pk}",
                title=doc.title,
                detail=" · ".join(str(p) for p in (doc.number or _("未编号"), status)),
                url=reverse("documents:outgoing", args=[doc.pk]),
                note=returned_note if returned else "",
            )
        )
    return items


def outgoing_transfer(*, actor: User, person: User, successor: User, reason: str) -> int:
    moved = 0
    for doc in _outgoing_in_progress(person):
        if not OutgoingDocument.objects.filter(pk=doc.pk, drafter=person).update(drafter=successor):
            continue
        moved += 1
        audit_record(
            action="handover.outgoing",
            actor=actor,
            target=f"outgoing:{doc.pk}",
            detail={"person": person.pk, "successor": successor.pk, "title": doc.title, "reason": reason},
        )
    return moved


def incoming_items(person: User) -> list[HandoverItem]:
    documents = (
        IncomingDocument.objects.filter(registered_by=person, archived_at__isnull=True)
        .exclude(instance__status__in=_ABANDONED)
        .select_related("instance")
        .order_by("pk")
    )
    return [
        HandoverItem(
            key=f"incoming:{doc.pk}",
            title=doc.title,
            detail=" · ".join(
                str(p) for p in (doc.source_unit, doc.instance.get_status_display() if doc.instance else "") if p
            ),
            url=reverse("documents:incoming", args=[doc.pk]),
        )
        for doc in documents
    ]


def register() -> None:
    handover.register(
        name="outgoing",
        label=gettext_lazy("拟稿的发文（未归档）"),
        list=outgoing_items,
        transfer=outgoing_transfer,
        order=50,
        effect=gettext_lazy("拟稿人改为接任者"),
    )
    handover.register(
        name="incoming",
        label=gettext_lazy("登记的收文（未归档）"),
        list=incoming_items,
        order=55,
        effect=gettext_lazy("仅列出：登记人是办理记录，不变更；其中的待办随待办交接"),
    )
