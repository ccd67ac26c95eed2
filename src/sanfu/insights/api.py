"""流程效能评估 over the REST API: the month's figures of the holder's unit (the same figures as the page and the
Excel workbook, from ``services.month_review`` through ``selectors.review_for``), for the office and the unit's
leaders; anyone else gets a 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema

from sanfu.api import scopes
from sanfu.api.kit import actor, answers, auth
from sanfu.insights import selectors

READ = scopes.declare("insights:read", gettext_lazy("查看本单位的流程效能评估"))

router = Router(tags=["流程效能评估"])


class ReviewMonthQuery(Schema):
    month: str = Field("", description="评估月份，写成 YYYY-MM；空为本月", max_length=10)


class MonthReviewOut(Schema):
    month: str = Field(description="YYYY-MM")
    total: dict[str, Any] = Field(description="全单位的指标")
    matters: list[dict[str, Any]] = Field(description="按事项类型")
    nodes: list[dict[str, Any]] = Field(description="按节点")
    departments: list[dict[str, Any]] = Field(description="按部门（办理人的主职部门）")
    people: list[dict[str, Any]] = Field(description="按人员")
    reasons: list[dict[str, Any]] = Field(description="本月的退回及理由")


@router.get("/review", response=answers(MonthReviewOut), auth=auth(READ), summary="月度流程效能评估")
def review(request: HttpRequest, query: Query[ReviewMonthQuery]) -> Any:
    figures = selectors.review_for(actor=actor(request), month=selectors.parse_month(query.month))
    return {k: figures[k] for k in ("month", "total", "matters", "nodes", "departments", "people", "reasons")}
