"""Demo 意见箱 (``sanfu demo``): fifteen suggestions of the main unit over this year and last — some anonymous,
some answered in public, some adopted (so the yearly list has rows in both years), one declined with its reason,
two still waiting. One anonymous suggestion carries the published demo code ``DEMO_CODE`` so a visitor can try
following it. Idempotent: only on a database where the main unit has no suggestion yet. Written in one
``bulk_create`` (the values are fixed and valid)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, TextIO

from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.demo.org import MAIN_UNIT_CODE
from sanfu.org.models import Department, Unit
from sanfu.suggestions.models import Category, Status, Suggestion
from sanfu.suggestions.services import code_hash, new_code

DEMO_CODE = "DEMO-YJXS-2345-ABCD"
ANON = ""  # an anonymous suggestion's author

# (author ref or ANON, days ago, category, title, body, answering dept, reply (public), status, adopting dept)
ROWS: list[tuple[str, int, str, str, str, str, str, str, str]] = [
    (
        "staff",
        400,
        Category.SAFETY,
        "检修现场增设临时照明",
        "夜间抢修时现场照明不足，建议配置移动照明灯塔。",
        "safety",
        "已采购移动照明灯塔两台，配置到检修班组。",
        Status.DONE,
        "safety",
    ),
    (
        ANON,
        380,
        Category.WELFARE,
        "食堂增加夜班餐",
        "夜班职工凌晨用餐不便，建议食堂提供夜宵。",
        "office",
        "已与食堂协商，自下月起提供夜宵。",
        Status.ADOPTED,
        "office",
    ),
    (
        "hr",
        350,
        Category.MANAGEMENT,
        "简化年休假审批流程",
        "年休假三天以内建议部门负责人审批即可。",
        "hr",
        "已修订休假管理办法，三天以内由部门负责人审批。",
        Status.DONE,
        "hr",
    ),
    (
        ANON,
        330,
        Category.PRODUCTION,
        "燃煤掺烧方案优化",
        "建议根据煤质化验结果动态调整掺烧比例。",
        "fuel",
        "采纳部分建议，先在一号机组试行。",
        Status.PARTIAL,
        "fuel",
    ),
    (
        "finance_head",
        300,
        Category.SERVICE,
        "报销单据电子化",
        "建议推行电子发票与线上报销，减少跑腿。",
        "finance",
        "",
        Status.DECLINED,
        "",
    ),
    (
        "staff",
        120,
        Category.SAFETY,
        "安全帽佩戴智能提醒",
        "建议在厂区入口加装安全帽识别摄像头。",
        "safety",
        "已纳入明年安全技改项目。",
        Status.ADOPTED,
        "safety",
    ),
    (
        ANON,
        100,
        Category.WELFARE,
        "增开夜班通勤车",
        "夜班下班后没有公交，建议增开一班通勤车。",
        "office",
        "已与车队商定，增开22:30一班。",
        Status.DONE,
        "office",
    ),
    (
        "secretary",
        90,
        Category.MANAGEMENT,
        "会议材料无纸化",
        "建议会议材料统一在系统中分发，减少打印。",
        "office",
        "采纳，已在会议管理中上线材料分发。",
        Status.ADOPTED,
        "office",
    ),
    (
        ANON,
        75,
        Category.PRODUCTION,
        "集控室大屏布局调整",
        "建议把报警画面放在中央大屏。",
        "operation",
        "将在下次检修时调整。",
        Status.PARTIAL,
        "operation",
    ),
    (
        "hr",
        60,
        Category.SERVICE,
        "新员工入职一次办",
        "建议入职手续集中在一个窗口办理。",
        "hr",
        "已设立入职服务窗口。",
        Status.ADOPTED,
        "hr",
    ),
    (
        ANON,
        45,
        Category.OTHER,
        "厂区绿化补种",
        "东门绿化带缺苗较多，建议春季补种。",
        "office",
        "已列入春季绿化计划。",
        Status.ADOPTED,
        "office",
    ),
    (
        "staff",
        30,
        Category.WELFARE,
        "职工书屋延长开放时间",
        "建议书屋周末也开放。",
        "union",
        "工会将安排志愿者周末值守。",
        Status.ADOPTED,
        "union",
    ),
    (
        ANON,
        20,
        Category.MANAGEMENT,
        "减少重复填报",
        "同一数据各部门反复要求填报，建议统一口径。",
        "office",
        "",
        Status.PENDING,
        "",
    ),
    (
        "finance_head",
        10,
        Category.SERVICE,
        "差旅标准公开",
        "建议在系统中公开差旅费标准。",
        "finance",
        "已在制度栏目公开。",
        Status.PENDING,
        "",
    ),
    (ANON, 3, Category.SAFETY, "消防通道清理", "仓库后消防通道堆放杂物，建议清理。", "", "", Status.PENDING, ""),
]
DECLINE_REASON = "集团统一的财务系统明年上线，届时一并实现。"


def seed_suggestions(*, stdout: TextIO | Any = None) -> int:
    """Returns how many suggestions were made (0 when the main unit has some already or the demo org is missing)."""
    unit = Unit.objects.filter(code=MAIN_UNIT_CODE).first()
    if unit is None or Suggestion.objects.filter(unit=unit).exists():
        return 0
    refs = {r[0] for r in ROWS if r[0]}
    people = {u.username: u for u in User.objects.filter(username__in=refs, staff__unit=unit)}
    departments = {d.code: d for d in Department.objects.filter(unit=unit)}
    today = timezone.localdate()
    now = timezone.now()
    demo_code_used = False
    rows = []
    for ref, days_ago, category, title, body, answering, reply, status, adopting in ROWS:
        author = people.get(ref) if ref else None
        if ref and author is None:
            continue
        submitted_on = today - timedelta(days=days_ago)
        decided_on: date | None = None
        if status != Status.PENDING:
            decided_on = submitted_on + timedelta(days=min(14, days_ago - 1))
        code = ""
        if author is None:
            code = DEMO_CODE if not demo_code_used else new_code()
            demo_code_used = True
        rows.append(
            Suggestion(
                unit=unit,
                title=title,
                body=body,
                category=category,
                anonymous=author is None,
                author=author,
                submitted_on=submitted_on,
                submitted_at=(now - timedelta(days=days_ago)) if author is not None else None,
                code_hash=code_hash(code) if code else "",
                department=departments.get(answering),
                reply=reply,
                reply_public=bool(reply),
                replied_on=(submitted_on + timedelta(days=min(7, days_ago))) if reply else None,
                status=status,
                decline_reason=DECLINE_REASON if status == Status.DECLINED else "",
                adopting_department=departments.get(adopting),
                decided_on=decided_on,
                done_on=(decided_on + timedelta(days=30)) if status == Status.DONE and decided_on else None,
            )
        )
    Suggestion.objects.bulk_create(rows)
    if stdout is not None:
        stdout.write(f"意见箱：{len(rows)} 条建议（匿名建议的演示查询码 {DEMO_CODE}）\n")
    return len(rows)
