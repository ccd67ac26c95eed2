"""Demo 公文 (``sanfu demo``): the two processes published, and a few incoming and outgoing documents at
different steps so that the pages have life. Idempotent: documents are created only on a database that
has none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TextIO

from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.documents import flows, services
from sanfu.documents.models import DocKind, IncomingDocument, OutgoingDocument, Urgency
from sanfu.org.demo import MAIN_UNIT_CODE
from sanfu.org.models import Department


def seed_documents(*, stdout: TextIO | Any = None) -> int:
    """Publish the 收文/发文 processes; on a database without documents, add a few. Returns how many."""
    admins = list(User.objects.filter(username="office_head").values_list("pk", flat=True))
    flows.publish_definitions(admins=admins)
    if IncomingDocument.objects.exists() or OutgoingDocument.objects.exists():
        return 0
    people = {u.username: u for u in User.objects.filter(username__in=["clerk", "gm", "deputy1", "office_head"])}
    departments = {
        d.code: d
        for d in Department.objects.filter(unit__code=MAIN_UNIT_CODE, code__in=["production", "safety", "equipment"])
    }
    if len(people) < 4 or len(departments) < 3:
        return 0
    clerk, gm = people["clerk"], people["gm"]
    today = timezone.localdate()
    made = 0
    first = services.incoming_register(
        actor=clerk,
        title="关于开展2026年迎峰度冬安全生产大检查的通知",
        source_unit="华南能源集团",
        source_number="华南能源安〔2026〕45号",
        urgency=Urgency.RUSH,
        deadline=today + timedelta(days=10),
        pages=6,
        summary="集团要求各单位于12月底前完成迎峰度冬安全生产大检查并报送检查报告。",
    )
    services.incoming_propose(
        actor=clerk,
        document_id=first.pk,
        text="拟请总经理阅示，由安全生产部牵头、设备部和安全监察部配合落实。",
        leader=gm,
        readers=[people["deputy1"]],
    )
    services.incoming_instruct(
        actor=gm,
        document_id=first.pk,
        text="请安全生产部牵头，会同设备部、安监部认真组织，12月20日前报检查报告。",
    )
    made += 1
    second = services.incoming_register(
        actor=clerk,
        title="关于报送2026年度统计年报的函",
        source_unit="贵港市统计局",
        source_number="贵统函〔2026〕18号",
        deadline=today + timedelta(days=20),
        pages=2,
    )
    del second
    made += 1
    services.incoming_register(
        actor=clerk,
        title="关于开展2026年迎峰度冬安全生产大检查的通知",
        source_unit="华南能源集团",
        source_number="华南能源安〔2026〕45号",
        urgency=Urgency.RUSH,
        pages=6,
        summary="（传真件，与正式来文同号）",
    )
    made += 1
    draft = services.outgoing_template(DocKind.NOTICE)
    services.outgoing_draft(
        actor=people["office_head"],
        kind=DocKind.NOTICE,
        title="关于做好2027年元旦春节期间安全生产工作的通知",
        body=draft["body"].replace("为……", "为做好节日期间安全生产工作"),
        recipients="各部门",
        countersign=[departments["production"], departments["safety"]],
        signer=gm,
    )
    made += 1
    if stdout is not None:
        stdout.write(f"公文：已生成 {made} 件演示公文（收文、发文）。")
    return made
