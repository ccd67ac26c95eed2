"""Demo 督办 (``sanfu demo``): the close-out process published, and a ledger of 60 items across the main unit's
departments in every state — on track, at risk, overdue, under close-out review and closed (filed into the
archive) — with indicators, milestones, sub-items, checks and leaders' comments. Everything goes through the
services, backdated where a ledger has history (``created_at``, a report's ``now``). Idempotent: items are
created only on a database that has none."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TextIO

from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.demo.org import MAIN_UNIT_CODE
from sanfu.org.models import Department, Post, PostRole
from sanfu.supervision import flows, services
from sanfu.supervision.models import CheckKind, Item, Source

DEPARTMENTS = [
    "production",
    "safety",
    "equipment",
    "operation",
    "finance",
    "marketing",
    "hr",
    "office",
    "fuel",
    "party",
]
LEADERS = ["gm", "deputy1", "deputy2", "deputy3"]
SOURCES = [
    (Source.MEETING, "2026年第{n}次总经理办公会"),
    (Source.INSTRUCTION, "总经理批示（华南能源安〔2026〕{n}号）"),
    (Source.WORK_PLAN, "2026年度重点工作第{n}项"),
    (Source.MANUAL, ""),
]
TOPICS = [
    "迎峰度冬设备隐患排查治理",
    "燃料采购成本压降",
    "安全生产标准化达标复评",
    "机组节能降耗改造",
    "年度预算执行分析",
    "电力市场化交易策略优化",
    "人才梯队建设方案落实",
    "公文处理规范化整改",
    "煤场智能化盘点系统建设",
    "基层党支部标准化建设",
    "两票三制执行情况专项检查",
    "环保超低排放设施运行评估",
]
# How many items of each kind, in the order they are made (60 in all).
PLAN = [("on_track", 20), ("at_risk", 12), ("overdue", 10), ("closing", 6), ("closed", 12)]


def _members(department: Department) -> list[User]:
    posts = Post.objects.filter(department=department, staff__user__is_active=True).select_related("staff__user")
    heads = [p.staff.user for p in posts if p.role == PostRole.HEAD]
    others = [p.staff.user for p in posts if p.role != PostRole.HEAD]
    return heads + others


def _ago(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def _make(
    n: int, kind: str, *, clerk: User, leaders: list[User], departments: list[Department], today: date, now: datetime
) -> Item:
    department = departments[n % len(departments)]
    people = _members(department)
    owner = people[(n // len(departments)) % min(len(people), 3)]
    leader = leaders[n % len(leaders)]
    source, label = SOURCES[n % len(SOURCES)]
    created_days, deadline = {
        "on_track": (10, today + timedelta(days=30 + n % 30)),
        "at_risk": (30, today + timedelta(days=15 + n % 10)),
        "overdue": (60, today - timedelta(days=12 + n % 12)),  # past even a long holiday
        "closing": (40, today + timedelta(days=10 + n % 10)),
        "closed": (80, today - timedelta(days=10 + n % 20) if n % 2 else today + timedelta(days=5)),
    }[kind]
    topic = TOPICS[n % len(TOPICS)]
    indicators = (
        [services.IndicatorIn(name="完成率", target=Decimal(100), unit="%")]
        if n % 3 == 0
        else [services.IndicatorIn(name="整改项", target=Decimal(4 + n % 6), unit="项")]
    )
    milestones = (
        [services.MilestoneIn(title="制定工作方案", due_on=min(deadline, today + timedelta(days=3)))]
        if n % 4 == 0 and kind in ("on_track", "at_risk")
        else []
    )
    item = services.item_create(
        actor=clerk,
        title=f"{department.name}：{topic}",
        content=f"由{department.name}牵头，围绕“{topic}”制定措施、明确节点，按期报送进展并提供佐证材料。",
        source=source,
        source_ref=f"demo-{n}" if source != Source.MANUAL else "",
        source_label=label.format(n=n % 20 + 1),
        owner=owner,
        assigned_by=leader,
        lead_department=department,
        co_departments=[departments[(n + 1) % len(departments)]] if n % 5 == 0 else [],
        deadline=deadline,
        cadence_days=7 if n % 4 else 14,
        quality_requirements="措施具体、数据准确、佐证齐全。" if n % 2 else "",
        confidentiality="public" if n % 11 == 0 else "internal",
        indicators=indicators,
        milestones=milestones,
        created_at=_ago(now, created_days),
    )
    _history(item, kind, n, owner=owner, leader=leader, clerk=clerk, people=people, now=now)
    return item


def _history(
    item: Item, kind: str, n: int, *, owner: User, leader: User, clerk: User, people: list[User], now: datetime
) -> None:
    indicator = item.indicators.first()

    def report(days_ago: int, percent: int, text: str) -> None:
        value = indicator.target * percent / 100 if indicator is not None else None
        services.progress_report(
            actor=owner,
            item_id=item.pk,
            text=text,
            percent=percent,
            indicator_values={indicator.pk: value} if indicator is not None and value is not None else {},
            now=_ago(now, days_ago),
        )

    if kind == "on_track":
        report(2, 35 + n % 20, "已制定工作方案并按节点推进。")
        if n % 5 == 0 and len(people) > 1:
            services.item_decompose(
                actor=owner,
                item_id=item.pk,
                title=f"{item.title}（现场落实）",
                owner=people[-1],
                deadline=item.deadline,
            )
    elif kind == "at_risk":
        report(26, 5, "已启动，正在摸排情况。")
        if n % 2:
            report(4, 10 + n % 5, "受设备检修影响，进度滞后。")
        services.comment_add(actor=leader, item_id=item.pk, text="进度滞后，请加快推进，每周报送。", at=_ago(now, 3))
    elif kind == "overdue":
        report(40, 30, "方案已定，部分措施落实中。")
        report(15, 60 + n % 20, "主体工作完成，收尾中。")
        services.check_record(
            actor=clerk,
            item_id=item.pk,
            kind=CheckKind.ON_SITE,
            findings="现场督查：收尾工作未按期完成。",
            at=_ago(now, 3),
        )
    elif kind == "closing":
        report(20, 60, "主要措施已落实。")
        report(5, 100, "全部完成，已自查。")
        services.closeout_apply(actor=owner, item_id=item.pk, summary="各项任务已完成，申请销号。", now=_ago(now, 2))
    else:  # closed
        report(50, 50, "按计划推进。")
        report(30, 100, "全部完成。")
        services.check_record(
            actor=clerk, item_id=item.pk, kind=CheckKind.WRITTEN, findings="书面督查：佐证材料齐全。", at=_ago(now, 28)
        )
        services.closeout_apply(actor=owner, item_id=item.pk, summary="任务完成，申请销号。", now=_ago(now, 27))
        services.closeout_approve(actor=leader, item_id=item.pk, score=3 + n % 3, comment="同意销号。")


def seed_supervision(*, stdout: TextIO | Any = None) -> int:
    """Publish the close-out process; on a database without items, add the ledger. Returns how many items."""
    admins = list(User.objects.filter(username="office_head").values_list("pk", flat=True))
    flows.publish_definitions(admins=admins)
    if Item.objects.exists():
        return 0
    clerk = User.objects.filter(username="clerk").first()
    leaders = list(User.objects.filter(username__in=LEADERS).order_by("username"))
    by_code = {
        d.code: d for d in Department.objects.filter(unit__code=MAIN_UNIT_CODE, code__in=DEPARTMENTS, is_active=True)
    }
    departments = [by_code[c] for c in DEPARTMENTS if c in by_code and _members(by_code[c])]
    if clerk is None or not leaders or not departments:
        return 0
    today, now = timezone.localdate(), timezone.now()
    made = 0
    n = 0
    for kind, count in PLAN:
        for _ in range(count):
            _make(n, kind, clerk=clerk, leaders=leaders, departments=departments, today=today, now=now)
            n += 1
            made += 1
    if stdout is not None:
        stdout.write(f"督办台账：{made} 项\n")
    return made
