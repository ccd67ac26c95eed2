"""草稿推演 over the REST API: the latest stored prediction for a matter's draft with what happened after it was
published (``GET /insights/whatif``), and running the replay, which stores a new prediction
(``POST /insights/whatif``). Readers as the review's; anyone else gets a 404. Joins the review's router
(``api.router``) when the app is ready."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Schema, Status

from sanfu.api import scopes
from sanfu.api.kit import actor, answers, auth
from sanfu.insights import selectors, whatif
from sanfu.insights.api import READ, router

RUN = scopes.declare("insights:whatif", gettext_lazy("运行本单位流程草稿的推演"))


class WhatIfQuery(Schema):
    key: str = Field(description="事项（流程代码）", min_length=1, max_length=64)
    draft: int | None = Field(None, description="草稿版本；空为最新草稿", ge=1, le=1_000_000)


class WhatIfRunIn(Schema):
    key: str = Field(description="事项（流程代码）", min_length=1, max_length=64)
    draft: int | None = Field(None, description="草稿版本；空为最新草稿", ge=1, le=1_000_000)
    months: int = Field(whatif.DEFAULT_MONTHS, description="推演近几个已结束的月份", ge=1, le=whatif.MAX_MONTHS)


class WhatIfOut(Schema):
    key: str = Field(description="事项（流程代码）")
    name: str = Field(description="事项名称")
    draft: int = Field(description="草稿版本")
    based_on: int = Field(description="现行版本")
    drafts: list[int] = Field(description="该事项的全部草稿版本")
    prediction: dict[str, Any] | None = Field(description="最近一次推演（预测的办结用时 P50/P90 及区间、工作量）")
    actual: dict[str, Any] | None = Field(description="草稿发布后的实际情况与是否落在预测区间内")
    earlier: list[dict[str, Any]] = Field(description="以往的推演")


@router.get("/whatif", response=answers(WhatIfOut), auth=auth(READ), summary="草稿推演")
def whatif_get(request: HttpRequest, query: Query[WhatIfQuery]) -> Any:
    unit_id = selectors.access_review(actor=actor(request))
    return whatif.overview(unit_id=unit_id, key=query.key, draft=query.draft)


@router.post("/whatif", response=answers(WhatIfOut, status=201), auth=auth(RUN), summary="运行草稿推演")
def whatif_run(request: HttpRequest, body: WhatIfRunIn) -> Any:
    user = actor(request)
    unit_id = selectors.access_review(actor=user)
    made = whatif.prediction_run(actor=user, unit_id=unit_id, key=body.key, draft=body.draft, months=body.months)
    return Status(201, whatif.overview(unit_id=unit_id, key=made.key, draft=made.draft_version))
