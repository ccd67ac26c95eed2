"""A small, hand-computed world for the bulletin (月度通报) and the assessment (定期考核), built once per module
through the services with time frozen (time-machine), on the statutory calendar of November 2026 (no holiday;
Sat 14 and Sun 15 are rest days).

Each item, created by the general manager (a leader: he is the assigner and approves every close-out), with
what happens to it; ``as of`` is Fri 2026-11-20:

=====  ========  ==========  ====================  ===================================================
item   lead      deadline    created               what happens
=====  ========  ==========  ====================  ===================================================
F1     财务部    11-13 Fri   10-15                 applied 11-12, approved 11-13, score 5 → on time
F2     财务部    11-14 Sat   10-15                 applied Mon 11-16 (deadline runs to Mon), approved
                                                   11-17, score 4 → on time
F3     财务部    11-10 Tue   10-15                 applied 11-12, approved 11-12, score 3 → closed late
                                                   (2 working days: 11-11, 11-12)
F4     财务部    11-18 Wed   10-15                 open, no report → overdue on 11-20 (2 working days)
F5     财务部    11-27 Fri   11-03 (new)           open, no report → at risk (report due 11-10)
S      财务部    11-20 Fri   10-15                 秘密, open, no report: the clerk does not see it; the
                                                   general manager does (due, pending, at risk)
O1     办公室    11-19 Thu   10-15                 applied 11-19, still under review → pending
O2     办公室    11-30 Mon   10-15                 reported 11-16 at 90% → on track, pending
C      办公室    11-25 Wed   11-05 (new, sub-item  open, owner 办公室主任, reported 11-19 at 80%: not in
                             of O2)                the bulletin (sub-item); in the assessment
O3     办公室    12-15 Tue   11-05 (new)           reported 11-18 at 10% (38% of the time gone) → at risk
O4     办公室    10-30 Fri   10-15                 applied 10-29, approved Mon 11-02, score 5 → closed in
                                                   November, due in October
=====  ========  ==========  ====================  ===================================================

F items are owned by the accountant (财务部), O items by the clerk (办公室's 文秘科).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role, User
from sanfu.org.models import Department, PostRole, Rank
from sanfu.supervision import flows, services
from sanfu.supervision.models import Item
from tests.conftest import grant, make_department, make_staff, make_unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
AS_OF = date(2026, 11, 20)


def at(day: str, hour: int = 9) -> time_machine.travel:
    return time_machine.travel(datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI), tick=False)


@dataclass
class World:
    people: dict[str, User]
    departments: dict[str, Department]
    items: dict[str, Item] = field(default_factory=dict)


def build_org() -> World:
    ensure_admin_roles()
    unit = make_unit("demo", name="示例发电公司")
    leaders = make_department(unit, "公司领导")
    gm = make_staff(leaders, role=PostRole.HEAD, rank=Rank.LEADER, username="gm", full_name="总经理")
    office = make_department(unit, "办公室")
    section = make_department(unit, "文秘科", parent=office)
    finance = make_department(unit, "财务部")
    office_head = make_staff(office, role=PostRole.HEAD, rank=Rank.HEAD, username="office_head", full_name="办公室主任")
    clerk = make_staff(section, username="clerk", full_name="文书")
    finance_head = make_staff(
        finance, role=PostRole.HEAD, rank=Rank.HEAD, username="finance_head", full_name="财务部长"
    )
    accountant = make_staff(finance, username="accountant", full_name="会计")
    staff = make_staff(finance, username="cashier", full_name="出纳")
    grant(clerk, Role.objects.get(code="clerk"))
    grant(gm, Role.objects.get(code="leader"))
    flows.publish_definitions()
    other = make_department(make_unit("other", name="另一公司"), "综合部")
    outsider = make_staff(other, username="sup_outsider")
    people = {
        "gm": gm,
        "office_head": office_head,
        "clerk": clerk,
        "finance_head": finance_head,
        "accountant": accountant,
        "cashier": staff,
        "outsider": outsider,
    }
    return World(people=people, departments={"office": office, "finance": finance, "section": section})


def build_world() -> World:
    w = build_org()
    gm, p, d = w.people["gm"], w.people, w.departments

    def create(key: str, deadline: str, owner: str, dept: str, **extra: Any) -> None:
        w.items[key] = services.item_create(
            actor=gm,
            title=f"事项{key}",
            content=f"{key} 的督办内容",
            owner=p[owner],
            lead_department=d[dept],
            deadline=date.fromisoformat(deadline),
            **extra,
        )

    def apply(key: str, owner: str) -> None:
        services.closeout_apply(actor=p[owner], item_id=w.items[key].pk, summary="已完成")

    def approve(key: str, score: int) -> None:
        services.closeout_approve(actor=gm, item_id=w.items[key].pk, score=score, comment="同意")

    def report(key: str, owner: str, percent: int) -> None:
        services.progress_report(actor=p[owner], item_id=w.items[key].pk, text="进展", percent=percent)

    with at("2026-10-15"):
        for key, deadline in (("F1", "2026-11-13"), ("F2", "2026-11-14"), ("F3", "2026-11-10"), ("F4", "2026-11-18")):
            create(key, deadline, "accountant", "finance")
        create("S", "2026-11-20", "accountant", "finance", confidentiality="secret")
        create("O1", "2026-11-19", "clerk", "office")
        create("O2", "2026-11-30", "clerk", "office")
        create("O4", "2026-10-30", "clerk", "office")
    with at("2026-10-29"):
        apply("O4", "clerk")
    with at("2026-11-02"):
        approve("O4", 5)
    with at("2026-11-03"):
        create("F5", "2026-11-27", "accountant", "finance")
    with at("2026-11-05"):
        create("O3", "2026-12-15", "clerk", "office")
        w.items["C"] = services.item_decompose(
            actor=p["clerk"],
            item_id=w.items["O2"].pk,
            title="事项C",
            owner=p["office_head"],
            deadline=date(2026, 11, 25),
        )
    with at("2026-11-12"):
        apply("F1", "accountant")
        apply("F3", "accountant")
        approve("F3", 3)
    with at("2026-11-13"):
        approve("F1", 5)
    with at("2026-11-16"):
        apply("F2", "accountant")
        report("O2", "clerk", 90)
    with at("2026-11-17"):
        approve("F2", 4)
    with at("2026-11-18"):
        report("O3", "clerk", 10)
    with at("2026-11-19"):
        apply("O1", "clerk")
        report("C", "office_head", 80)
    for item in w.items.values():
        item.refresh_from_db()
    return w


def module_world(django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The world, built once inside a transaction rolled back when the module is done."""
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    media.enable()
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic._from_testcase = True  # type: ignore[attr-defined]  # the flag Django's TestCase sets on its own
        atomic.__enter__()
        try:
            built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            media.disable()
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
    media.disable()
