"""意见箱 over the REST API: the unit's publicly answered suggestions, submitting one (named or anonymous), and
following an anonymous one by its code. The same services and selectors as the pages hold the rules.

An anonymous submission refuses an ``Idempotency-Key``: the API would otherwise remember the answer (which holds
the suggestion and its code) under the token's owner, linking the two."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from sanfu.api import scopes
from sanfu.api.kit import ObjectId, Page, PageQuery, actor, answers, auth, page_of
from sanfu.core.errors import ApplicationError
from sanfu.suggestions import selectors, services
from sanfu.suggestions.models import Suggestion

READ = scopes.declare("suggestions:read", gettext_lazy("查看意见箱的公开答复"))
WRITE = scopes.declare("suggestions:write", gettext_lazy("提出建议（实名或匿名）并凭查询码查看答复"))

router = Router(tags=["意见箱"])

CategoryCode = Literal["management", "service", "production", "safety", "welfare", "other"]


class SuggestionOut(Schema):
    id: int
    title: str
    body: str
    category: str
    author: str = Field(description="提出人姓名；匿名建议为「匿名」")
    anonymous: bool
    submitted_on: date
    department: str = Field(description="答复部门")
    reply: str
    replied_on: date | None
    status: str = Field(description="pending 待处理、adopted 已采纳、partial 部分采纳、declined 暂不采纳、done 已落实")
    adopting_department: str
    decline_reason: str


def _out(s: Suggestion) -> SuggestionOut:
    return SuggestionOut(
        id=s.pk,
        title=s.title,
        body=s.body,
        category=s.category,
        author=selectors.author_label(s),
        anonymous=s.anonymous,
        submitted_on=s.submitted_on,
        department=s.department.name if s.department else "",
        reply=s.reply,
        replied_on=s.replied_on,
        status=s.status,
        adopting_department=s.adopting_department.name if s.adopting_department else "",
        decline_reason=s.decline_reason,
    )


@router.get(
    "/public",
    response=answers(Page[SuggestionOut]),
    auth=auth(READ),
    summary="公开答复的建议",
    url_name="suggestions_public",
)
def suggestions_public(request: HttpRequest, paging: Query[PageQuery]) -> Page[SuggestionOut]:
    """持有人所在单位公开答复的建议，新的在前。"""
    rows, following = page_of(selectors.public_suggestions(actor(request)), cursor=paging.cursor, limit=paging.limit)
    return Page[SuggestionOut](items=[_out(s) for s in rows], next_cursor=following)


class SuggestionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=100)
    body: str = Field(min_length=1, max_length=5000)
    category: CategoryCode = "other"
    concerns: ObjectId | None = Field(None, description="涉及部门的编号（本单位）")
    anonymous: bool = Field(False, description="匿名：不记录提出人，返回一次性查询码")
    campaign: ObjectId | None = Field(None, description="征集活动（通知公告）的编号")


class SubmittedOut(Schema):
    id: int
    anonymous: bool
    code: str = Field(description="匿名建议的查询码，只返回这一次；实名建议为空")


@router.post(
    "",
    response=answers(SubmittedOut, status=201),
    auth=auth(WRITE),
    summary="提出建议",
    operation_id="suggestions_submit",
    url_name="suggestions_submit",
)
def suggestion_submit(request: HttpRequest, body: SuggestionIn) -> Status[SubmittedOut]:
    """实名或匿名提出建议。匿名建议不记录提出人，返回的查询码只出现这一次；匿名提交不接受 Idempotency-Key
    （否则应答会记在令牌持有人名下）。无效输入为 422，不留下任何记录。"""
    if body.anonymous and request.headers.get("Idempotency-Key"):
        raise ApplicationError(_("匿名建议不接受 Idempotency-Key：它会把应答与您的令牌关联起来。"))
    submitted = services.suggestion_submit(
        actor=actor(request),
        title=body.title,
        body=body.body,
        category=body.category,
        concerns_id=body.concerns,
        anonymous=body.anonymous,
        campaign_id=body.campaign,
    )
    return Status(201, SubmittedOut(id=submitted.suggestion.pk, anonymous=body.anonymous, code=submitted.code))


class FollowIn(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, description="提交匿名建议时得到的查询码")


@router.post(
    "/follow",
    response=answers(SuggestionOut),
    auth=auth(WRITE),
    summary="凭查询码查看匿名建议",
    operation_id="suggestions_follow",
    url_name="suggestions_follow",
)
def suggestion_follow(request: HttpRequest, body: FollowIn) -> SuggestionOut:
    """查询码不正确为 404；输错次数过多为 403（每 15 分钟内最多输错 10 次；提示还需等待的分钟数）。"""
    return _out(services.suggestion_follow(actor=actor(request), code=body.code))
