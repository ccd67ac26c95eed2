"""服务领导决策 over the REST API: the requests in hand, one request (as its page shows it to the holder), and the
简报库 search. The operations call the same selectors as the pages: a request the holder may not see is a 404."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema

from sanfu.api import scopes
from sanfu.api.kit import MAX_ID, Page, PageQuery, actor, answers, auth, page_of
from sanfu.briefing import selectors
from sanfu.briefing.models import Request, State
from sanfu.core.params import parse_text

READ = scopes.declare("briefing:read", gettext_lazy("查看信息报送、调研事项和简报库"))

router = Router(tags=["服务领导决策"])


class BriefingRequestOut(Schema):
    id: int
    kind: str = Field(description="info_report（信息报送）或 research（调研）")
    title: str
    state: str = Field(description="intake、collecting、analysing、review、approved、issued")
    due_on: date
    requested_by: str
    owner: str
    confidentiality: str
    issued_at: datetime | None = None
    output: str = Field(description="成果形式：brief（内部简报）、document（公文报告），未发布为空")


class BriefingMaterialOut(Schema):
    department_id: int
    department: str
    deadline: date
    state: str = Field(description="pending、submitted、none")
    text: str
    reason: str
    overdue: bool


class BriefingRequestDetailOut(BriefingRequestOut):
    needs: str
    result_text: str = Field(description="已发布的成果正文")
    materials: list[BriefingMaterialOut] = Field(description="持有人可查看的部门材料")


def _out(r: Request) -> dict[str, Any]:
    return {
        "id": r.pk,
        "kind": r.kind,
        "title": r.title,
        "state": r.state,
        "due_on": r.due_on,
        "requested_by": r.requested_by.display_name,
        "owner": r.owner.display_name,
        "confidentiality": r.confidentiality,
        "issued_at": r.issued_at,
        "output": r.output,
    }


class BriefingListQuery(PageQuery):
    state: Literal["", "intake", "collecting", "analysing", "review", "approved"] = Field("", description="状态")


@router.get(
    "/requests",
    response=answers(Page[BriefingRequestOut]),
    auth=auth(READ),
    summary="在办事项",
    url_name="briefing_requests",
)
def requests(request: HttpRequest, filters: Query[BriefingListQuery]) -> Page[BriefingRequestOut]:
    """持有人可查看、尚未发布的信息报送与调研事项。"""
    rows = selectors.work_list(actor(request), state=filters.state).order_by("pk")
    found, following = page_of(rows, cursor=filters.cursor, limit=filters.limit)
    return Page[BriefingRequestOut](items=[BriefingRequestOut(**_out(r)) for r in found], next_cursor=following)


@router.get(
    "/requests/{request_id}",
    response=answers(BriefingRequestDetailOut),
    auth=auth(READ),
    summary="事项详情",
    url_name="briefing_request_detail",
)
def request_detail(request: HttpRequest, request_id: int) -> BriefingRequestDetailOut:
    person = actor(request)
    found = selectors.access_request(actor=person, request_id=request_id)
    materials = [
        BriefingMaterialOut(
            department_id=m.department_id,
            department=m.department.name,
            deadline=m.deadline,
            state=m.state,
            text=m.text,
            reason=m.reason,
            overdue=selectors.is_overdue(m),
        )
        for m in selectors.materials_for(person, found)
    ]
    shown = found.result_text if found.state == State.ISSUED else ""
    return BriefingRequestDetailOut(**_out(found), needs=found.needs, result_text=shown, materials=materials)


class BriefingLibraryQuery(PageQuery):
    q: str = Field("", max_length=200, description="标题、需求或正文中的词")
    kind: Literal["", "info_report", "research"] = ""
    year: int | None = Field(None, ge=1900, le=3000, description="发布年度")
    department: int | None = Field(None, ge=1, le=MAX_ID, description="承办或报送材料的部门")


@router.get(
    "/library",
    response=answers(Page[BriefingRequestOut]),
    auth=auth(READ),
    summary="简报库",
    url_name="briefing_library",
)
def library(request: HttpRequest, filters: Query[BriefingLibraryQuery]) -> Page[BriefingRequestOut]:
    """持有人可阅读的已发布简报，按编号分页。"""
    chosen = selectors.LibraryFilters(
        query=parse_text(filters.q), kind=filters.kind, year=filters.year, department_id=filters.department
    )
    rows = selectors.library(actor(request), chosen).order_by("pk")
    found, following = page_of(rows, cursor=filters.cursor, limit=filters.limit)
    return Page[BriefingRequestOut](items=[BriefingRequestOut(**_out(r)) for r in found], next_cursor=following)
