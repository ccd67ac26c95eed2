"""Demo 领导日程 (``sanfu demo``): the current week of the main unit's leaders (总经理 and the four 副职), three to
five entries each — 调研, 接待, 会议, 出差 — of every visibility, entered by their secretaries; two of 总工程师's
overlap (the week flags them), and one of the first 副总经理's overlaps the first notified 总经理办公会, so the
conflict with a meeting shows in that meeting's week. Idempotent: only on a database where the main unit has no
schedule entry yet. Written in one ``bulk_create`` (the values are fixed and valid)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, TextIO

from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.demo.org import MAIN_UNIT_CODE
from sanfu.meetings.models import Attendee, MeetingStatus, Reply
from sanfu.org.models import Secretary, Unit
from sanfu.schedules.models import ScheduleEntry, Visibility

PUBLIC, INTERNAL, PRIVATE = Visibility.PUBLIC, Visibility.INTERNAL, Visibility.PRIVATE
ALL_DAY = None

# leader ref: (weekday 0–6, (start, end) or ALL_DAY, title, place, visibility)
WEEK: dict[str, list[tuple[int, tuple[time, time] | None, str, str, str]]] = {
    "gm": [
        (0, (time(14, 30), time(17)), "主持召开安全生产专题会", "党委会议室", PUBLIC),
        (1, (time(9), time(11, 30)), "接待省能源局调研组", "行政楼一楼接待室", PUBLIC),
        (2, ALL_DAY, "赴集团公司汇报年度经营工作", "集团总部", INTERNAL),
        (3, (time(15), time(16)), "个人事务", "", PRIVATE),
        (4, (time(9), time(11)), "检查迎峰度冬保供准备情况", "一号机组集控室", PUBLIC),
    ],
    "deputy1": [
        (1, (time(14), time(17)), "调研燃料采购与储备", "燃料部", PUBLIC),
        (2, (time(9), time(12)), "参加电网公司调度会议", "省调中心", INTERNAL),
        (3, (time(9), time(11)), "带队开展冬季安全生产大检查", "厂区", PUBLIC),
    ],
    "deputy2": [
        (1, (time(9), time(11)), "主持设备可靠性分析会", "第一会议室", PUBLIC),
        (1, (time(10), time(12)), "接待设备厂家技术交流", "第二会议室", INTERNAL),  # overlaps the one above
        (3, (time(14), time(17)), "检修现场安全检查", "二号机组", PUBLIC),
        (4, ALL_DAY, "出差：参加行业技术研讨会", "北京", PUBLIC),
    ],
    "deputy3": [
        (0, (time(14), time(16)), "审议十二月预算执行情况", "财务部", INTERNAL),
        (2, (time(9, 30), time(11, 30)), "接待重点客户走访座谈", "行政楼一楼接待室", PUBLIC),
        (3, ALL_DAY, "出差：参加电力交易中心年度交易会", "省电力交易中心", PUBLIC),
    ],
    "deputy4": [
        (1, (time(9), time(11)), "讲廉政党课", "党委会议室", PUBLIC),
        (2, (time(14, 30), time(16, 30)), "约谈新提任干部", "纪委办公室", PRIVATE),
        (4, (time(14), time(16)), "参加职工代表座谈会", "职工之家", PUBLIC),
    ],
}
MEETING_CLASH = ("deputy1", "会见来访客商", "行政楼一楼接待室")


def _at(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def seed_schedules(*, stdout: TextIO | Any = None) -> int:
    """Returns how many entries were made (0 when the main unit has some already or the demo org is missing)."""
    unit = Unit.objects.filter(code=MAIN_UNIT_CODE).first()
    clerk = User.objects.filter(username="clerk").first()
    if unit is None or clerk is None or ScheduleEntry.objects.filter(unit=unit).exists():
        return 0
    leaders = {u.username: u for u in User.objects.filter(username__in=list(WEEK), staff__unit=unit)}
    keepers = dict(Secretary.objects.filter(leader__in=leaders.values()).values_list("leader_id", "secretary_id"))
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    rows = []
    for ref, entries in WEEK.items():
        leader = leaders.get(ref)
        if leader is None:
            continue
        for weekday, hours, title, place, visibility in entries:
            day = monday + timedelta(days=weekday)
            starts_at, ends_at = (
                (_at(day, time.min), _at(day + timedelta(days=1), time.min))
                if hours is None
                else (_at(day, hours[0]), _at(day, hours[1]))
            )
            rows.append(
                ScheduleEntry(
                    leader=leader,
                    unit=unit,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    all_day=hours is None,
                    title=title,
                    place=place,
                    visibility=visibility,
                    created_by_id=keepers.get(leader.pk, clerk.pk),
                )
            )
    ref, title, place = MEETING_CLASH
    leader = leaders.get(ref)
    meeting_at = (
        Attendee.objects.filter(
            user=leader, reply__in=[Reply.PENDING, Reply.ATTEND], meeting__status=MeetingStatus.NOTIFIED
        )
        .order_by("meeting__starts_at")
        .values_list("meeting__starts_at", flat=True)
        .first()
        if leader is not None
        else None
    )
    if leader is not None and meeting_at is not None:
        rows.append(
            ScheduleEntry(
                leader=leader,
                unit=unit,
                starts_at=meeting_at + timedelta(hours=1),
                ends_at=meeting_at + timedelta(hours=2),
                title=title,
                place=place,
                visibility=PUBLIC,
                created_by_id=keepers.get(leader.pk, clerk.pk),
            )
        )
    ScheduleEntry.objects.bulk_create(rows)
    if stdout is not None:
        stdout.write(f"领导日程：本周 {len(rows)} 条\n")
    return len(rows)
