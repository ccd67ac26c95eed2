"""一站式服务 over the REST API: the catalogue of the holder's unit (with each service's materials list, shared with
the 审批中心 where it names a matter), the holder's requests, one request with its departments and timeline, asking
for a service online, a request's material files (listed, downloaded, and one uploaded to answer a return for
missing material), rating a closed request and complaining about a service.

Each operation calls the same selector or service as the pages: another person's request is a 404, bad input is a
422 or a 400 with the service's message, and nothing is written on refusal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import ConfigDict

from sanfu.api import scopes
from sanfu.api.kit import Page, PageQuery, actor, answers, auth, page_of
from sanfu.core.errors import ApplicationError
from sanfu.servicedesk import selectors, services
from sanfu.servicedesk.models import Channel, RequestFile, Service, ServiceRequest
from sanfu.servicedesk.services.requests import materials_of

READ = scopes.declare("servicedesk:read", gettext_lazy("查看服务目录和我的服务申请"))
WRITE = scopes.declare("servicedesk:write", gettext_lazy("网上申请服务、评价和投诉"))

router = Router(tags=["一站式服务"])


class ServiceMaterialOut(Schema):
    code: str
    name: str
    required: bool
    standard: str = ""


class ServiceOut(Schema):
    id: int
    code: str
    name: str
    description: str
    promised_days: int = Field(description="承诺时限（工作日）")
    channels: list[str] = Field(description="online 网上办理、window 窗口办理、hotline 热线电话")
    departments: list[str]
    matter_code: str = Field(description="关联的审批事项代码（材料清单取自该事项），无则为空")
    materials: list[ServiceMaterialOut]
    repeated_complaints: bool = Field(description="近 30 天投诉 3 次及以上")


def _service(s: Service) -> ServiceOut:
    return ServiceOut(
        id=s.pk,
        code=s.code,
        name=s.name,
        description=s.description,
        promised_days=s.promised_days,
        channels=list(s.channels),
        departments=[d.name for d in s.departments.all()],
        matter_code=s.matter_code,
        materials=[
            ServiceMaterialOut(
                code=str(m["code"]),
                name=str(m["name"]),
                required=bool(m.get("required")),
                standard=str(m.get("standard") or ""),
            )
            for m in materials_of(s)
        ],
        repeated_complaints=getattr(s, "recent_complaints", 0) >= selectors.REPEAT_COMPLAINTS,
    )


@router.get("/services", response=answers(list[ServiceOut]), auth=auth(READ), summary="服务目录")
def servicedesk_services(request: HttpRequest) -> list[ServiceOut]:
    rows = selectors.visible_services(actor(request)).filter(is_active=True).prefetch_related("departments")
    return [_service(s) for s in rows]


class ServicePartOut(Schema):
    department: str
    status: str = Field(description="open 办理中、returned 待补材料、done 已办结")
    reply: str


class ServiceMomentOut(Schema):
    at: datetime
    what: str
    who: str
    note: str


class ServiceRequestOut(Schema):
    id: int
    number: str
    service_id: int
    service: str
    summary: str
    channel: str
    status: str = Field(description="handling 办理中、awaiting 待补材料、done 已办结")
    due_on: date
    created_at: datetime
    closed_at: datetime | None
    result: str
    rating: int | None = None
    parts: list[ServicePartOut] = []
    timeline: list[ServiceMomentOut] = []


def _request(r: ServiceRequest, *, full: bool = False) -> ServiceRequestOut:
    rating = getattr(r, "rating", None) if full else None
    extra: dict[str, Any] = {}
    if full:
        extra = {
            "parts": [
                ServicePartOut(department=p.department.name, status=p.status, reply=p.reply)
                for p in r.parts.select_related("department")
            ],
            "timeline": [
                ServiceMomentOut(at=m.at, what=m.what, who=m.who, note=m.note) for m in selectors.timeline_of(r)
            ],
            "rating": rating.score if rating else None,
        }
    return ServiceRequestOut(
        id=r.pk,
        number=r.number,
        service_id=r.service_id,
        service=r.service.name,
        summary=r.summary,
        channel=r.channel,
        status=r.status,
        due_on=r.due_on,
        created_at=r.created_at,
        closed_at=r.closed_at,
        result=r.result,
        **extra,
    )


@router.get("/requests", response=answers(Page[ServiceRequestOut]), auth=auth(READ), summary="我的服务申请")
def servicedesk_requests(request: HttpRequest, paging: Query[PageQuery]) -> Page[ServiceRequestOut]:
    """本人作为申请人的服务申请，按编号倒序，游标分页。"""
    rows, following = page_of(
        selectors.my_requests(actor(request)).order_by("-pk"), cursor=paging.cursor, limit=paging.limit
    )
    return Page[ServiceRequestOut](items=[_request(r) for r in rows], next_cursor=following)


@router.get(
    "/requests/{request_id}",
    response=answers(ServiceRequestOut),
    auth=auth(READ),
    summary="一个服务申请",
    operation_id="servicedesk_request_detail",
)
def servicedesk_request_detail(request: HttpRequest, request_id: int) -> ServiceRequestOut:
    """一个状态、一条时间线、一个结果：各承办部门的办理情况和补正记录都在其中。"""
    return _request(selectors.access_request(actor=actor(request), request_id=request_id), full=True)


class ServiceRequestIn(Schema):
    service_id: int = Field(description="服务事项编号")
    summary: str = Field(min_length=1, max_length=500, description="诉求摘要")
    phone: str = Field("", max_length=30, description="联系电话（可选）")
    materials: list[str] = Field([], max_length=20, description="已备齐的材料代码（须含全部必备材料）")


@router.post(
    "/requests",
    response=answers(ServiceRequestOut, status=201),
    auth=auth(WRITE),
    summary="网上申请服务",
    operation_id="servicedesk_request_register",
)
def servicedesk_request_register(request: HttpRequest, body: ServiceRequestIn) -> Status[ServiceRequestOut]:
    """受理后同时分送该服务的各承办部门办理。缺少必备材料为 400（一次写明全部缺少的材料），不留下任何记录。"""
    created = services.request_register(
        actor=actor(request),
        data=services.RequestIn(
            service_id=body.service_id,
            summary=body.summary,
            channel=Channel.ONLINE,
            phone=body.phone,
            materials=body.materials,
        ),
    )
    return Status(201, _request(created))


class ServiceRequestFileOut(Schema):
    id: int
    material_code: str = Field(description="材料代码；other 为材料清单以外的补交材料")
    material_name: str
    name: str = Field(description="文件名")
    size: int = Field(description="字节数")
    sha256: str
    uploaded_at: datetime
    uploaded_by: str
    for_return: bool = Field(description="补正时补交的材料")


def _file(f: RequestFile) -> ServiceRequestFileOut:
    return ServiceRequestFileOut(
        id=f.pk,
        material_code=f.material_code,
        material_name=f.material_name,
        name=f.name,
        size=f.size,
        sha256=f.sha256,
        uploaded_at=f.created_at,
        uploaded_by=f.uploaded_by.display_name,
        for_return=f.material_return_id is not None,
    )


@router.get(
    "/requests/{request_id}/files",
    response=answers(list[ServiceRequestFileOut]),
    auth=auth(READ),
    summary="申请的材料文件",
    operation_id="servicedesk_request_files",
)
def servicedesk_request_files(request: HttpRequest, request_id: int) -> list[ServiceRequestFileOut]:
    """按材料清单的顺序列出（清单以外的补交材料在后）；看得到申请的人才看得到它的文件，其他人为 404。"""
    found = selectors.access_request(actor=actor(request), request_id=request_id)
    return [_file(f) for group in selectors.files_of(found, materials_of(found.service)) for f in group["files"]]


class ServiceRequestFileIn(Schema):
    model_config = ConfigDict(extra="forbid")

    material: str = Field(
        min_length=1, max_length=64, description="材料代码（见服务目录的材料清单）；清单以外的材料填 other"
    )
    note: str = Field("", max_length=500, description="补正说明（可选）")


_UPLOAD_FIELDS = {"material", "note", "file"}


@router.post(
    "/requests/{request_id}/files",
    response=answers(ServiceRequestFileOut, status=201),
    auth=auth(WRITE),
    summary="补交材料文件",
    operation_id="servicedesk_request_file_upload",
)
def servicedesk_request_file_upload(
    request: HttpRequest,
    request_id: int,
    form: Form[ServiceRequestFileIn],
    file: File[UploadedFile],
) -> Status[ServiceRequestFileOut]:
    """申请被退回补正（待补材料）时，申请人或服务窗口上传一个材料文件（multipart/form-data），同网页“补齐材料”：
    各部门随即继续办理。文件的格式、大小和内容按网页同样的规则检查，不合格为 422，不留下任何记录；申请没有待补的
    材料为 409；看不到该申请为 404。"""
    unknown = sorted((set(request.POST) | set(request.FILES)) - _UPLOAD_FIELDS)
    if unknown or len(request.FILES.getlist("file")) > 1:  # the form is strict like the JSON bodies (extra="forbid")
        raise ApplicationError(
            _("请求中有多余的字段：%(names)s（只接受 material、note 和一个 file）。")
            % {"names": ", ".join(unknown) or "file"},
            errors=[{"field": name} for name in unknown or ["file"]],
        )
    person = actor(request)
    services.request_supply(actor=person, request_id=request_id, note=form.note, files={form.material: [file]})
    stored = (
        RequestFile.objects.filter(request_id=request_id, uploaded_by=person)
        .select_related("uploaded_by")
        .order_by("-id")
        .first()
    )
    assert stored is not None
    return Status(201, _file(stored))


_ERRORS = {k: v for k, v in answers(None).items() if k != 200}


@router.get(
    "/requests/{request_id}/files/{file_id}",
    response=_ERRORS,
    auth=auth(READ),
    summary="下载材料文件",
    operation_id="servicedesk_request_file_download",
    openapi_extra={
        "responses": {
            200: {
                "description": "文件内容",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def servicedesk_request_file_download(request: HttpRequest, request_id: int, file_id: int) -> FileResponse:
    """看得到申请的人才能下载它的文件；其他单位的申请或文件为 404。"""
    found = selectors.access_request_file(actor=actor(request), request_id=request_id, file_id=file_id)
    return FileResponse(
        found.file.open("rb"), as_attachment=True, filename=found.name, content_type="application/octet-stream"
    )


class ServiceRateIn(Schema):
    score: int = Field(ge=1, le=5, description="1 至 5 分；2 分及以下为差评，须写明原因")
    comment: str = Field("", max_length=500)


class ServiceRatingOut(Schema):
    request_id: int
    score: int
    comment: str
    review_opened: bool = Field(description="差评：已转承办部门负责人核查整改")


@router.post(
    "/requests/{request_id}/rating",
    response=answers(ServiceRatingOut, status=201),
    auth=auth(WRITE),
    summary="评价办结的申请",
)
def servicedesk_request_rate(request: HttpRequest, request_id: int, body: ServiceRateIn) -> Status[ServiceRatingOut]:
    rating = services.request_rate(actor=actor(request), request_id=request_id, score=body.score, comment=body.comment)
    return Status(
        201,
        ServiceRatingOut(
            request_id=request_id,
            score=rating.score,
            comment=rating.comment,
            review_opened=rating.review_instance_id is not None,
        ),
    )


class ServiceComplaintIn(Schema):
    service_id: int
    content: str = Field(min_length=1, max_length=3000)
    request_id: int | None = Field(None, description="所投诉的本人申请（可选）")


class ServiceComplaintOut(Schema):
    id: int
    service: str
    content: str
    status: str = Field(description="open 调查处理中、answered 已答复")
    due_on: date
    reply: str


@router.post("/complaints", response=answers(ServiceComplaintOut, status=201), auth=auth(WRITE), summary="投诉")
def servicedesk_complaint_file(request: HttpRequest, body: ServiceComplaintIn) -> Status[ServiceComplaintOut]:
    """投诉由服务窗口（办公室）在期限内调查并答复投诉人。"""
    c = services.complaint_file(
        actor=actor(request), service_id=body.service_id, content=body.content, request_id=body.request_id
    )
    return Status(
        201,
        ServiceComplaintOut(
            id=c.pk, service=c.service.name, content=c.content, status=c.status, due_on=c.due_on, reply=""
        ),
    )
