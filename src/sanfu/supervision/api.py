"""督办 over the REST API: the ledger (the page's filters, paged by cursor), an item with its measures and whole
history, creating an item, reporting progress and applying for close-out. The operations call the same
services and selectors as the pages: an item the holder may not see is a 404 (the refusal audited), a refusal
of a service is the error envelope; every write takes an ``Idempotency-Key``."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status

from sanfu.accounts.models import User
from sanfu.api import scopes
from sanfu.api.kit import MAX_ID, ObjectId, Page, PageQuery, actor, answers, auth, page_of
from sanfu.core.errors import ApplicationError
from sanfu.core.params import parse_text
from sanfu.org.models import Department
from sanfu.supervision import selectors, services
from sanfu.supervision.models import Item
from sanfu.supervision.status import Status as ItemStatus

READ = scopes.declare("supervision:read", gettext_lazy("查看督办台账和督办事项"))
WRITE = scopes.declare("supervision:write", gettext_lazy("新建督办事项、报送进展、申请销号"))

router = Router(tags=["督办"])

TEXT_MAX = 5000
MAX_FILES = 10
MAX_FILE_BASE64 = 2_800_000

StatusIn = Literal["", "on_track", "at_risk", "overdue", "done"]
SourceIn = Literal["meeting", "instruction", "work_plan", "manual"]
LevelIn = Literal["public", "internal", "secret", "confidential"]


class ItemOut(Schema):
    id: int
    title: str
    source: str = Field(description="来源：meeting、instruction、work_plan、manual")
    source_label: str
    status: str = Field(description="计算所得的状态：on_track、at_risk、overdue、done")
    state: str = Field(description="生命周期：open（办理中）、closing（销号审核中）、closed（已销号）")
    owner_id: int
    owner: str
    lead_department_id: int | None = None
    lead_department: str = ""
    deadline: date
    percent: int = Field(description="最近一次报送的完成进度（0–100）")
    confidentiality: str
    parent_id: int | None = None


class IndicatorOut(Schema):
    id: int
    name: str
    target: str
    unit: str
    current: str


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: date
    done_at: datetime | None = None


class EntryOut(Schema):
    at: datetime
    kind: str = Field(description="open（立项）、report、check、comment、apply、decision、flow")
    who: str
    what: str
    text: str
    percent: int | None = None


class ItemDetailOut(ItemOut):
    content: str
    quality_requirements: str
    assigned_by_id: int | None = None
    cadence_days: int
    next_report_due: date | None = None
    indicators: list[IndicatorOut]
    milestones: list[MilestoneOut]
    children: list[int] = Field(description="分解的下级事项")
    history: list[EntryOut] = Field(description="办理全程（一事一档），按时间先后")


def _item(item: Item, status: ItemStatus) -> ItemOut:
    return ItemOut(**_fields(item, status))


def _fields(item: Item, status: ItemStatus) -> dict[str, Any]:
    return {
        "id": item.pk,
        "title": item.title,
        "source": item.source,
        "source_label": item.source_label,
        "status": status.value,
        "state": item.state,
        "owner_id": item.owner_id,
        "owner": item.owner.display_name,
        "lead_department_id": item.lead_department_id,
        "lead_department": item.lead_department.name if item.lead_department else "",
        "deadline": item.deadline,
        "percent": item.last_percent,
        "confidentiality": item.confidentiality,
        "parent_id": item.parent_id,
    }


def _detail(person: User, item_id: int) -> ItemDetailOut:
    item = selectors.access_item(actor=person, item_id=item_id)
    days = selectors.workdays()
    return ItemDetailOut(
        **_fields(item, selectors.item_status(item, days=days)),
        content=item.content,
        quality_requirements=item.quality_requirements,
        assigned_by_id=item.assigned_by_id,
        cadence_days=item.cadence_days,
        next_report_due=selectors.next_report_due(item, days=days),
        indicators=[
            IndicatorOut(id=i.pk, name=i.name, target=str(i.target), unit=i.unit, current=str(i.current))
            for i in item.indicators.all()
        ],
        milestones=[
            MilestoneOut(id=m.pk, title=m.title, due_on=m.due_on, done_at=m.done_at) for m in item.milestones.all()
        ],
        children=[c.pk for c in selectors.sub_items(item)],
        history=[
            EntryOut(at=e.at, kind=e.kind, who=e.who, what=e.what, text=e.text, percent=e.percent)
            for e in selectors.history(item)
        ],
    )


class LedgerQuery(PageQuery):
    status: StatusIn = Field("", description="计算所得的状态")
    department: int | None = Field(None, ge=1, le=MAX_ID, description="牵头或协办部门编号")
    source: Literal["", "meeting", "instruction", "work_plan", "manual"] = Field("", description="来源")
    owner: int | None = Field(None, ge=1, le=MAX_ID, description="责任人编号")
    month: str = Field("", pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$", description="完成时限所在月份，如 2026-10")
    q: str = Field("", max_length=200, description="事项名称或内容包含")


@router.get(
    "/items", response=answers(Page[ItemOut]), auth=auth(READ), summary="督办台账", url_name="supervision_items"
)
def items(request: HttpRequest, filters: Query[LedgerQuery]) -> Page[ItemOut]:
    """与督办台账页相同的筛选；按编号从新到旧分页。"""
    person = actor(request)
    month = (int(filters.month[:4]), int(filters.month[5:])) if filters.month else None
    chosen = selectors.LedgerFilters(
        status=filters.status,
        department_id=filters.department,
        source=filters.source,
        owner_id=filters.owner,
        month=month,
        query=parse_text(filters.q),
    )
    found = selectors.ledger(person, chosen)
    rows, following = page_of(found.rows, cursor=filters.cursor, limit=filters.limit)
    return Page[ItemOut](
        items=[_item(r, selectors.row_status(r)) for r in rows],
        next_cursor=following,
    )


@router.get(
    "/items/{item_id}",
    response=answers(ItemDetailOut),
    auth=auth(READ),
    summary="督办事项（一事一档）",
    operation_id="supervision_item_detail",
    url_name="supervision_item_detail",
)
def item_detail(request: HttpRequest, item_id: int) -> ItemDetailOut:
    return _detail(actor(request), item_id)


class FileIn(Schema):
    name: str = Field(min_length=1, max_length=200, description="文件名（扩展名决定类型，内容须与之相符）")
    content: str = Field(max_length=MAX_FILE_BASE64, description="文件内容，Base64 编码")


def _uploads(files: list[FileIn]) -> list[SimpleUploadedFile]:
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


class IndicatorIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    target: float = Field(ge=0, le=1e12)
    unit: str = Field("", max_length=16)


class MilestoneIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    due_on: date


class ItemIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    content: str = Field("", max_length=TEXT_MAX)
    source: SourceIn = "manual"
    source_ref: str = Field("", max_length=120, description="来源中的标识；同一来源同一标识只立项一次")
    source_label: str = Field("", max_length=200)
    owner: ObjectId = Field(description="责任人（用户编号）")
    lead_department: int | None = Field(None, ge=1, le=MAX_ID, description="牵头部门（默认为责任人所在部门）")
    co_departments: list[ObjectId] = Field(default_factory=list, max_length=50, description="协办部门")
    deadline: date = Field(description="完成时限，不能早于今天")
    cadence_days: int = Field(7, ge=1, le=366, description="报送周期（天）")
    quality_requirements: str = Field("", max_length=TEXT_MAX)
    confidentiality: LevelIn = "internal"
    indicators: list[IndicatorIn] = Field(default_factory=list, max_length=20)
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=50)


def _person(user_id: int, field: str) -> User:
    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        raise ApplicationError(_("所选人员不存在。"), errors=[{"field": field}])
    return found


def _departments(ids: list[int], field: str) -> list[Department]:
    found = list(Department.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ApplicationError(_("所选部门不存在。"), errors=[{"field": field}])
    return found


@router.post(
    "/items",
    response=answers(ItemDetailOut, status=201),
    auth=auth(WRITE),
    summary="新建督办事项",
    operation_id="supervision_item_create",
    url_name="supervision_item_create",
    openapi_extra={
        "responses": {
            201: {
                "links": {
                    "read": {
                        "operationId": "supervision_item_detail",
                        "parameters": {"item_id": "$response.body#/id"},
                        "description": "查看刚立项的督办事项",
                    }
                }
            }
        }
    },
)
def item_create(request: HttpRequest, body: ItemIn) -> Status[ItemDetailOut]:
    """办公室人员或公司领导立项；完成时限早于今天、人员或部门不存在等为 422。"""
    person = actor(request)
    lead = _departments([body.lead_department], "lead_department")[0] if body.lead_department else None
    created = services.item_create(
        actor=person,
        title=body.title,
        content=body.content,
        source=body.source,
        source_ref=body.source_ref,
        source_label=body.source_label,
        owner=_person(body.owner, "owner"),
        lead_department=lead,
        co_departments=_departments(body.co_departments, "co_departments"),
        deadline=body.deadline,
        cadence_days=body.cadence_days,
        quality_requirements=body.quality_requirements,
        confidentiality=body.confidentiality,
        indicators=[
            services.IndicatorIn(name=i.name, target=Decimal(str(i.target)), unit=i.unit) for i in body.indicators
        ],
        milestones=[services.MilestoneIn(title=m.title, due_on=m.due_on) for m in body.milestones],
    )
    return Status(201, _detail(person, created.pk))


class ReportIn(Schema):
    text: str = Field(min_length=1, max_length=TEXT_MAX, description="进展情况")
    percent: int = Field(ge=0, le=100, description="完成进度")
    indicator_values: dict[str, float] = Field(
        default_factory=dict, description="指标编号 → 当前值", json_schema_extra={"maxProperties": 20}
    )
    files: list[FileIn] = Field(default_factory=list, max_length=MAX_FILES, description="佐证材料")


@router.post(
    "/items/{item_id}/reports",
    response=answers(ItemDetailOut),
    auth=auth(WRITE),
    summary="报送进展",
    url_name="supervision_report",
)
def report(request: HttpRequest, item_id: int, body: ReportIn) -> ItemDetailOut:
    """责任人报送；已申请销号或已销号的事项不能再报送（422）。"""
    person = actor(request)
    if len(body.indicator_values) > 20:
        raise ApplicationError(_("指标值过多。"), errors=[{"field": "indicator_values"}])
    services.progress_report(
        actor=person,
        item_id=item_id,
        text=body.text,
        percent=body.percent,
        indicator_values=dict(body.indicator_values),
        files=_uploads(body.files),
    )
    return _detail(person, item_id)


class CloseoutIn(Schema):
    summary: str = Field(min_length=1, max_length=TEXT_MAX, description="完成情况")
    files: list[FileIn] = Field(default_factory=list, max_length=MAX_FILES, description="佐证材料")


@router.post(
    "/items/{item_id}/closeout",
    response=answers(ItemDetailOut),
    auth=auth(WRITE),
    summary="申请销号",
    url_name="supervision_closeout",
)
def closeout(request: HttpRequest, item_id: int, body: CloseoutIn) -> ItemDetailOut:
    """责任人申请销号，由交办领导或办公室审核；下级事项须已全部销号。"""
    person = actor(request)
    services.closeout_apply(actor=person, item_id=item_id, summary=body.summary, files=_uploads(body.files))
    return _detail(person, item_id)
