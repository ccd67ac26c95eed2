"""Demo 公文 (``sanfu demo``): the two processes published, and a few incoming and outgoing documents at
different steps so that the pages have life. Idempotent: documents are created only on a database that
has none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TextIO

from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.demo.org import MAIN_UNIT_CODE
from sanfu.documents import flows, services
from sanfu.documents.models import DocKind, IncomingDocument, OutgoingDocument, Urgency
from sanfu.org import selectors as org_selectors
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
    made += _finished_pair(people, departments)
    if stdout is not None:
        stdout.write(f"公文：已生成 {made} 件演示公文（收文、发文，其中各一件已办结归档）。")
    return made


def _finished_pair(people: dict[str, User], departments: dict[str, Department]) -> int:
    """One incoming and one outgoing document taken all the way to the archive, so that the archive and its
    search have something to find on a fresh demo."""
    clerk, gm = people["clerk"], people["gm"]
    heads = {code: org_selectors.department_heads(dept)[0] for code, dept in departments.items()}
    incoming = services.incoming_register(
        actor=clerk,
        title="关于做好灰坝汛期巡查工作的通知",
        source_unit="贵港市应急管理局",
        source_number="贵应急〔2026〕31号",
        pages=3,
        summary="要求各单位加强灰坝汛期巡查，发现渗漏、裂缝立即处置并报告。",
    )
    services.incoming_propose(
        actor=clerk, document_id=incoming.pk, text="拟请总经理阅示，安全生产部牵头。", leader=gm, readers=[]
    )
    services.incoming_instruct(actor=gm, document_id=incoming.pk, text="请安全生产部牵头，设备部配合，每日巡查。")
    services.incoming_distribute(
        actor=clerk, document_id=incoming.pk, lead=departments["production"], co=[departments["equipment"]]
    )
    for code in ("production", "equipment"):
        services.incoming_reply(actor=heads[code], document_id=incoming.pk, text="已按要求组织灰坝每日巡查。")
    services.incoming_close(actor=clerk, document_id=incoming.pk, text="已落实，办结。")
    template = services.outgoing_template(DocKind.NOTICE)
    outgoing = services.outgoing_draft(
        actor=people["office_head"],
        kind=DocKind.NOTICE,
        title="关于加强输煤栈桥防火管理的通知",
        body=template["body"].replace("为……", "为加强输煤栈桥防火管理，防止积粉自燃"),
        recipients="各部门",
        countersign=[departments["production"], departments["safety"]],
        signer=gm,
    )
    services.outgoing_review(actor=clerk, document_id=outgoing.pk, comment="核稿通过")
    for code in ("production", "safety"):
        services.outgoing_countersign(actor=heads[code], document_id=outgoing.pk, comment="同意")
    services.outgoing_sign_off(actor=gm, document_id=outgoing.pk, comment="同意印发")
    services.outgoing_assign_number(actor=clerk, document_id=outgoing.pk)
    services.outgoing_issue(actor=clerk, document_id=outgoing.pk, departments=list(departments.values()), external=[])
    services.outgoing_archive(actor=clerk, document_id=outgoing.pk)  # 归档 is the office's own step after 印发
    return 2
