"""Demo 会议室 (``sanfu demo``): the main unit's rooms and a month of bookings from today (single bookings on the
working days, a weekly 总经理办公会 and a daily 调度会 on every working day), and two meetings on the 总经理办公会
(one notified with replies, one waiting for approval), all made through the services. Idempotent: rooms are
created only when missing, bookings and meetings only on a database that has none."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, TextIO

from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.demo.org import MAIN_UNIT_CODE
from sanfu.meetings import flows, selectors, services
from sanfu.meetings.models import Attendee, Booking, Meeting, MeetingKind, Repeat, Reply, Room
from sanfu.org.models import Department
from sanfu.org.selectors import working_calendar
from sanfu.workflow import outbox

ROOMS: list[tuple[str, str, int, list[str], list[str]]] = [
    # name, location, capacity, equipment, departments (empty: open to the whole unit)
    ("第一会议室", "办公楼三楼", 60, ["投影仪", "音响话筒", "视频会议"], []),
    ("第二会议室", "办公楼三楼", 20, ["大屏", "白板"], []),
    ("党委会议室", "办公楼五楼", 24, ["投影仪", "录音录像"], ["leaders", "party", "discipline", "office"]),
    ("小会议室", "办公楼二楼", 8, ["白板"], []),
    ("视频会议室", "办公楼四楼", 30, ["视频会议", "大屏", "电话会议"], []),
]

TOPICS = [
    "安全生产例会",
    "设备缺陷分析会",
    "迎峰度冬专题会",
    "预算执行分析会",
    "党支部学习会",
    "燃料采购协调会",
    "运行方式讨论会",
    "工会工作会",
    "检修计划平衡会",
]

SLOTS = [(time(9), time(10, 30)), (time(10, 30), time(11, 30)), (time(14, 30), time(16)), (time(16), time(17))]


def seed_meetings(*, stdout: TextIO | Any = None) -> int:
    """The main unit's rooms; on a database without bookings, a month of them. Returns how many bookings."""
    clerk = User.objects.filter(username="clerk").first()
    if clerk is None:
        return 0
    departments = {d.code: d.pk for d in Department.objects.filter(unit__code=MAIN_UNIT_CODE)}
    rooms: dict[str, Room] = {r.name: r for r in Room.objects.filter(unit__code=MAIN_UNIT_CODE)}
    for name, location, capacity, equipment, codes in ROOMS:
        if name in rooms:
            continue
        rooms[name] = services.room_create(
            actor=clerk,
            data=services.RoomIn(
                name=name,
                location=location,
                capacity=capacity,
                equipment=equipment,
                open_to_all=not codes,
                departments=[departments[c] for c in codes if c in departments],
                sort=len(rooms),
            ),
        )
    if Booking.objects.exists() or len(rooms) < len(ROOMS):
        return 0
    people = list(User.objects.filter(username__in=["clerk", "secretary", "office_head", "hr", "staff"]))
    today = timezone.localdate()
    calendar = working_calendar()
    made = 0
    # the standing meetings: 总经理办公会 every Monday, 生产调度会 every working day at 8:30
    first_monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    weekly = services.series_create(
        actor=clerk,
        room_id=rooms["党委会议室"].pk,
        title="总经理办公会",
        repeat=Repeat.WEEKLY,
        weekdays=[0],
        first_day=first_monday,
        count=5,
        start_time=time(9),
        end_time=time(11),
    )
    daily = services.series_create(
        actor=clerk,
        room_id=rooms["第二会议室"].pk,
        title="生产调度会",
        repeat=Repeat.WORKDAYS,
        first_day=today + timedelta(days=1),
        last_day=today + timedelta(days=30),
        start_time=time(8, 30),
        end_time=time(9),
    )
    made += weekly.bookings.count() + daily.bookings.count()
    now = timezone.now()
    open_rooms = [rooms[n] for n in ("第一会议室", "第二会议室", "小会议室", "视频会议室")]
    for offset in range(31):
        day = today + timedelta(days=offset)
        if not calendar.is_workday(day):
            continue
        for index, room in enumerate(open_rooms):
            for turn, (start, end) in enumerate(SLOTS):
                if (day.toordinal() + index * 3 + turn) % 3:
                    continue  # about a third of the slots taken
                starts_at = timezone.make_aware(datetime.combine(day, start))
                ends_at = timezone.make_aware(datetime.combine(day, end))
                if ends_at <= now:
                    continue
                if selectors.overlapping([room.pk], starts_at, ends_at).exists():
                    continue  # a standing meeting is there
                services.booking_create(
                    actor=people[(offset + index + turn) % len(people)] if people else clerk,
                    room_id=room.pk,
                    title=TOPICS[(day.toordinal() + index + turn) % len(TOPICS)],
                    starts_at=starts_at,
                    ends_at=ends_at,
                )
                made += 1
    meetings = _seed_meetings(clerk, weekly)
    if stdout is not None:
        stdout.write(f"会议室：{len(rooms)} 间，预订 {made} 条，会议 {meetings} 个\n")
    return made


def _seed_meetings(clerk: User, weekly: Any) -> int:
    """Two meetings on the standing 总经理办公会: the first notified, with some replies; the next one's plan
    waiting for the general manager."""
    flows.publish_definitions()
    people = {
        u.username: u for u in User.objects.filter(username__in=["gm", "deputy1", "deputy2", "deputy3", "office_head"])
    }
    if len(people) < 5 or Meeting.objects.exists():
        return 0
    kind = MeetingKind.objects.get(name="总经理办公会")
    departments = {d.code: d.pk for d in Department.objects.filter(unit__code=MAIN_UNIT_CODE)}
    occurrences = list(weekly.bookings.order_by("starts_at")[:2])
    attendees = [people[n].pk for n in ("deputy1", "deputy2", "deputy3", "office_head")]
    made = []
    for booking, title in zip(occurrences, ["第一次总经理办公会", "第二次总经理办公会"], strict=False):
        made.append(
            services.meeting_create(
                actor=clerk,
                kind_id=kind.pk,
                title=title,
                booking_id=booking.pk,
                approver_id=people["gm"].pk,
                attendee_ids=attendees,
                agenda=[
                    services.AgendaIn("迎峰度冬保供工作汇报", departments.get("production"), "保供方案"),
                    services.AgendaIn("十二月预算执行分析", departments.get("finance"), "预算执行表"),
                    services.AgendaIn("安全大检查问题整改", departments.get("safety")),
                ],
            )
        )
    for meeting in made:
        services.meeting_submit(actor=clerk, meeting_id=meeting.pk)
    if made:
        services.meeting_approve(actor=people["gm"], meeting_id=made[0].pk, comment="同意")
        services.attendee_reply(actor=people["deputy1"], meeting_id=made[0].pk, reply=Reply.ATTEND)
        services.attendee_reply(
            actor=people["deputy3"], meeting_id=made[0].pk, reply=Reply.DECLINE, reason="到集团开会"
        )
    return len(made)


FINISHED_TITLE = "上周总经理办公会"


def seed_finished_meeting(*, stdout: TextIO | Any = None) -> int:
    """A meeting of last week, held: its minutes and three decisions, sent to 督办 (转督办), so the ledger shows
    items of source 会议议定事项 linked to it. Runs after the 督办 demo (which seeds only an empty ledger), through
    the services (the past booking with ``allow_past``); idempotent: nothing when the meeting is there. Returns
    how many decisions were sent."""
    clerk = User.objects.filter(username="clerk").first()
    people = {
        u.username: u
        for u in User.objects.filter(username__in=["gm", "deputy1", "deputy2", "office_head", "finance_head"])
    }
    room = Room.objects.filter(unit__code=MAIN_UNIT_CODE, name="党委会议室").first()
    if clerk is None or room is None or len(people) < 3 or Meeting.objects.filter(title=FINISHED_TITLE).exists():
        return 0
    flows.publish_definitions()
    today = timezone.localdate()
    day = today - timedelta(days=today.weekday() + 7)  # last week's Monday
    starts_at = timezone.make_aware(datetime.combine(day, time(9)))
    if selectors.overlapping([room.pk], starts_at, starts_at + timedelta(hours=2)).exists():
        return 0
    booking = services.booking_create(
        actor=clerk,
        room_id=room.pk,
        title=FINISHED_TITLE,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        allow_past=True,
    )
    departments = {d.code: d.pk for d in Department.objects.filter(unit__code=MAIN_UNIT_CODE)}
    attendees = [p.pk for n, p in people.items() if n != "gm"]
    meeting = services.meeting_create(
        actor=clerk,
        kind_id=MeetingKind.objects.get(name="总经理办公会").pk,
        title=FINISHED_TITLE,
        booking_id=booking.pk,
        approver_id=people["gm"].pk,
        attendee_ids=attendees,
        agenda=[
            services.AgendaIn("冬季安全生产检查情况", departments.get("safety")),
            services.AgendaIn("十一月经营情况分析", departments.get("finance")),
        ],
    )
    services.meeting_submit(actor=clerk, meeting_id=meeting.pk)
    services.meeting_approve(actor=people["gm"], meeting_id=meeting.pk, comment="同意")
    services.minutes_save(
        actor=clerk,
        meeting_id=meeting.pk,
        text="会议听取了冬季安全生产检查情况和十一月经营情况的汇报，研究部署了下一步工作。\n"
        "一、各部门要立即整改检查发现的问题。\n二、压降非生产性支出，确保完成年度预算。\n三、做好迎峰度冬保供准备。",
    )
    owners = [people.get("finance_head") or clerk, people.get("deputy1") or clerk, people.get("office_head") or clerk]
    texts = [
        ("压降非生产性支出，确保完成年度预算", departments.get("finance"), 25),
        ("安全检查发现问题全部整改闭环", departments.get("safety"), 20),
        ("迎峰度冬保供方案报公司审定", departments.get("production"), 10),
    ]
    for owner, (text, department, days) in zip(owners, texts, strict=True):
        services.decision_add(
            actor=clerk,
            meeting_id=meeting.pk,
            text=text,
            owner_id=owner.pk,
            lead_department_id=department,
            deadline=today + timedelta(days=days),
        )
    # Who came: all but one (a no-show for the month's figures), signed in by the clerk from the list.
    for attendee in Attendee.objects.filter(meeting=meeting).order_by("pk")[1:]:
        services.attendee_sign_in_by_hand(actor=clerk, meeting_id=meeting.pk, attendee_id=attendee.pk)
    sent = services.decisions_to_supervision(actor=clerk, meeting_id=meeting.pk)
    if services.may_send_minutes(clerk):  # 纪要送发文: a 纪要 draft in 发文, and the meeting filed in the archive
        services.minutes_to_documents(actor=clerk, meeting_id=meeting.pk)
    outbox.deliver_pending()  # the ledger items and the draft now, not at the worker's next sweep
    if stdout is not None:
        stdout.write(f"已开会议：{FINISHED_TITLE}，议定事项转督办 {sent} 项\n")
    return sent
