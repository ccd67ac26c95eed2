"""The 审批中心 over the REST API: the matters a person may start (with their one-time notification), submitting
a request, the inbox, a request's page as data, and every action on it.

Each operation calls the same selector or service as the pages (``approvals.selectors``, ``approvals.services``,
``workflow.services``): the API adds no rule and skips none. A 公文's flow is acted on in its own domain, so
actions here refuse an instance that belongs to one, as the instance page does."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status

from sanfu.api import scopes
from sanfu.api.kit import Page, PageQuery, VersionConflictError, actor, answers, auth, page_of
from sanfu.approvals import services
from sanfu.approvals.models import MatterType
from sanfu.approvals.selectors import actions, inbox
from sanfu.approvals.selectors.catalogue import catalogue_for, startable_matter
from sanfu.core.errors import ApplicationError, ConflictError
from sanfu.workflow import selectors as workflow
from sanfu.workflow import services as flow
from sanfu.workflow.models import Instance, Task, TaskStatus
from sanfu.workflow.services import COMMENT_MAX_LENGTH

READ = scopes.declare("approvals:read", gettext_lazy("查看事项、我的待办和审批单"))
WRITE = scopes.declare(
    "approvals:write", gettext_lazy("提交申请并办理审批（同意、退回、转交、加签、撤回、催办、评论）")
)

router = Router(tags=["审批中心"])


# --- matters -------------------------------------------------------------------------------------------------


class MaterialOut(Schema):
    code: str = ""
    name: str = Field(description="材料名称")
    required: bool
    formats: list[str] = Field(default_factory=list, description="接受的文件格式")
    standard: str = Field("", description="材料标准（一次性告知）")


class MatterOut(Schema):
    code: str
    name: str
    area: str
    group: str
    description: str
    promised_days: int = Field(description="承诺时限（工作日）")
    materials: list[MaterialOut]
    form_schema: dict[str, Any] = Field(description="表单字段（与网页表单同一份定义）")


def _material(item: Any) -> MaterialOut:
    if isinstance(item, dict):
        return MaterialOut(
            code=str(item.get("code", "")),
            name=str(item.get("name", "")),
            required=bool(item.get("required", True)),
            formats=[str(f) for f in item.get("formats") or []],
            standard=str(item.get("standard") or item.get("description") or ""),
        )
    return MaterialOut(name=str(item), required=True, standard="")


def _matter(matter: MatterType) -> MatterOut:
    return MatterOut(
        code=matter.code,
        name=matter.name,
        area=matter.area,
        group=matter.group,
        description=matter.description,
        promised_days=matter.promised_days,
        materials=[_material(m) for m in matter.materials or []],
        form_schema=matter.form_schema or {},
    )


class MatterQuery(Schema):
    q: str = Field("", max_length=64, description="按名称、分组或代码查找")


@router.get("/matters", response=answers(list[MatterOut]), auth=auth(READ), summary="可发起的事项")
def matters(request: HttpRequest, filters: Query[MatterQuery]) -> list[MatterOut]:
    return [_matter(m) for m in catalogue_for(actor(request), query=filters.q.strip())]


@router.get("/matters/{code}", response=answers(MatterOut), auth=auth(READ), summary="事项及其一次性告知")
def matter(request: HttpRequest, code: str) -> MatterOut:
    return _matter(startable_matter(actor(request), code[:64]))


# --- requests ----------------------------------------------------------------------------------------------


class SubmitIn(Schema):
    matter: str = Field(max_length=64, description="事项代码")
    title: str = Field(max_length=200)
    urgency: Literal["平急", "加急", "特急"] = "平急"
    data: dict[str, Any] = Field(default_factory=dict, description="表单字段的值，按字段名")


class TaskOut(Schema):
    id: int
    node: str
    node_name: str
    kind: str
    status: str
    assignee: str
    due_at: datetime | None = None


class EventOut(Schema):
    seq: int
    type: str
    node: str
    actor: str | None
    at: datetime
    comment: str


class RequestOut(Schema):
    id: int = Field(description="流程实例编号（各操作的路径参数）")
    number: str = ""
    title: str
    matter: str = ""
    status: str
    urgency: str
    initiator: str
    version: int = Field(description="乐观并发的版本号：在操作中回传可防止基于过期信息的办理")
    created_at: datetime
    ended_at: datetime | None = None
    form: dict[str, Any]
    open_tasks: list[TaskOut]


class RequestDetailOut(RequestOut):
    history: list[EventOut]


def _name(user: Any) -> str:
    return (user.full_name or user.username) if user is not None else ""


def _task(task: Task) -> TaskOut:
    return TaskOut(
        id=task.pk,
        node=task.node,
        node_name=task.node_name,
        kind=task.kind,
        status=task.status,
        assignee=_name(task.assignee),
        due_at=task.due_at,
    )


def _request(instance: Instance, *, viewer: Any) -> RequestOut:
    req = actions.request_of(instance)
    form = dict((instance.state or {}).get("form", {}))
    acting = actions.acting_task(viewer, instance)
    if req is not None and acting is not None:  # fields hidden from the node this person acts at stay hidden
        access = actions.node_access(instance, acting, actions.schema_of(req))
        form = {k: v for k, v in form.items() if access.get(str(k)) != "hidden"}
    open_tasks = [
        _task(t) for t in instance.tasks.filter(status=TaskStatus.OPEN).select_related("assignee").order_by("id")
    ]
    return RequestOut(
        id=instance.pk,
        number=req.number if req else "",
        title=instance.title,
        matter=req.matter.code if req else instance.definition.key,
        status=instance.status,
        urgency=instance.urgency,
        initiator=_name(instance.initiator),
        version=instance.version,
        created_at=instance.created_at,
        ended_at=instance.ended_at,
        form=form,
        open_tasks=open_tasks,
    )


@router.post(
    "/requests",
    response=answers(RequestOut, status=201),
    auth=auth(WRITE),
    summary="提交申请",
    operation_id="approvals_request_submit",
    openapi_extra={
        "responses": {
            201: {
                "links": {
                    "read": {
                        "operationId": "approvals_request_detail",
                        "parameters": {"instance_id": "$response.body#/id"},
                        "description": "查看刚提交的审批单及其流转记录",
                    },
                    "withdraw": {
                        "operationId": "approvals_request_withdraw",
                        "parameters": {"instance_id": "$response.body#/id"},
                        "requestBody": {"version": "$response.body#/version"},
                        "description": "发起人撤回（尚无人办理时）",
                    },
                    "urge": {
                        "operationId": "approvals_request_urge",
                        "parameters": {"instance_id": "$response.body#/id"},
                        "requestBody": {"version": "$response.body#/version"},
                        "description": "发起人催办当前办理人",
                    },
                    "comment": {
                        "operationId": "approvals_request_comment",
                        "parameters": {"instance_id": "$response.body#/id"},
                        "requestBody": {"version": "$response.body#/version"},
                        "description": "发起人评论",
                    },
                }
            }
        }
    },
)
def submit(request: HttpRequest, body: SubmitIn) -> Status[RequestOut]:
    """材料齐全、表单无误才会创建；否则 422，``details`` 逐项列出缺少或有误之处（一次性告知）。
    需要上传材料的事项暂只能在网页上提交。"""
    person = actor(request)
    matter_ = startable_matter(person, body.matter)
    created = services.matter_submit(
        actor=person,
        matter=matter_,
        title=body.title.strip(),
        data=body.data,
        urgency=body.urgency,
        form_token=_form_token(request),
    )
    return Status(201, _request(created.instance, viewer=person))


def _form_token(request: HttpRequest) -> str:
    """The Idempotency-Key as the submission's form token: the service applies one token once, even if the
    process died before the API remembered its answer."""
    key = request.headers.get("Idempotency-Key", "")
    return "api:" + hashlib.sha256(key.encode()).hexdigest()[:40] if key else ""


@router.get("/requests", response=answers(Page[RequestOut]), auth=auth(READ), summary="我发起的")
def started(request: HttpRequest, paging: Query[PageQuery]) -> Page[RequestOut]:
    person = actor(request)
    rows, following = page_of(inbox.started_instances(person), cursor=paging.cursor, limit=paging.limit)
    return Page[RequestOut](items=[_request(i, viewer=person) for i in rows], next_cursor=following)


@router.get(
    "/requests/{instance_id}",
    response=answers(RequestDetailOut),
    auth=auth(READ),
    summary="审批单",
    operation_id="approvals_request_detail",
)
def request_detail(request: HttpRequest, instance_id: int) -> RequestDetailOut:
    person = actor(request)
    instance = workflow.access_instance(actor=person, instance_id=instance_id)
    flow.tasks_seen(actor=person, instance_id=instance.pk)  # a client showing the request to its holder opened it
    history = [
        EventOut(seq=e.seq, type=e.type, node=e.node, actor=_name(e.actor) or None, at=e.at, comment=e.comment)
        for e in workflow.history_of(instance)
    ]
    return RequestDetailOut(**_request(instance, viewer=person).dict(), history=history)


# --- the inbox ---------------------------------------------------------------------------------------------


class InboxItemOut(Schema):
    task: TaskOut
    request_id: int
    title: str
    number: str = ""
    initiator: str


class InboxQuery(PageQuery):
    box: Literal["todo", "done", "notices"] = Field("todo", description="待办、已办或抄送我的")


_BOXES = {"todo": inbox.todo_tasks, "done": inbox.done_tasks, "notices": inbox.notice_tasks}


@router.get("/inbox", response=answers(Page[InboxItemOut]), auth=auth(READ), summary="我的待办、已办、抄送")
def my_inbox(request: HttpRequest, paging: Query[InboxQuery]) -> Page[InboxItemOut]:
    rows, following = page_of(_BOXES[paging.box](actor(request)), cursor=paging.cursor, limit=paging.limit)
    items = []
    for task in rows:
        req = getattr(task.instance, "request", None)
        items.append(
            InboxItemOut(
                task=_task(task),
                request_id=task.instance_id,
                title=task.instance.title,
                number=req.number if req is not None else "",
                initiator=_name(task.instance.initiator),
            )
        )
    return Page[InboxItemOut](items=items, next_cursor=following)


# --- actions -----------------------------------------------------------------------------------------------


class ActIn(Schema):
    comment: str = Field("", max_length=COMMENT_MAX_LENGTH)
    task_id: int | None = Field(None, description="办理哪一个待办（同一人在一单上有几个待办时）")
    version: int | None = Field(None, description="所见的版本号；与当前不同则 409，并给出当前版本号")


class ApproveIn(ActIn):
    fields: dict[str, Any] = Field(default_factory=dict, description="本节点可填写的表单字段")


class ReturnIn(ActIn):
    to: str = Field("initiator", max_length=64, description="退回到：initiator（发起人）、previous（上一步）或节点编号")
    comment: str = Field(min_length=1, max_length=COMMENT_MAX_LENGTH)


class RejectIn(ActIn):
    comment: str = Field(min_length=1, max_length=COMMENT_MAX_LENGTH)


class TransferIn(ActIn):
    to: int = Field(description="转交给（人员的用户编号，见 /org/people）")


class SignersIn(ActIn):
    people: list[int] = Field(min_length=1, max_length=20)
    position: Literal["before", "after", "alongside"] = "before"
    mode: Literal["sequential", "all", "any"] = "sequential"


class CommentIn(Schema):
    comment: str = Field(min_length=1, max_length=COMMENT_MAX_LENGTH)
    version: int | None = None


def _acting_on(request: HttpRequest, instance_id: int, version: int | None) -> Instance:
    instance = workflow.access_instance(actor=actor(request), instance_id=instance_id)
    if actions.domain_page(instance) is not None:
        raise ApplicationError(_("此流程属于公文，请在公文中办理。"))
    if version is not None and version != instance.version:
        raise VersionConflictError(_("审批单已被他人更新，请刷新后再办理。"), current_version=instance.version)
    return instance


def _done(request: HttpRequest, instance_id: int, do: Any) -> RequestOut:
    try:
        do()
    except ConflictError as exc:
        current = Instance.objects.filter(pk=instance_id).values_list("version", flat=True).first()
        raise VersionConflictError(exc.message, current_version=current) from exc
    person = actor(request)
    return _request(workflow.access_instance(actor=person, instance_id=instance_id), viewer=person)


def _posted(fields: dict[str, Any]) -> QueryDict:
    posted = QueryDict(mutable=True)
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            posted.appendlist(str(name), "" if item is None else str(item))
    return posted


@router.post("/requests/{instance_id}/approve", response=answers(RequestOut), auth=auth(WRITE), summary="同意")
def approve(request: HttpRequest, instance_id: int, body: ApproveIn) -> RequestOut:
    instance = _acting_on(request, instance_id, body.version)
    return _done(
        request,
        instance.pk,
        lambda: services.task_approve(
            actor=actor(request),
            instance_id=instance.pk,
            task_id=body.task_id,
            comment=body.comment.strip(),
            posted=_posted(body.fields) if body.fields else None,
        ),
    )


@router.post("/requests/{instance_id}/reject", response=answers(RequestOut), auth=auth(WRITE), summary="驳回")
def reject(request: HttpRequest, instance_id: int, body: RejectIn) -> RequestOut:
    instance = _acting_on(request, instance_id, body.version)
    return _done(
        request,
        instance.pk,
        lambda: services.task_reject(
            actor=actor(request), instance_id=instance.pk, task_id=body.task_id, comment=body.comment.strip()
        ),
    )


@router.post("/requests/{instance_id}/return", response=answers(RequestOut), auth=auth(WRITE), summary="退回")
def return_(request: HttpRequest, instance_id: int, body: ReturnIn) -> RequestOut:
    instance = _acting_on(request, instance_id, body.version)
    return _done(
        request,
        instance.pk,
        lambda: services.task_return(
            actor=actor(request),
            instance_id=instance.pk,
            task_id=body.task_id,
            to=body.to.strip(),
            comment=body.comment.strip(),
        ),
    )


@router.post("/requests/{instance_id}/transfer", response=answers(RequestOut), auth=auth(WRITE), summary="转交")
def transfer(request: HttpRequest, instance_id: int, body: TransferIn) -> RequestOut:
    instance = _acting_on(request, instance_id, body.version)
    return _done(
        request,
        instance.pk,
        lambda: services.task_transfer(
            actor=actor(request), instance_id=instance.pk, task_id=body.task_id, to=body.to, comment=body.comment
        ),
    )


@router.post("/requests/{instance_id}/signers", response=answers(RequestOut), auth=auth(WRITE), summary="加签")
def add_signers(request: HttpRequest, instance_id: int, body: SignersIn) -> RequestOut:
    instance = _acting_on(request, instance_id, body.version)
    return _done(
        request,
        instance.pk,
        lambda: services.task_add_signers(
            actor=actor(request),
            instance_id=instance.pk,
            task_id=body.task_id,
            people=body.people,
            position=body.position,
            mode=body.mode,
            comment=body.comment,
        ),
    )


@router.post(
    "/requests/{instance_id}/withdraw",
    response=answers(RequestOut),
    auth=auth(WRITE),
    summary="撤回",
    operation_id="approvals_request_withdraw",
)
def withdraw(request: HttpRequest, instance_id: int, body: ActIn) -> RequestOut:
    instance = _acting_on(request, instance_id, body.version)
    return _done(
        request,
        instance.pk,
        lambda: flow.instance_withdraw(actor=actor(request), instance_id=instance.pk, comment=body.comment.strip()),
    )


@router.post(
    "/requests/{instance_id}/urge",
    response=answers(RequestOut),
    auth=auth(WRITE),
    summary="催办",
    operation_id="approvals_request_urge",
)
def urge(request: HttpRequest, instance_id: int, body: ActIn) -> RequestOut:
    instance = _acting_on(request, instance_id, body.version)
    return _done(
        request,
        instance.pk,
        lambda: flow.instance_urge(actor=actor(request), instance_id=instance.pk, comment=body.comment.strip()),
    )


@router.post(
    "/requests/{instance_id}/comments",
    response=answers(RequestOut),
    auth=auth(WRITE),
    summary="评论",
    operation_id="approvals_request_comment",
)
def comment(request: HttpRequest, instance_id: int, body: CommentIn) -> RequestOut:
    instance = _acting_on(request, instance_id, body.version)
    return _done(
        request,
        instance.pk,
        lambda: flow.instance_comment(actor=actor(request), instance_id=instance.pk, comment=body.comment.strip()),
    )
