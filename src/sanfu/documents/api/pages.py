"""A 收文 or 发文 as the API shows it: a list row and the whole page as data, each read through the access
selectors (a 秘密/机密 one's read audited)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from sanfu.documents import selectors, services
from sanfu.documents.models import IncomingDocument, OutgoingDocument
from sanfu.workflow.models import Instance

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


def incoming_row(row: selectors.ListRow) -> IncomingOut:
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


def outgoing_row(row: selectors.ListRow) -> OutgoingOut:
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
