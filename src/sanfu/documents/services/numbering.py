"""文号: claiming the next number of a prefix and year, and voiding one (kept, never handed out again)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError
from sanfu.documents.models import DocumentNumber, NumberCounter, NumberStatus, OutgoingDocument
from sanfu.documents.services.common import require_office


def number_claim(*, actor: User, prefix: str, year: int, document: OutgoingDocument | None = None) -> DocumentNumber:
    """Take the next sequence for ``prefix`` and ``year``: a conditional update on the counter claims it
    (racing claims retry), and the unique (prefix, year, seq) constraint makes a duplicate impossible."""
    for _attempt in range(100):
        counter = NumberCounter.objects.filter(prefix=prefix, year=year).first()
        if counter is None:
            try:
                with transaction.atomic():
                    NumberCounter.objects.create(prefix=prefix, year=year, last=0)
            except IntegrityError:
                pass
            continue
        seq = counter.last + 1
        with transaction.atomic():
            claimed = NumberCounter.objects.filter(pk=counter.pk, last=counter.last).update(last=seq)
            if claimed != 1:
                continue
            return DocumentNumber.objects.create(
                prefix=prefix, year=year, seq=seq, document=document, assigned_by=actor
            )
    raise ConflictError(_("编号繁忙，请重试。"))


def number_void(*, actor: User, number_id: int, reason: str) -> DocumentNumber:
    """作废文号: the number stays recorded with the reason and is never handed out again; a document that
    carried it is numbered afresh."""
    require_office(actor)
    if not reason.strip():
        raise ApplicationError(_("作废文号必须填写理由。"))
    with transaction.atomic():
        number = DocumentNumber.objects.select_for_update().filter(pk=number_id).first()
        if number is None:
            raise NotFoundError(_("文号不存在。"))
        if number.status == NumberStatus.VOID:
            raise ConflictError(_("该文号已作废。"))
        number.status = NumberStatus.VOID
        number.void_reason = reason.strip()[:300]
        number.voided_by = actor
        number.voided_at = timezone.now()
        number.save(update_fields=["status", "void_reason", "voided_by", "voided_at"])
        if number.document_id is not None:
            OutgoingDocument.objects.filter(pk=number.document_id, number=number.text).update(number="")
        audit_record(
            action="documents.number.void",
            actor=actor,
            target=f"number:{number.pk}",
            detail={"number": number.text, "reason": number.void_reason, "document": number.document_id},
        )
    return number
