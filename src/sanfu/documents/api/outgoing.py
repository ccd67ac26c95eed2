"""发文 writes: 拟稿 and the steps of its loop (修改, 核稿, 退回, 重新送审, 会签, 签发, 编号, 印发, 归档, 签收,
已阅)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status

from sanfu.api.kit import ObjectId, actor, answers, auth
from sanfu.core.errors import ApplicationError, ErrorCode
from sanfu.documents import selectors, services
from sanfu.documents.api.common import (
    MAX_FILES,
    TEXT_MAX,
    WRITE,
    DocumentCommentIn,
    DocumentFileIn,
    LevelIn,
    ReadOut,
    StepIn,
    UrgencyIn,
    departments_of,
    form_token,
    on_outgoing,
    router,
    uploads_of,
    user_of,
)
from sanfu.documents.api.pages import OutgoingDetailOut, outgoing_page

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
    countersign: list[ObjectId] = Field(default_factory=list, max_length=50, description="会签部门（部门编号）")
    signer: int | None = Field(None, ge=1, le=2**53, description="签发领导（默认为分管领导）")
    copy_no: str = Field("", max_length=6, description="份号（秘密、机密公文必填）")
    secrecy_years: int | None = Field(None, ge=0, le=100, description="保密期限（年）")
    attachments: list[DocumentFileIn] = Field(default_factory=list, max_length=MAX_FILES)


@router.post(
    "/outgoing",
    response=answers(OutgoingDetailOut, status=201),
    auth=auth(WRITE),
    summary="起草发文（送核稿）",
    operation_id="documents_outgoing_draft",
    openapi_extra={
        "responses": {
            201: {
                "links": {
                    "read": {
                        "operationId": "documents_outgoing_detail",
                        "parameters": {"document_id": "$response.body#/id"},
                        "description": "查看刚起草的发文",
                    },
                    "revise": {
                        "operationId": "documents_outgoing_revise",
                        "parameters": {"document_id": "$response.body#/id"},
                        "requestBody": {"version": "$response.body#/version"},
                        "description": "签发前修改文稿（拟稿人被退回时，或当前办理人）",
                    },
                    "review": {
                        "operationId": "documents_outgoing_review",
                        "parameters": {"document_id": "$response.body#/id"},
                        "requestBody": {"version": "$response.body#/version"},
                        "description": "核稿（办公室）",
                    },
                    "return": {
                        "operationId": "documents_outgoing_return",
                        "parameters": {"document_id": "$response.body#/id"},
                        "requestBody": {"version": "$response.body#/version"},
                        "description": "核稿时退回拟稿人",
                    },
                }
            }
        }
    },
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
        countersign=departments_of(body.countersign, "countersign"),
        signer=user_of(body.signer, "signer") if body.signer is not None else None,
        attachments=uploads_of(body.attachments),
        copy_no=body.copy_no,
        secrecy_years=body.secrecy_years,
        token=form_token(request),
    )
    return Status(201, outgoing_page(person, document.pk))


class ReviseIn(DocumentCommentIn):
    title: str = Field(max_length=200)
    body: str = Field(max_length=200_000)
    recipients: str | None = Field(None, max_length=300)
    copy_to: str | None = Field(None, max_length=300)


@router.post(
    "/outgoing/{document_id}/revise",
    response=answers(OutgoingDetailOut),
    auth=auth(WRITE),
    summary="修改文稿（新一稿）",
    operation_id="documents_outgoing_revise",
)
def outgoing_revise(request: HttpRequest, document_id: int, body: ReviseIn) -> OutgoingDetailOut:
    return on_outgoing(
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
            token=form_token(request),
        ),
    )


class ReviewIn(DocumentCommentIn):
    countersign: list[ObjectId] | None = Field(None, max_length=50, description="会签部门（给出则替换）")
    signer: int | None = Field(None, ge=1, le=2**53, description="签发领导（给出则替换）")


@router.post(
    "/outgoing/{document_id}/review",
    response=answers(OutgoingDetailOut),
    auth=auth(WRITE),
    summary="核稿",
    operation_id="documents_outgoing_review",
)
def outgoing_review(request: HttpRequest, document_id: int, body: ReviewIn) -> OutgoingDetailOut:
    return on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_review(
            actor=person,
            document_id=document_id,
            comment=body.comment,
            countersign=departments_of(body.countersign, "countersign") if body.countersign is not None else None,
            signer=user_of(body.signer, "signer") if body.signer is not None else None,
            token=form_token(request),
        ),
    )


class ReasonIn(StepIn):
    comment: str = Field(min_length=1, max_length=TEXT_MAX, description="理由")


@router.post(
    "/outgoing/{document_id}/return",
    response=answers(OutgoingDetailOut),
    auth=auth(WRITE),
    summary="退回拟稿人",
    operation_id="documents_outgoing_return",
)
def outgoing_return(request: HttpRequest, document_id: int, body: ReasonIn) -> OutgoingDetailOut:
    return on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_return(
            actor=person, document_id=document_id, comment=body.comment, token=form_token(request)
        ),
    )


@router.post(
    "/outgoing/{document_id}/resubmit",
    response=answers(OutgoingDetailOut),
    auth=auth(WRITE),
    summary="重新送审（拟稿人）",
)
def outgoing_resubmit(request: HttpRequest, document_id: int, body: DocumentCommentIn) -> OutgoingDetailOut:
    return on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_resubmit(
            actor=person, document_id=document_id, comment=body.comment, token=form_token(request)
        ),
    )


@router.post(
    "/outgoing/{document_id}/agree", response=answers(OutgoingDetailOut), auth=auth(WRITE), summary="会签：同意"
)
def outgoing_agree(request: HttpRequest, document_id: int, body: DocumentCommentIn) -> OutgoingDetailOut:
    return on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_countersign(
            actor=person, document_id=document_id, comment=body.comment, agree=True, token=form_token(request)
        ),
    )


@router.post(
    "/outgoing/{document_id}/disagree",
    response=answers(OutgoingDetailOut),
    auth=auth(WRITE),
    summary="会签：不同意（退回核稿）",
)
def outgoing_disagree(request: HttpRequest, document_id: int, body: ReasonIn) -> OutgoingDetailOut:
    return on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_countersign(
            actor=person, document_id=document_id, comment=body.comment, agree=False, token=form_token(request)
        ),
    )


@router.post("/outgoing/{document_id}/signoff", response=answers(OutgoingDetailOut), auth=auth(WRITE), summary="签发")
def outgoing_sign_off(request: HttpRequest, document_id: int, body: DocumentCommentIn) -> OutgoingDetailOut:
    """有本单位签发权限的领导签发；当前文稿定稿，并记录其摘要值。"""
    return on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_sign_off(
            actor=person, document_id=document_id, comment=body.comment, token=form_token(request)
        ),
    )


@router.post("/outgoing/{document_id}/number", response=answers(OutgoingDetailOut), auth=auth(WRITE), summary="编号")
def outgoing_number(request: HttpRequest, document_id: int, body: StepIn) -> OutgoingDetailOut:
    return on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_assign_number(
            actor=person, document_id=document_id, token=form_token(request)
        ),
    )


class IssueIn(DocumentCommentIn):
    departments: list[ObjectId] = Field(default_factory=list, max_length=200, description="接收部门（部门编号）")
    external: list[str] = Field(default_factory=list, max_length=200, description="外单位名称")


@router.post("/outgoing/{document_id}/issue", response=answers(OutgoingDetailOut), auth=auth(WRITE), summary="印发")
def outgoing_issue(request: HttpRequest, document_id: int, body: IssueIn) -> OutgoingDetailOut:
    return on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_issue(
            actor=person,
            document_id=document_id,
            departments=departments_of(body.departments, "departments"),
            external=[name[:100] for name in body.external],
            comment=body.comment,
            token=form_token(request),
        ),
    )


@router.post(
    "/outgoing/{document_id}/archive", response=answers(OutgoingDetailOut), auth=auth(WRITE), summary="归档（办公室）"
)
def outgoing_archive(request: HttpRequest, document_id: int, body: StepIn) -> OutgoingDetailOut:
    return on_outgoing(
        request,
        document_id,
        body.version,
        lambda person: services.outgoing_archive(actor=person, document_id=document_id, token=form_token(request)),
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
