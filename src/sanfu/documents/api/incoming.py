"""收文 writes: 登记 and the steps of its loop (拟办, 批办, 分办, 承办, 办结, 退回, 重新提交, 已阅)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Schema, Status

from sanfu.api.kit import ObjectId, actor, answers, auth
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
    TextIn,
    UrgencyIn,
    departments_of,
    form_token,
    on_incoming,
    router,
    uploads_of,
    user_of,
)
from sanfu.documents.api.pages import IncomingDetailOut, incoming_page

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
    original: DocumentFileIn | None = Field(None, description="原件扫描件")
    attachments: list[DocumentFileIn] = Field(default_factory=list, max_length=MAX_FILES)


@router.post(
    "/incoming",
    response=answers(IncomingDetailOut, status=201),
    auth=auth(WRITE),
    summary="收文登记（办公室）",
    operation_id="documents_incoming_register",
    openapi_extra={
        "responses": {
            201: {
                "links": {
                    "read": {
                        "operationId": "documents_incoming_detail",
                        "parameters": {"document_id": "$response.body#/id"},
                        "description": "查看刚登记的收文",
                    },
                    "propose": {
                        "operationId": "documents_incoming_propose",
                        "parameters": {"document_id": "$response.body#/id"},
                        "requestBody": {"version": "$response.body#/version"},
                        "description": "登记后转拟办：办公室提出拟办意见（回传所见的版本号）",
                    },
                    "mark_read": {
                        "operationId": "documents_incoming_read",
                        "parameters": {"document_id": "$response.body#/id"},
                        "description": "已阅（传阅到本人时）",
                    },
                }
            }
        }
    },
)
def incoming_register(request: HttpRequest, body: RegisterIn) -> Status[IncomingDetailOut]:
    """办公室收发文人员登记来文，流程转拟办。同一来文单位、同一文号此前已登记的，``duplicate_of`` 标出（不拒绝）。"""
    person = actor(request)
    originals = uploads_of([body.original] if body.original else [])
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
        attachments=uploads_of(body.attachments),
        token=form_token(request),
    )
    return Status(201, incoming_page(person, document.pk))


class ProposeIn(TextIn):
    leader: int = Field(ge=1, le=2**53, description="批办领导（用户编号）")
    readers: list[ObjectId] = Field(default_factory=list, max_length=200, description="传阅人（用户编号）")


@router.post(
    "/incoming/{document_id}/propose",
    response=answers(IncomingDetailOut),
    auth=auth(WRITE),
    summary="拟办",
    operation_id="documents_incoming_propose",
)
def incoming_propose(request: HttpRequest, document_id: int, body: ProposeIn) -> IncomingDetailOut:
    return on_incoming(
        request,
        document_id,
        body.version,
        lambda person: services.incoming_propose(
            actor=person,
            document_id=document_id,
            text=body.text,
            leader=user_of(body.leader, "leader"),
            readers=selectors.active_users(body.readers),
            token=form_token(request),
        ),
    )


class InstructIn(TextIn):
    supervise_until: date | None = Field(None, description="立项督办的督办期限（不早于今天）；不给则不立项")


@router.post(
    "/incoming/{document_id}/instruct", response=answers(IncomingDetailOut), auth=auth(WRITE), summary="批办（批示）"
)
def incoming_instruct(request: HttpRequest, document_id: int, body: InstructIn) -> IncomingDetailOut:
    """领导批示，原样保存；随后按轮次传阅。给出 supervise_until 即立项督办：分办后列入督办台账。"""
    return on_incoming(
        request,
        document_id,
        body.version,
        lambda person: services.incoming_instruct(
            actor=person,
            document_id=document_id,
            text=body.text,
            supervise_until=body.supervise_until,
            token=form_token(request),
        ),
    )


class DistributeIn(TextIn):
    lead: int = Field(ge=1, le=2**53, description="主办部门（部门编号）")
    co: list[ObjectId] = Field(default_factory=list, max_length=50, description="协办部门")


@router.post(
    "/incoming/{document_id}/distribute", response=answers(IncomingDetailOut), auth=auth(WRITE), summary="分办"
)
def incoming_distribute(request: HttpRequest, document_id: int, body: DistributeIn) -> IncomingDetailOut:
    return on_incoming(
        request,
        document_id,
        body.version,
        lambda person: services.incoming_distribute(
            actor=person,
            document_id=document_id,
            lead=departments_of([body.lead], "lead")[0],
            co=departments_of(body.co, "co"),
            note=body.text,
            token=form_token(request),
        ),
    )


@router.post(
    "/incoming/{document_id}/reply", response=answers(IncomingDetailOut), auth=auth(WRITE), summary="承办（办理情况）"
)
def incoming_reply(request: HttpRequest, document_id: int, body: TextIn) -> IncomingDetailOut:
    return on_incoming(
        request,
        document_id,
        body.version,
        lambda person: services.incoming_reply(
            actor=person, document_id=document_id, text=body.text, token=form_token(request)
        ),
    )


@router.post(
    "/incoming/{document_id}/close", response=answers(IncomingDetailOut), auth=auth(WRITE), summary="办结并归档"
)
def incoming_close(request: HttpRequest, document_id: int, body: TextIn) -> IncomingDetailOut:
    return on_incoming(
        request,
        document_id,
        body.version,
        lambda person: services.incoming_close(
            actor=person, document_id=document_id, text=body.text, token=form_token(request)
        ),
    )


class IncomingReturnIn(StepIn):
    comment: str = Field(min_length=1, max_length=TEXT_MAX, description="退回理由")
    to: Literal["previous", "registrar"] = Field("previous", description="退回上一步，或退回登记人")


@router.post("/incoming/{document_id}/return", response=answers(IncomingDetailOut), auth=auth(WRITE), summary="退回")
def incoming_return(request: HttpRequest, document_id: int, body: IncomingReturnIn) -> IncomingDetailOut:
    return on_incoming(
        request,
        document_id,
        body.version,
        lambda person: services.incoming_return(
            actor=person, document_id=document_id, comment=body.comment, to=body.to, token=form_token(request)
        ),
    )


class ResubmitIn(DocumentCommentIn):
    attachments: list[DocumentFileIn] = Field(default_factory=list, max_length=MAX_FILES, description="补充的附件")


@router.post(
    "/incoming/{document_id}/resubmit",
    response=answers(IncomingDetailOut),
    auth=auth(WRITE),
    summary="重新提交（登记人）",
)
def incoming_resubmit(request: HttpRequest, document_id: int, body: ResubmitIn) -> IncomingDetailOut:
    return on_incoming(
        request,
        document_id,
        body.version,
        lambda person: services.incoming_resubmit(
            actor=person,
            document_id=document_id,
            comment=body.comment,
            attachments=uploads_of(body.attachments),
            token=form_token(request),
        ),
    )


@router.post(
    "/incoming/{document_id}/read",
    response=answers(ReadOut),
    auth=auth(WRITE),
    summary="已阅（传阅）",
    operation_id="documents_incoming_read",
)
def incoming_read(request: HttpRequest, document_id: int) -> ReadOut:
    person = actor(request)
    doc = selectors.access_incoming(actor=person, document_id=document_id)
    return ReadOut(marked=services.circulation_read(actor=person, instance=doc.instance))
