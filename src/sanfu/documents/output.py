"""DOCX and PDF of an outgoing document, laid out to GB/T 9704 by ``sanfu.core.gbt9704``: the model
mapped to an :class:`~sanfu.core.gbt9704.OfficialDocument` (the signed-off revision once frozen)."""

from __future__ import annotations

import re

from django.utils import timezone

from sanfu.core import gbt9704
from sanfu.documents.models import DocKind, OutgoingDocument

UPWARD = {DocKind.REQUEST, DocKind.REPORT}  # 上行文: 签发人 in the header


def available() -> bool:
    return True


def _split(names: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in re.split(r"[、，,；;]", names) if n.strip())


def body_without_salutation(body: str, recipients: str) -> str:
    """The text without the template's salutation line (「各部门：」): the layout prints 主送 itself."""
    body = body.strip()
    lines = body.splitlines()
    if lines and recipients and lines[0].strip() == f"{recipients}：":
        body = "\n".join(lines[1:]).strip()
    return body


def official_document(document: OutgoingDocument) -> gbt9704.OfficialDocument:
    source = document.frozen_revision or document
    body = body_without_salutation(source.body, source.recipients)
    signed = timezone.localtime(document.signed_at).date() if document.signed_at else timezone.localdate()
    issued = timezone.localtime(document.issued_at).date() if document.issued_at else None
    return gbt9704.OfficialDocument(
        issuer_mark=document.issuer_mark,
        doc_number=document.number,
        title=source.title,
        main_recipients=source.recipients,
        body=gbt9704.parse_body(body),
        issuer_signature=document.issuer,
        date=signed,
        copy_no=document.copy_no if document.classified else "",  # 份号, line 1 of the 版头
        secrecy=document.secrecy_mark,  # 密级★保密期限, line 2
        urgency="" if document.urgency == "平急" else document.urgency,
        upward=document.kind in UPWARD,
        signers=(document.signed_by.display_name,) if document.signed_by and document.kind in UPWARD else (),
        attachments=tuple(f.name.rsplit(".", 1)[0] for f in document.files.all()),
        cc=_split(source.copy_to),
        printer=f"{document.issuer}办公室" if document.issued_at else "",
        print_date=issued,
    )


def render(document: OutgoingDocument, fmt: str) -> bytes:
    """The document as ``docx`` or ``pdf`` bytes."""
    official = official_document(document)
    return gbt9704.render_docx(official) if fmt == "docx" else gbt9704.render_pdf(official)


def rendered_files(document: OutgoingDocument) -> list[tuple[str, bytes]]:
    """(name, content) of the DOCX and PDF, for the archive."""
    stem = document.number or document.title
    return [(f"{stem}.docx", render(document, "docx")), (f"{stem}.pdf", render(document, "pdf"))]
