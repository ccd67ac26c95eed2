"""收文登记簿 and 发文登记簿: the 收文 and 发文 lists as Excel ledgers, one row per document with the columns an
office keeps. The rows are the list page's, under the same read rule (``selectors.visible_incoming`` /
``visible_outgoing``) and the same search box, newest first: a person exports only what their own list shows.

A list shows titles without recording anything, but a ledger takes 秘密/机密 titles out of Sanfu in a file; each
such document in a ledger is audited as an export (``classified.export``), as its DOCX/PDF would be.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.accounts.models import User
from sanfu.core import xlsx
from sanfu.documents import selectors, services
from sanfu.documents.flows import step_name
from sanfu.documents.models import CLASSIFIED, IncomingDocument, OutgoingDocument
from sanfu.workflow.models import InstanceStatus


def listed_incoming(actor: User, query: str = "") -> QuerySet[IncomingDocument]:
    """The 收文 list's rows: what ``actor`` may read, matching the search box (标题 or 来文字号), newest first."""
    docs = selectors.visible_incoming(actor)
    if query:
        docs = docs.filter(title__icontains=query) | docs.filter(source_number__icontains=query)
    return docs.order_by("-id")


def listed_outgoing(actor: User, query: str = "") -> QuerySet[OutgoingDocument]:
    """The 发文 list's rows: what ``actor`` may read, matching the search box (标题 or 文号), newest first."""
    docs = selectors.visible_outgoing(actor)
    if query:
        docs = docs.filter(title__icontains=query) | docs.filter(number__icontains=query)
    return docs.order_by("-id")


def _holders_text(row: selectors.ListRow) -> str:
    """当前办理 as the list shows it: each step in hand and its people."""
    return "；".join(f"{h.node_name} · {'、'.join(h.people)}" for h in row.holders)


def _ended_on(document: IncomingDocument | OutgoingDocument) -> Any:
    instance = document.instance
    return instance.ended_at if instance is not None and instance.status == InstanceStatus.APPROVED else None


def _incoming_status(document: IncomingDocument) -> str:
    if document.archived_at:
        return _("已归档")
    return document.instance.get_status_display() if document.instance else ""


def _outgoing_status(document: OutgoingDocument) -> str:
    if document.archived_at:
        return _("已归档")
    if document.issued_at:
        return _("已印发")
    return document.instance.get_status_display() if document.instance else ""


def _rows(docs: QuerySet[Any]) -> list[selectors.ListRow]:
    """The rows of the whole ledger (holders read at once); refused beyond ``xlsx.ROW_LIMIT``."""
    xlsx.require_within_limit(docs.count())
    return selectors.list_rows(list(docs[: xlsx.ROW_LIMIT]))


def _audit_classified(actor: User, documents: Sequence[IncomingDocument | OutgoingDocument]) -> None:
    with transaction.atomic():
        for document in documents:
            if document.confidentiality in CLASSIFIED:
                services.document_opened(actor=actor, document=document, how="export")


INCOMING_HEADER = (
    gettext_lazy("编号"),
    gettext_lazy("来文单位"),
    gettext_lazy("来文字号"),
    gettext_lazy("标题"),
    gettext_lazy("密级"),
    gettext_lazy("紧急程度"),
    gettext_lazy("页数"),
    gettext_lazy("收文日期"),
    gettext_lazy("登记人"),
    gettext_lazy("状态"),
    gettext_lazy("当前办理"),
    gettext_lazy("办理时限"),
    gettext_lazy("超时"),
    gettext_lazy("办结时间"),
    gettext_lazy("归档时间"),
    gettext_lazy("疑似重复"),
)


def incoming_ledger(*, actor: User, query: str = "") -> bytes:
    """收文登记簿: ``actor``'s 收文 list as searched, as a workbook (``xlsx.TooManyRowsError`` past the limit)."""
    rows = _rows(listed_incoming(actor, query).select_related("instance__definition"))
    registrar_step = step_name("登记")
    body = []
    for row in rows:
        doc = row.doc
        assert isinstance(doc, IncomingDocument)
        holders = _holders_text(row)
        if not holders and doc.instance is not None and doc.instance.status == InstanceStatus.RETURNED:
            holders = f"{registrar_step} · {doc.registered_by.display_name}"  # returned to the registrar
        body.append(
            [
                doc.pk,
                doc.source_unit,
                doc.source_number,
                doc.title,
                doc.get_confidentiality_display(),
                doc.get_urgency_display(),
                doc.pages,
                doc.received_on,
                doc.registered_by.display_name,
                _incoming_status(doc),
                holders,
                doc.deadline,
                _("已超时") if row.overdue else "",
                _ended_on(doc),
                doc.archived_at,
                _("疑似重复") if doc.duplicate_of_id else "",
            ]
        )
    header = [str(name) for name in INCOMING_HEADER]
    widths = [8, 20, 18, 40, 8, 10, 6, 12, 10, 10, 30, 12, 8, 18, 18, 10]
    content = xlsx.workbook(xlsx.Sheet(_("收文登记簿"), header, body, widths))
    _audit_classified(actor, [row.doc for row in rows])
    return content


OUTGOING_HEADER = (
    gettext_lazy("文号"),
    gettext_lazy("文种"),
    gettext_lazy("标题"),
    gettext_lazy("密级"),
    gettext_lazy("保密期限（年）"),
    gettext_lazy("份号"),
    gettext_lazy("紧急程度"),
    gettext_lazy("发文机关"),
    gettext_lazy("主送"),
    gettext_lazy("抄送"),
    gettext_lazy("拟稿部门"),
    gettext_lazy("拟稿人"),
    gettext_lazy("拟稿时间"),
    gettext_lazy("签发人"),
    gettext_lazy("签发时间"),
    gettext_lazy("印发时间"),
    gettext_lazy("状态"),
    gettext_lazy("当前办理"),
    gettext_lazy("超时"),
    gettext_lazy("归档时间"),
)


def outgoing_ledger(*, actor: User, query: str = "") -> bytes:
    """发文登记簿: ``actor``'s 发文 list as searched, as a workbook (``xlsx.TooManyRowsError`` past the limit)."""
    rows = _rows(listed_outgoing(actor, query).select_related("instance__definition", "signed_by"))
    body = []
    for row in rows:
        doc = row.doc
        assert isinstance(doc, OutgoingDocument)
        body.append(
            [
                doc.number,
                doc.get_kind_display(),
                doc.title,
                doc.get_confidentiality_display(),
                doc.secrecy_years if doc.classified else None,
                doc.copy_no,
                doc.get_urgency_display(),
                doc.issuer,
                doc.recipients,
                doc.copy_to,
                doc.department.name if doc.department else "",
                doc.drafter.display_name,
                doc.created_at,
                doc.signed_by.display_name if doc.signed_by else "",
                doc.signed_at,
                doc.issued_at,
                _outgoing_status(doc),
                _holders_text(row),
                _("已超时") if row.overdue else "",
                doc.archived_at,
            ]
        )
    header = [str(name) for name in OUTGOING_HEADER]
    widths = [22, 8, 40, 8, 8, 6, 10, 20, 30, 30, 14, 10, 18, 10, 18, 18, 10, 30, 8, 18]
    content = xlsx.workbook(xlsx.Sheet(_("发文登记簿"), header, body, widths))
    _audit_classified(actor, [row.doc for row in rows])
    return content
