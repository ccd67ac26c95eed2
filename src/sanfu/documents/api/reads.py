"""The 公文 reads: the lists (with the list pages' search), a document's page, what a new draft starts from, and
a file's bytes."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Schema

from sanfu.api.kit import Page, PageQuery, actor, answers, auth, page_of
from sanfu.core.params import parse_text
from sanfu.documents import rights, selectors, services
from sanfu.documents.api.common import READ, router
from sanfu.documents.api.pages import (
    IncomingDetailOut,
    IncomingOut,
    OutgoingDetailOut,
    OutgoingOut,
    incoming_page,
    incoming_row,
    outgoing_page,
    outgoing_row,
)
from sanfu.documents.models import DocKind, DocumentFile

# --- reads -----------------------------------------------------------------------------------------------------


class ListQuery(PageQuery):
    q: str = Field("", max_length=64, description="按标题或文号查找（与列表页相同）")


@router.get("/incoming", response=answers(Page[IncomingOut]), auth=auth(READ), summary="收文列表")
def incoming_list(request: HttpRequest, filters: Query[ListQuery]) -> Page[IncomingOut]:
    docs = selectors.visible_incoming(actor(request))
    query = parse_text(filters.q)
    if query:
        docs = docs.filter(title__icontains=query) | docs.filter(source_number__icontains=query)
    rows, following = page_of(docs, cursor=filters.cursor, limit=filters.limit)
    return Page[IncomingOut](items=[incoming_row(r) for r in selectors.list_rows(rows)], next_cursor=following)


@router.get(
    "/incoming/{document_id}",
    response=answers(IncomingDetailOut),
    auth=auth(READ),
    summary="收文",
    operation_id="documents_incoming_detail",
)
def incoming_detail(request: HttpRequest, document_id: int) -> IncomingDetailOut:
    return incoming_page(actor(request), document_id)


@router.get("/outgoing", response=answers(Page[OutgoingOut]), auth=auth(READ), summary="发文列表")
def outgoing_list(request: HttpRequest, filters: Query[ListQuery]) -> Page[OutgoingOut]:
    docs = selectors.visible_outgoing(actor(request))
    query = parse_text(filters.q)
    if query:
        docs = docs.filter(title__icontains=query) | docs.filter(number__icontains=query)
    rows, following = page_of(docs, cursor=filters.cursor, limit=filters.limit)
    return Page[OutgoingOut](items=[outgoing_row(r) for r in selectors.list_rows(rows)], next_cursor=following)


class KindOut(Schema):
    kind: str
    name: str
    title: str = Field(description="模板标题")
    body: str = Field(description="模板正文")
    recipients: str


class DraftingOut(Schema):
    may_draft: bool = Field(description="本人有起草发文的权限")
    kinds: list[KindOut]
    signers: list[int] = Field(description="可为本人起草的发文签发的领导（用户编号）")


# Before "/outgoing/{document_id}": the first pattern that matches answers.
@router.get("/outgoing/new", response=answers(DraftingOut), auth=auth(READ), summary="起草发文：文种模板和签发领导")
def drafting(request: HttpRequest) -> DraftingOut:
    person = actor(request)
    allowed = rights.may_draft(person)
    kinds = []
    for kind, label in DocKind.choices:
        template = services.outgoing_template(kind)
        kinds.append(
            KindOut(
                kind=kind,
                name=str(label),
                title=template.get("title", ""),
                body=template.get("body", ""),
                recipients=template.get("recipients", ""),
            )
        )
    signers = [u.pk for u in rights.signing_leaders(rights.place_of_drafter(person))] if allowed else []
    return DraftingOut(may_draft=allowed, kinds=kinds, signers=signers)


@router.get(
    "/outgoing/{document_id}",
    response=answers(OutgoingDetailOut),
    auth=auth(READ),
    summary="发文",
    operation_id="documents_outgoing_detail",
)
def outgoing_detail(request: HttpRequest, document_id: int) -> OutgoingDetailOut:
    return outgoing_page(actor(request), document_id)


_BYTES = {
    "description": "文件内容",
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}


@router.get(
    "/files/{file_id}",
    response={k: v for k, v in answers(None).items() if k != 200},
    auth=auth(READ),
    summary="下载收文、发文的文件",
    openapi_extra={"responses": {200: _BYTES}},
)
def file_download(request: HttpRequest, file_id: int) -> FileResponse:
    """文件本身（原件扫描件或附件），给能看到其所属公文的人；秘密、机密公文的下载记入审计。"""
    person = actor(request)
    record: DocumentFile = selectors.access_file(actor=person, file_id=file_id)
    services.document_opened(actor=person, document=selectors.document_of(record), how="download")
    return FileResponse(
        record.file.open("rb"), as_attachment=True, filename=record.name, content_type="application/octet-stream"
    )
