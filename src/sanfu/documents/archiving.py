"""归档: a finished 公文 goes to the electronic archive (``sanfu.archive``) with its files, its whole loop
(the flow's events and the step data) and its readers. The archive is called only through its service.

What goes into the dossier (files read, DOCX/PDF rendered) is prepared first; the archive record and the
document's archived mark are then written in one transaction. The dossier is data, the same whoever files it:
its words (文种, step kinds) are the Chinese ones even when the clerk works in English. A signed-off 发文 is
filed only while its text matches the 签发 digest."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.archive.services import ArchiveFileIn, archive_record
from sanfu.core.audit import audit_record
from sanfu.core.errors import ConflictError
from sanfu.documents import output
from sanfu.documents.models import DocKind, IncomingDocument, IncomingStep, OutgoingDocument, StepKind
from sanfu.documents.signing import TamperedError, refusal, verify_frozen
from sanfu.org.models import Department
from sanfu.org.selectors import primary_department, staff_of
from sanfu.workflow.models import Instance, Task
from sanfu.workflow.selectors import history_of


def _step_text(step: IncomingStep) -> str:
    """A step as a line of the dossier; 分办 names its departments (its note is optional)."""
    if step.kind != StepKind.DISTRIBUTION:
        return step.text
    names = dict(
        Department.objects.filter(pk__in=[step.data.get("lead"), *step.data.get("co", [])]).values_list("pk", "name")
    )
    parts = [f"主办 {names.get(step.data.get('lead'), '')}"]
    if step.data.get("co"):
        parts.append("协办 " + "、".join(names.get(pk, "") for pk in step.data["co"]))
    return "；".join(parts) + (f"。{step.text}" if step.text else "")


def _history(instance: Instance | None) -> list[dict[str, Any]]:
    if instance is None:
        return []
    return [
        {
            "at": e.at.isoformat(),
            "who": e.actor.display_name if e.actor else "",
            "what": e.type,
            "node": e.node,
            "comment": e.comment,
        }
        for e in history_of(instance)
    ]


def _readers(instance: Instance | None) -> list[int]:
    if instance is None:
        return []
    return sorted(set(Task.objects.filter(instance=instance).values_list("assignee_id", flat=True)))


def _files(files: Any) -> list[Any]:
    kept = []
    for f in files:
        with f.file.open("rb") as handle:
            kept.append(ArchiveFileIn(name=f.name, content=handle.read()))
    return kept


DATA_LANGUAGE = "zh-hans"  # the language of what is stored, whatever the actor's


def archive_incoming(document: IncomingDocument, *, actor: User) -> None:
    """Archive a finished 收文 and mark it archived (``archived_at``, ``archive_ref``)."""
    with translation.override(DATA_LANGUAGE):
        steps = "\n".join(f"{s.get_kind_display()}：{_step_text(s)}" for s in document.steps.order_by("at", "id"))
    staff = staff_of(document.registered_by)
    department = primary_department(document.registered_by)
    files = _files(document.files.all())
    with transaction.atomic():
        record = archive_record(
            source="documents.incoming",
            source_id=document.pk,
            title=document.title,
            kind="收文",
            unit_id=staff.unit_id if staff else None,
            department_id=department.pk if department else None,
            year=document.received_on.year,
            body_text=f"{document.source_unit} {document.source_number}\n{document.summary}\n{steps}",
            confidentiality=document.confidentiality,
            category="收文",
            owner_id=document.registered_by_id,
            reader_ids=_readers(document.instance),
            files=files,
            history=_history(document.instance),
            actor=actor,
        )
        IncomingDocument.objects.filter(pk=document.pk).update(archived_at=timezone.now(), archive_ref=str(record.pk))


def archive_outgoing(document: OutgoingDocument, *, actor: User) -> None:
    """Archive an issued 发文 with its DOCX and PDF, mark it archived (``archived_at``, ``archive_ref``) and
    audit it, in one transaction; a document archived meanwhile (a second click) is a conflict. The caller has
    checked (and audited) the 签发 digest; it is checked again here, on the text that is filed."""
    if document.frozen_revision_id is not None and not verify_frozen(document):
        raise TamperedError(refusal())
    signed = document.frozen_revision or document
    files = _files(document.files.all())
    for name, content in output.rendered_files(document):
        files.append(ArchiveFileIn(name=name, content=content, text=signed.body))
    staff_unit = document.department.unit_id if document.department else None
    with translation.override(DATA_LANGUAGE):
        kind = str(DocKind(document.kind).label)
    with transaction.atomic():
        record = archive_record(
            source="documents.outgoing",
            source_id=document.pk,
            title=f"{document.number} {signed.title}".strip(),
            kind=kind,
            unit_id=staff_unit,
            department_id=document.department_id,
            year=(document.signed_at or document.created_at).year,
            body_text=f"{document.number}\n{signed.title}\n{signed.recipients}\n{signed.body}",
            confidentiality=document.confidentiality,
            category="发文",
            owner_id=document.drafter_id,
            reader_ids=_readers(document.instance),
            files=files,
            history=_history(document.instance),
            actor=actor,
        )
        marked = OutgoingDocument.objects.filter(pk=document.pk, archived_at__isnull=True).update(
            archived_at=timezone.now(), archive_ref=str(record.pk)
        )
        if marked != 1:
            raise ConflictError(_("该公文已归档。"))
        audit_record(
            action="documents.outgoing.archive",
            actor=actor,
            target=f"outgoing:{document.pk}",
            detail={"number": document.number, "archive": record.pk},
        )
