"""One scene for the 公文, archive and visibility API tests, built once per module (seeding the demo organisation
costs seconds): the demo company with its 公文 processes and matters, a unit of another company, 收文 and 发文 at
内部 and 秘密 in flight, archive records at every 密级, a leave request, and an API client per persona.

The scene is built in a transaction rolled back at the module's end; each test's own transaction is a savepoint
inside it (as tests/security/test_access.py does), so a test's writes vanish after it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sanfu.accounts.models import User
from sanfu.api.scopes import declared
from sanfu.api.tokens import token_issue
from sanfu.archive.models import ArchiveRecord
from sanfu.archive.services import ArchiveFileIn, archive_record
from sanfu.demo.matters import seed_matters
from sanfu.demo.org import MAIN_UNIT_CODE, seed_demo
from sanfu.documents import services
from sanfu.documents.flows import publish_definitions
from sanfu.documents.models import DocKind, IncomingDocument, OutgoingDocument
from sanfu.org.models import Department
from sanfu.org.selectors import heads_of_departments
from tests.api.conftest import LEAVE, ApiClient
from tests.conftest import make_department, make_staff, make_unit
from tests.worlds import built_once

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# clerk: the office (registers, proposes, reviews); gm: a leader who signs; deputy1: a leader; office_head: a
# department head who drafts; staff and hr: plain staff; stranger: a person of another company.
PERSONAS = ("clerk", "gm", "deputy1", "office_head", "finance_head", "staff", "hr", "stranger")


@dataclass
class World:
    people: dict[str, User]
    departments: dict[str, Department]
    heads: dict[str, User]
    incoming: dict[str, IncomingDocument] = field(default_factory=dict)
    outgoing: dict[str, OutgoingDocument] = field(default_factory=dict)
    records: dict[str, ArchiveRecord] = field(default_factory=dict)
    leave_id: int = 0
    tokens: dict[str, str] = field(default_factory=dict)

    def api(self, name: str) -> ApiClient:
        return ApiClient(self.tokens[name])


def _register(clerk: User, title: str, level: str, number: str) -> IncomingDocument:
    return services.incoming_register(
        actor=clerk,
        title=title,
        source_unit="华南能源集团",
        source_number=number,
        confidentiality=level,
        summary=f"{title}的摘要",
        original=SimpleUploadedFile("来文.pdf", PDF),
    )


def _draft(world: World, title: str, level: str, **extra: Any) -> OutgoingDocument:
    return services.outgoing_draft(
        actor=world.people["office_head"],
        kind=DocKind.NOTICE,
        title=title,
        body="各部门：\n\n请认真落实。",
        recipients="各部门",
        confidentiality=level,
        countersign=[world.departments["production"]],
        signer=world.people["gm"],
        attachments=[SimpleUploadedFile("附件.pdf", PDF)],
        **extra,
    )


def archived(world: World, source_id: int, level: str, **extra: Any) -> ArchiveRecord:
    return archive_record(
        source="tests",
        source_id=source_id,
        title=f"迎峰度夏专项检查（{level}）",
        kind="发文",
        unit_id=world.departments["office"].unit_id,
        department_id=world.departments["office"].pk,
        year=2026,
        body_text="各部门：为确保迎峰度夏期间机组稳定运行，现就设备巡检工作通知如下。",
        confidentiality=level,
        files=[ArchiveFileIn(name="正文.pdf", content=PDF + level.encode(), text="设备巡检")],
        **extra,
    )


def build_world() -> World:
    seed_demo()
    publish_definitions()
    seed_matters()
    people = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    elsewhere = make_department(make_unit("other", name="另一家公司"), "综合部")
    people["stranger"] = make_staff(elsewhere, username="stranger")
    departments = {d.code: d for d in Department.objects.filter(unit__code=MAIN_UNIT_CODE)}
    by_id = heads_of_departments(departments.values())
    heads = {code: by_id[d.pk][0] for code, d in departments.items() if by_id[d.pk]}
    world = World(people=people, departments=departments, heads=heads)
    clerk = people["clerk"]
    world.incoming["internal"] = _register(clerk, "关于迎峰度冬安全检查的通知", "internal", "华南能源安〔2026〕45号")
    world.incoming["secret"] = _register(clerk, "关于核查涉密设备的通知", "secret", "华南能源保〔2026〕7号")
    services.incoming_propose(
        actor=clerk, document_id=world.incoming["secret"].pk, text="拟请总经理阅示。", leader=people["gm"]
    )
    world.outgoing["internal"] = _draft(world, "关于做好节日期间安全生产工作的通知", "internal")
    world.outgoing["secret"] = _draft(world, "关于涉密载体清查的通知", "secret", copy_no="12")
    world.records["public"] = archived(world, 1, "public")
    world.records["internal"] = archived(world, 2, "internal")
    world.records["secret"] = archived(world, 3, "secret", owner_id=clerk.pk)
    world.records["confidential"] = archived(world, 4, "confidential", reader_ids=[people["hr"].pk])
    leave = ApiClient(_token(people["staff"])).post(
        "/approvals/requests",
        {"matter": "leave", "title": "事假两天", "data": {**LEAVE, "handover": people["office_head"].pk}},
    )
    assert leave.status_code == 201, leave.content
    world.leave_id = leave.json()["id"]
    world.tokens = {name: _token(person) for name, person in people.items()}
    return world


def _token(person: User) -> str:
    _t, raw = token_issue(actor=person, name="测试", scopes=list(declared()), days=30)
    return raw


def module_world(django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Build the scene once, inside a transaction rolled back when the module is done (tests/worlds.py)."""
    yield from built_once(django_db_blocker, tmp_path_factory, build_world)
