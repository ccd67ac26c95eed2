"""统一待办 over the REST API: another system pushes its to-dos into a person's 我的待办, updates and closes them,
and lists what it pushed. The rules are ``approvals.services.external``'s; this module only translates."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from sanfu.api import scopes
from sanfu.api.kit import Page, PageQuery, actor, answers, auth, page_of, token_of
from sanfu.api.models import TokenKind
from sanfu.approvals.models import ExternalTodo, ExternalTodoStatus
from sanfu.approvals.selectors.inbox_external import todos_pushed_by
from sanfu.approvals.services import external

WRITE = scopes.declare("todos:write", gettext_lazy("推送、更新、关闭和查看本系统推送的统一待办"))

router = Router(tags=["统一待办"])


class TodoIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person: str = Field("", max_length=150, description="办理人的用户名（与 employee_no 二选一）")
    employee_no: str = Field("", max_length=32, description="办理人的工号（与 person 二选一）")
    source: str = Field(max_length=32, description="来源系统代码：字母、数字、. _ -，以字母或数字开头")
    source_name: str = Field("", max_length=64, description="来源系统名称，显示在待办中（默认同代码）")
    external_id: str = Field(max_length=128, description="待办在来源系统中的编号：字母、数字、. _ : @ -")
    title: str = Field(max_length=200)
    url: str = Field(max_length=500, description="回到来源系统办理的地址（http:// 或 https://）")
    due_at: datetime | None = Field(None, description="办理期限（不带时区时按北京时间）")


class CloseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["done", "cancelled"] = Field("done", description="done：已在来源系统办理；cancelled：不再需要")


class TodoOut(Schema):
    source: str
    source_name: str
    external_id: str
    person: str = Field(description="办理人的用户名")
    title: str
    url: str
    due_at: datetime | None = None
    status: str = Field(description="open（待办）、done（已办）或 cancelled（已取消）")
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None


class TodoQuery(PageQuery):
    person: str = Field("", max_length=150, description="只看这位办理人的（用户名或工号）")
    status: Literal["open", "done", "cancelled", ""] = ""


def _out(todo: ExternalTodo) -> TodoOut:
    return TodoOut(
        source=todo.source,
        source_name=todo.source_name,
        external_id=todo.external_id,
        person=todo.person.username,
        title=todo.title,
        url=todo.url,
        due_at=todo.due_at,
        status=todo.status,
        created_at=todo.created_at,
        updated_at=todo.updated_at,
        closed_at=todo.closed_at,
    )


def _integration(request: HttpRequest) -> bool:
    token = token_of(request)
    return token is not None and token.kind == TokenKind.INTEGRATION


@router.post(
    "",
    response={200: TodoOut, **answers(TodoOut, status=201)},
    auth=auth(WRITE),
    summary="推送待办（新建或更新）",
    operation_id="todos_push",
    openapi_extra={
        "responses": {
            status: {
                "links": {
                    "close": {
                        "operationId": "todos_close",
                        "parameters": {
                            "source": "$response.body#/source",
                            "external_id": "$response.body#/external_id",
                        },
                        "description": "在来源系统办理或取消后关闭这条待办",
                    }
                }
            }
            for status in (200, 201)
        }
    },
)
def push(request: HttpRequest, body: TodoIn) -> Status[TodoOut]:
    """同一（source, external_id）再次推送即更新（标题、地址、期限、办理人）：新建 201，更新 200。
    系统集成令牌可为任何在职人员推送；个人令牌只能推送本人的待办。已关闭的待办保持关闭。"""
    person = external.person_named(username=body.person, employee_no=body.employee_no)
    todo, created = external.todo_push(
        actor=actor(request),
        integration=_integration(request),
        person=person,
        source=body.source,
        source_name=body.source_name,
        external_id=body.external_id,
        title=body.title,
        url=body.url,
        due_at=body.due_at,
    )
    return Status(201 if created else 200, _out(todo))


@router.post(
    "/{source}/{external_id}/close",
    response=answers(TodoOut),
    auth=auth(WRITE),
    summary="关闭待办（已办或取消）",
    operation_id="todos_close",
)
def close(request: HttpRequest, source: str, external_id: str, body: CloseIn) -> TodoOut:
    """待办从办理人的“待办”中消失（已办的列在“已办”中）。重复关闭不改变任何内容。"""
    todo = external.todo_close(
        actor=actor(request),
        integration=_integration(request),
        source=source,
        external_id=external_id,
        outcome=body.outcome,
    )
    return _out(todo)


@router.get("", response=answers(Page[TodoOut]), auth=auth(WRITE), summary="本账户推送的待办")
def pushed(request: HttpRequest, filters: Query[TodoQuery]) -> Page[TodoOut]:
    status = ExternalTodoStatus(filters.status) if filters.status else None
    rows, following = page_of(
        todos_pushed_by(actor(request), person=filters.person, status=status),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return Page[TodoOut](items=[_out(t) for t in rows], next_cursor=following)
