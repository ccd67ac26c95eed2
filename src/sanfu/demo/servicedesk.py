"""Demo 一站式服务 (``sanfu demo``): the main unit's window with ten services of a group company's 服务群众 catalogue
(two of them naming the 审批中心's matters, so their materials list is the matter's), three months of closed
requests with ratings (a few bad ones, reviewed), returns for missing material and complaints, and a handful of live
requests through the services: a walk-in at two departments, one waiting for material, one closed and waiting for
its rating, one with a bad rating under review, complaints answered and open.

The live ones go through the services (flow tasks, 我的待办); the history is closed already and is written in bulk
(a few statements), so the demo stays fast where it seeds in many tests. Idempotent: only on a database where the
main unit has no service yet."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any, TextIO

from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.demo.org import MAIN_UNIT_CODE
from sanfu.org.models import Department, Unit
from sanfu.org.selectors import heads_of_departments
from sanfu.servicedesk import flows, services
from sanfu.servicedesk.models import (
    Channel,
    Complaint,
    ComplaintStatus,
    MaterialReturn,
    MissingItem,
    PartStatus,
    Rating,
    RequestPart,
    RequestStatus,
    Service,
    ServiceRequest,
)
from sanfu.servicedesk.services.base import due_date, working_days_taken

ALL: list[str] = [Channel.ONLINE, Channel.WINDOW, Channel.HOTLINE]
# code, name, departments, days, matter, own materials, description
SERVICES: list[tuple[str, str, list[str], int, str, list[str], str]] = [
    (
        "work-proof",
        "工作证明开具",
        ["office", "hr"],
        2,
        "",
        ["身份证复印件*：正反面", "用途说明"],
        "在职、任职等工作证明，办公室盖章。",
    ),
    (
        "income-proof",
        "收入证明开具",
        ["hr", "finance"],
        3,
        "",
        ["身份证复印件*", "工资卡号"],
        "用于贷款、签证的收入证明。",
    ),
    (
        "archive-borrow",
        "人事档案借阅",
        ["hr", "office"],
        2,
        "",
        ["借阅审批单*：部门负责人签字", "工作证*"],
        "人事档案查阅、借阅和复印。",
    ),
    (
        "fund-withdraw",
        "公积金提取咨询",
        ["hr", "finance"],
        3,
        "",
        ["身份证复印件*", "购房合同或租房证明"],
        "住房公积金提取条件、材料和流程。",
    ),
    (
        "expense-help",
        "费用报销咨询",
        ["finance"],
        2,
        "expense",
        [],
        "报销标准、票据要求和流程，材料清单与审批中心的费用报销一致。",
    ),
    (
        "travel-help",
        "出差手续办理",
        ["hr", "finance"],
        2,
        "travel",
        [],
        "出差审批、借款和差旅标准，材料清单与审批中心的出差申请一致。",
    ),
    (
        "hardship-help",
        "职工困难帮扶咨询",
        ["union"],
        5,
        "",
        ["困难情况说明*", "相关证明"],
        "工会困难职工帮扶政策咨询。",
    ),
    ("party-transfer", "党组织关系转接", ["party"], 5, "", ["党员证明*", "介绍信"], "党员组织关系转入、转出。"),
    ("title-review", "职称申报材料审核", ["hr"], 5, "", ["学历证书*", "业绩材料*", "论文"], "职称评审申报材料的初审。"),
    (
        "safety-cert",
        "安全培训证书补办",
        ["safety", "hr"],
        5,
        "",
        ["身份证复印件*", "原证书编号"],
        "安全培训合格证遗失补办和换证。",
    ),
]
HISTORY_PER_SERVICE = 15
SUMMARIES = ["办理签证需要", "银行贷款需要", "子女入学需要", "咨询办理流程", "材料补充后再次办理"]
MISSING = {
    "work-proof": ["用途说明", "身份证复印件"],
    "income-proof": ["工资卡号"],
    "archive-borrow": ["借阅审批单", "部门负责人签字"],
    "fund-withdraw": ["购房合同或租房证明", "婚姻状况证明"],
    "title-review": ["业绩材料", "论文检索证明"],
}
BAD_COMMENTS = ["来回跑了两趟", "等待时间太长", "电话一直占线"]
COMPLAINTS = ["材料清单没写清楚，补交了一次", "窗口人员态度生硬", "超过承诺时限才办结"]


def _at(moment: datetime, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(moment), time(hour)))


def _history(service: Service, people: list[User], clerk: User, rng: random.Random, start: datetime) -> int:
    """Closed requests of the last three months, written in bulk."""
    departments = list(service.departments.values_list("pk", flat=True))
    rows, plans = [], []
    for i in range(HISTORY_PER_SERVICE):
        created = _at(start + timedelta(days=rng.randint(0, 85)), rng.choice([9, 10, 14, 15]))
        closed = created + timedelta(days=rng.randint(0, service.promised_days + 2), hours=2)
        returned = service.code in MISSING and rng.random() < 0.3
        person = rng.choice(people)
        channel = rng.choice(service.channels)
        rows.append(
            ServiceRequest(
                unit_id=service.unit_id,
                service=service,
                number=f"FWH{timezone.localtime(created):%Y%m%d}{service.pk:02d}{i:03d}",
                requester=person,
                caller_name=person.display_name,
                phone=f"138{rng.randint(10000000, 99999999)}",
                summary=rng.choice(SUMMARIES),
                channel=channel,
                registered_by=clerk if channel != Channel.ONLINE else person,
                status=RequestStatus.DONE,
                due_on=due_date(created, service.promised_days),
                second_trip=returned,
                # the return below: the material came a day later, and the clock was held meanwhile
                paused_days=working_days_taken(created, created + timedelta(days=1)) if returned else 0,
                result="已办结",
                created_at=created,
                closed_at=closed,
                turnaround_days=working_days_taken(created, closed),
            )
        )
        plans.append((returned, rng.random()))
    for row in rows:
        row.phone_digits = row.phone
    ServiceRequest.objects.bulk_create(rows)
    made = list(ServiceRequest.objects.filter(service=service, number__startswith="FWH").order_by("number"))
    RequestPart.objects.bulk_create(
        [
            RequestPart(request=r, department_id=d, status=PartStatus.DONE, reply="已办理", done_at=r.closed_at)
            for r in made
            for d in departments
        ]
    )
    returns = []
    ratings = []
    complaints = []
    for r, (returned, roll) in zip(made, plans, strict=True):
        closed_at = r.closed_at or r.created_at
        if returned:
            returns.append(
                MaterialReturn(
                    request=r,
                    department_id=departments[0],
                    created_by=clerk,
                    created_at=r.created_at + timedelta(hours=1),
                    supplied_at=r.created_at + timedelta(days=1),
                    supplied_by=clerk,
                )
            )
        if roll < 0.8:
            bad = roll < 0.08
            score = rng.randint(1, 2) if bad else rng.choice([4, 5, 5, 5, 3])
            ratings.append(
                Rating(
                    request=r,
                    score=score,
                    comment=rng.choice(BAD_COMMENTS) if bad else "",
                    rated_by=r.requester,
                    created_at=closed_at + timedelta(hours=3),
                    review_answer="已核查，对窗口人员进行了提醒，并完善了材料清单的说明。" if bad else "",
                    reviewed_by=clerk if bad else None,
                    reviewed_at=closed_at + timedelta(days=2) if bad else None,
                )
            )
            if roll < 0.04:  # half the bad ratings also complained, and were answered within the deadline
                complained = closed_at + timedelta(hours=4)
                complaints.append(
                    Complaint(
                        unit_id=service.unit_id,
                        service=service,
                        request=r,
                        complainant=r.requester,
                        content=rng.choice(COMPLAINTS),
                        status=ComplaintStatus.ANSWERED,
                        due_on=due_date(complained, flows.COMPLAINT_DAYS),
                        investigation="经调阅记录核实，情况属实。",
                        reply="已向当事窗口人员了解情况并提醒改进，相关材料清单已补充说明，感谢监督。",
                        answered_by=clerk,
                        answered_at=complained + timedelta(days=2),
                        created_at=complained,
                    )
                )
    MaterialReturn.objects.bulk_create(returns)
    saved = MaterialReturn.objects.filter(request__service=service)
    MissingItem.objects.bulk_create(
        [MissingItem(material_return=ret, service=service, name=rng.choice(MISSING[service.code])) for ret in saved]
    )
    Rating.objects.bulk_create(ratings)
    Complaint.objects.bulk_create(complaints)
    return len(made)


def seed_servicedesk(*, stdout: TextIO | Any = None) -> int:
    unit = Unit.objects.get(code=MAIN_UNIT_CODE)
    if Service.objects.filter(unit=unit).exists():
        return 0
    clerk = User.objects.get(username="clerk")
    flows.publish_definitions()
    depts = dict(Department.objects.filter(unit=unit).values_list("code", "pk"))
    catalogue: dict[str, Service] = {}
    for sort, (code, name, owners, days, matter, materials, description) in enumerate(SERVICES):
        catalogue[code] = services.service_save(
            actor=clerk,
            data=services.ServiceIn(
                code=code,
                name=name,
                department_ids=[depts[o] for o in owners if o in depts],
                promised_days=days,
                description=description,
                matter_code=matter,
                materials=materials,
                channels=ALL,
                public=code in {"work-proof", "fund-withdraw", "archive-borrow"},
                sort=sort,
            ),
        )
    rng = random.Random(16)
    people = list(User.objects.filter(is_active=True, staff__unit=unit).order_by("username")[:60])
    start = timezone.now() - timedelta(days=92)
    made = sum(_history(s, people, clerk, rng, start) for s in catalogue.values())
    made += _live(catalogue, clerk)
    if stdout is not None:
        stdout.write(f"一站式服务：服务事项 {len(catalogue)} 个，服务申请 {made} 件。")
    return made


def _live(catalogue: dict[str, Service], clerk: User) -> int:
    """A handful through the services: tasks in 我的待办, a return, a rating under review, complaints."""
    staff, hr = (User.objects.get(username=u) for u in ("staff", "hr"))
    hr_dept = Department.objects.get(unit__code=MAIN_UNIT_CODE, code="hr")
    hr_heads = heads_of_departments([hr_dept.pk]).get(hr_dept.pk, [])
    walk = services.request_register(
        actor=clerk,
        data=services.RequestIn(
            service_id=catalogue["work-proof"].pk,
            summary="开具在职证明，办理出国签证",
            channel=Channel.WINDOW,
            caller_name=staff.display_name,
            phone="138 7712 3456",
            requester_id=staff.pk,
            materials=["m1", "m2"],
        ),
    )
    waiting = services.request_register(
        actor=clerk,
        data=services.RequestIn(
            service_id=catalogue["fund-withdraw"].pk,
            summary="咨询租房提取公积金",
            channel=Channel.HOTLINE,
            caller_name="李女士",
            phone="0775-4561234",
        ),
    )
    if hr_heads:
        services.request_return_material(
            actor=hr_heads[0],
            request_id=waiting.pk,
            items=["购房合同或租房证明"],
            note="租房提取须附租房合同和完税证明",
        )
    closed = services.request_register(
        actor=hr,
        data=services.RequestIn(
            service_id=catalogue["income-proof"].pk, summary="银行贷款用收入证明", materials=["m1"]
        ),
    )
    reviewed = services.request_register(
        actor=staff,
        data=services.RequestIn(service_id=catalogue["work-proof"].pk, summary="开具任职证明", materials=["m1"]),
    )
    for request in (closed, reviewed):
        for part in request.parts.all():
            heads = heads_of_departments([part.department_id]).get(part.department_id, [])
            if heads:
                services.request_handle(
                    actor=heads[0], request_id=request.pk, reply="已办理，证明已盖章", department_id=part.department_id
                )
    request = ServiceRequest.objects.get(pk=reviewed.pk)
    if request.status == RequestStatus.DONE:
        services.request_rate(actor=staff, request_id=reviewed.pk, score=2, comment="盖章要跑两个部门，等了一上午")
    answered = services.complaint_file(
        actor=staff, service_id=catalogue["work-proof"].pk, content="窗口午休时间无人值守", request_id=walk.pk
    )
    services.complaint_answer(
        actor=clerk,
        complaint_id=answered.pk,
        investigation="午间确无人值守。",
        reply="已安排午间轮值，12:00–14:00 窗口有人受理。",
    )
    services.complaint_file(actor=hr, service_id=catalogue["fund-withdraw"].pk, content="热线电话经常占线")
    return 4
