"""精简建议 over the REST API: the period's advice of the holder's unit (the same data as the page and the Excel
workbook, from ``selectors.advice_for``), for the office and the unit's leaders; anyone else gets a 404. It joins
the review's router (``api.router``) when the app is ready."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Schema

from sanfu.api.kit import actor, answers, auth
from sanfu.insights import selectors
from sanfu.insights.advice import Options
from sanfu.insights.api import READ, router
from sanfu.insights.period import parse_period


class AdviceQuery(Schema):
    first: str = Field(
        "", alias="from", description="起始月份 YYYY-MM；与 to 都空为最近三个已结束的月份", max_length=10
    )
    last: str = Field("", alias="to", description="结束月份 YYYY-MM", max_length=10)
    seconds: int = Field(30, description="秒批时限（秒）", ge=1, le=3600)


class AdviceOut(Schema):
    period: str = Field(description="评估期间")
    quick_seconds: int = Field(description="秒批时限（秒）")
    suggestions: list[dict[str, Any]] = Field(description="精简建议（改为备案、调整分级阈值）及其依据")
    nodes: list[dict[str, Any]] = Field(description="节点必要性测试")
    quick: list[dict[str, Any]] = Field(description="秒批，按人员和节点")
    quick_tasks: list[dict[str, Any]] = Field(description="秒批的待办")
    held: list[dict[str, Any]] = Field(description="压件")
    self_approvals: list[dict[str, Any]] = Field(description="自批")
    splits: list[dict[str, Any]] = Field(description="拆单")
    green: list[dict[str, Any]] = Field(description="绿色通道用于非紧急事项")
    outside: list[dict[str, Any]] = Field(description="规则外审批")


KEYS = tuple(AdviceOut.model_fields)


@router.get("/advice", response=answers(AdviceOut), auth=auth(READ), summary="精简建议")
def advice(request: HttpRequest, query: Query[AdviceQuery]) -> Any:
    result = selectors.advice_for(
        actor=actor(request), span=parse_period(query.first, query.last), options=Options(quick_seconds=query.seconds)
    )
    return {k: result[k] for k in KEYS}
