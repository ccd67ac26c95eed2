"""值班安排 over the REST API: the roster of the holder's unit between two days, and who is on duty now (the officer,
the leader on call and the duty phone). Both read through ``duty.selectors``: only the holder's own unit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema

from sanfu.api import scopes
from sanfu.api.kit import actor, answers, auth
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.duty import rights, selectors
from sanfu.duty.models import Shift

READ = scopes.declare("duty:read", gettext_lazy("查看本单位的值班安排和当前值班人员"))

router = Router(tags=["值班安排"])

MAX_SPAN = timedelta(days=92)


class ShiftOut(Schema):
    id: int
    day: date
    kind: str = Field(description="day 白班、night 夜班")
    starts_at: datetime
    ends_at: datetime
    officer_id: int
    officer: str
    leader_id: int | None = None
    leader: str = ""
    holiday: str = Field("", description="节日或休息日名称（工作日为空）")
    phone: str = Field("", description="值班电话")


def _shift(shift: Shift) -> ShiftOut:
    return ShiftOut(
        id=shift.pk,
        day=shift.day,
        kind=shift.kind,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        officer_id=shift.officer_id,
        officer=shift.officer.display_name,
        leader_id=shift.leader_id,
        leader=shift.leader.display_name if shift.leader else "",
        holiday=shift.holiday,
        phone=shift.rota.phone,
    )


class RangeQuery(Schema):
    start: date = Field(description="起始日期，如 2026-10-01")
    end: date = Field(description="结束日期（含），最多 92 天")


def _unit(request: HttpRequest) -> int:
    unit_id = rights.unit_of(actor(request))
    if unit_id is None:
        raise NotFoundError(_("您不属于任何单位，没有值班安排。"))
    return unit_id


@router.get("/shifts", response=answers(list[ShiftOut]), auth=auth(READ), summary="本单位的排班")
def duty_shifts(request: HttpRequest, query: Query[RangeQuery]) -> list[ShiftOut]:
    unit_id = _unit(request)
    if query.end < query.start:
        raise ApplicationError(_("结束日期不能早于开始日期。"), errors=[{"field": "end"}])
    if query.end - query.start > MAX_SPAN:
        raise ApplicationError(_("一次最多查询92天的排班。"), errors=[{"field": "end"}])
    return [_shift(s) for s in selectors.shifts_of_unit(unit_id, query.start, query.end)]


class TodayOut(Schema):
    on_duty: list[ShiftOut] = Field(description="此刻在岗的班次（值班人员、带班领导、值班电话）")


@router.get("/today", response=answers(TodayOut), auth=auth(READ), summary="当前值班")
def duty_today(request: HttpRequest) -> TodayOut:
    return TodayOut(on_duty=[_shift(s) for s in selectors.on_duty_now(_unit(request))])
