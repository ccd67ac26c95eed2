"""Demo history: a few thousand requests over the last nine months, made through the real services (each
with its materials, its approvals, the odd rejection and return for materials, and a resubmission), so
that every page — the inbox, the timelines, the figures — has life. Requests are made oldest first, each on
the version published at its moment: 费用报销 and 请假 ran six months on their first version, then the
process administrator published the streamlined one (``matters.streamline``: a threshold moved, a review
turned into filing), so the review's before/after (前后对比) has something real to measure. Runs only on an
empty history."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.approvals import formschema, services
from sanfu.approvals.models import MatterType, Request
from sanfu.core.errors import ApplicationError
from sanfu.demo.matters import streamline, streamlined_matters
from sanfu.demo.org import MAIN_UNIT_CODE
from sanfu.org.models import Department, Rank, Staff
from sanfu.workflow import services as workflow
from sanfu.workflow.models import Instance, OutboxMessage, ProcessDefinition, Task

_PDF = b"%PDF-1.4\n% Sanfu demo material\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
_WORDS = [
    "季度工作例会",
    "安全生产月",
    "设备检修",
    "迎峰度夏",
    "节能改造",
    "党建活动",
    "职工培训",
    "燃料采购",
    "信息化建设",
    "档案整理",
    "消防演练",
    "来访接待",
    "科技项目",
    "合规检查",
    "环保督查",
]
_ITEMS = ["打印纸", "硒鼓", "文件盒", "签字笔", "会议茶歇", "高铁票", "住宿费", "资料印刷", "劳保用品", "U盘"]
_PLACES = ["南宁", "广州", "柳州", "北京", "桂林", "梧州", "玉林", "深圳"]


def _material(spec: dict[str, Any]) -> SimpleUploadedFile:
    formats = [str(f).lower() for f in spec.get("formats", ["pdf"])] or ["pdf"]
    if "pdf" in formats:
        return SimpleUploadedFile(f"{spec['name']}.pdf", _PDF, content_type="application/pdf")
    extension = "png" if "png" in formats else formats[0]
    return SimpleUploadedFile(f"{spec['name']}.{extension}", _PNG, content_type="image/png")


def _range(rng: random.Random, day: date) -> dict[str, str]:
    start = day + timedelta(days=rng.randint(1, 10))
    return {"start": start.isoformat(), "end": (start + timedelta(days=rng.randint(0, 6))).isoformat()}


def _table(field: formschema.FieldSpec, rng: random.Random, ctx: _Context) -> list[dict[str, Any]]:
    rows = []
    for _ in range(rng.randint(1, 3)):
        row: dict[str, Any] = {}
        for column in field.columns:
            if column.name in {"item", "name"}:
                row[column.name] = rng.choice(_ITEMS)
            elif column.name == "org":
                row[column.name] = f"{rng.choice(_PLACES)}供电局"
            else:
                row[column.name] = _value(column, rng, ctx)
        rows.append(row)
    return rows


class _Context:
    def __init__(self, day: date, people: list[int], departments: list[int]):
        self.day, self.people, self.departments = day, people, departments


# One plausible value per field type (None: leave the field out).
_MAKERS: dict[str, Callable[[formschema.FieldSpec, random.Random, _Context], Any]] = {
    "text": lambda f, rng, ctx: f"{rng.choice(_WORDS)}相关事宜",
    "textarea": lambda f, rng, ctx: f"因{rng.choice(_WORDS)}工作需要，特此申请。",
    "money": lambda f, rng, ctx: f"{rng.choice([300, 800, 1200, 2600, 4800, 6500, 12000, 26000, 68000])}.00",
    "number": lambda f, rng, ctx: rng.randint(1, 8),
    "date": lambda f, rng, ctx: (ctx.day + timedelta(days=rng.randint(0, 10))).isoformat(),
    "date_range": lambda f, rng, ctx: _range(rng, ctx.day),
    "select": lambda f, rng, ctx: rng.choice(f.options).value,
    "multiselect": lambda f, rng, ctx: [rng.choice(f.options).value],
    "person": lambda f, rng, ctx: rng.choice(ctx.people),
    "department": lambda f, rng, ctx: rng.choice(ctx.departments),
    "table": _table,
}


def _value(field: formschema.FieldSpec, rng: random.Random, ctx: _Context) -> Any:
    maker = _MAKERS.get(field.type)
    return maker(field, rng, ctx) if maker else None


def _form(matter: MatterType, rng: random.Random, ctx: _Context) -> dict[str, Any]:
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    data: dict[str, Any] = {}
    for field in schema.fields:
        if field.type in {"computed", "attachment", "signature"}:
            continue
        value = _value(field, rng, ctx)
        if value is not None:
            data[field.name] = value
    return data


def _office_moment(rng: random.Random, day: date) -> datetime:
    clock = time(rng.randint(8, 16), rng.choice([0, 10, 20, 30, 40, 50]))
    return timezone.make_aware(datetime.combine(day, clock))


# The history's last months run on the streamlined versions (``matters.streamline``) of the matters that have
# a first version: six months on the first, then three on the streamlined one.
DAYS = 270
STREAMLINED_FOR_DAYS = 90


@dataclass(frozen=True)
class _Plan:
    moment: datetime
    matter: MatterType
    applicant: User
    urgency: str
    title: str


def _plans(
    rng: random.Random, *, count: int, days: int, end: datetime, matters: list[MatterType], users: dict[int, User]
) -> list[_Plan]:
    """When, what and by whom each request is made, oldest first (each is submitted on the version published
    at its moment)."""
    weights = [6 if m.code in {"leave", "expense", "vehicle", "room", "supplies"} else 2 for m in matters]
    plans = []
    for _index in range(count):
        matter = rng.choices(matters, weights)[0]
        applicant = users[rng.choice(list(users))]
        # Spread the starts over the period, denser towards today, on working days only.
        back = int(days * (rng.random() ** 1.3))
        day = (end - timedelta(days=back)).date()
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        moment = min(_office_moment(rng, day), end - timedelta(minutes=30))
        urgency = rng.choices(["平急", "加急", "特急"], [85, 11, 4])[0]
        plans.append(_Plan(moment, matter, applicant, urgency, f"{matter.name}：{rng.choice(_WORDS)}"))
    return sorted(plans, key=lambda p: p.moment)


def _backdate(definitions: list[ProcessDefinition], moment: datetime) -> None:
    """A version the history publishes is dated when the history says it was published (``definition_publish``
    stamps the real clock, as the history's requests would without their ``now``)."""
    ProcessDefinition.objects.filter(pk__in=[d.pk for d in definitions]).update(published_at=moment)


def seed_history(
    *,
    count: int = 2000,
    days: int = DAYS,
    seed: int = 2026,
    stdout: TextIO | Any = None,
    now: datetime | None = None,
    codes: list[str] | None = None,
) -> int:
    """Create ``count`` requests spread over the last ``days`` days (of the matters ``codes``, or of every
    matter); returns how many were created. The matters still on their first version switch to their
    streamlined version ``STREAMLINED_FOR_DAYS`` before the end. Does nothing when requests already exist (the
    demo is idempotent)."""
    if Request.objects.exists():
        streamline()  # a history made before has switched already; make sure the catalogue ends current
        return 0
    rng = random.Random(seed)
    end = now or timezone.now()
    matters = list(MatterType.objects.filter(is_active=True).order_by("sort"))
    if codes is not None:
        matters = [m for m in matters if m.code in codes]
    staff = list(
        Staff.objects.filter(
            unit__code=MAIN_UNIT_CODE, rank__lt=Rank.DEPUTY_LEADER, user__is_active=True
        ).select_related("user")
    )
    people = [s.user_id for s in staff]
    departments = list(Department.objects.filter(unit__code=MAIN_UNIT_CODE).values_list("pk", flat=True))
    users = {u.pk: u for u in User.objects.filter(pk__in=people)}
    # The first versions (published just now by ``seed_matters``) date from the start of the history.
    first_versions = ProcessDefinition.objects.filter(
        key__in=[m.definition_key for m in matters if m.code in streamlined_matters()], instances__isnull=True
    )
    _backdate(list(first_versions), end - timedelta(days=days + 1))
    switch = end - timedelta(days=STREAMLINED_FOR_DAYS)
    switched = False
    created = 0
    for index, plan in enumerate(_plans(rng, count=count, days=days, end=end, matters=matters, users=users)):
        if not switched and plan.moment >= switch:
            _backdate(streamline(), switch)
            switched = True
        try:
            request = services.matter_submit(
                actor=plan.applicant,
                matter=plan.matter,
                title=plan.title,
                urgency=plan.urgency,
                data=_form(plan.matter, rng, _Context(plan.moment.date(), people, departments)),
                materials={str(m["code"]): [_material(m)] for m in plan.matter.materials if m.get("required", True)},
                now=plan.moment,
            )
        except ApplicationError:
            continue  # a generated form the rules refuse is simply skipped
        created += 1
        _walk(
            request,
            rng,
            plan.moment,
            end,
            lambda u: users.get(u) or User.objects.get(pk=u),
            opening=_Opening(random.Random(seed + 1 + index), end - timedelta(days=OPENED_FOR_DAYS)),
        )
        if stdout is not None and (index + 1) % 500 == 0:
            stdout.write(f"  历史申请 {index + 1}/{count} …")
    if not switched:
        _backdate(streamline(), switch)
    # History is history: its notices are not sent (the inboxes show what is still open), so a fresh demo
    # does not greet everyone with a thousand unread notifications.
    OutboxMessage.objects.filter(delivered_at__isnull=True, kind="notify").update(delivered_at=end)
    return created


# Hours a step waits in its holder's hands: a leader's approval waits longer than a section's.
_LEADER_NODES = {"final", "green_final", "leader"}


# Two habits for 精简建议 to find in the demo: the office's 复核 of small purchases signs everything, days later,
# with a stock word (a node to turn into filing), and the office's 审核 of seal requests is now and then approved within
# seconds (秒批).
_RUBBER_STAMP = ("purchase", "check")
_SECONDS = ("seal", "office")


def _step_hours(rng: random.Random, node: str, matter: str = "") -> float:
    if (matter, node) == _SECONDS and rng.random() < 0.3:
        return rng.uniform(5, 25) / 3600
    if (matter, node) == _RUBBER_STAMP:
        return rng.uniform(4, 30)
    return rng.uniform(8, 72) if node in _LEADER_NODES else rng.uniform(0.3, 26)


# The holders' first opening of a task (``Task.seen_at``, the review's queue / handling split) is recorded for the
# last four months only: the older history predates it, as an office's would.
OPENED_FOR_DAYS = 120


@dataclass
class _Opening:
    """When a holder first opens a task that waited ``hours`` in their hands before they acted (its own random
    stream, so the walks stay the ones they were)."""

    rng: random.Random
    since: datetime

    def moment(self, reached: datetime, hours: float, matter: str, node: str) -> datetime | None:
        rng = self.rng
        if reached < self.since or rng.random() < 0.08:  # before the record, or acted from the list unopened
            return None
        if (matter, node) == _SECONDS:
            share = rng.uniform(0.05, 0.5)  # opened and approved within the same minute
        elif (matter, node) == _RUBBER_STAMP:
            share = rng.uniform(0.93, 0.99)  # left for days, then signed the moment it is opened
        elif node in _LEADER_NODES:
            share = rng.uniform(0.4, 0.9)  # a leader's queue is long, the reading short
        else:
            share = rng.uniform(0.1, 0.7)
        return reached + timedelta(hours=hours * share)


def _walk(
    request: Request,
    rng: random.Random,
    start: datetime,
    end: datetime,
    user: Callable[[int], User],
    *,
    opening: _Opening | None = None,
) -> None:
    """Act on the request as its approvers would, stopping at ``end`` (recent ones stay in the inboxes); each
    holder opens the request some time before acting (``opening``), or now and then acts without opening it."""
    moment = start
    returned = False
    for _step in range(12):
        instance = Instance.objects.get(pk=request.instance_id)
        if instance.status == "returned":
            moment += timedelta(hours=rng.uniform(2, 30))
            if moment >= end:
                return
            workflow.instance_resubmit(
                actor=request.applicant, instance_id=instance.pk, comment="已补正材料", now=moment
            )
            continue
        if instance.status != "running":
            return
        task = Task.objects.filter(instance=instance, status="open").order_by("task_no").first()
        if task is None:
            return
        reached = moment
        hours = _step_hours(rng, task.node, request.matter.code)
        moment += timedelta(hours=hours)
        opened = opening.moment(reached, hours, request.matter.code, task.node) if opening else None
        if opened is not None and opened < end:
            workflow.tasks_seen(actor=user(task.assignee_id), instance_id=instance.pk, now=opened)
        if moment >= end:
            return
        actor = user(task.assignee_id)
        roll = rng.random()
        if (request.matter.code, task.node) == _RUBBER_STAMP:
            roll = 1.0  # never a rejection or a return here
        try:
            if roll < 0.04:
                workflow.task_reject(actor=actor, task_id=task.pk, comment="不符合规定，不予同意。", now=moment)
            elif roll < 0.10 and not returned and request.matter.materials:
                returned = True
                codes = [str(m["code"]) for m in request.matter.materials][:1]
                services.request_return_for_materials(
                    actor=actor, task_id=task.pk, materials=codes, comment="请补充盖章件。", now=moment
                )
            else:
                workflow.task_approve(
                    actor=actor,
                    task_id=task.pk,
                    comment=rng.choice(
                        ["同意", "已阅"]
                        if (request.matter.code, task.node) == _RUBBER_STAMP
                        else ["同意", "同意。", "拟同意", "请按规定办理。"]
                    ),
                    now=moment,
                )
        except ApplicationError:
            return
