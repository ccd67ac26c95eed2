"""领导日程 and 我的日程 over the REST API: the leaders' week of the holder's unit (an entry the holder may not read
is only a busy half-day, as on the page), entering, changing and deleting an entry for those who keep the
leader's schedule, and the holder's own calendar (``/me/agenda``) of every domain's items.

Each operation calls the same selectors and services as the pages: the rules live there."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from sanfu.api import scopes
from sanfu.api.kit import ObjectId, actor, answers, auth
from sanfu.core.errors import NotFoundError
from sanfu.core.params import DATE_RANGE
from sanfu.schedules import agenda, rights, selectors, services
from sanfu.schedules.models import ScheduleEntry, Visibility

READ = scopes.declare("schedules:read", gettext_lazy("查看本单位领导日程和我的日程"))
WRITE = scopes.declare("schedules:write", gettext_lazy("录入、修改和删除所服务领导的日程"))

router = Router(tags=["领导日程"])
me_router = Router(tags=["我的日程"])

VisibilityCode = Literal["public", "internal", "private"]


class ScheduleEntryOut(Schema):
    id: int
    leader_id: int
    leader: str
    title: str
    starts_at: datetime
    ends_at: datetime
    all_day: bool
    place: str
    note: str
    visibility: str = Field(description="public 公开、internal 内部、private 仅本人与秘书")
    conflict: bool = Field(False, description="与该领导的其他日程或会议时间重叠")
    conflict_with: list[str] = Field(
        default_factory=list, description="与之冲突的安排；查看者无权知悉详情的写作「其他安排」"
    )


def _entry(entry: ScheduleEntry, *, conflict_with: list[str] | None = None) -> ScheduleEntryOut:
    return ScheduleEntryOut(
        id=entry.pk,
        leader_id=entry.leader_id,
        leader=entry.leader.display_name,
        title=entry.title,
        starts_at=entry.starts_at,
        ends_at=entry.ends_at,
        all_day=entry.all_day,
        place=entry.place,
        note=entry.note,
        visibility=entry.visibility,
        conflict=bool(conflict_with),
        conflict_with=conflict_with or [],
    )


class ScheduleBusyOut(Schema):
    day: date
    half: Literal["am", "pm"] = Field(description="am 上午、pm 下午")


class ScheduleLeaderOut(Schema):
    id: int
    name: str
    title: str = Field(description="职务（如总经理），未登记时为职级")
    may_keep: bool = Field(description="令牌持有人可否录入该领导的日程")
    entries: list[ScheduleEntryOut] = Field(description="持有人可以知悉详情的日程")
    busy: list[ScheduleBusyOut] = Field(description="持有人无权知悉详情的日程所占的半天（只说明有安排）")


class ScheduleWeekOut(Schema):
    monday: date
    sunday: date
    iso_week: int
    leaders: list[ScheduleLeaderOut]


class ScheduleWeekQuery(Schema):
    week: date | None = Field(
        None, ge=DATE_RANGE[0], le=DATE_RANGE[1], description="该周中的任一天，如 2026-12-07；缺省为本周"
    )


@router.get(
    "/week", response=answers(ScheduleWeekOut), auth=auth(READ), summary="本单位领导一周日程", url_name="schedules_week"
)
def week(request: HttpRequest, query: Query[ScheduleWeekQuery]) -> ScheduleWeekOut:
    """持有人所在单位的领导及其一周日程。持有人无权知悉的日程只以所占半天表示（与页面上的「有安排」一致）；不属于
    任何单位为 404。"""
    user = actor(request)
    if rights.unit_of(user) is None:
        raise NotFoundError(_("您不属于任何单位，没有领导日程。"))
    monday = selectors.monday_of(query.week or timezone.localdate())
    leaders = []
    for row in selectors.week(user, monday):
        seen: dict[int, ScheduleEntryOut] = {}
        busy: list[ScheduleBusyOut] = []
        for offset, halves in enumerate(row.days):
            for half, items in zip(("am", "pm"), halves, strict=True):
                for item in items:
                    if item.entry is None:
                        busy.append(ScheduleBusyOut(day=monday + timedelta(days=offset), half=half))  # type: ignore[arg-type]
                    elif item.entry.pk not in seen:
                        seen[item.entry.pk] = _entry(item.entry, conflict_with=item.conflict_with)
        leaders.append(
            ScheduleLeaderOut(
                id=row.leader.pk,
                name=row.leader.display_name,
                title=row.title,
                may_keep=row.may_keep,
                entries=list(seen.values()),
                busy=busy,
            )
        )
    return ScheduleWeekOut(
        monday=monday, sunday=monday + timedelta(days=6), iso_week=monday.isocalendar()[1], leaders=leaders
    )


class ScheduleEntryIn(Schema):
    leader: ObjectId = Field(description="领导的用户编号")
    title: str = Field(min_length=1, max_length=200, description="事项")
    starts_at: datetime = Field(description="开始时间（带时区，如 2026-12-08T09:00:00+08:00）")
    ends_at: datetime | None = Field(None, description="结束时间；全天日程可省略")
    all_day: bool = False
    place: str = Field("", max_length=100)
    note: str = Field("", max_length=2000)
    visibility: VisibilityCode = Field("public", description="public 公开、internal 内部、private 仅本人与秘书")


def _checked_moment(value: datetime | None) -> datetime | None:
    # a moment beyond the site's dates (year 1, 9999) cannot be laid out on a week: refused, as the page does
    if value is not None and not DATE_RANGE[0] <= value.date() <= DATE_RANGE[1]:
        raise HttpError(400, _("日期超出范围。"))
    return value


@router.post(
    "/entries",
    response=answers(ScheduleEntryOut, status=201),
    auth=auth(WRITE),
    summary="录入日程",
    operation_id="schedules_entry_create",
    url_name="schedules_entries",
)
def entry_create(request: HttpRequest, body: ScheduleEntryIn) -> Status[ScheduleEntryOut]:
    """领导本人、其秘书和本单位办公室可以录入；其他人 403。结束不晚于开始等为 422，不留下任何记录。"""
    made = services.entry_create(
        actor=actor(request),
        data=services.EntryIn(
            leader_id=body.leader,
            title=body.title,
            starts_at=_checked_moment(body.starts_at),  # type: ignore[arg-type]
            ends_at=_checked_moment(body.ends_at),
            all_day=body.all_day,
            place=body.place,
            note=body.note,
            visibility=body.visibility,
        ),
    )
    return Status(201, _entry(made))


@router.get(
    "/entries/{entry_id}",
    response=answers(ScheduleEntryOut),
    auth=auth(READ),
    summary="日程",
    operation_id="schedules_entry_detail",
    url_name="schedules_entry",
)
def entry_detail(request: HttpRequest, entry_id: int) -> ScheduleEntryOut:
    """持有人可以知悉详情的日程；其他为 404（与页面一致）。"""
    return _entry(selectors.access_entry(actor=actor(request), entry_id=entry_id))


class ScheduleEntryPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    all_day: bool | None = None
    place: str | None = Field(None, max_length=100)
    note: str | None = Field(None, max_length=2000)
    visibility: VisibilityCode | None = None


@router.patch(
    "/entries/{entry_id}",
    response=answers(ScheduleEntryOut),
    auth=auth(WRITE),
    summary="修改日程",
    operation_id="schedules_entry_update",
    url_name="schedules_entry_update",
)
def entry_update(request: HttpRequest, entry_id: int, body: ScheduleEntryPatch) -> ScheduleEntryOut:
    """只改给出的字段。看不到该日程为 404；能看到但不能安排该领导日程为 403；无效的时间为 422，原日程不变。"""
    user = actor(request)
    entry = selectors.access_entry(actor=user, entry_id=entry_id)
    current = services.EntryIn(
        leader_id=entry.leader_id,
        title=entry.title,
        starts_at=entry.starts_at,
        ends_at=entry.ends_at,
        all_day=entry.all_day,
        place=entry.place,
        note=entry.note,
        visibility=Visibility(entry.visibility),
    )
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    for key in ("starts_at", "ends_at"):
        _checked_moment(changes.get(key))
    saved = services.entry_update(actor=user, entry_id=entry.pk, data=replace(current, **changes))
    return _entry(saved)


@router.delete(
    "/entries/{entry_id}",
    response=answers(None, status=204),
    auth=auth(WRITE),
    summary="删除日程",
    operation_id="schedules_entry_delete",
    url_name="schedules_entry_delete",
)
def entry_delete(request: HttpRequest, entry_id: int) -> Status[None]:
    """看不到该日程为 404；能看到但不能安排该领导日程为 403。"""
    services.entry_delete(actor=actor(request), entry_id=entry_id)
    return Status(204, None)


# --- 我的日程 ---------------------------------------------------------------------------------------------------


class MyAgendaItemOut(Schema):
    uid: str = Field(description="稳定的编号（与 .ics 订阅中的 UID 相同）")
    kind: str = Field(description="类别，如 会议、待办、督办、值班、领导日程")
    title: str
    starts_at: datetime
    ends_at: datetime | None = Field(None, description="结束时间；截止时刻（如待办期限）为空")
    all_day: bool
    url: str = Field(description="在网页上查看它的地址")
    place: str
    note: str


class MyAgendaQuery(Schema):
    start: date = Field(ge=DATE_RANGE[0], le=DATE_RANGE[1], description="起始日期，如 2026-12-07")
    end: date = Field(
        ge=DATE_RANGE[0],
        le=DATE_RANGE[1],
        description=f"结束日期（含当天），与起始日期相隔不超过 {agenda.MAX_SPAN_DAYS} 天",
    )


@me_router.get("", response=answers(list[MyAgendaItemOut]), auth=auth(READ), summary="我的日程", url_name="my_agenda")
def my_agenda(request: HttpRequest, query: Query[MyAgendaQuery]) -> list[MyAgendaItemOut]:
    """持有人从 start 到 end（含）的会议、待办期限、督办报送、值班和本人的领导日程，按开始时间排列。结束早于开始，
    或跨度超过上限，为 400。"""
    if query.end < query.start:
        raise HttpError(400, _("结束日期不能早于起始日期。"))
    if (query.end - query.start).days + 1 > agenda.MAX_SPAN_DAYS:
        raise HttpError(400, _("一次最多查询 %(n)d 天的日程。") % {"n": agenda.MAX_SPAN_DAYS})
    found = agenda.items_between(actor(request), query.start, query.end)
    return [
        MyAgendaItemOut(
            uid=i.uid,
            kind=str(i.kind),
            title=i.title,
            starts_at=i.starts_at,
            ends_at=i.ends_at,
            all_day=i.all_day,
            url=i.url,
            place=i.place,
            note=i.note,
        )
        for i in found
    ]
