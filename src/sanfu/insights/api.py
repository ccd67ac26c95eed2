"""流程效能评估 over the REST API: the month's figures of the holder's unit (the same figures as the page and the
Excel workbook, from ``services.month_review`` through ``selectors.review_for``) and, beside them, the other
domains' figures of the month that the page, the Excel workbook and the DOCX show (``selectors.beside_for``), for
the office and the unit's leaders; anyone else gets a 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema

from sanfu.api import scopes
from sanfu.api.kit import actor, answers, auth
from sanfu.insights import compare as comparing
from sanfu.insights import eventlog, selectors

READ = scopes.declare("insights:read", gettext_lazy("查看本单位的流程效能评估"))

router = Router(tags=["流程效能评估"])


class ReviewMonthQuery(Schema):
    month: str = Field("", description="评估月份，写成 YYYY-MM；空为本月", max_length=10)


class BesideFigureOut(Schema):
    key: str = Field(description="指标代码")
    label: str = Field(description="指标名称")
    value: float | None = Field(description="数值；无可计量的事项时为空")
    unit: str = Field(description="单位（% 或 分）")
    note: str = Field(description="计数说明")
    url: str = Field(description="所属模块当月页面的路径")
    source: str = Field(description="所属模块")


class MonthReviewOut(Schema):
    month: str = Field(description="YYYY-MM")
    total: dict[str, Any] = Field(description="全单位的指标")
    matters: list[dict[str, Any]] = Field(description="按事项类型")
    nodes: list[dict[str, Any]] = Field(description="按节点")
    departments: list[dict[str, Any]] = Field(description="按部门（办理人的主职部门）")
    people: list[dict[str, Any]] = Field(description="按人员")
    reasons: list[dict[str, Any]] = Field(description="本月的退回及理由")
    beside: list[BesideFigureOut] = Field(description="其他模块的当月指标：投诉率与评价、督办按期办结率、会议缺席率等")


@router.get("/review", response=answers(MonthReviewOut), auth=auth(READ), summary="月度流程效能评估")
def review(request: HttpRequest, query: Query[ReviewMonthQuery]) -> Any:
    reader, month = actor(request), selectors.parse_month(query.month)
    figures = selectors.review_for(actor=reader, month=month)
    out = {k: figures[k] for k in ("month", "total", "matters", "nodes", "departments", "people", "reasons")}
    return {**out, "beside": selectors.beside_for(actor=reader, month=month)}


# --- 前后对比 and the event log (``insights.compare``, ``insights.eventlog``) ----------------------------------


class CompareQueryIn(Schema):
    mode: str = Field("version", description="version：同一事项的两个版本；period：两个时段", max_length=10)
    matter: str = Field("", description="事项（流程代码）；按时段对比时可空，为全部事项", max_length=64)
    version_a: int | None = Field(None, description="版本 A", ge=1, le=100_000)
    version_b: int | None = Field(None, description="版本 B", ge=1, le=100_000)
    a_from: str = Field("", description="时段 A 起始月份 YYYY-MM", max_length=10)
    a_to: str = Field("", description="时段 A 结束月份 YYYY-MM", max_length=10)
    b_from: str = Field("", description="时段 B 起始月份 YYYY-MM", max_length=10)
    b_to: str = Field("", description="时段 B 结束月份 YYYY-MM", max_length=10)


class CompareSideOut(Schema):
    label: str
    n: int = Field(description="办结件数")


class CompareRowOut(Schema):
    measure: str
    label: str
    unit: str
    kind: str = Field(description="relative：变化为 B÷A−1（%，自助法区间）；points：两边之差（百分点，Newcombe 区间）")
    a: float | None
    b: float | None
    n_a: int
    n_b: int
    change: float | None
    low: float | None = Field(description="95% 置信区间下限")
    high: float | None = Field(description="95% 置信区间上限")
    significant: bool
    verdict: str


class CompareOut(Schema):
    mode: str
    matter: str
    matter_name: str
    a: CompareSideOut
    b: CompareSideOut
    rows: list[CompareRowOut]


@router.get("/compare", response=answers(CompareOut), auth=auth(READ), summary="前后对比（两个版本或两个时段）")
def compare(request: HttpRequest, query: Query[CompareQueryIn]) -> Any:
    return comparing.compare_for(actor=actor(request), query=comparing.CompareQuery(**query.dict()))


class EventLogQuery(Schema):
    format: str = Field("xes", description="xes（IEEE 1849-2016）或 ocel（OCEL 2.0 JSON）", max_length=8)
    first: str = Field(..., alias="from", description="起始月份 YYYY-MM（按提交时间）", max_length=10)
    last: str = Field(..., alias="to", description="结束月份 YYYY-MM", max_length=10)


@router.get(
    "/eventlog",
    response={k: v for k, v in answers(None).items() if k != 200},
    auth=auth(READ),
    summary="导出流程事件日志（XES 或 OCEL 2.0）",
    openapi_extra={
        "responses": {
            200: {
                "description": "事件日志（流式）",
                "content": {
                    "application/xml": {"schema": {"type": "string", "format": "binary"}},
                    "application/json": {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def event_log(request: HttpRequest, query: Query[EventLogQuery]) -> Any:
    return eventlog.download(actor(request), query.format, query.first, query.last)
