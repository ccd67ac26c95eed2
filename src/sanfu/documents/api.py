"""公文 over the REST API: 收文 and 发文 lists and pages as data (the loop, who holds it, what each wrote, the files),
a file's bytes, and the steps the pages offer on a document's current task.

Each operation calls the same selector or service as the page (``documents.selectors``, ``documents.services``,
``documents.rights``): the read rule (密级 × 数据范围 × 知悉范围) decides what a token's holder reads, a read of a
秘密/机密 document or file is audited as the page audits it (``services.document_opened``), and only the person
holding the step acts on it (the services find their task). A write's ``Idempotency-Key`` is also the form token
the services apply once, as a page's hidden one."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status

from sanfu.api import scopes
from sanfu.api.kit import Page, PageQuery, VersionConflictError, actor, answers, auth, page_of
from sanfu.core.errors import ApplicationError, ErrorCode
from sanfu.core.params import parse_text
from sanfu.documents import rights, selectors, services
from sanfu.documents.models import DocKind, DocumentFile, IncomingDocument, OutgoingDocument
from sanfu.workflow.models import Instance

READ = scopes.declare("documents:read", gettext_lazy("查看收文、发文及其流转和附件"))
WRITE = scopes.declare("documents:write", gettext_lazy("登记收文、起草发文，并办理公文的各个步骤"))

router = Router(tags=["公文"])

TEXT_MAX = 4000  # an opinion, a 批示, a reply: what a page's text area takes in practice
MAX_FILES = 10
MAX_FILE_BASE64 = 2_800_000  # the request as a whole is capped by DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default)

UrgencyIn = Literal["平急", "加急", "特急"]
LevelIn = Literal["public", "internal", "secret", "confidential"]


# --- what a document looks like ------------------------------------------------------------------------------


class HolderOut(Schema):
    step: str = Field(description="步骤名称")
    node: str
    people: list[str]
    since: datetime | None = None
    due_at: datetime | None = None
    overdue: bool


class LoopTaskOut(Schema):
    person: str
    status: str
    acted_at: datetime | None = None


class LoopStepOut(Schema):
    node: str
    name: str
    kind: str
    entered_at: datetime | None = None
    left_at: datetime | None = None
    people: list[LoopTaskOut]


class HistoryOut(Schema):
    at: datetime
    who: str
    on_behalf_of: str
    what: str
    step: str
    comment: str


class FileOut(Schema):
    id: int = Field(description="文件编号：GET /documents/files/{id} 下载")
    role: str = Field(description="original（原件扫描件）或 attachment（附件）")
    name: str
    size: int
    sha256: str
    uploaded_at: datetime


class DocumentOut(Schema):
    id: int
    title: str
    urgency: str
    confidentiality: str = Field(description="密级：public、internal、secret、confidential")
    status: str = Field(description="流程状态：running、returned、approved …（尚未进入流程为空）")
    version: int | None = Field(None, description="流程的版本号：在操作中回传，过期则 409 并给出当前版本号")
    holders: list[HolderOut] = Field(description="现在在谁手里、在哪一步、自何时起")
    overdue: bool
    archived_at: datetime | None = None


class IncomingOut(DocumentOut):
    source_unit: str
    source_number: str
    received_on: date
    deadline: date | None = None
    pages: int
    registered_by: str
    registered_at: datetime
    duplicate_of: int | None = Field(None, description="疑似重复：此前登记的同一来文（编号）")


class IncomingStepOut(Schema):
    kind: str = Field(
        description="proposal 拟办、instruction 批示、distribution 分办、reply 承办、closing 办结、return 退回 …"
    )
    actor: str
    department: str = ""
    text: str = Field(description="所写内容，原样保存")
    data: dict[str, Any]
    at: datetime


class IncomingDetailOut(IncomingOut):
    summary: str
    loop: list[LoopStepOut] = Field(description="登记→拟办→批办→传阅→分办→承办→办结，已走过和当前的步骤")
    steps: list[IncomingStepOut] = Field(description="每一步所写的意见、批示、分办、答复")
    files: list[FileOut]
    history: list[HistoryOut]
    my_steps: list[str] = Field(description="本人现在可办理的步骤（节点编号）")
    may_resubmit: bool = Field(description="本人可重新提交（退回给登记人时）")
    read_pending: bool = Field(description="本人有未阅的传阅（可 POST …/read）")


class OutgoingOut(DocumentOut):
    kind: str = Field(description="文种")
    number: str = Field(description="文号（编号后才有）")
    drafter: str
    department: str = ""
    created_at: datetime
    signed_at: datetime | None = None
    issued_at: datetime | None = None


class RevisionOut(Schema):
    no: int
    title: str
    body: str
    recipients: str
    copy_to: str
    author: str
    at: datetime
    comment: str
    stage: str


class SignOffOut(Schema):
    revision: int
    signed_by: str
    signed_at: datetime
    digest: str
    withdrawn_by: str = ""
    withdrawn_at: datetime | None = None
    withdrawn_reason: str = ""


class IssuanceOut(Schema):
    id: int
    recipient: str
    receiver: str = ""
    sent_at: datetime
    received_at: datetime | None = None
    read_at: datetime | None = None


class OutgoingDetailOut(OutgoingOut):
    body: str
    recipients: str
    copy_to: str
    issuer: str
    prefix: str
    copy_no: str
    secrecy_years: int | None = None
    revisions: list[RevisionOut]
    signoffs: list[SignOffOut]
    issuances: list[IssuanceOut]
    loop: list[LoopStepOut] = Field(description="拟稿→核稿→会签→签发→编号→印发，已走过和当前的步骤")
    files: list[FileOut]
    history: list[HistoryOut]
    my_steps: list[str] = Field(description="本人现在可办理的步骤（节点编号）")
    may_revise: bool
    may_resubmit: bool
    may_archive: bool
    read_pending: bool = Field(description="本人收到而未阅（可 POST …/read）")


def _name(user: Any) -> str:
    return user.display_name if user is not None else ""


def _holders(holders: list[selectors.Holder]) -> list[HolderOut]:
    return [
        HolderOut(step=h.node_name, node=h.node, people=h.people, since=h.since, due_at=h.due_at, overdue=h.overdue)
        for h in holders
    ]


def _flow(instance: Instance | None) -> dict[str, Any]:
    return {"status": instance.status if instance else "", "version": instance.version if instance else None}


def _incoming(row: selectors.ListRow) -> IncomingOut:
    doc = row.doc
    assert isinstance(doc, IncomingDocument)
    return IncomingOut(**_incoming_fields(doc, row.holders, row.overdue))


def _incoming_fields(doc: IncomingDocument, holders: list[selectors.Holder], overdue: bool) -> dict[str, Any]:
    return {
        "id": doc.pk,
        "title": doc.title,
        "urgency": doc.urgency,
        "confidentiality": doc.confidentiality,
        **_flow(doc.instance),
        "holders": _holders(holders),
        "overdue": overdue,
        "archived_at": doc.archived_at,
        "source_unit": doc.source_unit,
        "source_number": doc.source_number,
        "received_on": doc.received_on,
        "deadline": doc.deadline,
        "pages": doc.pages,
        "registered_by": _name(doc.registered_by),
        "registered_at": doc.registered_at,
        "duplicate_of": doc.duplicate_of_id,
    }


def _outgoing_fields(doc: OutgoingDocument, holders: list[selectors.Holder], overdue: bool) -> dict[str, Any]:
    return {
        "id": doc.pk,
        "title": doc.title,
        "urgency": doc.urgency,
        "confidentiality": doc.confidentiality,
        **_flow(doc.instance),
        "holders": _holders(holders),
        "overdue": overdue,
        "archived_at": doc.archived_at,
        "kind": doc.kind,
        "number": doc.number,
        "drafter": _name(doc.drafter),
        "department": doc.department.name if doc.department else "",
        "created_at": doc.created_at,
        "signed_at": doc.signed_at,
        "issued_at": doc.issued_at,
    }


def _outgoing(row: selectors.ListRow) -> OutgoingOut:
    doc = row.doc
    assert isinstance(doc, OutgoingDocument)
    return OutgoingOut(**_outgoing_fields(doc, row.holders, row.overdue))


def _loop(instance: Instance | None) -> list[LoopStepOut]:
    return [
        LoopStepOut(
            node=s.node,
            name=s.name,
            kind=s.kind,
            entered_at=s.entered_at,
            left_at=s.left_at,
            people=[LoopTaskOut(person=_name(t.assignee), status=t.status, acted_at=t.acted_at) for t in s.tasks],
        )
        for s in selectors.loop_of(instance)
    ]


def _files(doc: IncomingDocument | OutgoingDocument) -> list[FileOut]:
    return [
        FileOut(id=f.pk, role=f.role, name=f.name, size=f.size, sha256=f.sha256, uploaded_at=f.uploaded_at)
        for f in doc.files.all()
    ]


def _history(instance: Instance | None, person: Any) -> list[HistoryOut]:
    return [HistoryOut(**entry) for entry in selectors.flow_record(instance, person)["history"]]


def _overdue(doc: IncomingDocument | OutgoingDocument) -> tuple[list[selectors.Holder], bool]:
    row = selectors.list_rows([doc])[0]
    return row.holders, row.overdue


def incoming_page(person: Any, document_id: int) -> IncomingDetailOut:
    """The 收文 page as data, for whoever the read rule lets read it (others: 404); a 秘密/机密 one's read is
    audited, as the page's."""
    doc = selectors.access_incoming(actor=person, document_id=document_id)
    services.document_opened(actor=person, document=doc, how="read")
    holders, overdue = _overdue(doc)
    steps = list(doc.steps.select_related("actor", "department"))
    return IncomingDetailOut(
        **_incoming_fields(doc, holders, overdue),
        summary=doc.summary,
        loop=_loop(doc.instance),
        steps=[
            IncomingStepOut(
                kind=s.kind,
                actor=_name(s.actor),
                department=s.department.name if s.department else "",
                text=s.text,
                data=s.data or {},
                at=s.at,
            )
            for s in steps
        ],
        files=_files(doc),
        history=_history(doc.instance, person),
        my_steps=selectors.open_nodes_of(person, doc.instance),
        may_resubmit=selectors.may_resubmit_incoming(person, doc),
        read_pending=selectors.notices_unread(person, doc.instance),
    )


def outgoing_page(person: Any, document_id: int) -> OutgoingDetailOut:
    """The 发文 page as data (every revision, every 签发, the issuance receipts), to whoever may read it; a
    秘密/机密 one's read is audited."""
    doc = selectors.access_outgoing(actor=person, document_id=document_id)
    services.document_opened(actor=person, document=doc, how="read")
    holders, overdue = _overdue(doc)
    return OutgoingDetailOut(
        **_outgoing_fields(doc, holders, overdue),
        body=doc.body,
        recipients=doc.recipients,
        copy_to=doc.copy_to,
        issuer=doc.issuer,
        prefix=doc.prefix,
        copy_no=doc.copy_no,
        secrecy_years=doc.secrecy_years,
        revisions=[
            RevisionOut(
                no=r.no,
                title=r.title,
                body=r.body,
                recipients=r.recipients,
                copy_to=r.copy_to,
                author=_name(r.author),
                at=r.at,
                comment=r.comment,
                stage=r.stage,
            )
            for r in doc.revisions.select_related("author").order_by("no")
        ],
        signoffs=[
            SignOffOut(
                revision=s.revision.no,
                signed_by=_name(s.signed_by),
                signed_at=s.signed_at,
                digest=s.digest,
                withdrawn_by=_name(s.withdrawn_by),
                withdrawn_at=s.withdrawn_at,
                withdrawn_reason=s.withdrawn_reason,
            )
            for s in selectors.signoffs_of(doc)
        ],
        issuances=[
            IssuanceOut(
                id=i.pk,
                recipient=i.recipient,
                receiver=_name(i.receiver),
                sent_at=i.sent_at,
                received_at=i.received_at,
                read_at=i.read_at,
            )
            for i in doc.issuances.select_related("receiver")
        ],
        loop=_loop(doc.instance),
        files=_files(doc),
        history=_history(doc.instance, person),
        my_steps=selectors.open_nodes_of(person, doc.instance),
        may_revise=services.may_revise(person, doc),
        may_resubmit=selectors.may_resubmit(person, doc),
        may_archive=selectors.may_archive(person, doc),
        read_pending=selectors.issuance_unread(person, doc),
    )


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
    return Page[IncomingOut](items=[_incoming(r) for r in selectors.list_rows(rows)], next_cursor=following)


@router.get("/incoming/{document_id}", response=answers(IncomingDetailOut), auth=auth(READ), summary="收文")
def incoming_detail(request: HttpRequest, document_id: int) -> IncomingDetailOut:
    return incoming_page(actor(request), document_id)


@router.get("/outgoing", response=answers(Page[OutgoingOut]), auth=auth(READ), summary="发文列表")
def outgoing_list(request: HttpRequest, filters: Query[ListQuery]) -> Page[OutgoingOut]:
    docs = selectors.visible_outgoing(actor(request))
    query = parse_text(filters.q)
    if query:
        docs = docs.filter(title__icontains=query) | docs.filter(number__icontains=query)
    rows, following = page_of(docs, cursor=filters.cursor, limit=filters.limit)
    return Page[OutgoingOut](items=[_outgoing(r) for r in selectors.list_rows(rows)], next_cursor=following)


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


@router.get("/outgoing/{document_id}", response=answers(OutgoingDetailOut), auth=auth(READ), summary="发文")
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


# --- writes: what every step shares ----------------------------------------------------------------------------


class FileIn(Schema):
    name: str = Field(min_length=1, max_length=200, description="文件名（扩展名决定类型，内容须与之相符）")
    content: str = Field(max_length=MAX_FILE_BASE64, description="文件内容，Base64 编码")


class StepIn(Schema):
    version: int | None = Field(None, description="所见的版本号；与当前不同则 409，并给出当前版本号")


class TextIn(StepIn):
    text: str = Field("", max_length=TEXT_MAX)


class CommentIn(StepIn):
    comment: str = Field("", max_length=TEXT_MAX)


def _token(request: HttpRequest) -> str:
    """The Idempotency-Key as the services' form token: one key is applied once even if the process died
    before the API remembered its answer."""
    key = request.headers.get("Idempotency-Key", "")
    return "api:" + hashlib.sha256(key.encode()).hexdigest()[:40] if key else ""


def _uploads(files: list[FileIn]) -> list[SimpleUploadedFile]:
    """Base64 files as the uploads a page posts; the services check their type, size and content."""
    if len(files) > MAX_FILES:
        raise ApplicationError(_("一次最多上传 %(n)d 个文件。") % {"n": MAX_FILES}, errors=[{"field": "files"}])
    uploads = []
    for item in files:
        try:
            content = base64.b64decode(item.content, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ApplicationError(
                _("文件“%(name)s”的内容不是有效的 Base64。") % {"name": item.name}, errors=[{"field": "files"}]
            ) from exc
        uploads.append(SimpleUploadedFile(item.name, content))
    return uploads


def _conflict(exc: ApplicationError, instance_id: int | None) -> ApplicationError:
    """A conflict from a service (someone acted first, the flow moved on) with the flow's current version."""
    if exc.code != ErrorCode.CONFLICT or instance_id is None:
        return exc
    current = Instance.objects.filter(pk=instance_id).values_list("version", flat=True).first()
    return VersionConflictError(exc.message, current_version=current)


def _acting(instance: Instance | None, version: int | None) -> None:
    if version is not None and instance is not None and version != instance.version:
        raise VersionConflictError(_("公文已被他人办理，请刷新后再办理。"), current_version=instance.version)


def _on_incoming(
    request: HttpRequest, document_id: int, version: int | None, do: Callable[[Any], Any]
) -> IncomingDetailOut:
    person = actor(request)
    doc = selectors.access_incoming(actor=person, document_id=document_id)
    _acting(doc.instance, version)
    try:
        do(person)
    except ApplicationError as exc:
        raise _conflict(exc, doc.instance_id) from exc
    return incoming_page(person, doc.pk)


def _on_outgoing(
    request: HttpRequest, document_id: int, version: int | None, do: Callable[[Any], Any]
) -> OutgoingDetailOut:
    person = actor(request)
    doc = selectors.access_outgoing(actor=person, document_id=document_id)
    _acting(doc.instance, version)
    try:
        do(person)
    except ApplicationError as exc:
        raise _conflict(exc, doc.instance_id) from exc
    return outgoing_page(person, doc.pk)


def _user(user_id: int | None, field: str) -> Any:
    found = selectors.user_by_id(user_id)
    if found is None:
        raise ApplicationError(_("所选人员不存在。"), errors=[{"field": field}])
    return found


def _departments(ids: list[int], field: str) -> list[Any]:
    found = selectors.departments_by_ids(ids)
    if len(found) != len(set(ids)):
        raise ApplicationError(_("所选部门不存在。"), errors=[{"field": field}])
    return found


# --- 收文 steps ------------------------------------------------------------------------------------------------


class RegisterIn(Schema):
    title: str = Field(max_length=200)
    source_unit: str = Field(max_length=100, description="来文单位")
    source_number: str = Field("", max_length=64, description="来文字号")
    received_on: date | None = Field(None, description="收文日期（默认今天）")
    urgency: UrgencyIn = "平急"
    confidentiality: LevelIn = "internal"
    deadline: date | None = Field(None, description="办理时限")
    pages: int = Field(1, ge=1, le=10000)
    summary: str = Field("", max_length=TEXT_MAX)
    original: FileIn | None = Field(None, description="原件扫描件")
    attachments: list[FileIn] = Field(default_factory=list, max_length=MAX_FILES)


@router.post(
    "/incoming", response=answers(IncomingDetailOut, status=201), auth=auth(WRITE), summary="收文登记（办公室）"
)
def incoming_register(request: HttpRequest, body: RegisterIn) -> Status[IncomingDetailOut]:
    """办公室收发文人员登记来文，流程转拟办。同一来文单位、同一文号此前已登记的，``duplicate_of`` 标出（不拒绝）。"""
    person = actor(request)
    originals = _uploads([body.original] if body.original else [])
    document = services.incoming_register(
        actor=person,
        title=body.title,
        source_unit=body.source_unit,
        source_number=body.source_number,
        received_on=body.received_on,
        urgency=body.urgency,
        confidentiality=body.confidentiality,
        deadline=body.deadline,
        pages=body.pages,
        summary=body.summary,
        original=originals[0] if originals else None,
        attachments=_uploads(body.attachments),
        token=_token(request),
    )
    return Status(201, incoming_page(person, document.pk))


class ProposeIn(TextIn):
    leader: int = Field(ge=1, le=2**53, description="批办领导（用户编号）")
    readers: list[int] = Field(default_factory=list, max_length=200, description="传阅人（用户编号）")


@router.post("/incoming/{document_id}/propose", response=answers(IncomingDetailOut), auth=auth(WRITE), summary="拟办")
def incoming_propose(request: HttpRequest, document_id: int, body: ProposeIn) -> IncomingDetailOut:
    return _on_incoming(
        request,
        document_id,
        body.version,
        lambda person: services.incoming_propose(
            actor=person,
            document_id=document_id,
            text=body.text,
            leader=_user(body.leader, "leader"),
            readers=selectors.active_users(body.readers),
            token=_token(request),
        ),
    )


@router.post(
    "/incoming/{document_id}/instruct", response=answers(IncomingDetailOut), auth=auth(WRITE), summary="批办（批示）"
)
def incoming_instruct(request: HttpRequest, document_id: int, body: TextIn) -> IncomingDetailOut:
    """领导批示，原样保存；随后按轮次传阅。"""
    return _on_incoming(
        request,
        document_id,
        body.version,
        lambda person: services.incoming_instruct(
            actor=person, document_id=document_id, text=body.text, token=_token(request)
        ),
    )


class DistributeIn(TextIn):
    lead: int = Field(ge=1, le=2**53, description="主办部门（部门编号）")
    co: list[int] = Field(default_factory=list, max_length=50, description="协办部门")


@router.post(
    "/incoming/{document_id}/distribute", response=answers(IncomingDetailOut), auth=auth(WRITE), summary="分办"
)
def incoming_distribute(request: HttpRequest, document_id: int, body: DistributeIn) -> IncomingDetailOut:
    return _on_incoming(
        request,
        document_id,
        body.version,
        lambda person: services.incoming_distribute(
            actor=person,
            document_id=document_id,
            lead=_departments([body.lead], "lead")[0],
            co=_departments(body.co, "co"),
            note=body.text,
            token=_token(request),
        ),
    )


@router.post(
    "/incoming/{document_id}/reply", response=answers(IncomingDetailOut), auth=auth(WRITE), summary="承办（办理情况）"
)
def incoming_reply(request: HttpRequest, document_id: int, body: TextIn) -> IncomingDetailOut:
    return _on_incoming(
        request,
        document_id,
        body.version,
        lambda person: services.incoming_reply(
            actor=person, document_id=document_id, text=body.text, token=_token(request)
        ),
    )


@router.post(
    "/incoming/{document_id}/close", response=answers(IncomingDetailOut), auth=auth(WRITE), summary="办结并归档"
)
def incoming_close(request: HttpRequest, document_id: int, body: TextIn) -> IncomingDetailOut:
    return _on_incoming(
        request,
        document_id,
        body.version,
        lambda person: services.incoming_close(
            actor=person, document_id=document_id, text=body.text, token=_token(request)
        ),
    )


class IncomingReturnIn(StepIn):
    comment: str = Field(min_length=1, max_length=TEXT_MAX, description="退回理由")
    to: Literal["previous", "registrar"] = Field("previous", description="退回上一步，或退回登记人")


@router.post("/incoming/{document_id}/return", response=answers(IncomingDetailOut), auth=auth(WRITE), summary="退回")
def incoming_return(request: HttpRequest, document_id: int, body: IncomingReturnIn) -> IncomingDetailOut:
    return _on_incoming(
        request,
        document_id,
        body.version,
        lambda person: services.incoming_return(
            actor=person, document_id=document_id, comment=body.comment, to=body.to, token=_token(request)
        ),
    )


class ResubmitIn(CommentIn):
    attachments: list[FileIn] = Field(default_factory=list, max_length=MAX_FILES, description="补充的附件")


@router.post(
    "/incoming/{document_id}/resubmit",
    response=answers(IncomingDetailOut),
    auth=auth(WRITE),
    summary="重新提交（登记人）",
)
def incoming_resubmit(request: HttpRequest, document_id: int, body: ResubmitIn) -> IncomingDetailOut:
    return _on_incoming(
        request,
        document_id,
        body.version,
        lambda person: services.incoming_resubmit(
            actor=person,
            document_id=document_id,
            comment=body.comment,
            attachments=_uploads(body.attachments),
            token=_token(request),
        ),
    )


class ReadOut(Schema):
    marked: int = Field(description="标记为已阅的条数（已阅过的为 0）")


@router.post("/incoming/{document_id}/read", response=answers(ReadOut), auth=auth(WRITE), summary="已阅（传阅）")
def incoming_read(request: HttpRequest, document_id: int) -> ReadOut:
    person = actor(request)
    doc = selectors.access_incoming(actor=person, document_id=document_id)
    return ReadOut(marked=services.circulation_read(actor=person, instance=doc.instance))


# --- 发文 steps ------------------------------------------------------------------------------------------------


class DraftIn(Schema):
    kind: Literal["notice", "request", "report", "letter", "minutes", "decision", "circular", "reply"] = Field(
        "notice", description="文种"
    )
    title: str = Field(max_length=200)
    body: str = Field(max_length=200_000, description="正文")
    recipients: str = Field("", max_length=300, description="主送")
    copy_to: str = Field("", max_length=300, description="抄送")
    urgency: UrgencyIn = "平急"
    confidentiality: LevelIn = "internal"
    countersign: list[int] = Field(default_factory=list, max_length=50, description="会签部门（部门编号）")
    signer: int | None = Field(None, ge=1, le=2**53, description="签发领导（默认为分管领导）")
    copy_no: str = Field("", max_length=6, description="份号（秘密、机密公文必填）")
    secrecy_years: int | None = Field(None, ge=0, le=100, description="保密期限（年）")
    attachments: list[FileIn] = Field(default_factory=list, max_length=MAX_FILES)


@router.post(
    "/outgoing", response=answers(OutgoingDetailOut, status=201), auth=auth(WRITE), summary="起草发文（送核稿）"
)
def outgoing_draft(request: HttpRequest, body: DraftIn) -> Status[OutgoingDetailOut]:
    """有起草权限的人拟稿，送核稿；签发领导须有本单位发文的签发权限。"""
    person = actor(request)
    document = services.outgoing_draft(
        actor=person,
        kind=body.kind,
        title=body.title,
        body=body.body,
        recipients=body.recipients,
        copy_to=body.copy_to,
        urgency=body.urgency,
        confidentiality=body.confidentiality,
        countersign=_departments(body.countersign, "countersign"),
        signer=_user(body.signer, "signer") if body.signer is not None else None,
        attachments=_uploads(body.attachments),
        copy_no=body.copy_no,
        secrecy_years=body.secrecy_years,
        token=_token(request),
    )
    return Status(201, outgoing_page(person, document.pk))


class ReviseIn(CommentIn):
    title: str = Field(max_length=200)
    body: str = Field(max_length=200_000)
    recipients: str | None = Field(None, max_length=300)
    copy_to: str | None = Field(None, max_length=300)


@router.post(
    "/outgoing/{document_id}/revise",
    response=answers(OutgoingDetailOut),
    auth=auth(WRITE),
    summary="修改文稿（新一稿）",
)
def outgoing_revise(request: HttpRequest, document_id: int, body: ReviseIn) -> OutgoingDetailOut:
    return _on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_revise(
            actor=person,
            document_id=document_id,
            title=body.title,
            body=body.body,
            recipients=body.recipients,
            copy_to=body.copy_to,
            comment=body.comment,
            token=_token(request),
        ),
    )


class ReviewIn(CommentIn):
    countersign: list[int] | None = Field(None, max_length=50, description="会签部门（给出则替换）")
    signer: int | None = Field(None, ge=1, le=2**53, description="签发领导（给出则替换）")


@router.post("/outgoing/{document_id}/review", response=answers(OutgoingDetailOut), auth=auth(WRITE), summary="核稿")
def outgoing_review(request: HttpRequest, document_id: int, body: ReviewIn) -> OutgoingDetailOut:
    return _on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_review(
            actor=person,
            document_id=document_id,
            comment=body.comment,
            countersign=_departments(body.countersign, "countersign") if body.countersign is not None else None,
            signer=_user(body.signer, "signer") if body.signer is not None else None,
            token=_token(request),
        ),
    )


class ReasonIn(StepIn):
    comment: str = Field(min_length=1, max_length=TEXT_MAX, description="理由")


@router.post(
    "/outgoing/{document_id}/return", response=answers(OutgoingDetailOut), auth=auth(WRITE), summary="退回拟稿人"
)
def outgoing_return(request: HttpRequest, document_id: int, body: ReasonIn) -> OutgoingDetailOut:
    return _on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_return(
            actor=person, document_id=document_id, comment=body.comment, token=_token(request)
        ),
    )


@router.post(
    "/outgoing/{document_id}/resubmit",
    response=answers(OutgoingDetailOut),
    auth=auth(WRITE),
    summary="重新送审（拟稿人）",
)
def outgoing_resubmit(request: HttpRequest, document_id: int, body: CommentIn) -> OutgoingDetailOut:
    return _on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_resubmit(
            actor=person, document_id=document_id, comment=body.comment, token=_token(request)
        ),
    )


@router.post(
    "/outgoing/{document_id}/agree", response=answers(OutgoingDetailOut), auth=auth(WRITE), summary="会签：同意"
)
def outgoing_agree(request: HttpRequest, document_id: int, body: CommentIn) -> OutgoingDetailOut:
    return _on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_countersign(
            actor=person, document_id=document_id, comment=body.comment, agree=True, token=_token(request)
        ),
    )


@router.post(
    "/outgoing/{document_id}/disagree",
    response=answers(OutgoingDetailOut),
    auth=auth(WRITE),
    summary="会签：不同意（退回核稿）",
)
def outgoing_disagree(request: HttpRequest, document_id: int, body: ReasonIn) -> OutgoingDetailOut:
    return _on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_countersign(
            actor=person, document_id=document_id, comment=body.comment, agree=False, token=_token(request)
        ),
    )


@router.post("/outgoing/{document_id}/signoff", response=answers(OutgoingDetailOut), auth=auth(WRITE), summary="签发")
def outgoing_sign_off(request: HttpRequest, document_id: int, body: CommentIn) -> OutgoingDetailOut:
    """有本单位签发权限的领导签发；当前文稿定稿，并记录其摘要值。"""
    return _on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_sign_off(
            actor=person, document_id=document_id, comment=body.comment, token=_token(request)
        ),
    )


@router.post("/outgoing/{document_id}/number", response=answers(OutgoingDetailOut), auth=auth(WRITE), summary="编号")
def outgoing_number(request: HttpRequest, document_id: int, body: StepIn) -> OutgoingDetailOut:
    return _on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_assign_number(actor=person, document_id=document_id, token=_token(request)),
    )


class IssueIn(CommentIn):
    departments: list[int] = Field(default_factory=list, max_length=200, description="接收部门（部门编号）")
    external: list[str] = Field(default_factory=list, max_length=200, description="外单位名称")


@router.post("/outgoing/{document_id}/issue", response=answers(OutgoingDetailOut), auth=auth(WRITE), summary="印发")
def outgoing_issue(request: HttpRequest, document_id: int, body: IssueIn) -> OutgoingDetailOut:
    return _on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_issue(
            actor=person,
            document_id=document_id,
            departments=_departments(body.departments, "departments"),
            external=[name[:100] for name in body.external],
            comment=body.comment,
            token=_token(request),
        ),
    )


@router.post(
    "/outgoing/{document_id}/archive", response=answers(OutgoingDetailOut), auth=auth(WRITE), summary="归档（办公室）"
)
def outgoing_archive(request: HttpRequest, document_id: int, body: StepIn) -> OutgoingDetailOut:
    return _on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_archive(actor=person, document_id=document_id, token=_token(request)),
    )


class ReceiveIn(Schema):
    issuance: int = Field(ge=1, le=2**53, description="分发记录编号（见 issuances）")


@router.post("/outgoing/{document_id}/receive", response=answers(OutgoingDetailOut), auth=auth(WRITE), summary="签收")
def outgoing_receive(request: HttpRequest, document_id: int, body: ReceiveIn) -> OutgoingDetailOut:
    """接收部门负责人签收（外单位的由办公室代为登记签收）。"""
    person = actor(request)
    doc = selectors.access_outgoing(actor=person, document_id=document_id)
    if not doc.issuances.filter(pk=body.issuance).exists():
        raise ApplicationError(_("分发记录不存在。"), code=ErrorCode.NOT_FOUND)
    services.issuance_receive(actor=person, issuance_id=body.issuance)
    return outgoing_page(person, doc.pk)


@router.post("/outgoing/{document_id}/read", response=answers(ReadOut), auth=auth(WRITE), summary="已阅（收到的发文）")
def outgoing_read(request: HttpRequest, document_id: int) -> ReadOut:
    person = actor(request)
    doc = selectors.access_outgoing(actor=person, document_id=document_id)
    return ReadOut(marked=services.issuance_seen(actor=person, document=doc))
