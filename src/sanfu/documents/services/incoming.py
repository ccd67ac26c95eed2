"""收文 writes: 登记, 拟办, 批办, 分办, 承办, 办结 and 归档. Each step is a node of the ``doc-incoming`` flow; the
step's own data (拟办意见, 批示 verbatim, 分办, 承办答复) is kept in this app's tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError
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
from sanfu.documents.services.common import Upload, check_choice, flow_of, once, open_task, require_office, store_files
from sanfu.org import selectors as org
from sanfu.org.models import Department
from sanfu.workflow import services as workflow
from sanfu.workflow.models import InstanceStatus


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
        files: list[tuple[str, Upload]] = [(FileRole.ORIGINAL, original)] if original is not None else []
        files += [(FileRole.ATTACHMENT, a) for a in attachments]
        store_files(actor, files, incoming=document)
        document.instance = workflow.instance_start(
            actor=actor,
            definition_key=INCOMING_KEY,
            title=f"收文：{title}"[:200],
            urgency=urgency,
            in_transaction=True,
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
def incoming_instruct(*, actor: User, document_id: int, text: str, token: str = "") -> IncomingDocument:
    """批办: the leader's instruction (批示), kept exactly as written."""
    document = _incoming(actor, document_id)
    if not text.strip():
        raise ApplicationError(_("请填写批示。"))
    task = open_task(actor, document.instance, "instruct")
    with transaction.atomic():
        workflow.task_approve(actor=actor, task_id=task.pk, comment=text, in_transaction=True)
        IncomingStep.objects.create(document=document, kind=StepKind.INSTRUCTION, actor=actor, text=text)
    return document


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
    return document


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


def incoming_archive(*, actor: User, document_id: int) -> IncomingDocument:
    document = _incoming(actor, document_id)
    instance = flow_of(document.instance)
    if instance.status != InstanceStatus.APPROVED:
        raise ApplicationError(_("公文办结后才能归档。"))
    archiving.archive_incoming(document, actor=actor)
    document.refresh_from_db()
    return document
