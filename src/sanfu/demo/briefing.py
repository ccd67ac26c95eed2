"""Demo 服务领导决策 (``sanfu demo``): six requests of the general manager and his deputies in every step — one to
confirm, two collecting material (one with a department overdue), one under the leader's review after a return,
one approved, and two issued as internal briefs and filed (the 简报库). Everything goes through the services.
Idempotent: requests are made only on a database that has none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.briefing import services
from sanfu.briefing.models import Request
from sanfu.demo.org import MAIN_UNIT_CODE
from sanfu.org.models import Department, Post


def _one_page_pdf() -> bytes:
    """A valid one-page PDF (with its cross-reference table), so that the archive can read it when the brief is
    filed: a bare header is refused by pypdf, and each refusal printed a traceback into the demo's output."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


PDF = _one_page_pdf()

# (kind, title, needs, leader, departments asked, how far it goes)
PLAN = [
    (
        "info_report",
        "本周安全生产信息汇总",
        "请各部门报送本周安全生产情况及隐患整改进展。",
        "gm",
        ["safety", "production"],
        "intake",
    ),
    (
        "research",
        "燃料成本压降路径调研",
        "分析近三年燃料采购成本构成，提出压降路径。",
        "gm",
        ["fuel", "finance"],
        "collecting",
    ),
    (
        "research",
        "电力现货市场交易策略调研",
        "梳理省内现货市场规则，评估我厂报价策略。",
        "deputy1",
        ["marketing", "operation"],
        "overdue",
    ),
    (
        "info_report",
        "迎峰度冬保供情况报告",
        "汇总机组状态、燃料库存和保供措施。",
        "gm",
        ["equipment", "fuel"],
        "review",
    ),
    ("research", "人才梯队建设情况调研", "摸清各部门关键岗位后备人才情况。", "deputy2", ["hr", "office"], "approved"),
    ("info_report", "十月经营情况简报", "汇总十月发电量、利润和成本情况。", "gm", ["finance", "marketing"], "issued"),
    ("research", "煤场智能化盘点调研", "调研同类电厂煤场盘点技术路线。", "deputy3", ["fuel", "equipment"], "issued"),
]


def _member(department: Department) -> User | None:
    post = Post.objects.filter(department=department, staff__user__is_active=True).order_by("-role", "id").first()
    return post.staff.user if post else None


def _make(plan: tuple[str, str, str, str, list[str], str], *, clerk: User, departments: dict[str, Department]) -> Any:
    kind, title, needs, leader_name, asked, goal = plan
    leader = User.objects.get(username=leader_name)
    now = timezone.now()
    started = now - timedelta(days=20) if goal in ("overdue", "issued") else now - timedelta(days=2)
    today = timezone.localdate(started)
    depts = [departments[c] for c in asked if c in departments]
    request = services.request_file(
        actor=clerk,
        kind=kind,
        title=title,
        needs=needs,
        due_on=today + timedelta(days=25),
        owner=clerk,
        requested_by=leader,
        asks=[services.AskIn(department=d, deadline=today + timedelta(days=8)) for d in depts],
        now=started,
    )
    if goal == "intake":
        return request
    services.request_confirm(actor=clerk, request_id=request.pk)
    first = _member(depts[0])
    if first is not None:
        services.material_submit(
            actor=first,
            request_id=request.pk,
            department_id=depts[0].pk,
            text=f"{depts[0].name}材料：{needs}",
            files=[SimpleUploadedFile(f"{depts[0].name}材料.pdf", PDF)],
        )
    if goal in ("collecting", "overdue"):
        return request
    second = _member(depts[1])
    if second is not None:
        services.material_decline(
            actor=second, request_id=request.pk, department_id=depts[1].pk, reason="本部门无相关数据。"
        )
    services.collection_close(actor=clerk, request_id=request.pk)
    services.draft_save(actor=clerk, request_id=request.pk, text=f"{title}（初稿）\n\n{needs}", note="初稿")
    services.review_submit(actor=clerk, request_id=request.pk)
    if goal == "review":
        services.review_return(actor=leader, request_id=request.pk, text="请补充同比数据。")
        services.draft_save(actor=clerk, request_id=request.pk, text=f"{title}（修改稿）\n\n{needs}同比均有改善。")
        services.review_submit(actor=clerk, request_id=request.pk)
        return request
    services.review_approve(actor=leader, request_id=request.pk, text="同意。")
    if goal == "approved":
        return request
    readers = [u for u in (_member(d) for d in depts) if u is not None]
    return services.result_issue(actor=clerk, request_id=request.pk, output="brief", readers=readers)


def seed_briefing(*, stdout: TextIO | Any = None) -> int:
    """Make the demo's requests (see the module); returns how many were made (0 when any exists)."""
    if Request.objects.exists():
        return 0
    clerk = User.objects.filter(username="clerk").first()
    departments = {d.code: d for d in Department.objects.filter(unit__code=MAIN_UNIT_CODE, is_active=True)}
    if clerk is None or not departments:
        return 0
    made = sum(1 for plan in PLAN if _make(plan, clerk=clerk, departments=departments) is not None)
    if stdout is not None:
        stdout.write(f"服务领导决策：{made} 项信息报送与调研\n")
    return made
