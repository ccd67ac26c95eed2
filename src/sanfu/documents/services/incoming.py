"""收文 writes: 登记, 拟办, 批办, 分办, 承办, 办结 and 归档, and 退回 / 重新提交. Each step is a node of the
``doc-incoming`` flow; the step's own data (拟办意见, 批示 verbatim, 分办, 承办答复, a return's reason) is kept
in this app's tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, ErrorCode, PermissionDeniedError
from sanfu.documents import archiving, selectors
from sanfu.documents.flows import INCOMING_KEY
from sanfu.documents.models import (
    Confidentiality,
    FileRole,
    IncomingDocument,
    IncomingSource,
    IncomingStep,
    StepKind,
    Urgency,
)
from sanfu.documents.services.common import (
    Upload,
    check_choice,
    flow_of,
    holds_open_task,
    once,
    open_task,
    read_uploads,
    require_office,
    store_files,
)
from sanfu.org import selectors as org
from sanfu.org.clearance import marking_of
from sanfu.org.models import Department
from sanfu.workflow import outbox
from sanfu.workflow import services as workflow
from sanfu.workflow.models import InstanceStatus
from sanfu.workflow.selectors import definition_of

# The outbox kind the supervision domain receives (立项督办: a 批示 that opens an item in the 督办 ledger).
SUPERVISION_OPEN_ITEM = "supervision.open_item"


def _lock_source(source_unit: str, source_number: str) -> None:
    """Hold the (来文单位, 来文字号) row until the transaction ends, so that a registration of the same document
    at the same moment waits and then sees this one as its duplicate. (SQLite's IMMEDIATE transactions are
    serialised already; the row lock is what PostgreSQL needs.)"""
    if not source_number:
        return
    try:
        with transaction.atomic():
            IncomingSource.objects.create(source_unit=source_unit, source_number=source_number)
    except IntegrityError:
        pass
    IncomingSource.objects.select_for_update().filter(source_unit=source_unit, source_number=source_number).first()


@once("incoming.register")
def incoming_register(
    *,
    actor: User,
    title: str,
    source_unit: str,
    source_number: str = "",
    received_on: date | None = None,
    urgency: str = Urgency.NORMAL,
    confidentiality: str = Confidentiality.INTERNAL,
    deadline: date | None = None,
    pages: int = 1,
    summary: str = "",
    original: Upload | None = None,
    attachments: Sequence[Upload] = (),
    token: str = "",
) -> IncomingDocument:
    """收文登记: record the document and start its loop; an earlier registration of the same source unit
    and number is flagged as a possible duplicate (the office decides, nothing is refused)."""
    require_office(actor)
    title, source_unit, source_number = title.strip(), source_unit.strip(), source_number.strip()
    if not title or not source_unit:
        raise ApplicationError(_("标题和来文单位必须填写。"))
    check_choice(urgency, Urgency, _("紧急程度"))
    check_choice(confidentiality, Confidentiality, _("密级"))
    uploads: list[tuple[str, Upload]] = [(FileRole.ORIGINAL, original)] if original is not None else []
    files = read_uploads(uploads + [(FileRole.ATTACHMENT, a) for a in attachments])
    with transaction.atomic():
        _lock_source(source_unit[:100], source_number[:64])
        duplicates = selectors.duplicates_of(source_unit[:100], source_number[:64])
        document = IncomingDocument.objects.create(
            title=title[:200],
            source_unit=source_unit[:100],
            source_number=source_number[:64],
            received_on=received_on or timezone.localdate(),
            urgency=urgency,
            confidentiality=confidentiality,
            deadline=deadline,
            pages=max(1, int(pages or 1)),
            summary=summary,
            duplicate_of=duplicates[0] if duplicates else None,
            registered_by=actor,
        )
        store_files(actor, files, incoming=document)
        document.instance = workflow.instance_start(
            actor=actor,
            definition_key=INCOMING_KEY,
            title=f"收文：{title}"[:200],
            urgency=urgency,
            in_transaction=True,
            marking=marking_of(actor, confidentiality),  # the read rule: its 密级, in the registrar's unit
        )
        document.save(update_fields=["instance"])
        audit_record(
            action="documents.incoming.register",
            actor=actor,
            target=f"incoming:{document.pk}",
            detail={
                "source_unit": source_unit,
                "source_number": source_number,
                "duplicate_of": document.duplicate_of_id,
            },
        )
    return document


def _incoming(actor: User, document_id: int) -> IncomingDocument:
    return selectors.access_incoming(actor=actor, document_id=document_id)


@once("incoming.propose")
def incoming_propose(
    *, actor: User, document_id: int, text: str, leader: User, readers: Sequence[User] = (), token: str = ""
) -> IncomingDocument:
    """拟办: the office's proposal, naming the leader who is to give instructions and the readers (传阅)."""
    document = _incoming(actor, document_id)
    if not text.strip():
        raise ApplicationError(_("请填写拟办意见。"))
    task = open_task(actor, document.instance, "propose")
    form = {"leader": [leader.pk], "readers": [r.pk for r in readers]}
    with transaction.atomic():
        workflow.task_approve(actor=actor, task_id=task.pk, comment=text, form=form, in_transaction=True)
        IncomingStep.objects.create(
            document=document,
            kind=StepKind.PROPOSAL,
            actor=actor,
            text=text,
            data={"leader": leader.pk, "readers": [r.pk for r in readers]},
        )
    return document


@once("incoming.instruct")
def incoming_instruct(
    *, actor: User, document_id: int, text: str, supervise_until: date | None = None, token: str = ""
) -> IncomingDocument:
    """批办: the leader's instruction (批示), kept exactly as written; 传阅 follows it (see
    :func:`circulation_round`). ``supervise_until``: the leader puts the matter under supervision (立项督办)
    with this deadline; the item opens in the 督办 ledger at 分办, once the lead department is known."""
    document = _incoming(actor, document_id)
    if not text.strip():
        raise ApplicationError(_("请填写批示。"))
    if supervise_until is not None and supervise_until < timezone.localdate():
        raise ApplicationError(_("督办期限不能早于今天。"))
    task = open_task(actor, document.instance, "instruct")
    round_no, sent, unchanged = circulation_round(document, leader=actor, text=text)
    # A flow started before the definition let 批办 write the readers sends the round to every reader.
    writable = definition_of(task.instance).nodes["instruct"].fields.get("readers") == "write"
    if not writable:
        sent, unchanged = sent + unchanged, []
    with transaction.atomic():
        workflow.task_approve(
            actor=actor,
            task_id=task.pk,
            comment=text,
            form={"readers": sent} if writable else None,
            in_transaction=True,
        )
        IncomingStep.objects.create(
            document=document,
            kind=StepKind.INSTRUCTION,
            actor=actor,
            text=text,
            data={
                "round": round_no,
                "sent": sent,
                "unchanged": unchanged,
                **({"supervise_until": supervise_until.isoformat()} if supervise_until else {}),
            },
        )
    return document


def same_instruction(text: str) -> str:
    """A 批示 as compared between rounds: whitespace (line breaks, full-width spaces) does not count."""
    return " ".join(text.split())


def circulation_round(document: IncomingDocument, *, leader: User, text: str) -> tuple[int, list[int], list[int]]:
    """传阅 rounds: (the round this 批示 opens, the readers sent it, the readers not sent it again).

    Each 批示 opens a round of 传阅 (第1轮, 第2轮 … after a return brought the document back to 批办). The
    readers are those of the latest 拟办. A reader gets the round as a new notice of its own when they had no
    earlier round, or when the 批示 differs from the one of the latest round they had: another leader's, or
    other words (whitespace aside, see :func:`same_instruction`). A reader whose latest round carried the same
    批示 by the same leader is not sent it again: the notice they had (read or not) stands for the new round
    too, and the page shows them under it as 批示未变."""
    proposal = document.steps.filter(kind=StepKind.PROPOSAL).order_by("-at", "-id").first()
    readers = [int(r) for r in (proposal.data.get("readers", []) if proposal else [])]
    earlier = list(document.steps.filter(kind=StepKind.INSTRUCTION).order_by("at", "id"))
    wanted = (leader.pk, same_instruction(text))
    had: dict[int, tuple[int, str]] = {}  # reader → the 批示 (leader, words) of the latest round they had
    for step in earlier:
        data = step.data or {}
        covered = [*data.get("sent", []), *data.get("unchanged", [])] if "sent" in data else readers
        for reader in covered:
            had[int(reader)] = (step.actor_id, same_instruction(step.text))
    sent = [r for r in readers if had.get(r) != wanted]
    unchanged = [r for r in readers if had.get(r) == wanted]
    return len(earlier) + 1, sent, unchanged


@once("incoming.distribute")
def incoming_distribute(
    *,
    actor: User,
    document_id: int,
    lead: Department,
    co: Sequence[Department] = (),
    note: str = "",
    token: str = "",
) -> IncomingDocument:
    """分办: one lead department (主办) and any co-departments (协办); their heads then handle it at once."""
    document = _incoming(actor, document_id)
    co_ids = [d.pk for d in co if d.pk != lead.pk]
    missing = [d.name for d in [lead, *co] if not org.department_heads(d)]
    if missing:
        raise ApplicationError(_("以下部门没有负责人，无法分办：%(d)s") % {"d": "、".join(missing)})
    task = open_task(actor, document.instance, "distribute")
    with transaction.atomic():
        workflow.task_approve(
            actor=actor, task_id=task.pk, comment=note, form={"departments": [lead.pk, *co_ids]}, in_transaction=True
        )
        IncomingStep.objects.create(
            document=document, kind=StepKind.DISTRIBUTION, actor=actor, text=note, data={"lead": lead.pk, "co": co_ids}
        )
        _open_supervision(document, lead=lead, co_ids=co_ids)
    return document


def _open_supervision(document: IncomingDocument, *, lead: Department, co_ids: Sequence[int]) -> None:
    """立项督办: when the latest 批示 put the matter under supervision, the 督办 ledger opens an item for the lead
    department's head, assigned by the instructing leader (an outbox message the supervision domain receives,
    delivered after commit; one item per 批示, however often the document is distributed again)."""
    instruction = document.steps.filter(kind=StepKind.INSTRUCTION).order_by("-at", "-id").first()
    until = (instruction.data or {}).get("supervise_until") if instruction else None
    if instruction is None or not until:
        return
    outbox.enqueue(
        key=f"incoming-instruction:{instruction.pk}",
        kind=SUPERVISION_OPEN_ITEM,
        payload={
            "source": "instruction",
            "source_ref": f"{document.pk}:{instruction.pk}",
            "source_label": _("收文《%(title)s》的领导批示") % {"title": document.title},
            "source_url": reverse("documents:incoming", args=[document.pk]),
            "title": _("落实批示：%(title)s") % {"title": document.title},
            "content": instruction.text,
            "owner_id": org.department_heads(lead)[0].pk,
            "lead_department_id": lead.pk,
            "co_department_ids": list(co_ids),
            "deadline": until,
            "assigned_by_id": instruction.actor_id,
            "confidentiality": document.confidentiality,
        },
        instance_id=document.instance_id,
    )


@once("incoming.reply")
def incoming_reply(*, actor: User, document_id: int, text: str, token: str = "") -> IncomingDocument:
    """承办: a handling department's written reply (one per department, by its head)."""
    document = _incoming(actor, document_id)
    if not text.strip():
        raise ApplicationError(_("请填写办理情况。"))
    task = open_task(actor, document.instance, "handling")
    distribution = document.steps.filter(kind=StepKind.DISTRIBUTION).order_by("-at", "-id").first()
    wanted = [distribution.data["lead"], *distribution.data["co"]] if distribution else []
    mine = {d.pk for d in org.departments_of(actor)}
    department_id = next((d for d in wanted if d in mine), None)
    with transaction.atomic():
        workflow.task_approve(actor=actor, task_id=task.pk, comment=text, in_transaction=True)
        IncomingStep.objects.create(
            document=document, kind=StepKind.REPLY, actor=actor, department_id=department_id, text=text
        )
    return document


@once("incoming.close")
def _close(*, actor: User, document_id: int, text: str = "", token: str = "") -> IncomingDocument:
    document = _incoming(actor, document_id)
    task = open_task(actor, document.instance, "close")
    with transaction.atomic():
        workflow.task_approve(actor=actor, task_id=task.pk, comment=text or _("办结"), in_transaction=True)
        IncomingStep.objects.create(document=document, kind=StepKind.CLOSING, actor=actor, text=text)
    return document


def incoming_close(*, actor: User, document_id: int, text: str = "", token: str = "") -> IncomingDocument:
    """办结, then 归档 (the whole loop goes to the electronic archive)."""
    document = _close(actor=actor, document_id=document_id, text=text, token=token)
    # 归档 follows in its own transaction: the loop is closed even if the archive is unavailable, and
    # incoming_archive can be run again
    incoming_archive(actor=actor, document_id=document.pk)
    document.refresh_from_db()
    return document


REGISTRAR = "registrar"  # 退回登记人: the flow's initiator, who registered the document
# 退回: where each step may send the document back; the first is the previous step (退回上一步).
RETURN_TARGETS: dict[str, tuple[str, ...]] = {
    "propose": (REGISTRAR,),
    "instruct": ("propose", REGISTRAR),
    "distribute": ("instruct", REGISTRAR),
    "handling": ("distribute", REGISTRAR),
}


@once("incoming.return")
def incoming_return(
    *, actor: User, document_id: int, comment: str, to: str = "previous", token: str = ""
) -> IncomingDocument:
    """退回 with the reason: from 拟办 to the registrar; from 批办, 分办 or 承办 to the previous step (``to=
    "previous"``: 拟办, 批办, 分办) or to the registrar (``to="registrar"``). The people of the step it goes back
    to do it again (a return from 承办 withdraws every department's open reply); the registrar resubmits
    (:func:`incoming_resubmit`) and the document starts again at 拟办."""
    document = _incoming(actor, document_id)
    reason = comment.strip()
    if not reason:
        raise ApplicationError(_("退回时请写明理由。"))
    task = holds_open_task(actor, document.instance)
    if task is None or task.node not in RETURN_TARGETS:
        raise ApplicationError(_("您在该步骤没有待办，可能已由他人办理或流程已前进。"), code=ErrorCode.CONFLICT)
    targets = RETURN_TARGETS[task.node]
    target = targets[0] if to == "previous" else to
    if target not in targets:
        raise ApplicationError(_("该步骤不能退回到所选的步骤。"))
    with transaction.atomic():  # the flow's return and the reason on the document: both or neither
        workflow.task_return(
            actor=actor,
            task_id=task.pk,
            to="initiator" if target == REGISTRAR else target,
            comment=reason,
            in_transaction=True,
        )
        IncomingStep.objects.create(
            document=document, kind=StepKind.RETURN, actor=actor, text=reason, data={"from": task.node, "to": target}
        )
    document.refresh_from_db()
    return document


@once("incoming.resubmit")
def incoming_resubmit(
    *, actor: User, document_id: int, comment: str = "", attachments: Sequence[Upload] = (), token: str = ""
) -> IncomingDocument:
    """重新提交: the registrar sends a document returned to them to 拟办 again, with what was missing added
    (attachments) and a note."""
    document = _incoming(actor, document_id)
    instance = flow_of(document.instance)
    if instance.status != InstanceStatus.RETURNED:
        raise ConflictError(_("该收文不在退回状态，无需重新提交。"))
    if actor.pk != instance.initiator_id:
        raise PermissionDeniedError(_("只有登记人可以重新提交。"))
    files = read_uploads([(FileRole.ATTACHMENT, a) for a in attachments])
    with transaction.atomic():
        store_files(actor, files, incoming=document)
        workflow.instance_resubmit(actor=actor, instance_id=instance.pk, comment=comment, in_transaction=True)
        IncomingStep.objects.create(document=document, kind=StepKind.RESUBMIT, actor=actor, text=comment.strip())
    document.refresh_from_db()
    return document


def incoming_archive(*, actor: User, document_id: int) -> IncomingDocument:
    document = _incoming(actor, document_id)
    instance = flow_of(document.instance)
    if instance.status != InstanceStatus.APPROVED:
        raise ApplicationError(_("公文办结后才能归档。"))
    archiving.archive_incoming(document, actor=actor)
    document.refresh_from_db()
    return document
